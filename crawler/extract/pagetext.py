"""Text of page elements and how much two texts agree: shared by extraction
(crawler/extract/ads.py, crawler/extract/auto.py), script state (crawler/extract/pagestate.py) and
feeds (spiders/feed.py). Pure functions."""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from crawler.extract.labelled import fold

_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "ul"}


def element_text(node: Selector) -> str:
    """Visible text of an element, paragraph breaks kept, scripts and styles dropped."""
    root = node.root
    out: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "noscript", "template"):
            if el.tail:
                out.append(el.tail)
            return
        if tag in _BLOCK_TAGS:
            out.append("\n")
        if el.text and tag:
            out.append(el.text)
        for child in el:
            walk(child)
        if tag in _BLOCK_TAGS:
            out.append("\n")
        if el.tail:
            out.append(el.tail)

    if hasattr(root, "tag"):
        text_head = root.text or ""
        out.append(text_head)
        for child in root:
            walk(child)
    text = "".join(out)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment (JSON-LD descriptions often carry markup)."""
    if "<" not in fragment:
        return fragment.strip()
    return element_text(Selector(text=f"<div>{fragment}</div>").css("div")[0])


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The words of ``text``, case and accents folded."""
    return _WORD.findall(fold(text))


def agreement(text: str, others: list[str]) -> float:
    """Share of ``text``'s words found in the best of ``others`` (0..1)."""
    mine = words(text)
    if not mine:
        return 0.0
    best = 0.0
    for other in others:
        pool = set(words(other))
        if pool:
            best = max(best, sum(w in pool for w in mine) / len(mine))
    return best
