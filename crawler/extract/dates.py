"""Posting dates: an ad's date as "YYYY-MM-DD" from what a page writes.

:func:`parse_posted` reads one date value (ISO, RSS, numeric, written out in Spanish,
Portuguese or English, Unix timestamps, relative dates such as "hace 3 días");
:func:`find_posted` finds the date a labelled header line gives ("Date posted: ...",
"Publicado el ...") in an ad's text. Hand-written expressions read the common cases;
``dateparser`` is imported only for dates nothing else can read.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from crawler.extract.text import as_text

#: Regions whose numeric dates put the month first (03/04/2024 is the 4th of March).
MONTH_FIRST_REGIONS = frozenset({"US", "PR", "PH", "FM", "MH", "PW"})

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
    text = as_text(value).strip()
    if not text:
        return None
    now = aware(now)
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
    text = as_text(text)
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
            now = aware(now)
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
        day_text, month_name, year_text = match.group(1), match.group(2), match.group(3)
        return _date_in_year(year_text, _MONTHS[month_name.lower()], int(day_text), today)
    match = _MONTH_DAY.search(text)
    if match:
        month_name, day_text, year_text = match.group(1), match.group(2), match.group(3)
        return _date_in_year(year_text, _MONTHS[month_name.lower()], int(day_text), today)
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


def aware(now: datetime | None) -> datetime:
    """``now`` with a time zone (UTC when it has none); the current UTC time for None."""
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)
