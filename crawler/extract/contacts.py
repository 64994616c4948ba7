"""Contact details of an ad: e-mail addresses, messenger handles, and its phone and
WhatsApp numbers read with what the page says about where it is from.

A source without a country still gets its phone numbers read: the page says where it is
from (its domain, an address or currency in its structured data, the sign of its price,
a dialling prefix written on it, see :func:`page_regions`), else the regions where its
language is written are tried in turn, and last the North American plan
(:func:`phone_guesses`); numbers read with such a guess must have a contact word next
to them (:mod:`crawler.extract.phones`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote, urlsplit

from crawler.extract.geo import (
    LANGUAGE_REGIONS,
    LAST_RESORT_REGIONS,
    region_of_country_name,
    region_of_host,
)
from crawler.extract.phones import find_phones_and_whatsapp
from crawler.extract.prices import CURRENCY_COUNTRY, has_currency, parse_price
from crawler.extract.structured import StructuredData
from crawler.extract.text import as_text
from crawler.extract.urls import url_host

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
    text = as_text(text).lower()
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

    text = as_text(text).lower()
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


# --- phones and WhatsApp ------------------------------------------------------


def ad_phones(
    text: str,
    links: list[str],
    region: str | None,
    languages: list[str] | None,
    guesses: list[str],
    dialled: list[str],
    url: str,
    labelled: int,
) -> tuple[list[str], list[str]]:
    """(phones, WhatsApp numbers) of an ad's ``text`` and ``links``, read as
    :func:`~crawler.extract.phones.find_phones_and_whatsapp` reads them; ``dialled`` are
    numbers the page links to or its structured data gives, the first ``labelled``
    characters of ``text`` its contact field."""
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


def page_regions(url: str, structured: StructuredData, price_text: str, body: str) -> list[str]:
    """Countries the page points to, surest first: its domain, the country of an address
    or of the currency in its structured data, the currency sign of its price, the
    dialling prefixes written on it."""
    found: list[str | None] = [region_of_host(url_host(url))]
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


def phone_guesses(page_regions: list[str], language: str | None) -> list[str]:
    """Regions to read a national number with, in turn: the page's, those where its
    language is written, then the North American plan."""
    by_language = LANGUAGE_REGIONS.get(language or "", ())
    return list(dict.fromkeys([*page_regions, *by_language, *LAST_RESORT_REGIONS]))
