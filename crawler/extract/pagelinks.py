"""A page's links, read once per page: every ``<a href>`` resolved against the page's
base, and the anchors a reader can follow, with their text and labels.

The reading is cached under the page's root element (never keeping the page alive) and
shared by ad-link guessing (:mod:`crawler.extract.cards`), pagination
(:mod:`crawler.extract.pagination`) and the page type (:mod:`crawler.extract.listings`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.urlshape import site_of, split_url


def flat_text(el: Any) -> str:
    """The text under an element, its whitespace runs as single spaces ("" if unreadable)."""
    try:
        return " ".join(el.text_content().split())
    except (AttributeError, ValueError):
        return ""


def base_url(root: Any, url: str) -> str:
    """The address the page's relative links resolve against: its ``<base href>``, else ``url``."""
    base = root.xpath("//head/base/@href") if hasattr(root, "xpath") else []
    if base:
        return urljoin(url, base[0].strip())
    return url


@dataclass
class Anchor:
    """A link a reader can follow, with its text and its label (aria-label, title, rel)."""

    el: Any
    url: str
    text: str
    label: str

    @property
    def cls(self) -> str:
        """The classes and ids of the link and of what it holds (an icon's ``chevron-right``)."""
        return " ".join(
            (el.get("class") or "") + " " + (el.get("id") or "")
            for el in self.el.iter()
            if isinstance(el.tag, str)
        )


def link_label(a: Any) -> str:
    """A link's ``aria-label``, ``title`` and ``rel``, joined."""
    return " ".join(x for x in (a.get("aria-label"), a.get("title"), a.get("rel")) if x).strip()


def ancestors(el: Any, limit: int = 60) -> Iterable[Any]:
    """``el`` and the elements above it, at most ``limit`` of them."""
    while el is not None and limit > 0:
        yield el
        el = el.getparent()
        limit -= 1


@dataclass
class Href:
    """One ``<a href>`` of the page, resolved once."""

    el: Any
    url: str  # absolute, without the fragment
    parts: Any
    raw: str


class PageLinks:
    """What is read once per page and shared by the readers of its links."""

    def __init__(self, root: Any, url: str):
        # the page is cached under its root element: holding the root here would keep
        # every page ever read alive
        try:
            self._root: Any = weakref.ref(root)
        except TypeError:  # not an element (a JSON selector): nothing to read anyway
            self._root = lambda: root
        self.url = url
        self.here = split_url(url)
        self.site = site_of(self.here.hostname or "")
        self._hrefs: list[Href] | None = None
        self._anchors: list[Anchor] | None = None
        # what the readers of the page's links work out, kept with it: the lists of ads
        # (crawler.extract.cards.PageReading) and the numbered pagination block
        # (crawler.extract.pagination.Pagination, False while not read yet)
        self.reading: Any = None
        self.pagination: Any = False

    @property
    def root(self) -> Any:
        return self._root()

    @property
    def hrefs(self) -> list[Href]:
        if self._hrefs is None:
            self._hrefs = read_hrefs(self.root, self.url)
        return self._hrefs

    @property
    def anchors(self) -> list[Anchor]:
        """Links a reader can follow to another page (for pagination)."""
        if self._anchors is None:
            here_key = (self.here.path.rstrip("/"), self.here.query)
            self._anchors = [
                Anchor(h.el, h.url, flat_text(h.el), link_label(h.el))
                for h in self.hrefs
                if not h.raw.endswith("#")  # an empty fragment: a script handles the click
                and (h.parts.path.rstrip("/"), h.parts.query) != here_key
            ]
        return self._anchors

    def same_site(self, parts: Any) -> bool:
        return not self.site or site_of(parts.hostname or "") == self.site


_PAGES: weakref.WeakKeyDictionary[Any, dict[str, PageLinks]] = weakref.WeakKeyDictionary()


def page_links(sel: Selector, url: str) -> PageLinks:
    """The links of the page ``sel`` shows at ``url``, read once and cached under its root."""
    root = sel.root
    try:
        per_root = _PAGES.setdefault(root, {})
    except TypeError:
        per_root = {}
    page = per_root.get(url)
    if page is None:
        page = per_root[url] = PageLinks(root, url)
    return page


def read_hrefs(root: Any, url: str) -> list[Href]:
    """Every followable ``<a href>`` under ``root`` (http, https, file), resolved."""
    if not hasattr(root, "iter"):
        return []
    base = base_url(root, url)
    joined: dict[str, tuple[str, Any] | None] = {}
    out: list[Href] = []
    for a in root.iter("a"):
        raw = (a.get("href") or "").strip()
        if not raw or raw.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        if raw not in joined:
            try:
                absu = urljoin(base, raw).split("#")[0]
                parts = urlsplit(absu)
                joined[raw] = (absu, parts) if parts.scheme in ("http", "https", "file") else None
            except ValueError:
                joined[raw] = None
        hit = joined[raw]
        if hit is not None:
            out.append(Href(a, hit[0], hit[1], raw))
    return out
