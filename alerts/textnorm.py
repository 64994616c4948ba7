"""Text normalization for rule matching, run once per ad text.

``normalize(text)`` turns an ad text into the form that rule terms are matched against, and
keeps what is needed to map every position back to the original text (to highlight evidence
in the words the advertiser wrote). Rule terms go through the same function when they are
compiled, so a term and the text it should find are always normalized alike.

What it does, in order (steps 1 to 3 live in alerts/textfold.py and alerts/deobfuscate.py):

1. **Fold** characters outside ASCII: Unicode NFKC (fullwidth, ligatures, styled "math"
   letters, circled letters), case folding, accents removed (``é -> e``, ``ç -> c``,
   ``ã -> a``, ``ñ -> n``), Cyrillic and Greek look-alikes mapped to Latin (``а -> a``,
   ``ν -> v``); zero-width characters, soft hyphens, variation selectors and skin-tone
   modifiers dropped. Emoji become tokens of their own (a ZWJ sequence such as ``👩‍❤️‍👨``
   or a flag stays one token); other punctuation, symbols and spaces become a space.
2. **Leetspeak** inside words: ``0->o 1->i 3->e 4->a 5->s 7->t @->a $->s`` in a token of at
   least three characters that has a letter before one of those characters, no other digit
   and no run of three digits (``s3x``, ``v1s4``, ``p@ss``, ``t33n``); ``2026``,
   ``1.500.000``, ``24h``, ``covid19``, ``us$500`` and e-mail addresses stay as they are.
3. **Spaced-out letters**: a run of at least three single Latin letters separated by one and
   the same separator character is joined (``v.i.s.a``, ``w h a t s a p p``, ``s-e-x``).
   Two letters are left alone, so ``S.A.`` in a company name does not become a word.
4. **ASCII**: lower case; every character that is not a letter or a digit becomes a space.
5. **Spaces**: runs of spaces become one. The result is tokens (words, numbers, emoji)
   separated by single spaces, which is what lets the matcher check word boundaries by
   putting a space at both ends of every term.

Speed: this runs on every ad, so the work is done by whole-string operations implemented in
C (``str.encode``, ``bytes.translate``, ``bytes in``, ``bytes.split``). Text that fits in
Latin-1 once the common typographic characters (’ “ ” – … €) are replaced is folded with a
256-entry byte table, in the same ``translate`` that lower-cases it; other text is split into
its non-ASCII runs, each folded once and cached. Steps 2 and 3 run only when a byte-level
check says they can apply. Positions are mapped back lazily, and only those asked for.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate
from typing import Any, AnyStr

from alerts.deobfuscate import JOIN_PASSES, JOIN_SEPARATORS, apply_leet, join_edits, join_pass
from alerts.textfold import (
    FIELD_BARRIER,
    FOLD,
    LATIN1_FOLDED,
    LATIN1_TABLE,
    NON_ASCII_RUN,
    WIDE_SPACES,
    byte_table,
    fold_edits,
)

__all__ = ["FIELD_BARRIER", "Normalized", "normalize", "normalize_term", "spaced_letter_keys"]


def _ascii_code(i: int) -> int:
    if i >= 0x80:
        return i  # Latin-1 letters left by the fold, or part of a UTF-8 sequence
    if 65 <= i <= 90:
        return i + 32
    if chr(i).isalnum() or chr(i) == FIELD_BARRIER:
        return i
    return 32


# lower-case ASCII letters, keep digits and the field barrier, any other ASCII -> space
_ASCII_TABLE = byte_table(_ascii_code)


def _shape_code(i: int) -> int:
    c = chr(i)
    if i < 0x80 and c.isalpha():
        return ord("a")
    if c in "013457@$":
        return ord("l")
    if c in JOIN_SEPARATORS:
        return ord("s")
    return ord("#")


# letter -> a, leet character -> l, separator -> s, anything else -> #
_SHAPE = byte_table(_shape_code)
# The same two tables applied to raw Latin-1 bytes, folding first. In the shape, the few
# Latin-1 characters that do not fold to one character (ß, ½, soft hyphen, µ) become NUL:
# their text takes the general path.
_L1_SHAPE = bytes(_SHAPE[f] if f is not None else 0 for f in (LATIN1_FOLDED[i] for i in range(256)))
_L1_ASCII = bytes(_ASCII_TABLE[LATIN1_TABLE[i]] for i in range(256))
assert _L1_SHAPE[0] == ord("#")


class Normalized:
    """A normalized text and the way back to the original.

    ``text`` is the normalized string. ``original_span(start, end)`` maps a half-open span
    of ``text`` to the half-open span of ``original`` it came from. A span that starts or
    ends inside a stretch that was replaced as a whole (``ß -> ss``, ``v.i.s.a -> visa``)
    widens to that whole stretch. The tables behind the mapping are built on first use.
    """

    __slots__ = ("text", "original", "_fold_parts", "_joins", "_collapse", "_stages")

    def __init__(
        self,
        text: str,
        original: str,
        fold_parts: list[str] | None = None,
        joins: list[tuple[tuple[re.Pattern, re.Pattern], str]] | None = None,
        collapse: list[list[Any]] | None = None,
    ):
        self.text = text
        self.original = original
        self._fold_parts = fold_parts
        self._joins = joins
        self._collapse = collapse or []
        self._stages: list[_Stage] | None = None

    def __repr__(self) -> str:
        return f"Normalized({self.text!r})"

    def _build_stages(self) -> list[_Stage]:
        # last step first: a position is carried back through each step in turn
        stages: list[_Stage] = []
        rounds = self._collapse
        if len(rounds) == 1 and self._fold_parts is None and not self._joins:
            # the common case, made short
            lengths = map(_plus_one, map(len, rounds[0]))
            self._stages = [(list(accumulate(lengths, initial=0)), None)]
            return self._stages
        for parts in reversed(rounds):
            # a round joined with " " the parts it had split at "  ": the k-th part starts
            # k characters earlier than before; keep where each part starts
            lengths = map(_plus_one, map(len, parts))
            stages.append((list(accumulate(lengths, initial=0)), None))
        for pattern, before in reversed(self._joins or ()):
            stages.append(_stage_from_edits(join_edits(before, pattern), len(before)))
        if self._fold_parts is not None:
            parts = self._fold_parts
            stages.append(_stage_from_edits(fold_edits(parts), sum(map(len, parts))))
        self._stages = [stage for stage in stages if len(stage[0]) > 2]
        return self._stages

    def _unstage(self, pos: int, end: bool) -> int:
        stages = self._stages if self._stages is not None else self._build_stages()
        for first, second in stages:
            if second is None:  # a round of collapsing: `first` holds where parts start
                pos += bisect_right(first, pos) - 1
            elif end:
                # an end inside a replaced stretch widens to the end of that stretch
                k = max(bisect_left(second, pos) - 1, 0)
                pos = first[k] + pos - second[k] if k % 2 == 0 else first[k + 1]
            else:
                k = min(bisect_right(second, pos) - 1, len(second) - 2)
                pos = first[k] + pos - second[k] if k % 2 == 0 else first[k]
        return pos

    def original_spans(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Map many half-open spans of ``text`` at once."""
        stages = self._stages if self._stages is not None else self._build_stages()
        if not stages:
            return list(spans)
        if all(second is None for _, second in stages):  # rounds of spaces only: most texts
            out = []
            for a, b in spans:
                for starts, _ in stages:
                    a += bisect_right(starts, a) - 1
                    b += bisect_right(starts, b) - 1
                out.append((a, b))
            return out
        unstage = self._unstage
        return [(unstage(start, False), unstage(end, True)) for start, end in spans]

    def original_offset(self, pos: int, *, end: bool = False) -> int:
        """Map a position of ``text`` to ``original`` (``end=True`` for an exclusive end)."""
        return self._unstage(pos, end)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the half-open span ``text[start:end]`` to a span of ``original``."""
        return self._unstage(start, False), self._unstage(end, True)

    @property
    def offsets(self) -> list[int]:
        """``offsets[i]`` is the original position of ``text[i]``; one more entry for the end."""
        n = len(self.text)
        return [self._unstage(i, False) for i in range(n)] + [self._unstage(n, True)]


# A step, as (in_bounds, out_bounds): segment k is input [in_bounds[k], in_bounds[k + 1])
# and output [out_bounds[k], out_bounds[k + 1]). Even segments are copied one to one, odd
# segments are stretches the step replaced as a whole (possibly by nothing). A round of
# space collapsing is (part starts in the output, None).
_Stage = tuple[list[int], list[int] | None]


def _segments(in_lengths: list[int], out_lengths: list[int]) -> _Stage:
    return list(accumulate(in_lengths, initial=0)), list(accumulate(out_lengths, initial=0))


def _stage_from_edits(edits: Iterable[tuple[int, int, int]], total: int) -> _Stage:
    """Segments from sorted (start, end, new length) edits of an input of ``total`` chars."""
    in_lengths: list[int] = []
    out_lengths: list[int] = []
    last = 0
    for start, end, n in edits:
        in_lengths += (start - last, end - start)
        out_lengths += (start - last, n)
        last = end
    in_lengths.append(total - last)
    out_lengths.append(total - last)
    return _segments(in_lengths, out_lengths)


_plus_one = (1).__add__


def normalize(text: str, *, spaced_letters: bool = True) -> Normalized:
    """Normalize ``text`` for matching (see the module docstring) and keep the way back.

    ``spaced_letters=False`` skips step 3. Its result differs from the full one only where
    its text, with a space added at both ends, holds three single-letter tokens in a row
    (``" v i s "``); :func:`spaced_letter_keys` lists those, so a caller that scans the text
    anyway can find out when the full normalization is needed.
    """
    s = text
    fold_parts = None
    data: bytes | None = None
    shape: bytes | None = None
    encoding = "latin-1"
    folded = False  # whether `data` is folded already (else the Latin-1 tables fold it)
    try:
        data = s.encode("latin-1")  # a copy when s is ASCII or Latin-1
    except UnicodeEncodeError:
        for ch in WIDE_SPACES:
            if ch in s:
                s = s.replace(ch, " ")  # one to one, exactly what folding does
        try:
            data = s.encode("latin-1")
        except UnicodeEncodeError:
            pass
    if data is not None:
        shape = data.translate(_L1_SHAPE)
        if b"\0" in shape:
            data = None
    if data is None:
        fold_parts = NON_ASCII_RUN.split(s)
        parts = fold_parts[:]
        parts[1::2] = map(FOLD.__getitem__, parts[1::2])
        s = "".join(parts)
        encoding = "utf-8"
        data = s.encode(encoding)
        shape = data.translate(_SHAPE)
        folded = True
    assert data is not None and shape is not None

    if b"al" in shape:  # a letter followed by a leet character
        s = (data if folded else data.translate(LATIN1_TABLE)).decode(encoding)
        leet = apply_leet(s)
        data, folded = leet.encode(encoding), True
        if leet is not s:
            shape = data.translate(_SHAPE)
        s = leet

    joins: list[tuple[tuple[re.Pattern, re.Pattern], str]] = []
    if spaced_letters:
        singles = shape.replace(b"aa", b"bb").replace(b"ba", b"bb")  # single letters stay a
        if b"asasa" in singles:
            s = (data if folded else data.translate(LATIN1_TABLE)).decode(encoding)
            for pattern in JOIN_PASSES:
                joined = join_pass(s, pattern)
                if joined is not s:
                    joins.append((pattern, s))
                    s = joined
            data, folded = s.encode(encoding), True

    data = data.translate(_ASCII_TABLE if folded else _L1_ASCII)
    # UTF-8 text is decoded first, so that lengths count characters
    if encoding == "latin-1":
        latin1, collapse = _collapse_spaces(data, b"  ", b" ")
        return Normalized(latin1.decode(encoding), text, fold_parts, joins, collapse)
    out, collapse = _collapse_spaces(data.decode(encoding), "  ", " ")
    return Normalized(out, text, fold_parts, joins, collapse)


def _collapse_spaces(out: AnyStr, double: AnyStr, space: AnyStr) -> tuple[AnyStr, list[list[Any]]]:
    """Step 5: runs of spaces become one, in rounds (faster than re.sub: most runs are two
    spaces, done in one round); a round's parts say where it joined them."""
    collapse = []
    parts = out.split(double)
    while len(parts) > 1:
        collapse.append(parts)
        out = space.join(parts)
        # Spaces are left to join only after a run of three or more, which leaves a part
        # that is empty or starts with a space (no part ends with one): if the smallest
        # part but the first starts with a letter, a digit or anything else above a space,
        # the text is done, without scanning it again.
        smallest = min(parts[1:])
        if smallest[:1] > space:
            break
        parts = out.split(double)
    return out, collapse


def normalize_term(term: str) -> str:
    """The normalized form of a rule term: tokens separated by single spaces, no padding."""
    return normalize(term).text.strip(" ")


def spaced_letter_keys() -> list[str]:
    """Every ``" x y z "`` (three single letters a-z): see ``normalize(spaced_letters=False)``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [f" {a} {b} {c} " for a in letters for b in letters for c in letters]
