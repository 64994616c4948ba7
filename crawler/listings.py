"""Listing pages: is a page a list of ads, which links are its ads, which is the next page.

Pure functions over a parsel ``Selector``, used by the listing spider (through
:func:`crawler.extract.extract_listing`) when a source gives no ``links`` / ``next_page``
selectors, and by detail-page extraction to refuse a listing taken for an ad.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

from parsel import Selector

_NEXT_WORDS = re.compile(
    r"^\s*(next|siguiente|sig\.|pr[oó]xim[ao]|seguinte|more|m[aá]s|mais|›|»|>|→)\s*(page|p[aá]gina)?\s*[›»>→]?\s*$",
    re.I,
)


def page_shape(path: str) -> str:
    """``/classifieds/ad/car-480934.html`` -> ``/classifieds/ad/*.html``: ids and slugs folded."""
    segs = [s for s in path.split("/") if s]
    if not segs:
        return "/"
    last = segs[-1]
    stem, dot, ext = last.rpartition(".") if "." in last else (last, "", "")
    if re.search(r"\d", stem):
        last = "*" + dot + ext
    return "/".join(segs[:-1]) + "/" + last


def guess_ad_links(sel: Selector, url: str) -> list[str]:
    """The largest group of same-site links sharing a path shape with an id in it."""
    host = urlparse(url).netloc
    groups: dict[str, list[str]] = {}
    for href in sel.css("a::attr(href)").getall():
        absu = urljoin(url, href.strip())
        p = urlparse(absu)
        if p.netloc != host or not re.search(r"\d", p.path):
            continue
        groups.setdefault(page_shape(p.path), []).append(absu.split("#")[0])
    if not groups:
        return []
    shape, members = max(groups.items(), key=lambda kv: len(set(kv[1])))
    if len(set(members)) < 2 or "/page/" in shape:
        return []
    return list(dict.fromkeys(members))


def guess_next_page(sel: Selector, url: str) -> str | None:
    for css in ('link[rel="next"]::attr(href)', 'a[rel~="next"]::attr(href)'):
        href = sel.css(css).get()
        if href:
            return urljoin(url, href.strip())
    for a in sel.css("a[href]"):
        text = " ".join(a.css("::text").getall()).strip()
        label = (a.attrib.get("aria-label") or "").strip()
        if (text and _NEXT_WORDS.match(text)) or (label and _NEXT_WORDS.match(label)):
            return urljoin(url, a.attrib["href"].strip())
    return None


def looks_like_listing(sel: Selector, url: str) -> bool:
    """Whether the page is a list of ads rather than one ad."""
    return False
