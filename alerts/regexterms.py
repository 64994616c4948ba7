"""Rule regexes: compiled for a linear-time engine (RE2), and the literals the automaton
looks for before a regex is tried.

:func:`compile_linear` rewrites the few escapes whose meaning differs between Python's
``re`` and RE2 and compiles the pattern for the UTF-8 bytes of normalized text.
:func:`check_regex_literals` rejects literal characters that normalized text never holds.
:func:`automaton_literals` reads Python's parse of a pattern to find the literals of which
every match holds one (:func:`required_literals`) or starts with one
(:func:`leading_literals`), so the matcher runs a regex only on texts that have one.
"""

from __future__ import annotations

import re

# Python's own parse of a pattern (Python 3.11 and later keep it in re._parser)
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from re._constants import (
    AT,
    AT_BOUNDARY,
    BRANCH,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    SUBPATTERN,
)
from typing import Any

import re2

from alerts.textnorm import normalize

__all__ = [
    "MIN_PREFIX_LENGTH",
    "automaton_literals",
    "check_regex_literals",
    "compile_linear",
    "leading_literals",
    "required_literals",
]

#: A regex literal shorter than this is not worth a place in the automaton: it would be hit
#: by nearly every ad. Such a regex runs on every text.
MIN_PREFIX_LENGTH = 3


def automaton_literals(pattern: str) -> tuple[tuple[str, ...], bool, bool]:
    """``(literals, anchored, token_start)`` of a rule regex: literals of which one occurs
    in every match (empty when none is long enough: the regex then runs on every text);
    ``anchored`` when every match starts with one of them; ``token_start`` when, besides,
    every match starts a word (``\\bvisa``)."""
    starts = leading_literals(pattern)
    if not starts:
        return required_literals(pattern), False, False
    first = _sre_parse.parse(pattern)[0]
    token_start = (
        first[0] is AT and first[1] is AT_BOUNDARY and all(lit[0].isalnum() for lit in starts)
    )
    return starts, True, token_start


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
# Python's \w and \d know every script; RE2's only ASCII. Spelled out, they match alike.
_RE2_CLASSES = {"w": r"\p{L}\p{N}_", "d": r"\p{Nd}"}
_RE2_NEGATED = {"W": "w", "D": "d"}
_NO_LOWER_BOUND = re.compile(r"\{,\d+\}")


