"""A listing's ads by the page's repeated structure: the lists of like items (cards,
rows) that hold same-site links of one URL shape, scored by how much they look like ads.

Links to the page's own site are grouped by where they sit: each element holding links,
with its siblings of the same tag under one parent, is a candidate list of *items*. Each
list is read once per URL shape its items share. A list scores by its distinct links, how
much they look like ad addresses (an id, a long slug, an id-carrying query key), how much
its items look like ad cards (a title-length link text, an image, a price or a few lines
of text), whether the link is each item's first (a card's own link, not its seller or
salary link), and loses most of its weight inside page chrome (``nav``/``header``/
``footer``/``aside``, menus, breadcrumbs, pagination) or in a box classed or headed as
related / recommended / similar ads. The same list split over sibling containers is
joined; a JSON-LD ``ItemList`` gives the list directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.pagelinks import PageLinks, ancestors, flat_text, page_links
from crawler.extract.schemaorg import AD_TYPES, jsonld_objects, schema_types
from crawler.extract.urlshape import is_id_like, loose_shape, site_of, split_url

_STATIC = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|avif|bmp|ico|pdf|zip|mp4|mp3|css|js|xml|json)$", re.I
)

# a list headed or classed as something else than the page's own results (class and id
# words: "related-ads", "similarListings", "recomendados", "people-also-viewed")
_RELATED_WORDS = re.compile(
    r"related|recommend|similar|suggest|relacionad|recomend|semelhant|parecid|sugerid|"
    r"[aä]hnlich|podobn|simil[ie]|upsell|crosssell|"
    r"(?:^| )(also (viewed|seen|like\w*|bought)|you may|more from|other (ads|offers|jobs)|"
    r"otros anuncios|outros anuncios|mas anuncios|mais anuncios)(?= |$)",
)
_RELATED_HEAD = re.compile(
    r"similar|related|recommend|you (may|might) (also )?like|also (viewed|like)|others also|"
    r"more (ads|jobs|listings|offers|properties) (from|like|by)|"
    r"semelhantes|similares|parecidos|relacionad|recomendad|sugerid|"
    r"te (puede|podr[ií]a)n? interesar|tamb[eé]m (podem|pode)|voc[eê] (tamb[eé]m )?pode gostar|"
    r"quem viu|outros an[uú]ncios|otros anuncios|annonces similaires|vous aimerez|"
    r"[aä]hnliche|das k[oö]nnte|annunci simili|potrebbe interessarti|podobne|mo[zż]e ci[eę]|"
    r"podobn[eé]|mohlo by|похожие|вам может|схожі|lignende|liknande|"
    r"(para|pra) (ti|vos|voc[eê]|usted)\b|for you\b|f[uü]r (dich|sie)\b|pour (toi|vous)\b|"
    r"dla ciebie|pro v[aá]s|per te\b",
    re.I,
)
_CHROME_WORDS = re.compile(
    r"(?:^| )(nav|navbar|navigation|menu|submenu|breadcrumbs?|pagination|pager|paging|footer|"
    r"cookies?|social|share|dropdown|sitemap|seo links?)(?= |$)"
)
_PRICE = re.compile(
    r"(R\$|US\$|U\$S|\$|€|£|¥|₲|₽|₴|₹|Gs\.?|zł|Kč|kr|USD|EUR|BRL|ARS|MXN|COP|CLP|PEN|UYU|"
    r"PYG|CZK|PLN|GBP|CHF|UAH|RUB|NOK|SEK|DKK)\s?\d"
    r"|\d[\d.,\s]*\s?(€|£|zł|Kč|kr|грн|руб|₽|₴|USD|EUR|BRL|GBP|PLN|CZK|NOK)",
    re.I,
)


@dataclass
class _Link:
    el: Any
    url: str
    shape: tuple
    id_like: bool


@dataclass
class _Group:
    parent: Any
    tag: str
    items: dict = field(default_factory=dict)  # item element -> [ _Link ]


@dataclass
class ListCandidate:
    """One list of repeated items on a page and the links it holds."""

    links: list[str]
    items: int
    score: float
    id_like: float
    rich: float
    per_item: float
    chrome: bool
    related: bool
    shape: tuple
    parent: Any = None
    tag: str = ""
    elements: list = field(default_factory=list)
    lead: float = 1.0  # share of items whose first link is this one (a card's own link)


@dataclass
class PageReading:
    links: list[str]
    best: ListCandidate | None
    candidates: list[ListCandidate]
    itemlist: list[str]
    ad_objects: int


def _attr_text(el: Any) -> str:
    return " ".join((el.get(k) or "") for k in ("class", "id", "aria-label", "role", "data-testid"))


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9äöüáéíóúãõç]+")


def _attr_words(el: Any) -> str:
    """An element's class, id and label as lower-case words: ``similarAds__list`` ->
    ``similar ads list``."""
    return _NON_WORD.sub(" ", _CAMEL.sub(" ", _attr_text(el)).lower()).strip()


def _ad_candidates(page: PageLinks) -> list[_Link]:
    """Same-site links to other pages, not to files: what a list of ads may hold."""
    here = page.here
    page_key = (here.netloc.lower(), here.path.rstrip("/"), here.query)
    out: list[_Link] = []
    for h in page.hrefs:
        parts = h.parts
        if not page.same_site(parts):
            continue
        if (parts.netloc.lower(), parts.path.rstrip("/"), parts.query) == page_key:
            continue
        if _STATIC.search(parts.path):
            continue
        out.append(_Link(h.el, h.url, loose_shape(parts), is_id_like(parts)))
    return out


_MAX_ITEM_DEPTH = 16  # how far above its link an item (a card, a row) may start
MIN_LIST_SCORE = 1.5  # two distinct ad-like cards with titles; menus and footers score below


def _groups(links: list[_Link]) -> dict[tuple, _Group]:
    """Every (parent, tag) whose same-tag children hold links: the candidate lists."""
    groups: dict[tuple, _Group] = {}
    for link in links:
        el = link.el
        for _ in range(_MAX_ITEM_DEPTH):
            parent = el.getparent()
            if parent is None or el.tag in ("body", "html"):
                break
            key = (parent, el.tag)
            g = groups.get(key)
            if g is None:
                g = groups[key] = _Group(parent, el.tag)
            g.items.setdefault(el, []).append(link)
            el = parent
    return groups


def _in_chrome(parent: Any) -> bool:
    for el in ancestors(parent):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("nav", "footer", "header", "aside"):
            return True
        if (el.get("role") or "") in ("navigation", "banner", "contentinfo", "complementary"):
            return True
    for el in ancestors(parent, 3):
        if _CHROME_WORDS.search(_attr_words(el)):
            return True
    return False


_HEADS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _heading_before(el: Any) -> str:
    """The text of the nearest heading before ``el`` among its preceding siblings."""
    sib = el.getprevious()
    hops = 0
    while sib is not None and hops < 4:
        if isinstance(sib.tag, str):
            if sib.tag in _HEADS or re.search(
                r"title|heading|header", sib.get("class") or "", re.I
            ):
                return flat_text(sib)[:120]
            heads = [h for h in sib.iter(*_HEADS)]
            if heads:
                return flat_text(heads[-1])[:120]
        sib = sib.getprevious()
        hops += 1
    return ""


def _is_related(parent: Any) -> bool:
    """A box of related / recommended / similar ads rather than the page's own results."""
    for depth, el in enumerate(ancestors(parent, 5)):
        if depth <= 3 and _RELATED_WORDS.search(_attr_words(el)):
            return True
        head = _heading_before(el) if depth <= 3 else ""
        if head and _RELATED_HEAD.search(head):
            return True
        # a heading (or a short line) as the first child of the box
        first = next((c for c in el if isinstance(c.tag, str)), None)
        if depth <= 3 and first is not None and first.tag not in ("ul", "ol", "table"):
            line = flat_text(first)
            if len(line) <= 80 and _RELATED_HEAD.search(line):
                return True
    return False


