"""De-obfuscation for rule matching: leetspeak and spaced-out letters.

Steps 2 and 3 of the normalization (alerts/textnorm.py), on folded text:

* **Leetspeak** inside words (:func:`apply_leet`): ``0->o 1->i 3->e 4->a 5->s 7->t @->a
  $->s`` in a token of at least three characters that has a letter before one of those
  characters, no other digit and no run of three digits (``s3x``, ``v1s4``, ``p@ss``);
  ``2026``, ``24h``, ``covid19``, ``us$500`` and e-mail addresses stay as they are.
* **Spaced-out letters** (:func:`join_pass`, once per pattern of :data:`JOIN_PASSES`): a
  run of at least three single Latin letters separated by one and the same separator is
  joined (``v.i.s.a``, ``w h a t s a p p``, ``s-e-x``); two letters are left alone.
  :func:`join_edits` gives the same joins as edits, to map positions back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from alerts.textfold import FIELD_BARRIER

__all__ = ["JOIN_PASSES", "JOIN_SEPARATORS", "apply_leet", "join_edits", "join_pass"]

_LEET = str.maketrans("013457@$", "oieassas")
_LEET_CANDIDATE = re.compile(r"[013457@$](?<=[^\W\d_].)")
_LEET_DIGITS = frozenset("013457")
_TOKEN_CHARS = re.compile(r"(?:[^\W_]|[@$])+")
_DIGIT_RUN3 = re.compile(r"\d{3}")


def apply_leet(s: str) -> str:
    """``s`` with leetspeak read inside its words (see the module docstring)."""
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
JOIN_SEPARATORS = " " + _PUNCT_SEPARATORS


def _join_patterns(separators: str) -> tuple[re.Pattern, re.Pattern]:
    """(finder, run): the finder starts with the separator, so that the regex engine only
    stops at separators; the run is then matched from the letter before it."""
    letter = "[a-zA-Z]"
    word = rf"[^\W_]|{FIELD_BARRIER}"  # a letter next to the barrier never starts a run
    seps = re.escape(separators)
    finder = re.compile(rf"([{seps}])(?<=(?<!{word}){letter}.){letter}\1{letter}")
    run = re.compile(rf"{letter}([{seps}])(?:{letter}\1)+{letter}(?!{word})")
    return finder, run


def _runs(s: str, patterns: tuple[re.Pattern, re.Pattern]) -> Iterator[re.Match]:
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
JOIN_PASSES = (_join_patterns(_PUNCT_SEPARATORS), _join_patterns(" "))


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


def join_pass(s: str, patterns: tuple[re.Pattern, re.Pattern]) -> str:
    """``s`` with the runs of single letters that ``patterns`` find joined."""
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


def join_edits(s: str, patterns: tuple[re.Pattern, re.Pattern]) -> Iterator[tuple[int, int, int]]:
    for m in _runs(s, patterns):
        core = _join_core(s, m)
        if core is not None:
            start, end, letters = core
            yield start, end, len(letters)
