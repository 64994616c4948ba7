"""Folding for rule matching: every character outside ASCII to what it stands for.

Step 1 of the normalization (alerts/textnorm.py): Unicode NFKC (fullwidth, ligatures,
styled "math" letters, circled letters), case folding, accents removed, Cyrillic and Greek
look-alikes mapped to Latin; zero-width characters, soft hyphens, variation selectors and
skin-tone modifiers dropped; emoji made tokens of their own (a ZWJ sequence or a flag stays
one token); other punctuation, symbols and spaces turned into a space.

Runs of non-ASCII characters are folded once and cached (:data:`FOLD`), with the edits
that map positions back. Latin-1 text folds through one 256-entry byte table
(:data:`LATIN1_TABLE`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from itertools import accumulate, compress

__all__ = [
    "FIELD_BARRIER",
    "FOLD",
    "LATIN1_FOLDED",
    "LATIN1_TABLE",
    "NON_ASCII_RUN",
    "WIDE_SPACES",
    "byte_table",
    "fold_edits",
    "fold_run",
]

#: A character that survives normalization as a token of its own and that no term can
#: contain. The matcher puts it between an ad's title and body so phrases cannot span them.
FIELD_BARRIER = "\x1e"

_ZWJ = "\u200d"  # zero-width joiner: glues emoji into one picture

# Cyrillic, Greek and a few Latin-script look-alikes of Latin letters, applied after case
# folding (so capital look-alikes such as В, Н, М, Т are covered through their lower case).
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "і": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ь": "b",
        "ѕ": "s",
        "һ": "h",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ӏ": "l",
        "ү": "y",
        "ѵ": "v",
        # Greek
        "α": "a",
        "β": "b",
        "γ": "y",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        "ϲ": "c",
        "ϳ": "j",
        # Latin-script look-alikes that NFKC leaves alone
        "ı": "i",
        "ɑ": "a",
        "ɡ": "g",
        "ǀ": "l",
        "ɩ": "i",
        "ʏ": "y",
    }
)

# Extended_Pictographic, approximately (Python's unicodedata has no emoji properties).
# (c) and (r) are left out: in ads they are text, not pictures.
_EMOJI_RANGES = (
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2190, 0x21FF),
    (0x231A, 0x231B),
    (0x2328, 0x2328),
    (0x23CF, 0x23CF),
    (0x23E9, 0x23F3),
    (0x23F8, 0x23FA),
    (0x25AA, 0x25AB),
    (0x25B6, 0x25B6),
    (0x25C0, 0x25C0),
    (0x25FB, 0x25FE),
    (0x2600, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B07),
    (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1F3FA),
    (0x1F400, 0x1FAFF),
)
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_REGIONAL = range(0x1F1E6, 0x1F200)


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _EMOJI_RANGES)


def _fold_char(ch: str) -> tuple[str, str]:
    """Fold one non-ASCII character; return (folded text, kind).

    kind is ``E`` emoji, ``R`` regional indicator (half a flag), ``Z`` zero-width joiner,
    ``D`` dropped, ``O`` anything else.
    """
    cp = ord(ch)
    if ch == _ZWJ:
        return _ZWJ, "Z"
    if cp in _SKIN_TONES:
        return "", "D"
    if cp in _REGIONAL:
        return ch, "R"
    x = unicodedata.normalize("NFKC", ch).casefold()
    x = unicodedata.normalize("NFD", x)
    x = "".join(c for c in x if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    x = unicodedata.normalize("NFC", x).translate(_HOMOGLYPHS)
    if not x:
        return "", "D"
    if len(x) == 1 and (x.isascii() or _is_emoji(x)):
        # a fullwidth "." stays "." so that "ｖ．ｉ．ｓ．ａ" is spaced-out letters too
        return x, ("E" if _is_emoji(x) else "O")
    out: list[str] = []
    for c in x:
        if c.isalnum() or unicodedata.category(c) == "Mc":
            out.append(c)
        elif not out or out[-1] != " ":
            out.append(" ")  # punctuation, symbols, spaces, controls
    return "".join(out), "O"


def fold_run(run: str) -> list[str]:
    """Fold a run of non-ASCII characters; one output piece per input character."""
    folded = [_fold_char(c) for c in run]
    pieces = [f for f, _ in folded]
    kinds = [k for _, k in folded]
    n = len(run)

    def next_kept(i: int) -> int:
        while i < n and kinds[i] == "D":
            i += 1
        return i

    i = 0
    while i < n:
        kind = kinds[i]
        if kind == "Z":
            pieces[i] = ""  # a joiner that joins no emoji: drop it (it can hide a word break)
            i += 1
            continue
        if kind not in ("E", "R"):
            i += 1
            continue
        start = end = i
        if kind == "R":
            j = next_kept(i + 1)
            if j < n and kinds[j] == "R":
                end = j
        else:
            while True:
                z = next_kept(end + 1)
                if z < n and kinds[z] == "Z":
                    e = next_kept(z + 1)
                    if e < n and kinds[e] == "E":
                        end = e
                        continue
                break
        pieces[start] = " " + pieces[start]
        pieces[end] = pieces[end] + " "
        i = end + 1
    return pieces


class FoldCache(dict):
    """run -> folded run. Runs whose length changes also keep, in ``edits``, the
    ``(offset, new length)`` of each of their characters that did not fold to one."""

    MAX_ENTRIES = 200_000

    def __init__(self) -> None:
        super().__init__()
        self.edits: dict[str, tuple[tuple[int, int], ...]] = {}

    def __missing__(self, run: str) -> str:
        if len(self) >= self.MAX_ENTRIES:
            self.clear()
            self.edits.clear()
        pieces = fold_run(run)
        folded = "".join(pieces)
        if len(folded) != len(run):
            self.edits[run] = tuple((j, len(p)) for j, p in enumerate(pieces) if len(p) != 1)
        self[run] = folded
        return folded


FOLD = FoldCache()
NON_ASCII_RUN = re.compile(r"([^\x00-\x7f][^\x00-\x7f]*)")  # a class first: sre scans fast


def byte_table(code: Callable[[int], int]) -> bytes:
    return bytes(code(i) for i in range(256))


def _latin1_fold(i: int) -> int | None:
    """The byte that Latin-1 character ``i`` folds to, or None if it folds to anything else."""
    if i < 0x80:
        return i
    folded = "".join(fold_run(chr(i)))
    return ord(folded) if len(folded) == 1 and ord(folded) < 0x100 else None


LATIN1_FOLDED = [_latin1_fold(i) for i in range(256)]
LATIN1_TABLE = bytes(i if f is None else f for i, f in enumerate(LATIN1_FOLDED))

# Common characters outside Latin-1 in Western web text, all of which fold to one space;
# replacing them first lets most texts take the Latin-1 path.
WIDE_SPACES = "\u2019\u2018\u201c\u201d\u2013\u2014\u2026\u20ac\u2022\u201e\u201a\u2039\u203a"
assert all("".join(fold_run(c)) == " " for c in WIDE_SPACES)


def fold_edits(parts: list[str]) -> Iterator[tuple[int, int, int]]:
    """Per-character edits for the non-ASCII runs whose folding changed their length."""
    runs = parts[1::2]
    if not all(map(FOLD.__contains__, runs)):  # the cache was emptied since
        for run in runs:
            FOLD[run]
    edits_of = FOLD.edits
    changed = list(compress(range(len(runs)), map(edits_of.__contains__, runs)))
    if not changed:
        return
    starts = list(accumulate(map(len, parts), initial=0))
    for r in changed:
        pos = starts[2 * r + 1]
        for j, n in edits_of[runs[r]]:
            yield pos + j, pos + j + 1, n