def _link_text(link: _Link) -> str:
    a = link.el
    text = flat_text(a)
    if len(text) < 4:
        text = (a.get("title") or a.get("aria-label") or "").strip() or text
        if len(text) < 4:
            alts = [i.get("alt") or "" for i in a.iter("img")]
            text = max(alts, key=len) if alts else text
    return text


def _relpath(link: _Link, item: Any) -> tuple:
    """Where a link sits inside its item: the tags and first classes from the item down."""
    out = []
    el = link.el
    while el is not None and el is not item:
        out.append((el.tag, (el.get("class") or "").split()[:1]))
        el = el.getparent()
    return tuple((t, tuple(c)) for t, c in out)


def _evaluate(g: _Group, page_shape_: tuple | None) -> list[ListCandidate]:
    """The group read once per URL shape its items share (the three most common)."""
    if len(g.items) < 2:
        return []
    count: dict[tuple, int] = {}
    for links in g.items.values():
        for shape in {ln.shape for ln in links}:
            count[shape] = count.get(shape, 0) + 1
    shapes = sorted(count.items(), key=lambda kv: kv[1], reverse=True)[:3]
    out = []
    for shape, n in shapes:
        if n < 2:
            break
        c = _candidate(g, shape)
        if c is not None:
            out.append(c)
    return out


