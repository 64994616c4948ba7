"""Candidate CSS selectors for an element, and the one that yields a wanted value.

For an element: its id, ``itemprop`` and ``data-testid`` attributes, stable class names,
one ancestor for context and tag names (:func:`candidate_selectors`), shortest first. Ids
and class names that look generated or carry numbers are never used: they change per page
or per build. :func:`learn` tries the candidates on every page as the crawl reads
configured selectors and keeps the shortest whose worst match is best.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from parsel import Selector

from crawler.extract.ads import _abs, _hrefs, _texts, select
from crawler.extract.text import clean_text

EXACT = 1.0  # how well a selector's yield matches automatic extraction: 1.0 the same value
_IDENT = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")
_GENERATED = re.compile(
    r"^(?:css|sc|jsx|svelte|emotion|styled|chakra|mui|ng-tns|ember)-|"
    r"[_-][A-Za-z0-9]*\d[A-Za-z0-9]*$|\d{3,}|[a-z][A-Z].*\d|\d.*[a-z][A-Z]",
)
_CONTEXT_ATTRS = ("itemprop", "data-testid", "data-test", "data-qa", "data-cy", "role")
_OWN_ATTRS = (*_CONTEXT_ATTRS, "property", "name", "rel")
_CONTEXT_TAGS = {"main", "article", "header", "aside", "section", "nav", "ul", "ol", "table"}
# tags too common to stand alone: they need a class, an attribute or an ancestor
_GENERIC_TAGS = {"a", "b", "div", "em", "i", "img", "li", "p", "span", "strong", "td", "tr", "ul"}
_MAX_ANCESTORS = 8


@dataclass
class Learned:
    """A selector and what it yields on each sample (text, a number, a date or a list)."""

    selector: str
    values: list[Any]
    score: float = EXACT  # the worst match over the samples
    note: str = ""


# ---------------------------------------------------------------- candidate selectors


def stable_token(token: str) -> bool:
    """Whether an id or class name looks written by hand, not generated per page or build."""
    return bool(_IDENT.match(token)) and len(token) <= 40 and not _GENERATED.search(token)


def _attr_selector(tag: str, name: str, value: str) -> str:
    shown = value if _IDENT.match(value) else json.dumps(value)
    return f"{tag}[{name}={shown}]"


def simple_selectors(el: Any, context: bool = False, alone: bool = False) -> list[str]:
    """Selectors for one element on its own: id, telling attributes, classes, the tag.
    ``context`` keeps only those that name an ancestor well (no bare tags but sections);
    ``alone`` leaves out common tags that would stand on their own."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag or ":" in tag:
        return []
    out: list[str] = []
    ident = (el.get("id") or "").strip()
    if ident and stable_token(ident):
        out.append(f"#{ident}")
    for name in _CONTEXT_ATTRS if context else _OWN_ATTRS:
        value = (el.get(name) or "").strip()
        if value and len(value) <= 60 and '"' not in value and "\\" not in value:
            out.append(_attr_selector(tag, name, value))
            if name in ("itemprop", "data-testid"):
                out.append(_attr_selector("", name, value))
    classes = [c for c in (el.get("class") or "").split() if stable_token(c)][:4]
    for c in classes:
        out.extend((f"{tag}.{c}", f".{c}"))
    for i, a in enumerate(classes):
        for b in classes[i + 1 :]:
            out.append(f"{tag}.{a}.{b}")
    if (not context and not (alone and tag in _GENERIC_TAGS)) or (context and tag in _CONTEXT_TAGS):
        out.append(tag)
    return out


def candidate_selectors(el: Any, suffix: str = "") -> list[str]:
    """Selectors for ``el``, alone and under one of its ancestors, shortest first."""
    own = simple_selectors(el)
    out = simple_selectors(el, alone=True)
    parent = el.getparent()
    depth = 0
    ancestor = parent
    while ancestor is not None and depth < _MAX_ANCESTORS:
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        if tag in ("body", "html", ""):
            break
        for outer in simple_selectors(ancestor, context=True):
            for inner in own:
                out.append(f"{outer} {inner}")
                if ancestor is parent:
                    out.append(f"{outer} > {inner}")
        ancestor = ancestor.getparent()
        depth += 1
    seen = dict.fromkeys(f"{s}{suffix}" for s in out)
    return sorted(seen, key=len)


# ---------------------------------------------------------------- what a selector yields


def yielded(sel: Selector, url: str, selector: str, name: str) -> Any:
    """What ``selector`` gives field ``name`` on a page, as the crawl reads configured
    selectors (crawler/extract/ads.py), then cleaned as normalization cleans it."""
    try:
        nodes = select(sel, selector)
    except Exception:  # a candidate cssselect cannot translate
        return None
    if name in ("images", "links", "next_page"):
        return _abs(url, _hrefs(nodes))
    if name == "contact":
        return clean_text(_texts(nodes)), _abs(url, _hrefs(nodes))
    return clean_text(_texts(nodes))


def learn(
    candidates: Iterable[str],
    pages: list[tuple[Selector, str]],
    judge: Callable[[int, Any], float | None],
    name: str,
) -> Learned | None:
    """The candidate whose worst match over the pages (``judge``) is best, the shortest of
    those; scores within 0.02 of each other count as the same."""
    best: Learned | None = None
    for selector in sorted(dict.fromkeys(candidates), key=len):
        if best is not None and best.score == EXACT:
            break  # candidates come shortest first
        values, worst = [], EXACT
        for index, (sel, url) in enumerate(pages):
            got = yielded(sel, url, selector, name)
            score = judge(index, got)
            if score is None:
                break
            values.append(got)
            worst = min(worst, score)
        else:
            if best is None or worst > best.score + 0.02:
                best = Learned(selector, values, worst)
    return best
