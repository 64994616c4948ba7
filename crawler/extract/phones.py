"""Phone numbers and WhatsApp contacts in ad text, as E.164 strings.

:func:`extract_phones` first makes hidden digits plain
(:func:`crawler.extract.hiddendigits.deobfuscate`: spelled-out words, look-alike
letters, keycap emoji), then lets ``phonenumbers.PhoneNumberMatcher`` find the numbers
and keeps only valid ones that are not prices, dates or reference numbers.

Pure functions, no I/O. ``region`` is the ISO 3166-1 alpha-2 country of the
source; without it numbers in international form are found, and those in national
form only with the regions :func:`find_phones_and_whatsapp` is given to guess and a
contact word ("tel", "call", "llamar", "WhatsApp", ...) next to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from urllib.parse import unquote

from phonenumbers import Leniency, PhoneNumberMatcher

from crawler.extract.e164 import MIN_DIGITS, phone_region, to_e164, valid_e164
from crawler.extract.hiddendigits import deobfuscate

__all__ = [
    "extract_phones",
    "extract_whatsapp",
    "find_phones_and_whatsapp",
]

Hit = tuple[int, str]  # (position in the deobfuscated text, E.164 number)


# A stretch of text that may hold one or more numbers: digits with the
# punctuation people put inside phone numbers, not crossing a line break.
_WINDOW = re.compile(r"[+(\d][\d \t\u00a0().\-/]*\d\)?")
_GROUP_START = re.compile(r"[ \t\u00a0/](\+|\(|0)")

_CURRENCY_BEFORE = re.compile(
    r"(?:\bgs\.?|[₲$€£¥₹₽₴₺₪₩₦₱₫฿]|\b(?:usd|pyg|brl|eur|gbp|ars|mxn|clp|cop|pln|czk|uah|"
    r"rub|nok|sek|dkk|chf|zar|cad|aud|kr|zł|kč)\.?|"
    r"\b(?:precio|preço|preco|price|salario|salário|sueldo|valor|cost[oe]?|cena|цена|ціна|"
    r"prix|preis|prezzo|pris)\b\s*:?)\s*$"
)
_REFERENCE_WORDS = (
    r"\b(?:ref\w*|id|c[oó]d\w*|sku|cpf|cnpj|ruc|dni|nie|nif|rut|c\.?i|c[eé]dula|"
    r"anuncio|an[uú]ncio|aviso|pedido|protocolo|cep|expediente|lote|item|zip|postcode|postal|"
    r"c\.p|objeto|objekt|annonce|finnkode|ogłoszenia|inzer[aá]tu|объявлени[яе]|оголошення|"
    r"k[oó]d|№)\.?\s*(?:n[º°o]\.?\s*)?"
)
_REFERENCE_BEFORE = re.compile(rf"(?:{_REFERENCE_WORDS}[:#]?|#)\s*$")
# "Código no Zap: 2870981622", "ID de anuncio: ...": a word or two between label and colon
_REFERENCE_WORDS_BEFORE = re.compile(
    rf"{_REFERENCE_WORDS}(?:[^\W\d_]{{1,12}}\s+)?[^\W\d_]{{1,12}}\s*:\s*$"
)
_AMOUNT_AFTER = re.compile(
    r"\s*(?:gs\b|₲|guaran|reais\b|real\b|euros?\b|[€£¥₹₽₴₺₪₩₦₱₫฿]|pesos\b|d[oó]lar|"
    r"(?:usd|pyg|brl|pln|czk|uah|rub|nok|sek|dkk|chf|zar|kr|zł|kč|грн|руб|lei)\b|"
    r"mil\b|k\b|,\d\d(?!\d))",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


def extract_phones(text: str, region: str | None, languages: list[str] | None = None) -> list[str]:
    """Valid phone numbers in ``text`` as E.164 strings, in order of appearance, unique.

    ``region`` (ISO2, e.g. "PY") is used for numbers written in national form;
    ``languages`` (ISO 639-1) picks which spelled-out digit words to decode
    (es, pt and en by default). Prices, dates and reference numbers are skipped.
    """
    if not text or not isinstance(text, str):
        return []
    _decoded, hits = _scan(text, phone_region(region), languages)
    return _unique(number for _position, number in hits)


def find_phones_and_whatsapp(
    text: str,
    hrefs: Iterable[str],
    region: str | None,
    languages: list[str] | None = None,
    *,
    guesses: Sequence[str] = (),
    dialled: Iterable[str] = (),
    not_phones: Iterable[str] = (),
    labelled: int = 0,
) -> tuple[list[str], list[str]]:
    """``(phones, whatsapp)`` as :func:`extract_phones` and :func:`extract_whatsapp`
    would give them, reading ``text`` once. WhatsApp numbers are also phones.

    Without ``region``, numbers in national form are read with each of ``guesses`` in
    turn (the regions the page points to, then the likely ones), and only where a contact
    word stands next to them ("tel", "call", "llamar", "ligar", "WhatsApp", ...): an id,
    a price, a date or a postal code reads as a valid number in some region, a labelled
    phone number does not. ``dialled`` are strings that are phone numbers by their place
    (``tel:`` links, a structured ``telephone``): read with the region or the guesses, and
    as an international number written without its "+" ("52 55 2653 7680").
    ``not_phones`` are digit strings known to be something else (the ids in the page's
    address): a number whose digits are one of them, or part of one, is left out.
    The first ``labelled`` characters of ``text`` are a contact field: a number there
    needs no contact word next to it."""
    region = phone_region(region)
    text = text if isinstance(text, str) else ""
    decoded, hits = _scan(text, region, languages) if text else ("", [])
    if region is None and guesses and decoded:
        regions = [phone_region(g) for g in guesses]
        hits = sorted(hits + _guessed_hits(decoded, hits, regions, labelled))
    ids = [digits for digits in not_phones or () if isinstance(digits, str) and digits]
    if ids:
        hits = [hit for hit in hits if not _is_id(decoded, hit, ids)]
    whatsapp = _whatsapp_numbers(hrefs, decoded, hits, region)
    found = [number for _position, number in hits]
    for string in dialled or ():
        number = _dialled_number(string, region, guesses)
        if number:
            found.append(number)
    return _unique([*found, *whatsapp]), whatsapp


# Words that say the number next to them is a phone number, lower-cased.
_CONTACT_WORDS = re.compile(
    r"(?<![^\W\d_])(?:tel|tél|tlf|telf|fono|phone|ph|mob|mobile|cell|cel|celular|móvil|movil|"
    r"tel[eé]fono|telefone|telefon|telephone|t[eé]l[eé]phone|telefonnummer|call|calls|llam[aeá]\w*|"
    r"lig[aeu]\w*|liga|contact\w*|contat\w*|kontakt\w*|whats\s?app|whats|wpp|wsp|wa|zap|"
    r"zapzap|sms|text|texto|mensaje|mensagem|viber|signal|telegram|"
    r"телефон|тел|моб|звоните|звонить|дзвоніть|zadzwoń|mobil|hotline|ring|dial|office|"
    r"enquir\w*|inquir\w*|atendimento|informes|"
    r"[tmp](?=\s*:))(?![^\W\d_])\.?|[☎☏📞📱✆]",
    re.IGNORECASE,
)
_CONTEXT_BEFORE = 32  # characters
_CONTEXT_AFTER = 16
_AFTER_NUMBER = re.compile(r"[ \t]*[(\[\-–—/,]?[ \t]*")


def _is_id(text: str, hit: Hit, ids: list[str]) -> bool:
    """True when the number at ``hit`` is one of ``ids`` and no contact word is next to it."""
    window = _WINDOW.match(text, hit[0])
    if window and _has_contact_word(text, window.start(), window.end()):
        return False  # some sites put the advertiser's number in the address too
    digits = "".join(ch for ch in (window.group(0) if window else "") if ch.isdigit())
    national = hit[1][-9:]
    return any((digits and digits in known) or national in known for known in ids)


def _has_contact_word(text: str, start: int, end: int) -> bool:
    """A contact word shortly before the number, or right after it ("555-0132 (WhatsApp)")."""
    before = text[max(start - _CONTEXT_BEFORE, 0) : start]
    if _CONTACT_WORDS.search(before):
        return True
    after = _AFTER_NUMBER.match(text, end, end + _CONTEXT_AFTER)
    return bool(after and _CONTACT_WORDS.match(text, after.end(), end + _CONTEXT_AFTER))


def _guessed_hits(
    text: str, known: list[Hit], guesses: list[str | None], labelled: int = 0
) -> list[Hit]:
    """National numbers read with the first of ``guesses`` that makes them valid, where a
    contact word stands next to them or in the first ``labelled`` characters."""
    taken = {position for position, _number in known}
    numbers = {number for _position, number in known}
    regions = list(dict.fromkeys(g for g in guesses if g))
    found: list[Hit] = []
    for window in _number_windows(text):
        in_contact_field = window.start() < labelled
        if not in_contact_field and not _has_contact_word(text, window.start(), window.end()):
            continue
        for guess in regions:
            hits = list(_numbers_in_window(text, window, guess, context=not in_contact_field))
            if hits:
                for position, number in hits:
                    if position not in taken and number not in numbers:
                        taken.add(position)
                        numbers.add(number)
                        found.append((position, number))
                break
    return found


def _dialled_number(string: str, region: str | None, guesses: Sequence[str]) -> str | None:
    if not isinstance(string, str):
        return None
    digits = re.sub(r"[^\d+]", "", string)
    if not MIN_DIGITS <= len(digits.lstrip("+")) <= 17:
        return None
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        return valid_e164(digits, None)
    for candidate in (region, *(phone_region(g) for g in guesses)):
        if candidate:
            number = valid_e164(digits, candidate)
            if number:
                return number
    # a country code and a national number: 11 digits at least ("1 415 555 0132")
    return valid_e164("+" + digits, None) if len(digits) >= 11 else None


def _unique(numbers: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(numbers))


def _scan(text: str, region: str | None, languages: list[str] | None) -> tuple[str, list[Hit]]:
    """The deobfuscated text and the numbers found in it, with their positions."""
    decoded = deobfuscate(text, region, languages)
    return decoded, list(_match_numbers(decoded, region))


def _match_numbers(text: str, region: str | None) -> Iterator[Hit]:
    """Numbers in ``text`` read in ``region``."""
    for window in _number_windows(text):
        yield from _numbers_in_window(text, window, region)


def _number_windows(text: str) -> Iterator[re.Match[str]]:
    """Stretches of ``text`` with enough digits to hold a phone number."""
    for window in _WINDOW.finditer(text):
        raw = window.group(0)
        if len(raw) >= MIN_DIGITS and sum(ch.isdigit() for ch in raw) >= MIN_DIGITS:
            yield window


def _numbers_in_window(
    text: str, window: re.Match[str], region: str | None, context: bool = False
) -> Iterator[Hit]:
    """Numbers in one window read in ``region``; with ``context``, only those in national
    form that have a contact word next to them."""
    raw = window.group(0)
    # The matcher gives up on a window that glues a number to unrelated
    # digits before it ("Gol 1.6 2015 0981 234 567"), so retry from each
    # later group that can start a phone number.
    starts = [window.start()]
    starts += [window.start() + m.start(1) for m in _GROUP_START.finditer(raw)]
    for start in starts:
        if _after_label_of_other_number(text, start):
            continue
        found = list(_match_window(text, start, window.end(), region, context))
        if found:
            yield from found
            break


def _match_window(
    text: str, start: int, end: int, region: str | None, context: bool = False
) -> Iterator[Hit]:
    offset = max(start - 1, 0)
    matches = _matches(text[offset : end + 1], region)
    for begin, stop, raw, number in matches:
        begin, stop = offset + begin, offset + stop
        if context and (raw.lstrip().startswith("+") or not _has_contact_word(text, begin, stop)):
            continue  # international numbers are read without a guess
        if not _looks_like_other_number(text, begin, stop, raw):
            yield begin, number


@lru_cache(maxsize=4096)
def _matches(chunk: str, region: str | None) -> tuple[tuple[int, int, str, str], ...]:
    """Valid numbers the matcher sees in ``chunk``: (start, end, raw text, E.164).

    Leniency.VALID only yields numbers that pass ``is_valid_number``. Cached:
    the same advertiser's number turns up in ad after ad.
    """
    return tuple(
        (match.start, match.end, match.raw_string, to_e164(match.number))
        for match in PhoneNumberMatcher(chunk, region, leniency=Leniency.VALID)
    )


def _after_label_of_other_number(text: str, start: int) -> bool:
    before = text[max(start - 16, 0) : start].lower()
    if _CURRENCY_BEFORE.search(before) or _REFERENCE_BEFORE.search(before):
        return True
    if ":" not in before[-3:]:
        return False
    return bool(_REFERENCE_WORDS_BEFORE.search(text[max(start - 32, 0) : start].lower()))


def _looks_like_other_number(text: str, begin: int, end: int, raw: str) -> bool:
    if _after_label_of_other_number(text, begin):
        return True
    if _AMOUNT_AFTER.match(text, end) and not raw.lstrip().startswith(("+", "(")):
        return True
    return bool(_DATE_LIKE.fullmatch(raw.strip()))


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
_WA_HINTS = ("wa.me", "whats", "wpp", "wsp", "wasap", "guasap", "watsap", "zap")


def extract_whatsapp(
    hrefs: Iterable[str],
    text: str,
    region: str | None = None,
    languages: list[str] | None = None,
) -> list[str]:
    """WhatsApp numbers as E.164 strings, in order, unique.

    Read from wa.me/NUMBER, api.whatsapp.com/send?phone=NUMBER and
    whatsapp://send?phone=NUMBER in ``hrefs`` and ``text``, and from a number
    written right after the word WhatsApp (or "wpp", "zap", ...) in ``text``;
    ``region`` and ``languages`` read that number as in :func:`extract_phones`.
    """
    region = phone_region(region)
    text = text if isinstance(text, str) else ""
    decoded = text
    hits: list[Hit] = []
    if text and _mentions_whatsapp(text):
        decoded, hits = _scan(text, region, languages)
    return _whatsapp_numbers(hrefs, decoded, hits, region)


def _whatsapp_numbers(
    hrefs: Iterable[str], text: str, hits: list[Hit], region: str | None
) -> list[str]:
    found: list[str | None] = []
    known = {number for _position, number in hits}
    for href in hrefs or ():
        if isinstance(href, str) and ("wa.me" in href.lower() or "whatsapp" in href.lower()):
            found += [
                _whatsapp_number(m.group(2), region, known)
                for m in _WA_LINK.finditer(unquote(href))
            ]
    if text and _mentions_whatsapp(text):
        found += [_whatsapp_number(m.group(2), region, known) for m in _WA_LINK.finditer(text)]
        for word in _WA_WORD.finditer(text):
            reach = word.end() + _WA_WORD_REACH
            found.append(next((n for at, n in hits if word.end() <= at < reach), None))
    return _unique(number for number in found if number)


def _mentions_whatsapp(text: str) -> bool:
    lower = text.lower()
    return any(word in lower for word in _WA_HINTS)


def _whatsapp_number(digits: str, region: str | None, known: set[str]) -> str | None:
    digits = digits.replace("-", "")
    if "+" + digits in known:
        return "+" + digits  # already read, and validated, from the ad's text
    # wa.me wants the full international number; some people still paste their
    # national one, which only the source's region can make sense of.
    number = valid_e164("+" + digits, None)
    if number is None and region:
        number = valid_e164(digits, region)
    return number