def _candidate(g: _Group, shape: tuple) -> ListCandidate | None:
    main: list[tuple[Any, list[_Link]]] = []
    positions: dict[tuple, int] = {}
    leading = 0
    for item, links in g.items.items():
        mine = [ln for ln in links if ln.shape == shape]
        if mine:
            main.append((item, mine))
            leading += links[0].shape == shape  # the item's first link: its own
            for pos in {_relpath(ln, item) for ln in mine}:
                positions[pos] = positions.get(pos, 0) + 1
    urls: dict[str, None] = {}
    kept: list[tuple[Any, list[_Link]]] = []
    for item, mine in main:
        if len({ln.url for ln in mine}) > 1:
            # several ads' worth of links in one item: keep the ones at the usual place
            best = max(positions.get(_relpath(ln, item), 0) for ln in mine)
            mine = [ln for ln in mine if positions.get(_relpath(ln, item), 0) == best]
        kept.append((item, mine))
        for ln in mine:
            urls.setdefault(ln.url, None)
    distinct = len(urls)
    if distinct < 2:
        return None
    if not shape[2] and len({urlsplit(u).path for u in urls}) == 1:
        return None  # one page with other parameters (photos, tabs, sort orders), not ads
    flat = [ln for _, ms in kept for ln in ms]
    return ListCandidate(
        links=list(urls),
        items=len(kept),
        score=0.0,
        id_like=sum(1 for ln in flat if ln.id_like) / len(flat),
        rich=0.0,
        per_item=distinct / len(kept),
        chrome=False,
        related=False,
        shape=shape,
        parent=g.parent,
        tag=g.tag,
        elements=kept,
        lead=leading / len(kept),
    )


def _richness(c: ListCandidate) -> float:
    """How much the items look like ad cards: each with a title-length link text (a caption
    in ``alt`` or ``title`` counts half: a gallery has those too), and an image, a price or
    a few lines of text."""
    titles = cards = 0.0
    for item, links in c.elements:
        text = flat_text(item)
        seen = max((flat_text(ln.el) for ln in links), key=len, default="")
        told = max((_link_text(ln) for ln in links), key=len, default="")
        title = max(
            1.0 if len(seen) >= 12 else (0.5 if len(seen) >= 6 else 0.0),
            0.5 if len(told) >= 12 else 0.0,
        )
        titles += title
        if (
            len(text) >= 80
            or item.tag == "img"
            or next(item.iter("img", "picture"), None) is not None
            or _PRICE.search(text)
        ):
            cards += 1
    n = max(1, len(c.elements))
    return (titles / n) * (0.5 + 0.5 * cards / n)


def _score(c: ListCandidate) -> float:
    s = len(c.links) * (0.15 + 0.85 * c.id_like) * (0.2 + 0.8 * c.rich)
    s *= 0.5 + 0.5 * c.lead  # a card's own link comes first; salary, seller links after
    s /= max(1.0, c.per_item) ** 2
    if c.chrome:
        s *= 0.1
    if c.related:
        s *= 0.15
    return s


