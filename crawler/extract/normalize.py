"""Turn a :class:`~crawler.items.RawAd` into a normalized :class:`~crawler.items.Ad`.

Everything here is a pure function: text cleanup, URL canonicalization and the
ad id, contact details (phones, WhatsApp, e-mails, messenger handles), price,
posting date and language. :func:`normalize_ad` runs them all on one raw ad and
never raises: a field it cannot read becomes None or empty.

It runs on every crawled ad, so the common paths are hand-written regular
expressions; ``dateparser`` is imported only for dates nothing else can read,
and the language model is loaded once, on first use.

Limits: a title is cut to :data:`TITLE_MAX_CHARS` (1,000) characters and a body to
:data:`BODY_MAX_CHARS` (100,000), never inside a letter and its accents; the price
text, location and employer to the title's limit, the contact field to the body's.
Each cut is logged ("normalize: URL: title cut from N to M characters"). Whatever an
ad's author sends, the stored ad, its digest lines and its search document stay
bounded.

A source without a country still gets its phone numbers and currencies read: the page
says where it is from (its domain, an address or currency in its structured data, the
sign of its price, a dialling prefix written on it), else the regions where its
language is written are tried in turn, and last the North American plan; numbers read
with such a guess must have a contact word next to them.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree
from w3lib.url import canonicalize_url

from crawler.extract.geo import (
    LANGUAGE_REGIONS,
    LAST_RESORT_REGIONS,
    region_of_country_name,
    region_of_host,
)
from crawler.extract.phones import extract_phones, extract_whatsapp, find_phones_and_whatsapp
from crawler.extract.prices import (
    COUNTRY_CURRENCY,
    CURRENCY_COUNTRY,
    find_marked_price,
    find_price,
    has_currency,
    parse_price,
    period_from_unit,
)
from crawler.items import Ad, RawAd

__all__ = [
    "BODY_MAX_CHARS",
    "TITLE_MAX_CHARS",
    "ad_id",
    "canonical_url",
    "clean_text",
    "detect_language",
    "extract_emails",
    "extract_handles",
    "extract_phones",
    "extract_whatsapp",
    "find_posted",
    "normalize_ad",
    "parse_posted",
    "parse_price",
]

log = logging.getLogger(__name__)

#: An ad's title is cut to this many characters at normalization; a longer one is a
#: mistake or an attack (a 4 MB title would make a 16 MB digest).
TITLE_MAX_CHARS = 1_000
#: An ad's body is cut to this many characters at normalization (about 40 pages of text).
BODY_MAX_CHARS = 100_000
# Raw text is cut to this many times the cap before it is cleaned, to bound the cost of
# reading markup; whatever cleaning leaves is then cut to the cap itself.
_RAW_SLACK = 20

# --- text ------------------------------------------------------------------

_LOOKS_LIKE_HTML = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9-]*|/[a-zA-Z][a-zA-Z0-9-]*|!--)[^<>]*>")
_ANY_TAG = re.compile(r"<[^<>]*>")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n?|[\x0c\u2028\u2029\x85]")
_ODD_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b\u2028\u2029\u2060\ufeff\ud800-\udfff]"
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody tfoot "
    "thead tr ul".split()
)
_DROP_TAGS = ("script", "style", "noscript", "template", "head")


def clean_text(value: str | None) -> str:
    """Plain text from a page string: tags stripped, entities decoded, NFC.

    Runs of spaces become one space; each paragraph or line break (``<p>``,
    ``<br>``, ``<li>``, a newline) becomes one ``"\\n"``; blank lines are dropped.
    None and non-text give "".
    """
    text = _as_text(value)
    if not text:
        return ""
    if _ODD_CHARACTERS.search(text):
        text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))
    if "<" in text and _LOOKS_LIKE_HTML.search(text):
        text = _html_to_text(text)
    elif "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _html_to_text(markup: str) -> str:
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.LxmlError, ValueError):
        return html.unescape(_ANY_TAG.sub(" ", markup))
    for element in list(root.iter(*_DROP_TAGS)):
        element.drop_tree()
    for element in root.iter(etree.Element):
        tag = element.tag
        if tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif tag in _BLOCK_TAGS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
        elif tag in ("td", "th"):
            element.tail = " " + (element.tail or "")
    return root.text_content()


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "\n".join(_as_text(item) for item in value)
    return ""


# --- URLs ------------------------------------------------------------------

_TRACKING_PARAMS = frozenset(
    "fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id igshid igsh "
    "mc_cid mc_eid _ga _gl _hsenc _hsmi mkt_tok ref ref_src ref_url referrer srsltid spm scm "
    "trk trkinfo s_cid cmpid".split()
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def canonical_url(url: str) -> str:
    """One spelling per page: w3lib's canonical form without fragment or tracking.

    Drops ``utm_*``, ``fbclid``, ``gclid``, ``ref`` and similar parameters and
    the default port, and lower-cases the host. Unparseable input comes back
    stripped; None gives "".
    """
    url = _as_text(url).strip()
    if not url:
        return ""
    try:
        canon = canonicalize_url(url, keep_fragments=False)
        parts = urlsplit(canon)
    except ValueError:
        return url
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _is_tracking(pair.split("=", 1)[0])
    )
    userinfo, at, hostport = parts.netloc.rpartition("@")
    hostport = hostport.lower()
    default_port = _DEFAULT_PORTS.get(parts.scheme.lower())
    if default_port and hostport.endswith(":" + default_port):
        hostport = hostport[: -len(default_port) - 1]
    netloc = userinfo + at + hostport
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, query, ""))


def _is_tracking(name: str) -> bool:
    name = unquote(name).lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


def ad_id(canonical_url: str) -> str:
    """Stable ad id: the first 20 hex digits of the SHA-1 of the canonical URL."""
    return hashlib.sha1(_as_text(canonical_url).encode("utf-8", "replace")).hexdigest()[:20]


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


# --- e-mail ------------------------------------------------------------------

# All on lower-cased text: addresses come out lower-cased anyway.
_AT = re.compile(r"@|[\[({<]\s*(?:at|arroba|@)\s*[\])}>]|(?P<word>\s(?:at|arroba)\s)")
_LOCAL_BEFORE = re.compile(r"(?<![\w.%+-])[a-z0-9][a-z0-9._%+-]{0,63}(?=\s*$)")
_DOT = r"(?:\.|\s*[\[({<]\s*(?:dot|punto|ponto|\.)\s*[\])}>]\s*|\s+(?:dot|punto|ponto)\s+)"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN_AFTER = re.compile(rf"\s*((?:{_LABEL}{_DOT})+[a-z]{{2,24}})(?![\w-])")
_DOT_ANY = re.compile(_DOT)
_PLAIN_EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9-]+\.)+[a-z]{2,24}")
_AT_HINTS = ("@", "arroba", "(at)", "[at]", "{at}", "<at>", "( at )", "[ at ]")
_BARE_AT_HINTS = (" dot ", "(dot)", "[dot]", ".com", ".net", ".org", ".co", ".py", ".br", ".es")
# "name at domain.com" is only believed with a domain people really use.
_COMMON_TLDS = frozenset(
    "com net org info biz edu gov io me co "
    "py br ar es uk mx cl pe uy bo ec ve pt fr de it us".split()
)


def extract_emails(text: str, hrefs: Iterable[str] = ()) -> list[str]:
    """E-mail addresses from ``text`` and ``mailto:`` links, lower-cased, unique, in order.

    Reads light obfuscation too: "nombre [at] dominio [dot] com",
    "nome arroba dominio ponto com", "name (at) domain (dot) com".
    """
    found: list[str] = []
    for href in hrefs or ():
        if isinstance(href, str) and href[:7].lower() == "mailto:":
            for address in unquote(href[7:].split("?", 1)[0]).split(","):
                address = address.strip().lower()
                if _PLAIN_EMAIL.fullmatch(address) and address not in found:
                    found.append(address)
    text = _as_text(text).lower()
    if not any(hint in text for hint in _AT_HINTS) and not (
        " at " in text and any(hint in text for hint in _BARE_AT_HINTS)
    ):
        return found
    for at in _AT.finditer(text):
        local = _LOCAL_BEFORE.search(text, max(at.start() - 70, 0), at.start())
        domain = _DOMAIN_AFTER.match(text, at.end())
        if not local or not domain:
            continue
        host = _DOT_ANY.sub(".", domain.group(1))
        if at.group("word") and host.rsplit(".", 1)[-1] not in _COMMON_TLDS:
            continue
        address = f"{local.group(0).rstrip('.')}@{host}"
        if address not in found:
            found.append(address)
    return found


# --- messenger handles ---------------------------------------------------------

_HANDLE_SHAPES = {
    "telegram": re.compile(r"[a-z][a-z0-9_]{3,31}"),
    "instagram": re.compile(r"[a-z0-9._]{1,30}"),
    "snapchat": re.compile(r"[a-z][a-z0-9._-]{2,14}"),
}
_LINK_HOSTS = {
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.dog": "telegram",
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "snapchat.com": "snapchat",
}
_LINK_HINTS = ("t.me/", "telegram.", "instagr", "snapchat.com")
_NOT_HANDLES = frozenset(
    "joinchat addstickers share s c proxy socks iv login p reel reels tv explore accounts direct "
    "about developer legal add stories web".split()
)
_LINKS_IN_TEXT = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog|instagram\.com|instagr\.am|"
    r"snapchat\.com)/[^\s\"'<>]+"
)
# On lower-cased text, ending where a ":" or "@" follows the platform's name.
_PLATFORM_BEFORE = re.compile(
    r"(?<![\w@])(?:(?P<telegram>telegrama?|tlgrm|tg)|(?P<instagram>instagram|insta|ig)|"
    r"(?P<snapchat>snapchat|snap))\s*(?::\s*)?$"
)
_HANDLE_AFTER = re.compile(r":?\s*(@)?\s*([a-z0-9._-]{1,32})(?![\w@-])")
# Words that follow "Instagram:" when no handle does.
_NOT_HANDLE_WORDS = frozenset(
    "no si sí sim yes disponible disponível available solo só only mismo mesmo same link below "
    "abajo abaixo aqui aquí here privado private dm mp inbox".split()
)


def extract_handles(text: str, hrefs: Iterable[str] = ()) -> list[str]:
    """Messenger handles as "telegram:@name", "instagram:@name", "snapchat:@name".

    From t.me / instagram.com / snapchat.com links (in ``hrefs`` or ``text``)
    and from a handle written right after the platform's name and a ":" or "@"
    ("Telegram: @name", "IG @name", "Snapchat: name"). Lower-case, unique, in order.
    """
    found: list[str] = []

    def add(platform: str, name: str) -> None:
        name = name.lstrip("@").rstrip("._-")
        if not _HANDLE_SHAPES[platform].fullmatch(name) or name in _NOT_HANDLES:
            return
        handle = f"{platform}:@{name}"
        if handle not in found:
            found.append(handle)

    text = _as_text(text).lower()
    links = [href.lower() for href in hrefs or () if isinstance(href, str)]
    if any(hint in text for hint in _LINK_HINTS):
        links += _LINKS_IN_TEXT.findall(text)
    for link in links:
        if any(hint in link for hint in _LINK_HINTS):
            in_link = _handle_from_link(link)
            if in_link:
                add(*in_link)
    for platform, name in _handles_after_names(text):
        add(platform, name)
    return found


def _handles_after_names(text: str) -> Iterator[tuple[str, str]]:
    """(platform, name) for each "Telegram: name" / "IG @name" in lower-cased ``text``."""
    # A platform name is always right before a ":" or "@": the few spots worth a look.
    marks = sorted(i for mark in ":@" for i in _positions(text, mark) if i >= 2)
    done = -1
    for mark in marks:
        if mark <= done:
            continue
        platform = _PLATFORM_BEFORE.search(text, max(mark - 14, 0), mark)
        if not platform:
            continue
        handle = _HANDLE_AFTER.match(text, mark)
        if not handle:
            continue
        done = handle.end()
        name = handle.group(2)
        if text[mark] == ":" and not handle.group(1) and name in _NOT_HANDLE_WORDS:
            continue
        yield next(key for key in _HANDLE_SHAPES if platform.group(key)), name


def _positions(text: str, char: str) -> Iterator[int]:
    at = text.find(char)
    while at >= 0:
        yield at
        at = text.find(char, at + 1)


def _handle_from_link(link: str) -> tuple[str, str] | None:
    if "://" not in link:
        link = "https://" + link.lstrip("/")
    try:
        parts = urlsplit(link)
        host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    except ValueError:
        return None
    platform = _LINK_HOSTS.get(host)
    if platform is None:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if platform == "instagram" and segments[:1] == ["stories"]:
        segments = segments[1:]
    if platform == "snapchat" and segments[:1] == ["add"]:
        segments = segments[1:]
    if not segments or segments[0].startswith("+"):
        return None  # a private invite, not a public handle
    return platform, segments[0]


# --- dates -------------------------------------------------------------------

_MONTHS = {
    # es
    "enero": 1, "ene": 1, "febrero": 2, "feb": 2, "marzo": 3, "mar": 3, "abril": 4, "abr": 4,
    "mayo": 5, "may": 5, "junio": 6, "jun": 6, "julio": 7, "jul": 7, "agosto": 8, "ago": 8,
    "septiembre": 9, "setiembre": 9, "sep": 9, "set": 9, "sept": 9, "octubre": 10, "oct": 10,
    "noviembre": 11, "nov": 11, "diciembre": 12, "dic": 12,
    # pt
    "janeiro": 1, "jan": 1, "fevereiro": 2, "fev": 2, "março": 3, "marco": 3, "maio": 5,
    "mai": 5, "junho": 6, "julho": 7, "setembro": 9, "outubro": 10, "out": 10, "novembro": 11,
    "dezembro": 12, "dez": 12,
    # en
    "january": 1, "february": 2, "march": 3, "april": 4, "apr": 4, "june": 6, "july": 7,
    "august": 8, "aug": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "dec": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?!\d)")
_DAY_MONTH = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|º|°)?\.?\s*(?:de\s+|-|/)?({_MONTH_NAMES})\.?(?![a-zç])"
    r"(?:,?\s*(?:(?:de|del)\s+)?[-/]?(\d{4}))?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"(?<![a-zç])({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{{4}}))?",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"\s*(\d{10}|\d{13})(?:\.\d+)?\s*")
_UNITS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}
_UNIT_WORDS = (
    r"(?P<minute>minutos?|minutes?|mins?)|(?P<hour>horas?|hours?|hrs?|hs?)|"
    r"(?P<day>d[ií]as?|days?)|(?P<week>semanas?|weeks?)|"
    r"(?P<month>mes(?:es)?|m[eê]s|months?)|(?P<year>años?|anos?|years?)"
)
_AMOUNT_WORDS = r"\d+|una?|uma?|an?|one"
_RELATIVE = re.compile(
    rf"(?:\b(?:hace|h[áa])\s+(?P<n1>{_AMOUNT_WORDS})\s+(?:{_UNIT_WORDS})\b)"
    rf"|(?:\b(?P<n2>{_AMOUNT_WORDS})\s+(?:{_UNIT_WORDS.replace('?P<', '?P<_')})\s+"
    r"(?:ago|atr[áa]s)\b)",
    re.IGNORECASE,
)
_DAYS_BACK = (
    (re.compile(r"\b(?:anteayer|antier|anteontem|antes\s+de\s+ontem)\b", re.I), 2),
    (re.compile(r"\b(?:ayer|ontem|yesterday)\b", re.I), 1),
    (
        re.compile(
            r"\b(?:hoy|hoje|today|ahora|agora|just\s+now|reci[eé]n|now)\b|"
            r"\bhace\s+(?:unos\s+)?(?:minutos|instantes)\b|\bh[áa]\s+(?:poucos\s+)?minutos\b",
            re.I,
        ),
        0,
    ),
)
_MAX_DATEPARSER_INPUT = 120
_dateparser_lock = threading.Lock()
# Words that introduce an ad's posting date in a header line ("Date: 2019-02-27, 9:25PM",
# "Publicado el 12 de marzo", "Опубликовано 27 февраля 2019", "Date posted: 13/10/2017").
_POSTED_LABEL = re.compile(
    r"(?<![^\W_])(?:date\s+posted|posted(?:\s+on)?|published(?:\s+on)?|publication\s+date|"
    r"listed(?:\s+on)?|added(?:\s+on)?|date\s*:|"
    r"publicad[oa](?:\s+(?:el|em|en|o|a))?|fecha\s+de\s+publicaci[oó]n|publicaci[oó]n|"
    r"data\s+(?:de\s+)?publica[cç][aã]o|publica[cç][aã]o|anunciad[oa](?:\s+(?:el|em))?|"
    r"опубликовано|добавлено|размещено|опубліковано|додано|розміщено|"
    r"dodane|dodano|opublikowano|data\s+dodania|publi[ée]e?(?:\s+le)?|mis\s+en\s+ligne(?:\s+le)?|"
    r"ver[öo]ffentlicht(?:\s+am)?|eingestellt(?:\s+am)?|pubblicato(?:\s+il)?|inserito(?:\s+il)?|"
    r"vlo[žz]eno|zve[řr]ejn[ěe]no|publikov[áa]no|lagt\s+inn|publisert|publicerad|udgivet)"
    r"(?![^\W_])[\s:.\-–]*",
    re.IGNORECASE,
)
# "Start date:", "Closing date:": dates of something else than the posting.
_OTHER_DATE_BEFORE = re.compile(
    r"(?:start|starting|closing|end|expir\w*|deadline|birth|move[\s-]in|available|"
    r"inicio|in[ií]cio|cierre|t[ée]rmino|vencimiento|fim|entrega|límite|limite)\s*$",
    re.IGNORECASE,
)
# what each of _POSTED_LABEL's words starts with, lower-cased
_POSTED_STEMS = (
    "post", "publi", "pubbl", "date", "data", "list", "added", "fecha", "anunc", "опубл",
    "добав", "разме", "додан", "розмі", "dodan", "opubl", "mis e", "veröf", "verof", "einge",
    "inser", "vlo", "zve", "lagt", "udgiv",
)  # fmt: skip
_POSTED_REACH = 60  # characters after the label
_POSTED_TRIES = 3  # labels tried per ad
_POSTED_DIGITS_REACH = 30  # a date the label introduces has a digit this close
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_SEGMENT_BREAK = re.compile(r"[,;|•·]\s+|\s+[-–|]\s+")


def parse_posted(
    value: str | None,
    languages: list[str] | None = None,
    now: datetime | None = None,
    *,
    month_first: bool = False,
) -> str | None:
    """Posting date as "YYYY-MM-DD", or None.

    Reads ISO dates and datetimes, RSS (RFC 822) dates, "20/11/2026" (day first
    unless that is impossible, or with ``month_first`` as in the United States),
    "20 de noviembre de 2026", "20 de novembro de 2026", "November 20, 2026",
    Unix timestamps, and relative dates ("hace 3
    días", "há 2 dias", "3 days ago", "ayer", "ontem", "yesterday", "hoy",
    "today") counted back from ``now`` (default: the current UTC time). The date
    is the one written, not converted to UTC. A date without a year is taken in
    the last twelve months. ``dateparser`` reads whatever is left.
    """
    text = _as_text(value).strip()
    if not text:
        return None
    now = _aware(now)
    today = now.date()
    found = _parse_date_fast(text, now, month_first)
    if found is None and len(text) <= _MAX_DATEPARSER_INPUT:
        for piece in _date_pieces(text):
            found = _parse_date_slow(piece, languages, now, month_first)
            if found is not None:
                break
    return _plausible(found, today)


def _plausible(found: date | None, today: date) -> str | None:
    if found is None or not 1995 <= found.year <= today.year + 1:
        return None
    return found.isoformat()


def find_posted(
    text: str | None,
    languages: list[str] | None = None,
    now: datetime | None = None,
    *,
    month_first: bool = False,
) -> str | None:
    """The posting date a labelled header line in ``text`` gives ("Date posted:
    13/10/2017", "Publicado hace 2 días", "Добавлено: в 11:23, 27 февраля 2019"), as
    :func:`parse_posted` reads it; dates after "Start date", "Closing date" and the like
    are not the posting date."""
    text = _as_text(text)
    if not text:
        return None
    tries = 0
    for label in _posted_labels(text):
        if _OTHER_DATE_BEFORE.search(text, max(label.start() - 16, 0), label.start()):
            continue
        snippet = text[label.end() : label.end() + _POSTED_REACH].split("\n", 1)[0]
        if not snippet.strip() or not any(char.isalnum() for char in snippet[:24]):
            continue
        if any(char.isdigit() for char in snippet[:_POSTED_DIGITS_REACH]):
            found = parse_posted(snippet, languages, now, month_first=month_first)
        else:  # "Posted by ...": only the fast path's words ("ayer", "today") are dates
            now = _aware(now)
            found = _plausible(_parse_date_fast(snippet, now, month_first), now.date())
        if found:
            return found
        tries += 1
        if tries >= _POSTED_TRIES:
            break
    return None


def _posted_labels(text: str) -> Iterator[re.Match[str]]:
    """The posting-date labels in ``text``, in order. Each label starts with one of a few
    stems, found by plain substring search: far cheaper on a long body than the regular
    expression's own scan."""
    lower = text.lower()
    if len(lower) != len(text):  # a letter whose lower case is longer: positions differ
        yield from _POSTED_LABEL.finditer(text)
        return
    starts: set[int] = set()
    for stem in _POSTED_STEMS:
        at = lower.find(stem)
        while at >= 0:
            if at == 0 or not lower[at - 1].isalnum():
                starts.add(at)
            at = lower.find(stem, at + 1)
    for at in sorted(starts):
        label = _POSTED_LABEL.match(text, at)
        if label:
            yield label


def _parse_date_fast(text: str, now: datetime, month_first: bool = False) -> date | None:
    today = now.date()
    match = _ISO_DATE.search(text)
    if match:
        return _date(*map(int, match.groups()))
    match = _EPOCH.fullmatch(text)
    if match:
        seconds = int(match.group(1)) / (1000 if len(match.group(1)) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC).date()
    match = _RELATIVE.search(text)
    if match:
        amount = match.group("n1") or match.group("n2")
        unit = match.lastgroup.lstrip("_") if match.lastgroup else "day"
        count = int(amount) if amount.isdigit() else 1
        try:
            return (now - _UNITS[unit] * count).date()
        except OverflowError:  # "hace 9000 años"
            return None
    for pattern, days in _DAYS_BACK:
        if pattern.search(text):
            return today - timedelta(days=days)
    match = _NUMERIC_DATE.search(text)
    if match:
        first, second, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if year <= today.year % 100 + 1 else 1900
        month_first = (month_first and first <= 12) or second > 12 >= first
        day, month = (second, first) if month_first else (first, second)
        return _date(year, month, day)
    match = _DAY_MONTH.search(text)
    if match:
        day, month, year = match.group(1), match.group(2), match.group(3)
        return _date_in_year(year, _MONTHS[month.lower()], int(day), today)
    match = _MONTH_DAY.search(text)
    if match:
        month, day, year = match.group(1), match.group(2), match.group(3)
        return _date_in_year(year, _MONTHS[month.lower()], int(day), today)
    return None


def _date_pieces(text: str) -> list[str]:
    """What dateparser is given of ``text``: all of it, else the parts between commas that
    hold a year, else the rest from its first digit ("Опубликовано 27 февраля 2019")."""
    pieces = [text]
    parts = [part.strip() for part in _SEGMENT_BREAK.split(text) if part.strip()]
    if len(parts) > 1:
        pieces += [part for part in parts if _YEAR.search(part)]
    first_digit = next((i for i, char in enumerate(text) if char.isdigit()), None)
    if first_digit:
        rest = text[first_digit:]
        pieces.append(_SEGMENT_BREAK.split(rest, maxsplit=1)[0] if _YEAR.search(rest) else rest)
    return list(dict.fromkeys(pieces))[:4]


def _parse_date_slow(
    text: str, languages: list[str] | None, now: datetime, month_first: bool = False
) -> date | None:
    with _dateparser_lock:  # the first import is slow and not re-entrant
        import dateparser

    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "MDY" if month_first else "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    langs = [lang.lower()[:2] for lang in languages or () if isinstance(lang, str)] or None
    try:
        parsed = dateparser.parse(text, languages=langs, settings=settings)
    except ValueError:  # a language dateparser does not know
        parsed = dateparser.parse(text, settings=settings)
    return parsed.date() if parsed else None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_in_year(year: str | None, month: int, day: int, today: date) -> date | None:
    if year:
        return _date(int(year), month, day)
    found = _date(today.year, month, day)
    if found and found > today + timedelta(days=1):
        found = _date(today.year - 1, month, day)
    return found


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


# --- language ----------------------------------------------------------------

# Languages a text may be given when the source names none: the model also
# knows Latin, Galician, Aragonese and others that short Spanish or Portuguese
# ads are easily mistaken for.
DEFAULT_LANGUAGES: tuple[str, ...] = tuple(
    "es pt en fr de it nl ca ro pl ru uk tr ar zh ja ko vi th id tl hi ur fa he el hu cs sv no da "
    "fi gn".split()
)
_MODEL_LABELS = {"gn": "gug"}  # the model has Paraguayan Guarani under its ISO 639-3 code
_ISO_639_1 = {label: code for code, label in _MODEL_LABELS.items()}
# Two-letter codes the model knows, plus those mapped from its 3-letter labels.
_KNOWN_CODES = frozenset(
    "af am an ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fo fr fy ga gd gl gu "
    "ha he hi hr ht hu hy id ig is it ja jv ka kk km kn ko ku ky la lb lg ln lo lt lv mg mk ml "
    "mn mr ms mt my ne nl nn no oc om or pa pl ps pt qu ro ru rw sa se si sk sl sn so sq sr st "
    "sv sw ta te tg th tk tl tr tt ug uk ur uz vi vo wa xh yo zh zu gn".split()
)
# Letters a text needs before a language outside DEFAULT_LANGUAGES is believed: short
# Spanish or Portuguese ads are easily taken for Galician, Latin or Occitan.
_RARE_LANGUAGE_LETTERS = 120
_ALIASES = {"nb": "no", "iw": "he", "in": "id", "ji": "yi"}  # old or variant codes
_SURE_LANGUAGE_LETTERS = 40  # letters of text before its language tells where it is from
_ENOUGH_LETTERS = 12  # fewer, and the page's declared language is the better guess
_AD_LANGUAGES = ("es", "pt", "en")  # always candidates for an ad (see normalize_ad)
_LANGUAGE_SAMPLE = 400  # characters: enough to tell an ad's language, at a bounded cost
_TWO_LETTERS = re.compile(r"[^\W\d_][^\n]*?[^\W\d_]")
_identifier: Any = None
_restricted: dict[tuple[str, ...], Any] = {}
_identifier_lock = threading.Lock()


def detect_language(text: str, hints: list[str] | None = None) -> str | None:
    """ISO 639-1 code of the language of ``text``, or None when it has no words.

    The answer is one of ``hints`` (e.g. a source's ``["es", "gn"]``; region
    tags such as "pt-BR" are accepted) or, without usable hints, any language
    the model knows; a short text (under :data:`_RARE_LANGUAGE_LETTERS` letters)
    is then given one of :data:`DEFAULT_LANGUAGES` unless the model names one of
    them itself. A single hint is returned without reading the text.
    """
    text = _as_text(text)
    sample = text[:_LANGUAGE_SAMPLE]
    if not _TWO_LETTERS.search(sample):
        return None
    allowed = _language_set(hints)
    if len(allowed) == 1:
        return next(iter(allowed))
    if not allowed:
        label, _score = _language_model(()).classify(sample)
        code = _ISO_639_1.get(label, label)
        if code in DEFAULT_LANGUAGES or sum(map(str.isalpha, sample)) >= _RARE_LANGUAGE_LETTERS:
            return code
        allowed = DEFAULT_LANGUAGES
    label, _score = _language_model(tuple(sorted(allowed))).classify(sample)
    return _ISO_639_1.get(label, label)


def _language_set(hints: list[str] | None) -> tuple[str, ...]:
    codes: list[str] = []
    for hint in hints or ():
        if isinstance(hint, str):
            code = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
            code = _ALIASES.get(code, _ISO_639_1.get(code, code))
            if code in _KNOWN_CODES and code not in codes:
                codes.append(code)
    return tuple(codes)


def _language_model(languages: tuple[str, ...]) -> Any:
    """The language identifier restricted to ``languages`` (all it knows for ``()``):
    loaded once, one per set."""
    global _identifier
    model = _restricted.get(languages)
    if model is not None:
        return model
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        full = _identifier
        if not languages:
            _restricted[languages] = full
            return full
        model = type(full)(
            full.nb_ptc, full.nb_pc, full.nb_classes, full.tk_nextmove, full.tk_output,
            tk_row=full.tk_row,
        )  # fmt: skip
        # Fewer classes also make each text cheaper to score.
        model.set_languages([_MODEL_LABELS.get(code, code) for code in languages])
        _restricted[languages] = model
    return model


# --- the whole ad ------------------------------------------------------------


def normalize_ad(
    raw: RawAd,
    *,
    country: str | None,
    languages: list[str] | None,
    now: datetime | None = None,
) -> Ad:
    """The normalized :class:`Ad` for ``raw``.

    ``country`` (ISO2) is the source's country: it reads national phone
    numbers and prices; without it the page's own region is inferred (see the
    module's docstring). ``languages`` (ISO 639-1) are the source's languages:
    they bound language detection (with the page's declared language and
    es/pt/en, which reposted ads bring along) and spelled-out digits; without
    them any language the model knows may come out. ``now`` stamps
    ``fetched_at`` and anchors relative dates (default: current UTC time).

    Contacts come from the contact field, title, body, links and structured
    data (JSON-LD or microdata in ``raw.structured``); WhatsApp numbers are
    also listed among the phones. The price comes from ``raw.price``, else from
    structured data (``baseSalary``, ``offers``), else from the first labelled
    price in the body, else from an amount written with its currency in the
    title; its currency from structured data, else the sign, else the country
    (the source's, else the page's). The posting date comes from ``raw.posted``,
    else structured data, else a labelled header line in the text ("Date
    posted: ...", "Publicado hace 2 días"), read in the ad's language. Title
    and body are capped (:data:`TITLE_MAX_CHARS`, :data:`BODY_MAX_CHARS`).
    Never raises: unreadable fields become None or empty.
    """
    now = _safe(datetime.now(UTC), _aware, now)
    region = _safe(None, _region, country)
    languages = _safe(None, _language_list, languages)
    url = _as_text(getattr(raw, "url", "")).strip()
    canonical = _safe(url, _pick_canonical, url, getattr(raw, "canonical", None))
    structured = _safe(_StructuredData(None), _StructuredData, getattr(raw, "structured", None))

    title = _safe("", _capped_text, getattr(raw, "title", None), TITLE_MAX_CHARS, "title", url)
    title = title.replace("\n", " ")
    body = _safe("", _capped_text, getattr(raw, "body", None), BODY_MAX_CHARS, "body", url)
    contact = _safe("", _capped_text, getattr(raw, "contact", None), BODY_MAX_CHARS, "contact", url)
    price_text = _safe("", _capped_text, getattr(raw, "price", None), TITLE_MAX_CHARS, "price", url)
    links = [link for link in _as_list(getattr(raw, "links", None)) if isinstance(link, str)]

    declared = _safe(None, _given_language, getattr(raw, "language", None))
    # A page's lang attribute is often the site's default, and ads cross borders: read
    # the text. A source's languages narrow the choice (with the declared one and
    # Spanish, Portuguese and English, which reposted ads bring along); without them any
    # language the model knows may come out. The declared one is the fallback.
    candidates = (
        [*languages, *([declared] if declared else []), *_AD_LANGUAGES] if languages else None
    )
    sample = f"{title}\n{body[:_LANGUAGE_SAMPLE]}"
    language = declared
    if not declared or sum(char.isalpha() for char in sample[:80]) >= _ENOUGH_LETTERS:
        language = _safe(None, detect_language, sample, candidates) or declared
    word_languages = list(dict.fromkeys([*(languages or []), *([language] if language else [])]))

    # Where the page is from, when the source does not say: its domain, its structured
    # data, its currency, the dialling prefixes written on it.
    page_regions = [] if region else _safe([], _page_regions, url, structured, price_text, body)
    money_region = region or (page_regions[0] if page_regions else None)

    text = "\n".join(part for part in (contact, title, body) if part)
    dial_links = [unquote(link[4:]) for link in links if link[:4].lower() in ("tel:", "sms:")]
    # a language read off a few words is no ground to read a number in its countries
    sure = bool(languages) or language == declared or _letters(sample) >= _SURE_LANGUAGE_LETTERS
    guesses = [] if region else _phone_guesses(page_regions, language if sure else None)
    phones, whatsapp = _safe(
        ([], []),
        _find_phones,
        text,
        links,
        region,
        word_languages or None,
        guesses,
        [*dial_links, *structured.strings("telephone", "phone")],
        url,
        len(contact),  # the contact field comes first in the text
    )
    emails = _safe([], extract_emails, "\n".join([text, *structured.strings("email")]), links)
    handles = _safe([], extract_handles, text, links)

    price, currency, period = _safe((None, None, None), parse_price, price_text, money_region)
    if price is None:
        price, currency, period = _safe((None, None, None), structured.price, money_region)
    if price is None:
        price, currency, period = _safe((None, None, None), find_price, body, money_region)
    if price is None:
        # an amount written with its currency in the title ("<item> - $480 (<city>)"); the
        # body's amounts are promises as often as prices ("earn up to $3,000")
        price, currency, period = _safe((None, None, None), find_marked_price, title, money_region)
    if price is not None:
        # The currency structured data names beats a sign, which beats the country.
        declared_currency = _safe(None, structured.currency)
        if declared_currency:
            currency = declared_currency

    # 03/04/2024 is the 4th of March in the United States, the 3rd of April elsewhere
    month_first = money_region in _MONTH_FIRST_REGIONS
    posted = _safe(None, _posted, getattr(raw, "posted", None), word_languages, now, month_first)
    if posted is None:
        posted = _safe(None, structured.posted, word_languages, now, month_first)
    if posted is None:
        posted = _safe(None, _found_posted, f"{title}\n{body}", word_languages, now, month_first)

    location = _safe(
        "", _capped_text, getattr(raw, "location", None), TITLE_MAX_CHARS, "location", url
    )
    location = location or _safe("", structured.location)[:TITLE_MAX_CHARS]
    employer = _safe(
        "", _capped_text, getattr(raw, "employer", None), TITLE_MAX_CHARS, "employer", url
    )
    employer = employer or _safe("", structured.employer)[:TITLE_MAX_CHARS]
    digest = hashlib.sha1(
        "\n".join((title, body, price_text)).encode("utf-8", "replace")
    ).hexdigest()

    return Ad(
        id=ad_id(canonical),
        source=_as_text(getattr(raw, "source", "")),
        kind=_as_text(getattr(raw, "kind", "")) or "classified",
        url=url,
        canonical_url=canonical,
        title=title,
        body=body,
        price=price,
        currency=currency,
        price_period=period,
        location=location.replace("\n", ", ") or None,
        country=region,
        language=language,
        posted_at=posted,
        employer=employer.replace("\n", " ") or None,
        phones=phones,
        emails=emails,
        handles=handles,
        whatsapp=whatsapp,
        image_urls=_safe([], _image_urls, getattr(raw, "image_urls", None), url),
        content_hash=digest,
        fetched_at=now.astimezone(UTC).isoformat(timespec="seconds"),
    )


def _safe(default: Any, function: Any, *args: Any) -> Any:
    """``function(*args)``, or ``default`` if one odd field makes it fail."""
    try:
        return function(*args)
    except Exception:
        log.debug("normalize: %s failed", getattr(function, "__name__", function), exc_info=True)
        return default


_MONTH_FIRST_REGIONS = frozenset({"US", "PR", "PH", "FM", "MH", "PW"})


def _posted(value: Any, languages: list[str], now: datetime, month_first: bool) -> str | None:
    return parse_posted(value, languages, now, month_first=month_first)


def _found_posted(text: str, languages: list[str], now: datetime, month_first: bool) -> str | None:
    return find_posted(text, languages, now, month_first=month_first)


def _capped_text(value: Any, limit: int, field: str, url: str) -> str:
    """:func:`clean_text` of ``value``, cut to ``limit`` characters (logged when cut)."""
    raw = _as_text(value)
    if len(raw) > limit * _RAW_SLACK:
        raw = raw[: limit * _RAW_SLACK]
    text = clean_text(raw)
    if len(text) <= limit:
        return text
    end = limit
    # not between a letter and its accents, nor inside an emoji sequence
    while end > 0 and (unicodedata.combining(text[end]) or text[end] in "\u200d\ufe0f"):
        end -= 1
    log.info("normalize: %s: %s cut from %d to %d characters", url, field, len(text), end)
    return text[:end]


def _find_phones(
    text: str,
    links: list[str],
    region: str | None,
    languages: list[str] | None,
    guesses: list[str],
    dialled: list[str],
    url: str,
    labelled: int,
) -> tuple[list[str], list[str]]:
    # runs of 7 digits or more in the page's address are its ids, never a phone number
    address = urlsplit(url) if url else None
    ids = _URL_DIGITS.findall(f"{address.path}?{address.query}") if address else []
    return find_phones_and_whatsapp(
        text,
        links,
        region,
        languages,
        guesses=guesses,
        dialled=dialled,
        not_phones=ids,
        labelled=labelled,
    )


_URL_DIGITS = re.compile(r"\d{7,}")


_DIAL_PREFIX = re.compile(r"(?<![\w+])\+(\d{1,3})[\s(.\-]")
_PREFIX_REACH = 20_000  # characters of the body searched for dialling prefixes


def _page_regions(url: str, structured: _StructuredData, price_text: str, body: str) -> list[str]:
    """Countries the page points to, surest first: its domain, the country of an address
    or of the currency in its structured data, the currency sign of its price, the
    dialling prefixes written on it."""
    found: list[str | None] = [region_of_host(_host(url))]
    for value in structured.values("addressCountry"):
        name = value.get("name") if isinstance(value, dict) else value
        found.append(region_of_country_name(name) if isinstance(name, str) else None)
    for code in structured.strings("priceCurrency", "currency"):
        found.append(CURRENCY_COUNTRY.get(code.strip().upper()))
    if price_text and has_currency(price_text):
        found.append(CURRENCY_COUNTRY.get(parse_price(price_text, None)[1] or ""))
    for value in structured.strings("addressLocality", "addressRegion", "address"):
        # "Benito Juárez, Ciudad de México, Mexico": the country is written last
        parts = [part for part in value.split(",") if part.strip()]
        if len(parts) > 1:
            found.append(region_of_country_name(parts[-1]))
    if "+" in body:
        import phonenumbers

        for match in _DIAL_PREFIX.finditer(body, 0, _PREFIX_REACH):
            code = phonenumbers.region_code_for_country_code(int(match.group(1)))
            found.append(code if code != "ZZ" else None)
    return [code for code in dict.fromkeys(found) if code]


def _letters(text: str) -> int:
    return sum(map(str.isalpha, text))


def _phone_guesses(page_regions: list[str], language: str | None) -> list[str]:
    """Regions to read a national number with, in turn: the page's, those where its
    language is written, then the North American plan."""
    by_language = LANGUAGE_REGIONS.get(language or "", ())
    return list(dict.fromkeys([*page_regions, *by_language, *LAST_RESORT_REGIONS]))


def _region(country: str | None) -> str | None:
    code = _as_text(country).strip().upper()
    if len(code) != 2 or not code.isalpha():
        return None
    return "GB" if code == "UK" else code


def _language_list(languages: Any) -> list[str] | None:
    codes = [code for code in _as_list(languages) if isinstance(code, str) and code.strip()]
    return codes or None


def _given_language(value: Any) -> str | None:
    code = re.split(r"[-_]", _as_text(value).strip().lower(), maxsplit=1)[0]
    return code if len(code) == 2 and code.isalpha() else None


def _pick_canonical(url: str, declared: Any) -> str:
    declared = _as_text(declared).strip()
    if declared and url:
        declared = urljoin(url, declared)
        # A page may only speak for itself: a canonical on another host is ignored.
        if _host(declared) and _host(declared) == _host(url):
            return canonical_url(declared)
    return canonical_url(url)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return [value]
    return []


def _image_urls(values: Any, base: str) -> list[str]:
    urls: list[str] = []
    for value in _as_list(values):
        if not isinstance(value, str) or not value.strip():
            continue
        absolute = urljoin(base, value.strip()) if base else value.strip()
        if urlsplit(absolute).scheme in ("http", "https") and absolute not in urls:
            urls.append(absolute)
    return urls


class _StructuredData:
    """Read-only view of JSON-LD / microdata dicts, however deeply they nest."""

    _MAX_NODES = 500
    _MAX_DEPTH = 8

    def __init__(self, data: Any) -> None:
        self.nodes: list[dict[str, Any]] = []
        if isinstance(data, dict | list):
            self._collect(data, 0)

    def _collect(self, value: Any, depth: int) -> None:
        if depth > self._MAX_DEPTH or len(self.nodes) >= self._MAX_NODES:
            return
        if isinstance(value, dict):
            self.nodes.append(value)
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            return
        for child in children:
            if isinstance(child, dict | list):
                self._collect(child, depth + 1)

    def values(self, *keys: str) -> Iterator[Any]:
        for node in self.nodes:
            for key in keys:
                if key in node:
                    yield node[key]

    def strings(self, *keys: str) -> list[str]:
        out: list[str] = []
        for value in self.values(*keys):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str | int) and not isinstance(item, bool):
                    out.append(str(item).removeprefix("mailto:").removeprefix("tel:"))
        return out

    def first(self, *keys: str) -> Any:
        return next(self.values(*keys), None)

    def price(self, country: str | None) -> tuple[float | None, str | None, str | None]:
        salary = self.first("baseSalary")
        if salary is not None:
            found = self._money(salary, country)
            if found[0] is not None:
                return found
        for offer in self.values("offers"):
            for item in offer if isinstance(offer, list) else [offer]:
                if isinstance(item, dict) and "price" in item:
                    currency = item.get("priceCurrency")
                    amount = _number(item.get("price"), country)
                    if amount is not None:
                        return amount, _iso_currency(currency, country), None
        return None, None, None

    def currency(self) -> str | None:
        """The ISO 4217 code the structured data gives for the ad's price, if any."""
        for salary in self.values("baseSalary"):
            if isinstance(salary, dict) and _is_currency_code(salary.get("currency")):
                return salary["currency"].strip().upper()
        for value in self.values("priceCurrency"):
            if _is_currency_code(value):
                return value.strip().upper()
        return None

    def _money(
        self, salary: Any, country: str | None
    ) -> tuple[float | None, str | None, str | None]:
        """A schema.org MonetaryAmount: {currency, value: {value|minValue|maxValue, unitText}}."""
        if not isinstance(salary, dict):
            salary = {"value": salary}
        value = salary.get("value")
        unit = salary.get("unitText")
        amount: float | None = None
        if isinstance(value, dict):
            unit = value.get("unitText", unit)
            for key in ("value", "minValue", "maxValue"):
                amount = _number(value.get(key), country)
                if amount is not None:
                    break
        else:
            amount = _number(value, country)
        if amount is None:
            return None, None, None
        return amount, _iso_currency(salary.get("currency"), country), period_from_unit(unit)

    def posted(
        self, languages: list[str] | None, now: datetime, month_first: bool = False
    ) -> str | None:
        for value in self.values("datePosted", "datePublished", "dateCreated", "uploadDate"):
            if isinstance(value, str):
                found = parse_posted(value, languages, now, month_first=month_first)
                if found:
                    return found
        return None

    def location(self) -> str:
        for place in self.values("jobLocation", "availableAtOrFrom", "areaServed"):
            for item in place if isinstance(place, list) else [place]:
                text = _place_text(item)
                if text:
                    return text
        return ""

    def employer(self) -> str:
        for org in self.values("hiringOrganization"):
            name = org.get("name") if isinstance(org, dict) else org
            if isinstance(name, str) and name.strip():
                return clean_text(name)
        return ""


def _place_text(place: Any) -> str:
    if isinstance(place, str):
        return clean_text(place)
    if not isinstance(place, dict):
        return ""
    address = place.get("address", place)
    if isinstance(address, str):
        return clean_text(address)
    if not isinstance(address, dict):
        return ""
    parts = [
        address.get(key)
        for key in ("addressLocality", "addressRegion", "addressCountry")
        if isinstance(address.get(key), str)
    ]
    return ", ".join(clean_text(part) for part in parts if part.strip()) or clean_text(
        place.get("name") if isinstance(place.get("name"), str) else ""
    )


def _number(value: Any, country: str | None) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if value == value and value >= 0 else None
    if isinstance(value, str):
        return parse_price(value, country)[0]
    return None


def _is_currency_code(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[A-Za-z]{3}", value.strip()))


def _iso_currency(value: Any, country: str | None) -> str | None:
    if _is_currency_code(value):
        return value.strip().upper()
    return COUNTRY_CURRENCY.get(country or "")
