"""The searchable terms of a text, the same for both stores: words, and emoji.

Emoji are code words in ads (🌹 for sex work, ✈️ for a paid trip), so they are terms of
their own. A run of symbols joined by zero-width joiners (👨‍👩‍👧) or a pair of regional
indicators (a flag, 🇪🇸) is one term; variation selectors and skin-tone modifiers are left
out, so ``❤`` finds ``❤️`` and ``👍`` finds ``👍🏽``.

SQLite's FTS5 tokenizer (``unicode61``) drops symbols, so the embedded store indexes each
emoji as a word it keeps (:func:`symbol_words`: ``🌹`` -> ``sym1f339``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+\*?", re.UNICODE)
_IGNORED = {0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)}  # variation selectors, skin tones
_ZWJ = "\u200d"
# Runs of the characters that may belong to an emoji: ASCII and Latin letters never do (none
# is a symbol, a joiner or a modifier), and every such character ends an emoji.
_MAYBE_SYMBOLS = re.compile("[^\x00-\xa5\xc0-\u024f]+")


def _regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def symbols(text: str) -> list[str]:
    """The emoji (and other pictographic symbols) of ``text``, in order, one per term."""
    out: list[str] = []
    for run in _MAYBE_SYMBOLS.findall(text):
        out.extend(_run_symbols(run))
    return out


def _run_symbols(text: str) -> list[str]:
    out: list[str] = []
    current = ""
    joined = False
    for ch in text:
        cp = ord(ch)
        if cp in _IGNORED:
            continue
        if ch == _ZWJ:
            joined = bool(current)
            continue
        if unicodedata.category(ch) == "So":
            if current and joined:
                current += _ZWJ + ch
            elif len(current) == 1 and _regional(cp) and _regional(ord(current)):
                current += ch  # two regional indicators: a flag
            else:
                if current:
                    out.append(current)
                current = ch
        elif current:
            out.append(current)
            current = ""
        joined = False
    if current:
        out.append(current)
    return out


def symbol_word(symbol: str) -> str:
    """The word an emoji is indexed as in SQLite: ``🌹`` -> ``sym1f339``."""
    return "sym" + "x".join(f"{ord(ch):x}" for ch in symbol if ch != _ZWJ)


def symbol_words(*texts: str | None) -> str:
    """The index words of every emoji in ``texts``, space-separated ("" when none)."""
    return " ".join(symbol_word(s) for text in texts if text for s in symbols(text))


@dataclass(frozen=True)
class Term:
    """One query term: a ``word`` (``prefix`` when typed as ``word*``) or an emoji."""

    text: str
    kind: str  # "word", "prefix" or "symbol"


def query_terms(text: str | None) -> list[Term]:
    """The terms of a search query: its words, then its emoji; every one must match.
    Anything else typed (quotes, brackets, operators) is not searchable and is left out."""
    if not text:
        return []
    terms = []
    for m in _WORD.finditer(text):
        word = m.group().rstrip("*")
        if word:
            terms.append(Term(word, "prefix" if m.group().endswith("*") else "word"))
    return terms + [Term(symbol, "symbol") for symbol in symbols(text)]