# a listing's results are things for sale or hire; articles, events and services
# describe the page itself
_AD_TYPES = AD_TYPES - {"Article", "NewsArticle", "BlogPosting", "Event", "Service"}


def _several_ads(objs: list[dict]) -> int:
    """How many different ads of one type the page's structured data describes (a listing
    may carry one object per result; an ad page describes one ad, maybe from several sides)."""
    seen: dict[str, set[str]] = {}
    for obj in objs:
        for t in schema_types(obj) & _AD_TYPES:
            key = obj.get("url") or obj.get("@id") or obj.get("name") or obj.get("title")
            if isinstance(key, str) and key.strip():
                seen.setdefault(t, set()).add(key.strip())
    return max((len(v) for v in seen.values()), default=0)


def _itemlist_urls(objs: list[dict], url: str) -> list[str]:
    out: dict[str, None] = {}
    for obj in objs:
        if not schema_types(obj) & {"ItemList", "OfferCatalog"}:
            continue
        elements = obj.get("itemListElement") or []
        if not isinstance(elements, list):
            continue
        for el in elements:
            if not isinstance(el, dict):
                continue
            item: Any = el.get("item") if isinstance(el.get("item"), (dict, str)) else el
            target = item if isinstance(item, str) else (item.get("url") or item.get("@id"))
            if not target and isinstance(el.get("url"), str):
                target = el["url"]
            if isinstance(target, str) and target.strip() and not target.startswith("#"):
                out.setdefault(urljoin(url, target.strip()).split("#")[0], None)
    return list(out)


def read_page(sel: Selector, url: str) -> PageReading:
    """The page's lists of repeated items, best first, and its ad links (cached per page)."""
    page = page_links(sel, url)
    if page.reading is None:
        page.reading = _read(page)
    return page.reading


def _read(page: PageLinks) -> PageReading:
    root, url = page.root, page.url
    if not hasattr(root, "iter"):
        return PageReading([], None, [], [], 0)
    links = _ad_candidates(page)
    own = split_url(url)
    own_shape = loose_shape(own) if own.path.strip("/") else None
    candidates = []
    for g in _groups(links).values():
        candidates.extend(_evaluate(g, own_shape))
    # cheap bound first, then the costlier card features for the plausible ones
    candidates.sort(
        key=lambda c: len(c.links) * (0.15 + 0.85 * c.id_like) / c.per_item**2, reverse=True
    )
    candidates = candidates[:25]
    for c in candidates:
        c.rich = _richness(c)
        c.chrome = _in_chrome(c.parent)
        c.related = _is_related(c.parent)
        c.score = _score(c)
        if own_shape is not None and c.shape == own_shape and c.id_like < 0.5:
            c.score *= 0.3  # the page's siblings (filters, other searches), not its ads
    candidates.sort(key=lambda c: c.score, reverse=True)
    objs = jsonld_objects(root)
    itemlist = [u for u in _itemlist_urls(objs, url) if _same_site(u, url)]
    ad_objects = _several_ads(objs)
    best = candidates[0] if candidates else None
    chosen: dict[str, None] = {}
    if best is not None and best.score >= MIN_LIST_SCORE:
        chosen = dict.fromkeys(best.links)
        # the same list continued in another container (a featured block, a split list)
        for c in candidates[1:]:
            if (
                c.shape == best.shape
                and c.tag == best.tag
                and not c.related
                and not c.chrome
                and c.score >= 0.25 * best.score
                and _same_kind(c.parent, best.parent)
            ):
                chosen.update(dict.fromkeys(c.links))
    if len(itemlist) >= 2:
        if chosen and not set(itemlist).isdisjoint(chosen):
            chosen = dict.fromkeys(itemlist) | chosen
        else:
            chosen = dict.fromkeys(itemlist)
    return PageReading(list(chosen), best, candidates, itemlist, ad_objects)


def _same_kind(a: Any, b: Any) -> bool:
    return (
        a.tag == b.tag and (a.get("class") or "").split()[:1] == (b.get("class") or "").split()[:1]
    )


def _same_site(u: str, url: str) -> bool:
    own = site_of(split_url(url).hostname or "")
    return not own or site_of(urlsplit(u).hostname or "") == own
