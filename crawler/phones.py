"""Phone numbers and WhatsApp contacts in ad text, as E.164 strings.

Ads that sell people rarely print a number plainly: they spell digits in words
("cero nueve ocho ..."), swap digits for look-alike letters ("O98l 234 S67"),
space or dot every digit, or write them as keycap emoji, so that naive scrapers
and the platforms' own filters miss them. :func:`extract_phones` undoes those
tricks first, then lets ``phonenumbers.PhoneNumberMatcher`` find the numbers and
keeps only valid ones that are not prices, dates or reference numbers.

Pure functions, no I/O. ``region`` is the ISO 3166-1 alpha-2 country of the
source; without it only numbers in international form are found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

__all__ = ["extract_phones", "extract_whatsapp", "to_e164"]

# Digits spelled as words. No word has a different value in another language,
# so the tables can be merged for texts of unknown language.
_DIGIT_WORDS: dict[str, dict[str, str]] = {
    "es": {
        "cero": "0",
        "uno": "1",
        "una": "1",
        "un": "1",
        "dos": "2",
        "tres": "3",
        "cuatro": "4",
        "cinco": "5",
        "seis": "6",
        "siete": "7",
        "ocho": "8",
        "nueve": "9",
    },
    "pt": {
        "zero": "0",
        "um": "1",
        "uma": "1",
        "dois": "2",
        "duas": "2",
        "três": "3",
        "tres": "3",
        "quatro": "4",
        "cinco": "5",
        "seis": "6",
        "meia": "6",  # "meia dúzia": Brazilians say it for 6 when reading numbers
        "sete": "7",
        "oito": "8",
        "nove": "9",
    },
    "en": {
        "zero": "0",
        "oh": "0",
        "o": "0",
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
    },
}
# "double seven" = 77, as numbers are read aloud in English and Spanish.
_REPEAT_WORDS: dict[str, dict[str, int]] = {
    "es": {"doble": 2, "triple": 3},
    "pt": {},
    "en": {"double": 2, "triple": 3},
}

# Look-alike letters for digits. Applied only inside tokens that already hold
# digits, so words such as "Tel", "SOS" or "Gol" are never touched.
_LEET = str.maketrans("OolIiZzEASsGbTBgq", "00111223455667899")
_LEET_CHARS = "OolIiZzEASsGbTBgq"
_LEET_HINT = re.compile(rf"\d[ .\-()]{{0,3}}[{_LEET_CHARS}]|[{_LEET_CHARS}][ .\-()]{{0,3}}\d")
_LEET_RUN = re.compile(
    rf"(?<!\w)\(?[0-9{_LEET_CHARS}]+(?:[ .\-()]{{1,3}}[0-9{_LEET_CHARS}]+)*\)?(?!\w)"
)
_LEET_TOKEN = re.compile(rf"[0-9{_LEET_CHARS}]+")
_MAX_LEET_TOKENS = 40

_KEYCAP = re.compile("([0-9])\ufe0f?\u20e3")
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
# Separators that obfuscators put between digits and the matcher does not know.
_ODD_SEPARATOR = re.compile(r"(?<=\d)[ ]?[*_~|•·][ ]?(?=\d)")

# A stretch of text that may hold one or more numbers: digits with the
# punctuation people put inside phone numbers, not crossing a line break.
_WINDOW = re.compile(r"\+?\(?\d[\d \t\u00a0().\-/]*\d\)?")
_GROUP_START = re.compile(r"[ \t\u00a0/](\+|\(|0)")
_MIN_DIGITS = 7
_MAX_DIGITS = 17  # international prefix + 15-digit E.164 number

_CURRENCY_BEFORE = re.compile(
    r"(?:\bgs\.?|₲|\$|€|£|\b(?:usd|pyg|brl|eur|gbp|ars|mxn|clp|cop)|"
    r"\b(?:precio|preço|preco|price|salario|salário|sueldo|valor|cost[oe]?)\b\s*:?)\s*$"
)
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:ref\w*|id|c[oó]d\w*|sku|cpf|cnpj|ruc|dni|nie|nif|rut|c\.?i|c[eé]dula|"
    r"anuncio|an[uú]ncio|aviso|pedido|protocolo|cep|expediente|lote|item)\.?\s*"
    r"(?:n[º°o]\.?\s*)?[:#]?|#)\s*$"
)
_AMOUNT_AFTER = re.compile(
    r"\s*(?:gs\b|₲|guaran|reais\b|real\b|euros?\b|€|£|pesos\b|d[oó]lar|usd\b|pyg\b|brl\b|"
    r"mil\b|k\b|,\d\d(?!\d))"
)
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


def to_e164(number: phonenumbers.PhoneNumber) -> str:
    """Format a parsed number as E.164 (``+595981234567``)."""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def extract_phones(text: str, region: str | None, languages: list[str] | None = None) -> list[str]:
    """Valid phone numbers in ``text`` as E.164 strings, in order of appearance, unique.

    ``region`` (ISO2, e.g. "PY") is used for numbers written in national form;
    ``languages`` (ISO 639-1) picks which spelled-out digit words to decode
    (es, pt and en by default). Prices, dates and reference numbers are skipped.
    """
    if not text or not isinstance(text, str):
        return []
    region = _region(region)
    decoded = deobfuscate(text, region, languages)
    found: list[str] = []
    for number in _match_numbers(decoded, region):
        if number not in found:
            found.append(number)
    return found


def deobfuscate(text: str, region: str | None = None, languages: list[str] | None = None) -> str:
    """``text`` with hidden digits turned into plain ones (keycaps, words, look-alikes)."""
    if "\u20e3" in text:
        text = _KEYCAP.sub(r"\1", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    words = _digit_word_pattern(_language_key(languages))
    if words.search(text):
        text = words.sub(lambda m: _decode_word_run(m.group(0), languages), text)
    if _LEET_HINT.search(text):
        text = _LEET_RUN.sub(lambda m: _decode_leet_run(m.group(0), region), text)
    if _ODD_SEPARATOR.search(text):
        text = _ODD_SEPARATOR.sub(" ", text)
    return text


def _match_numbers(text: str, region: str | None) -> Iterable[str]:
    for window in _WINDOW.finditer(text):
        raw = window.group(0)
        if sum(ch.isdigit() for ch in raw) < _MIN_DIGITS:
            continue
        # The matcher gives up on a window that glues a number to unrelated
        # digits before it ("Gol 1.6 2015 0981 234 567"), so retry from each
        # later group that can start a phone number.
        starts = [window.start()]
        starts += [window.start() + m.start(1) for m in _GROUP_START.finditer(raw)]
        for start in starts:
            found = list(_match_window(text, start, window.end(), region))
            if found:
                yield from found
                break


def _match_window(text: str, start: int, end: int, region: str | None) -> Iterable[str]:
    offset = max(start - 1, 0)
    chunk = text[offset : end + 1]
    seen = False
    for match in PhoneNumberMatcher(chunk, region, leniency=Leniency.VALID):
        seen = True
        begin, stop = offset + match.start, offset + match.end
        if _looks_like_other_number(text, begin, stop, match.raw_string):
            continue
        if phonenumbers.is_valid_number(match.number):
            yield to_e164(match.number)
    raw = text[start:end]
    if not seen and raw.startswith("00") and sum(ch.isdigit() for ch in raw) <= _MAX_DIGITS:
        # "00" is the international prefix almost everywhere, but the matcher
        # only knows it for the source's region (and Brazil dials carrier codes).
        number = _parse_valid("+" + raw[2:], None)
        if number and not _looks_like_other_number(text, start, end, raw):
            yield number


def _looks_like_other_number(text: str, begin: int, end: int, raw: str) -> bool:
    before = text[max(begin - 16, 0) : begin].lower()
    if _CURRENCY_BEFORE.search(before) or _REFERENCE_BEFORE.search(before):
        return True
    if _AMOUNT_AFTER.match(text, end) and not raw.lstrip().startswith(("+", "(")):
        return True
    return bool(_DATE_LIKE.fullmatch(raw.strip()))


def _parse_valid(candidate: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    return to_e164(number) if phonenumbers.is_valid_number(number) else None


def _region(region: str | None) -> str | None:
    if not region or not isinstance(region, str):
        return None
    region = region.strip().upper()
    return "GB" if region == "UK" else region


def _language_key(languages: list[str] | None) -> tuple[str, ...]:
    if not languages:
        return tuple(_DIGIT_WORDS)
    wanted = {str(lang).lower()[:2] for lang in languages if lang}
    known = tuple(lang for lang in _DIGIT_WORDS if lang in wanted)
    return known or tuple(_DIGIT_WORDS)


@lru_cache(maxsize=16)
def _digit_word_pattern(languages: tuple[str, ...]) -> re.Pattern[str]:
    words: set[str] = set()
    for lang in languages:
        words.update(_DIGIT_WORDS[lang])
        words.update(_REPEAT_WORDS[lang])
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    token = rf"(?:{alternatives}|\d+)"
    # Two or more tokens in a row, at least one of them a word (checked on decode).
    return re.compile(rf"(?<!\w){token}(?:[\s,.\-–/]+{token})+(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=16)
def _word_tables(languages: tuple[str, ...]) -> tuple[dict[str, str], dict[str, int]]:
    digits: dict[str, str] = {}
    repeats: dict[str, int] = {}
    for lang in languages:
        digits.update(_DIGIT_WORDS[lang])
        repeats.update(_REPEAT_WORDS[lang])
    return digits, repeats


_WORD_TOKEN = re.compile(r"\w+")


def _decode_word_run(run: str, languages: list[str] | None) -> str:
    digits_for, repeats = _word_tables(_language_key(languages))
    out: list[str] = []
    words = 0
    repeat = 1
    for token in _WORD_TOKEN.findall(run):
        if token.isdigit():
            out.append(token * repeat)
            repeat = 1
            continue
        lower = token.lower()
        if lower in repeats:
            repeat = repeats[lower]
            continue
        digit = digits_for.get(lower)
        if digit is None:
            return run
        out.append(digit * repeat)
        repeat = 1
        words += 1
    decoded = "".join(out)
    # One stray word ("o", "un") between numbers is not a spelled-out number.
    if words < 2 or not _MIN_DIGITS <= len(decoded) <= 15:
        return run
    return decoded


def _decode_leet_run(run: str, region: str | None) -> str:
    """Decode look-alike letters in ``run`` where it is a disguised phone number.

    A stretch of tokens is decoded only when it holds letters, at least half of
    its characters are real digits, none of its tokens reads like a word
    ("Gol", "bolo"), it neither starts nor ends with a short all-letter token
    ("Gs. 1.500.000") unless in parentheses (an area code, "(Il)"), and the
    result is a valid number; so "Gol 1.6 2015", "Tel" or "BOSS" stay as they
    are. From each token on, the longest stretch valid in ``region`` wins; one
    valid only in international form is the fallback.
    """
    tokens = list(_LEET_TOKEN.finditer(run))[:_MAX_LEET_TOKENS]
    replacements: list[tuple[int, int, str]] = []
    lo = 0
    while lo < len(tokens):
        if not _can_edge(run, tokens[lo]):
            lo += 1
            continue
        national: tuple[int, str] | None = None
        international: tuple[int, str] | None = None
        joined = ""
        for hi in range(lo, len(tokens)):
            token = tokens[hi].group(0)
            if len(token) >= 3 and token[1:].islower() and token.isalpha():
                break  # an ordinary word ends the stretch
            joined += token
            if len(joined) > 15:
                break
            if len(joined) < _MIN_DIGITS or joined.isdigit() or not _can_edge(run, tokens[hi]):
                continue
            if sum(ch.isdigit() for ch in joined) * 2 < len(joined):
                continue
            decoded = joined.translate(_LEET)
            if region and _parse_valid(decoded, region):
                national = hi, decoded
            elif _parse_valid("+" + decoded, None):
                international = hi, decoded
        best = national or international
        if best is None:
            lo += 1
            continue
        hi, decoded = best
        replacements.append((tokens[lo].start(), tokens[hi].end(), decoded))
        lo = hi + 1
    for start, end, decoded in reversed(replacements):
        run = run[:start] + decoded + run[end:]
    return run


def _can_edge(run: str, token: re.Match[str]) -> bool:
    text = token.group(0)
    if len(text) >= 3 or not text.isalpha():
        return True
    return run[token.start() - 1 : token.start()] == "(" and run[token.end() : token.end() + 1] == ")"


# --- WhatsApp ---------------------------------------------------------------

_WA_LINK = re.compile(
    r"(?:wa\.me/|whatsapp\.com/send/?\?[^\s\"'<>]*?\bphone=|whatsapp://send/?\?[^\s\"'<>]*?\bphone=)"
    r"(\+|%2b|%20|\s)?(\d[\d\-]{5,20})",
    re.IGNORECASE,
)
_WA_WORD = re.compile(
    r"(?<!\w)(?:whats\s?app|whats|wpp|wsp|wasap|guasap|watsap|zap|zapzap)(?!\w)", re.IGNORECASE
)
_WA_WORD_REACH = 40


def extract_whatsapp(
    hrefs: Iterable[str],
    text: str,
    region: str | None = None,
    languages: list[str] | None = None,
) -> list[str]:
    """WhatsApp numbers as E.164 strings, in order, unique.

    Read from wa.me/NUMBER, api.whatsapp.com/send?phone=NUMBER and
    whatsapp://send?phone=NUMBER in ``hrefs`` and ``text``, and, when ``region``
    is given, from a number written right after the word WhatsApp (or "wpp",
    "zap", ...) in ``text``.
    """
    region = _region(region)
    found: list[str] = []

    def add(number: str | None) -> None:
        if number and number not in found:
            found.append(number)

    for href in hrefs or ():
        if isinstance(href, str):
            for match in _WA_LINK.finditer(unquote(href)):
                add(_whatsapp_number(match.group(2), region))
    if text and isinstance(text, str):
        for match in _WA_LINK.finditer(text):
            add(_whatsapp_number(match.group(2), region))
        for match in _WA_WORD.finditer(text):
            reach = text[match.end() : match.end() + _WA_WORD_REACH]
            phones = extract_phones(reach, region, languages) if region else []
            add(phones[0] if phones else None)
    return found


def _whatsapp_number(digits: str, region: str | None) -> str | None:
    digits = digits.replace("-", "")
    # wa.me wants the full international number; some people still paste their
    # national one, which only the source's region can make sense of.
    number = _parse_valid("+" + digits, None)
    if number is None and region:
        number = _parse_valid(digits, region)
    return number
