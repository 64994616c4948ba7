"""Hidden digits in ad text made plain, before phone numbers are looked for.

Ads that sell people rarely print a number plainly: they spell digits in words
("cero nueve ocho ..."), swap digits for look-alike letters ("O98l 234 S67"),
write them as keycap emoji, or put odd separators between them, so that naive
scrapers and the platforms' own filters miss them. :func:`deobfuscate` undoes those
tricks; a run of letters or words is decoded only where the result is a valid
number. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from crawler.extract.e164 import MIN_DIGITS, valid_e164

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
# "00" opening a number, not inside one ("(07750) 008013", "98795-0011").
_INTERNATIONAL_00 = re.compile(r"(?<![\w+.,)\-/])(?<![\d).,\-/] )00(?=[1-9]\d)")


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
        if not MIN_DIGITS <= len(digits) <= 15:
            continue
        decoded = run[: kept[0][0].start()] + digits + run[kept[-1][0].end() :]
        if region is None or valid_e164(digits, region):
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
            if len(joined) < MIN_DIGITS or joined.isdigit() or not _can_edge(run, tokens[hi]):
                continue
            if sum(ch.isdigit() for ch in joined) * 2 < len(joined):
                continue
            decoded = joined.translate(_LEET)
            if region and valid_e164(decoded, region):
                national = hi, decoded
            elif (
                lo == 0
                and international_form
                and valid_e164("+" + decoded.removeprefix("00"), None)
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
