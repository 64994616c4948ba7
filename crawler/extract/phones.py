"""Phone numbers and WhatsApp contacts in ad text, as E.164 strings.

Ads that sell people rarely print a number plainly: they spell digits in words
("cero nueve ocho ..."), swap digits for look-alike letters ("O98l 234 S67"),
space or dot every digit, or write them as keycap emoji, so that naive scrapers
and the platforms' own filters miss them. :func:`extract_phones` undoes those
tricks first, then lets ``phonenumbers.PhoneNumberMatcher`` find the numbers and
keeps only valid ones that are not prices, dates or reference numbers.

Pure functions, no I/O. ``region`` is the ISO 3166-1 alpha-2 country of the
source; without it numbers in international form are found, and those in national
form only with the regions :func:`find_phones_and_whatsapp` is given to guess and a
contact word ("tel", "call", "llamar", "WhatsApp", ...) next to them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

__all__ = [
    "deobfuscate",
    "extract_phones",
    "extract_whatsapp",
    "find_phones_and_whatsapp",
    "to_e164",
]

Hit = tuple[int, str]  # (position in the deobfuscated text, E.164 number)

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

# Look-alike letters for digits, decoded only in stretches where real digits
# dominate and the result is a valid number (see _decode_leet_run).
_LEET = str.maketrans("OolIiZzEASsGbTBgq", "00111223455667899")
_LEET_CHARS = "OolIiZzEASsGbTBgq"
# Tokens of digits and look-alike letters joined the way phone digit groups
# are (a full stop followed by a space ends a sentence, not a group), holding
# at least one real digit: letters-only tokens may come first ("OggZ 112 323").
_LEET_SEP = r"(?:[ \-()]{1,3}|\.[\-()]?)"
_LEET_RUN = re.compile(
    rf"(?<![\w+])\+?\(?(?:[{_LEET_CHARS}]+{_LEET_SEP})*[{_LEET_CHARS}]*\d[0-9{_LEET_CHARS}]*"
    rf"(?:{_LEET_SEP}[0-9{_LEET_CHARS}]+)*\)?(?!\w)"
)
_NOT_LETTERS = str.maketrans("", "", "0123456789 .-()+")
_DIGITS = re.compile(r"\d[\d.,]*")
_TOKEN_BEFORE = re.compile(r"[0-9A-Za-z]+$")
_TOKEN_AFTER = re.compile(r"[0-9A-Za-z]+")
_NOT_LEET = str.maketrans("", "", "0123456789" + _LEET_CHARS)
_LEET_LOOKBACK = 60  # characters: longer than any phone number written with separators
_LEET_TOKEN = re.compile(rf"[0-9{_LEET_CHARS}]+")
_MAX_LEET_TOKENS = 40

_KEYCAP = re.compile("([0-9])\ufe0f?\u20e3")
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
# Separators that obfuscators put between digits and the matcher does not know.
_ODD_SEPARATOR = re.compile(r"(?<=\d)[ ]?[*_~|•·][ ]?(?=\d)")

# A stretch of text that may hold one or more numbers: digits with the
# punctuation people put inside phone numbers, not crossing a line break.
_WINDOW = re.compile(r"[+(\d][\d \t\u00a0().\-/]*\d\)?")
_GROUP_START = re.compile(r"[ \t\u00a0/](\+|\(|0)")
# "00" opening a number, not inside one ("(07750) 008013", "98795-0011").
_INTERNATIONAL_00 = re.compile(r"(?<![\w+.,)\-/])(?<![\d).,\-/] )00(?=[1-9]\d)")
_MIN_DIGITS = 7

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
    _decoded, hits = _scan(text, _region(region), languages)
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
    region = _region(region)
    text = text if isinstance(text, str) else ""
    decoded, hits = _scan(text, region, languages) if text else ("", [])
    if region is None and guesses and decoded:
        regions = [_region(g) for g in guesses]
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
    if not _MIN_DIGITS <= len(digits.lstrip("+")) <= 17:
        return None
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        return _parse_valid(digits, None)
    for candidate in (region, *(_region(g) for g in guesses)):
        if candidate:
            number = _parse_valid(digits, candidate)
            if number:
                return number
    # a country code and a national number: 11 digits at least ("1 415 555 0132")
    return _parse_valid("+" + digits, None) if len(digits) >= 11 else None


def deobfuscate(text: str, region: str | None = None, languages: list[str] | None = None) -> str:
    """``text`` with hidden digits turned into plain ones (keycaps, words, look-alikes)."""
    if "\u20e3" in text:
        text = _KEYCAP.sub(r"\1", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    text = _decode_words(text, _language_key(languages), region)
    text = _decode_leet(text, region)
    if any(mark in text for mark in "*_~|•·") and _ODD_SEPARATOR.search(text):
        text = _ODD_SEPARATOR.sub(" ", text)
    if "00" in text:
        # "00" is the international prefix almost everywhere, but the matcher only
        # knows it where the region dials it so (Brazil dials a carrier code after
        # it, and reads "0055 81 ..." as a call to Japan). Same length: " +".
        text = _INTERNATIONAL_00.sub(" +", text)
    return text


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
        if len(raw) >= _MIN_DIGITS and sum(ch.isdigit() for ch in raw) >= _MIN_DIGITS:
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


@lru_cache(maxsize=4096)
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


_WORD_SEP = r"[ \t,.\-–/]+"  # not across lines: "... dos\nO al 00595 ..."
# Digit words that are also everyday words in one of the languages.
_AMBIGUOUS_WORDS = frozenset({"o", "oh", "un", "una", "um", "uma", "dos"})
_LEADING_DIGITS = re.compile(rf"(?<!\w)(?:\d+{_WORD_SEP})+$")


@lru_cache(maxsize=16)
def _digit_word_pattern(languages: tuple[str, ...], ignore_case: bool = False) -> re.Pattern[str]:
    """A number word followed by more number words or digits, in lower-case text.

    Starts at the word and asserts nothing before it, so that the regex engine
    can skip ahead quickly: this scans every ad. Callers check what precedes.
    """
    words: set[str] = set()
    for lang in languages:
        words.update(_DIGIT_WORDS[lang])
        words.update(_REPEAT_WORDS[lang])
    word = _trie_pattern(words)
    return re.compile(
        rf"(?:{word})\b(?:{_WORD_SEP}(?:{word}|\d+)\b)+", re.IGNORECASE if ignore_case else 0
    )


def _decode_words(text: str, languages: tuple[str, ...], region: str | None) -> str:
    """``text`` with runs of spelled-out digits ("cero nueve 8 ...") as plain digits."""
    lower = text.lower()
    # Lower-casing keeps positions unless the text has one of a few odd letters.
    pattern = _digit_word_pattern(languages, len(lower) != len(text))
    haystack = lower if len(lower) == len(text) else text
    pieces: list[str] = []
    last = pos = 0
    while match := pattern.search(haystack, pos):
        start, end = match.span()
        if start and (haystack[start - 1].isalnum() or haystack[start - 1] == "_"):
            pos = start + 1  # inside a longer word, such as "dos" in "todos"
            continue
        lead = _LEADING_DIGITS.search(haystack, max(last, start - 40), start)
        if lead:
            start = lead.start()  # "9 ocho 1 ...": digits before the first word
        run = text[start:end]
        decoded = _decode_word_run(run, languages, region)
        if decoded != run:
            pieces += [text[last:start], decoded]
            last = end
        pos = end
    return "".join(pieces) + text[last:] if pieces else text


def _trie_pattern(words: Iterable[str]) -> str:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_branch(trie)


def _trie_branch(node: dict[str, Any]) -> str:
    branches = [
        re.escape(char) + _trie_branch(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


@lru_cache(maxsize=16)
def _word_tables(languages: tuple[str, ...]) -> tuple[dict[str, str], dict[str, int]]:
    digits: dict[str, str] = {}
    repeats: dict[str, int] = {}
    for lang in languages:
        digits.update(_DIGIT_WORDS[lang])
        repeats.update(_REPEAT_WORDS[lang])
    return digits, repeats


_WORD_TOKEN = re.compile(r"\w+")


def _decode_word_run(run: str, languages: tuple[str, ...], region: str | None) -> str:
    """``run`` with its spelled-out digits as digits, or ``run`` unchanged.

    A word that is also an ordinary one ("o" is "or" in Spanish, "um" is "a"
    in Portuguese) may end up at either edge of the run: when the whole run is
    no valid number, the run without it is tried.
    """
    digits_for, repeats = _word_tables(languages)
    pieces: list[tuple[re.Match[str], str, bool]] = []  # token, its digits, spelled out?
    repeat = 1
    for token in _WORD_TOKEN.finditer(run):
        word = token.group(0).lower()
        if word.isdigit():
            pieces.append((token, word * repeat, False))
        elif word in repeats:
            repeat = repeats[word]
            continue
        elif word in digits_for:
            pieces.append((token, digits_for[word] * repeat, True))
        else:
            return run
        repeat = 1
    first_choice = None
    for lo, hi in _trimmings(pieces):
        kept = pieces[lo:hi]
        digits = "".join(piece for _token, piece, _spelled in kept)
        if sum(spelled for _token, _piece, spelled in kept) < 2:
            continue  # one stray word between numbers is no spelled-out number
        if not _MIN_DIGITS <= len(digits) <= 15:
            continue
        decoded = run[: kept[0][0].start()] + digits + run[kept[-1][0].end() :]
        if region is None or _parse_valid(digits, region):
            return decoded
        first_choice = first_choice or decoded
    return first_choice or run


def _trimmings(pieces: list[tuple[re.Match[str], str, bool]]) -> list[tuple[int, int]]:
    """(start, end) slices of ``pieces``: all of them, then without ambiguous edge words."""
    lo = 1 if pieces and pieces[0][0].group(0).lower() in _AMBIGUOUS_WORDS else 0
    hi = len(pieces) - (1 if pieces and pieces[-1][0].group(0).lower() in _AMBIGUOUS_WORDS else 0)
    return list(dict.fromkeys([(0, len(pieces)), (0, hi), (lo, len(pieces)), (lo, hi)]))


def _decode_leet(text: str, region: str | None) -> str:
    """``text`` with look-alike letters decoded in the runs that hide a number.

    Any such run has a letter within a few separators of a digit, so only the
    runs around those spots are examined.
    """
    pieces: list[str] = []
    last = pos = 0
    for hint in _leet_hints(text):
        if hint < pos:
            continue
        pos = hint + 1
        for match in _LEET_RUN.finditer(text, max(last, hint - _LEET_LOOKBACK)):
            if match.end() <= hint:
                continue  # an earlier run, without letters next to digits
            run = match.group(0)
            if match.start() <= hint and run.translate(_NOT_LETTERS):
                decoded = _decode_leet_run(run, region)
                if decoded != run:
                    pieces += [text[last : match.start()], decoded]
                    last = match.end()
                pos = max(pos, match.end())
            break
    return "".join(pieces) + text[last:] if pieces else text


def _leet_hints(text: str) -> Iterator[int]:
    """Positions of digits with a look-alike letter a few separators away.

    Found from the digits, which are far rarer in ad text than those letters;
    a letter in an ordinary word ("Ref. 912", "567. Interesadas") is no hint.
    """
    for group in _DIGITS.finditer(text):
        start, end = group.span()
        before = text[max(start - 4, 0) : start].rstrip(" .-()")
        after = text[end : end + 4].lstrip(" .-()")
        if before and before[-1] in _LEET_CHARS:
            token = _TOKEN_BEFORE.search(text, max(start - 24, 0), start - 4 + len(before) + 1)
            if token and _could_hide_digits(token.group(0)):
                yield start
                continue
        if after and after[0] in _LEET_CHARS:
            token = _TOKEN_AFTER.match(text, end + text[end : end + 4].index(after[0]))
            if token and _could_hide_digits(token.group(0)):
                yield start


def _could_hide_digits(token: str) -> bool:
    """True for a token of digits and look-alike letters that is not a plain word."""
    if token.translate(_NOT_LEET):
        return False  # holds a letter that stands for no digit
    return not (len(token) >= 3 and token.isalpha() and token[1:].islower())


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
    international_form = run.startswith(("+", "00"))
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
            elif (
                lo == 0
                and international_form
                and _parse_valid("+" + decoded.removeprefix("00"), None)
            ):
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
    return (
        run[token.start() - 1 : token.start()] == "(" and run[token.end() : token.end() + 1] == ")"
    )


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
    region = _region(region)
    text = text if isinstance(text, str) else ""
    decoded, hits = text, []
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
    number = _parse_valid("+" + digits, None)
    if number is None and region:
        number = _parse_valid(digits, region)
    return number