def compile_linear(pattern: str) -> re2._Regexp:
    r"""Compile a rule regex for RE2, whose matching time is linear in the text (no
    backtracking, so no pattern can take exponential time). The result matches UTF-8
    bytes of normalized text. ``\w``, ``\W``, ``\d`` and ``\D`` keep Python's meaning
    (letters and digits of every script); ``\b`` is RE2's, a boundary next to an ASCII
    letter, digit or ``_``, which in normalized text (tokens of ASCII letters and digits
    between spaces) is where Python's is. ValueError for a pattern RE2 cannot run:
    backreferences, lookarounds, repeats over 1000, or one too large to compile."""
    try:
        return re2.compile(_re2_syntax(pattern).encode("utf-8"), _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(
            f"regex {pattern!r} cannot run on the linear-time engine (RE2: {reason});"
            " it has no backreferences or lookarounds and repeats at most {1000}"
        ) from None


def _re2_syntax(pattern: str) -> str:
    """Rewrite the escapes whose meaning differs between Python's re and RE2."""
    out: list[str] = []
    in_class = False
    class_start = 0
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            i += 2
            if nxt in _RE2_CLASSES:
                body = _RE2_CLASSES[nxt]
                out.append(body if in_class else f"[{body}]")
            elif nxt in _RE2_NEGATED:
                if in_class:
                    raise ValueError(
                        f"regex {pattern!r}: \\{nxt} inside [...] is not supported by the"
                        " linear-time engine (RE2); in normalized text a letter is [a-z]"
                        " (accents are removed) and a digit [0-9]"
                    )
                out.append(f"[^{_RE2_CLASSES[_RE2_NEGATED[nxt]]}]")
            elif nxt in "uU":
                width = 4 if nxt == "u" else 8
                code = pattern[i : i + width]
                out.append(f"\\x{{{code}}}")
                i += width
            elif nxt == "Z":
                out.append("\\z")  # end of text
            else:
                out.append("\\" + nxt)
            continue
        if in_class:
            # a "]" right after "[" or "[^" is a literal
            if ch == "]" and i > class_start:
                in_class = False
        elif ch == "{" and _NO_LOWER_BOUND.match(pattern, i):
            out.append("{0")  # Python reads x{,3} as x{0,3}, RE2 as text
            i += 1
            continue
        elif ch == "[":
            in_class = True
            class_start = i + 1
            if pattern[i + 1 : i + 2] == "^":
                class_start += 1
                out.append("[^")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def check_regex_literals(pattern: str) -> None:
    """Reject literal characters that normalized text never contains (``É``, ``.``, ``A``)."""
    bad = []

    def walk(items: Any) -> None:
        for op, av in items:
            if op is LITERAL:
                ch = chr(av)
                if ch != " " and normalize(ch).text != ch and ch not in bad:
                    bad.append(ch)
            elif op in (MAX_REPEAT, MIN_REPEAT):
                walk(av[2])
            elif op is SUBPATTERN:
                walk(av[-1])
            elif op is BRANCH:
                for branch in av[1]:
                    walk(branch)

    walk(_sre_parse.parse(pattern))
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        verb = "never occurs" if len(bad) == 1 else "never occur"
        raise ValueError(
            f"regex {pattern!r}: {shown} {verb} in the normalized text that rules match"
            " (lower case, no accents, punctuation turned into spaces)"
        )


def leading_literals(pattern: str) -> tuple[str, ...]:
    """Literals of which every match of ``pattern`` starts with one (after ``\\b`` or ``^``),
    or () when there are none of at least :data:`MIN_PREFIX_LENGTH` characters."""
    found = _leading(list(_sre_parse.parse(pattern)))
    if found and min(map(len, found)) >= MIN_PREFIX_LENGTH:
        return tuple(sorted(set(found)))
    return ()


def _leading(items: list) -> list[str] | None:
    i = 0
    while i < len(items) and items[i][0] is AT:
        i += 1
    run = []
    while i < len(items) and items[i][0] is LITERAL:
        run.append(chr(items[i][1]))
        i += 1
    tails = None
    if i < len(items):
        op, av = items[i]
        if op is SUBPATTERN:
            tails = _leading(list(av[-1]))
        elif op is BRANCH:
            alternatives = [_leading(list(branch)) for branch in av[1]]
            if all(alternatives):
                tails = [lit for alt in alternatives for lit in alt]  # type: ignore[union-attr]
    head = "".join(run)
    if tails:
        return [head + tail for tail in tails]  # the parser factors out common prefixes
    return [head] if head else None


def required_literals(pattern: str) -> tuple[str, ...]:
    """Literal strings of which at least one occurs in every match of ``pattern``.

    Walks the parsed pattern: a run of literal characters is a candidate, an alternation
    gives one literal per branch, a group or a repeat of at least once gives its body's. The
    candidate whose shortest literal is longest wins; () when none has at least
    :data:`MIN_PREFIX_LENGTH` characters.
    """
    best = _best_literals(list(_sre_parse.parse(pattern)))
    if best and min(map(len, best)) >= MIN_PREFIX_LENGTH:
        return tuple(sorted(set(best)))
    return ()


def _best_literals(items: list) -> list[str] | None:
    best: list[str] | None = None

    def consider(candidate: list[str] | None) -> None:
        nonlocal best
        if candidate and all(candidate):
            if best is None or min(map(len, candidate)) > min(map(len, best)):
                best = candidate

    run: list[str] = []
    for op, av in items:
        if op is LITERAL:
            run.append(chr(av))
            continue
        consider(["".join(run)])
        run = []
        if op is SUBPATTERN:
            consider(_best_literals(list(av[-1])))
        elif op is BRANCH:
            alternatives = [_best_literals(list(branch)) for branch in av[1]]
            if all(alternatives):
                consider([lit for alt in alternatives for lit in alt])  # type: ignore[union-attr]
        elif op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:
            consider(_best_literals(list(av[2])))
        elif op is IN and len(av) == 1 and av[0][0] is LITERAL:
            run.append(chr(av[0][1]))  # [x]
    consider(["".join(run)])
    return best
