"""Marking evidence in an ad's text: bold red for a terminal, ``<mark>`` for HTML mail.

:func:`highlight` takes the spans a rule match found (:attr:`alerts.matcher.RuleMatch.spans`)
and returns the text with them marked, escaped for where it is shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from functools import partial

__all__ = ["highlight"]

_ANSI_MARK = ("\x1b[1;31m", "\x1b[0m")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def highlight(text: str, spans: Iterable[tuple[int, int]], style: str = "ansi") -> str:
    """Mark ``spans`` of ``text`` for a terminal (``"ansi"``) or an HTML page (``"html"``).

    Overlapping spans are merged. HTML output escapes all of the text and wraps each span in
    ``<mark>``; terminal output makes spans bold red and replaces control characters (an
    ad could carry its own escape sequences) with ``?``.
    """
    if style not in ("ansi", "html"):
        raise ValueError(f"style must be 'ansi' or 'html', not {style!r}")
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    clean: Callable[[str], str]
    if style == "html":
        clean, (open_, close) = html.escape, ("<mark>", "</mark>")
    else:
        clean, (open_, close) = partial(_CONTROL.sub, "?"), _ANSI_MARK
    out = []
    last = 0
    for start, end in merged:
        out.append(clean(text[last:start]))
        out.append(open_ + clean(text[start:end]) + close)
        last = end
    out.append(clean(text[last:]))
    return "".join(out)
