"""Text normalization for rule matching, run once per ad text.

``normalize(text)`` turns an ad text into the form that rule terms are matched against, and
keeps what is needed to map every position back to the original text (to highlight evidence
in the words the advertiser wrote). Rule terms go through the same function when they are
compiled, so a term and the text it should find are always normalized alike.

What it does, in order:

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
import unicodedata
from bisect import bisect_left, bisect_right
from itertools import accumulate, compress

__all__ = ["FIELD_BARRIER", "Normalized", "normalize", "normalize_term", "spaced_letter_keys"]

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


def _fold_run(run: str) -> list[str]:
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


class _FoldCache(dict):
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
        pieces = _fold_run(run)
        folded = "".join(pieces)
        if len(folded) != len(run):
            self.edits[run] = tuple((j, len(p)) for j, p in enumerate(pieces) if len(p) != 1)
        self[run] = folded
        return folded


_FOLD = _FoldCache()
_NON_ASCII_RUN = re.compile(r"([^\x00-\x7f][^\x00-\x7f]*)")  # a class first: sre scans fast


def _byte_table(code) -> bytes:
    return bytes(code(i) for i in range(256))


def _latin1_fold(i: int) -> int | None:
    """The byte that Latin-1 character ``i`` folds to, or None if it folds to anything else."""
    if i < 0x80:
        return i
    folded = "".join(_fold_run(chr(i)))
    return ord(folded) if len(folded) == 1 and ord(folded) < 0x100 else None


_LATIN1_FOLDED = [_latin1_fold(i) for i in range(256)]
_LATIN1_TABLE = bytes(i if f is None else f for i, f in enumerate(_LATIN1_FOLDED))

# Common characters outside Latin-1 in Western web text, all of which fold to one space;
# replacing them first lets most texts take the Latin-1 path.
_WIDE_SPACES = "\u2019\u2018\u201c\u201d\u2013\u2014\u2026\u20ac\u2022\u201e\u201a\u2039\u203a"
assert all("".join(_fold_run(c)) == " " for c in _WIDE_SPACES)

_LEET = str.maketrans("013457@$", "oieassas")
_LEET_CANDIDATE = re.compile(r"[013457@$](?<=[^\W\d_].)")
_LEET_DIGITS = frozenset("013457")
_TOKEN_CHARS = re.compile(r"(?:[^\W_]|[@$])+")
_DIGIT_RUN3 = re.compile(r"\d{3}")


def _apply_leet(s: str) -> str:
    pieces: list[str] = []
    last = 0
    done_until = -1
    for cand in _LEET_CANDIDATE.finditer(s):
        pos = cand.start()
        if pos < done_until:
            continue
        start = pos
        while start > 0 and (s[start - 1].isalnum() or s[start - 1] in "@$"):
            start -= 1
        token = _TOKEN_CHARS.match(s, start)
        assert token is not None
        end = done_until = token.end()
        word = token.group()
        if len(word) < 3 or _DIGIT_RUN3.search(word):
            continue
        if any(c.isdigit() and c not in _LEET_DIGITS for c in word):
            continue
        if "@" in word and s[end : end + 1] == "." and s[end + 1 : end + 2].isalnum():
            continue  # an e-mail address
        pieces.append(s[last:start])
        pieces.append(word.translate(_LEET))
        last = end
    if not pieces:
        return s
    pieces.append(s[last:])
    return "".join(pieces)


_PUNCT_SEPARATORS = ".-_*/|+~,:;"
_JOIN_SEPARATORS = " " + _PUNCT_SEPARATORS


def _join_patterns(separators: str) -> tuple[re.Pattern, re.Pattern]:
    """(finder, run): the finder starts with the separator, so that the regex engine only
    stops at separators; the run is then matched from the letter before it."""
    letter = "[a-zA-Z]"
    word = rf"[^\W_]|{FIELD_BARRIER}"  # a letter next to the barrier never starts a run
    seps = re.escape(separators)
    finder = re.compile(rf"([{seps}])(?<=(?<!{word}){letter}.){letter}\1{letter}")
    run = re.compile(rf"{letter}([{seps}])(?:{letter}\1)+{letter}(?!{word})")
    return finder, run


def _runs(s: str, patterns: tuple[re.Pattern, re.Pattern]):
    """Runs of single letters in ``s``, left to right, like ``finditer`` of one regex."""
    finder, run = patterns
    pos = 0
    while True:
        candidate = finder.search(s, pos)
        if candidate is None:
            return
        m = run.match(s, candidate.start() - 1)
        if m is None:
            pos = candidate.start() + 1
        else:
            yield m
            pos = m.end() + 1


# Punctuation-separated runs are joined first, so that in "w h a t s a p p s-e-x" the "s"
# stays with "sex" instead of ending "whatsapps".
_JOIN_PASSES = (_join_patterns(_PUNCT_SEPARATORS), _join_patterns(" "))


def _join_core(s: str, m: re.Match) -> tuple[int, int, str] | None:
    """The stretch of a spaced-out run to join, and its letters; None to leave it alone.

    In a space-separated run, an end letter tied to a neighbouring letter by punctuation
    ("x-y w h a t") belongs to that neighbour, not to the run.
    """
    start, end = m.span()
    if m.group(1) == " ":
        if start >= 2 and s[start - 1] in _PUNCT_SEPARATORS and s[start - 2].isalpha():
            start += 2
        if end + 1 < len(s) and s[end] in _PUNCT_SEPARATORS and s[end + 1].isalpha():
            end -= 2
    if end - start < 5:  # fewer than three letters
        return None
    return start, end, s[start:end:2]


def _join_pass(s: str, patterns: tuple[re.Pattern, re.Pattern]) -> str:
    pieces = []
    last = 0
    for m in _runs(s, patterns):
        core = _join_core(s, m)
        if core is not None:
            start, end, letters = core
            pieces.append(s[last:start])
            pieces.append(letters)
            last = end
    if not pieces:
        return s
    pieces.append(s[last:])
    return "".join(pieces)


def _join_edits(s: str, patterns: tuple[re.Pattern, re.Pattern]):
    for m in _runs(s, patterns):
        core = _join_core(s, m)
        if core is not None:
            start, end, letters = core
            yield start, end, len(letters)


def _ascii_code(i: int) -> int:
    if i >= 0x80:
        return i  # Latin-1 letters left by the fold, or part of a UTF-8 sequence
    if 65 <= i <= 90:
        return i + 32
    if chr(i).isalnum() or chr(i) == FIELD_BARRIER:
        return i
    return 32


# lower-case ASCII letters, keep digits and the field barrier, any other ASCII -> space
_ASCII_TABLE = _byte_table(_ascii_code)


def _shape_code(i: int) -> int:
    c = chr(i)
    if i < 0x80 and c.isalpha():
        return ord("a")
    if c in "013457@$":
        return ord("l")
    if c in _JOIN_SEPARATORS:
        return ord("s")
    return ord("#")


# letter -> a, leet character -> l, separator -> s, anything else -> #
_SHAPE = _byte_table(_shape_code)
# The same two tables applied to raw Latin-1 bytes, folding first. In the shape, the few
# Latin-1 characters that do not fold to one character (ß, ½, soft hyphen, µ) become NUL:
# their text takes the general path.
_L1_SHAPE = bytes(
    _SHAPE[f] if f is not None else 0 for f in (_LATIN1_FOLDED[i] for i in range(256))
)
_L1_ASCII = bytes(_ASCII_TABLE[_LATIN1_TABLE[i]] for i in range(256))
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
        collapse: list[list[bytes]] | list[list[str]] | None = None,
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
            stages.append(_stage_from_edits(_join_edits(before, pattern), len(before)))
        if self._fold_parts is not None:
            parts = self._fold_parts
            stages.append(_stage_from_edits(_fold_edits(parts), sum(map(len, parts))))
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


def _stage_from_edits(edits, total: int) -> _Stage:
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


def _fold_edits(parts: list[str]):
    """Per-character edits for the non-ASCII runs whose folding changed their length."""
    runs = parts[1::2]
    if not all(map(_FOLD.__contains__, runs)):  # the cache was emptied since
        for run in runs:
            _FOLD[run]
    edits_of = _FOLD.edits
    changed = list(compress(range(len(runs)), map(edits_of.__contains__, runs)))
    if not changed:
        return
    starts = list(accumulate(map(len, parts), initial=0))
    for r in changed:
        pos = starts[2 * r + 1]
        for j, n in edits_of[runs[r]]:
            yield pos + j, pos + j + 1, n


def normalize(text: str, *, spaced_letters: bool = True) -> Normalized:
    """Normalize ``text`` for matching (see the module docstring) and keep the way back.

    ``spaced_letters=False`` skips step 3. Its result differs from the full one only where
    its text, with a space added at both ends, holds three single-letter tokens in a row
    (``" v i s "``); :func:`spaced_letter_keys` lists those, so a caller that scans the text
    anyway can find out when the full normalization is needed.
    """
    s = text
    fold_parts = None
    data = shape = None
    encoding = "latin-1"
    folded = False  # whether `data` is folded already (else the Latin-1 tables fold it)
    try:
        data = s.encode("latin-1")  # a copy when s is ASCII or Latin-1
    except UnicodeEncodeError:
        for ch in _WIDE_SPACES:
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
        fold_parts = _NON_ASCII_RUN.split(s)
        parts = fold_parts[:]
        parts[1::2] = map(_FOLD.__getitem__, parts[1::2])
        s = "".join(parts)
        encoding = "utf-8"
        data = s.encode(encoding)
        shape = data.translate(_SHAPE)
        folded = True

    if b"al" in shape:  # a letter followed by a leet character
        s = (data if folded else data.translate(_LATIN1_TABLE)).decode(encoding)
        leet = _apply_leet(s)
        data, folded = leet.encode(encoding), True
        if leet is not s:
            shape = data.translate(_SHAPE)
        s = leet

    joins: list[tuple[tuple[re.Pattern, re.Pattern], str]] = []
    if spaced_letters:
        singles = shape.replace(b"aa", b"bb").replace(b"ba", b"bb")  # single letters stay a
        if b"asasa" in singles:
            s = (data if folded else data.translate(_LATIN1_TABLE)).decode(encoding)
            for pattern in _JOIN_PASSES:
                joined = _join_pass(s, pattern)
                if joined is not s:
                    joins.append((pattern, s))
                    s = joined
            data, folded = s.encode(encoding), True

    data = data.translate(_ASCII_TABLE if folded else _L1_ASCII)
    # Runs of spaces become one, in rounds (faster than re.sub: most runs are two spaces,
    # done in one round); a round's parts say where it joined them. UTF-8 text is decoded
    # first, so that lengths count characters.
    out: bytes | str = data if encoding == "latin-1" else data.decode(encoding)
    double, space = (b"  ", b" ") if encoding == "latin-1" else ("  ", " ")
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
    if encoding == "latin-1":
        out = out.decode(encoding)
    return Normalized(out, text, fold_parts, joins, collapse)


def normalize_term(term: str) -> str:
    """The normalized form of a rule term: tokens separated by single spaces, no padding."""
    return normalize(term).text.strip(" ")


def spaced_letter_keys() -> list[str]:
    """Every ``" x y z "`` (three single letters a-z): see ``normalize(spaced_letters=False)``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [f" {a} {b} {c} " for a in letters for b in letters for c in letters]
