"""Extraction of ads from pages: configured selectors, or ``extract: auto``.

Pure functions over a parsel ``Selector`` (Scrapy's ``response.selector``), so spiders,
``adwatch extract`` and tests share one code path:

- :func:`extract_listing` -> ad links and the next listing page;
- :func:`extract_detail` -> a :class:`crawler.items.RawAd` or ``None`` when the page holds no ad.

``extract: auto`` reads schema.org JSON-LD (JobPosting, Product/Offer, ClassifiedAd, ...),
microdata and OpenGraph through extruct, then falls back to heuristics: the ``<h1>``, the
largest block of paragraphs, a price next to a currency sign, the biggest images in the content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from crawler.config import Source, is_xpath
from crawler.extract.auto import ad_heading, fill_auto, page_titles
from crawler.extract.autofields import is_expired
from crawler.extract.listings import guess_ad_links, looks_like_listing
from crawler.extract.pagechrome import text_of
from crawler.extract.pagestate import state_ad
from crawler.extract.pagetext import element_text, html_to_text
from crawler.extract.pagination import guess_next_page
from crawler.extract.schemaorg import AD_TYPES, jsonld_objects, schema_types
from crawler.items import RawAd

_PRICE_NEAR_SIGN = re.compile(
    r"(?:US\$|U\$S|R\$|Gs\.?|₲|€|£|\$|USD|EUR|BRL|PYG|GBP)\s?\d[\d.,\s]{0,15}\d"
    r"|\d[\d.,\s]{0,15}\d\s?(?:€|£|USD|EUR|BRL|PYG|GBP|Gs\.?|guaran[ií]es|reais|euros)",
    re.I,
)
_SKIP_IMG = re.compile(r"(logo|icon|sprite|avatar|pixel|spacer|banner|badge)", re.I)


@dataclass
class ListingPage:
    links: list[str] = field(default_factory=list)
    next_page: str | None = None


def select(sel: Selector, selector: str) -> SelectorList:
    s = selector.strip()
    if is_xpath(s):
        return sel.xpath(s.removeprefix("xpath:"))
    return sel.css(s)


def _texts(nodes: SelectorList) -> str:
    """Text of the selected nodes: ``::text``/``@attr`` values as they are, elements as text."""
    parts: list[str] = []
    for node in nodes:
        root = node.root
        if isinstance(root, str):
            parts.append(root)
        else:
            parts.append(element_text(node))
    return "\n".join(p for p in (x.strip() for x in parts) if p)


def _hrefs(nodes: SelectorList) -> list[str]:
    out = []
    for node in nodes:
        root = node.root
        if isinstance(root, str):
            out.append(root)
        else:
            out.extend(node.xpath(".//@href | .//@src").getall())
            if root.get("href"):
                out.append(root.get("href"))
            if root.get("src"):
                out.append(root.get("src"))
    return out


_CONTACT_HREF = re.compile(
    r"^(mailto:|tel:|sms:|whatsapp:)|wa\.me/|whatsapp\.com|t\.me/|telegram\.|instagram\.com|"
    r"facebook\.com|fb\.me|m\.me/|snapchat\.com|tiktok\.com|twitter\.com|x\.com/|signal\.me",
    re.I,
)


def contact_links(sel: Selector, url: str) -> list[str]:
    """Links that carry contact details (mailto:, tel:, WhatsApp, Telegram, social profiles)."""
    hrefs = [h for h in sel.xpath("//a/@href").getall() if _CONTACT_HREF.search(h)]
    return _abs(url, hrefs)


def _abs(base: str, urls: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for u in urls:
        u = (u or "").strip()
        if not u or u.startswith(("javascript:", "data:", "#")):
            continue
        seen.setdefault(u if u.startswith(("http://", "https://")) else urljoin(base, u), None)
    return list(seen)


# ---------------------------------------------------------------- listings


def extract_listing(sel: Selector, url: str, source: Source) -> ListingPage:
    """Ad links and next page of a listing page, by the source's selectors or by heuristics."""
    if source.links:
        links = _abs(url, [v for v in _hrefs(select(sel, source.links))])
    else:
        links = guess_ad_links(sel, url)
    nxt: str | None = None
    if source.next_page:
        found = _hrefs(select(sel, source.next_page))
        nxt = _abs(url, found[:1])[0] if _abs(url, found[:1]) else None
    else:
        nxt = guess_next_page(sel, url)
    if nxt and nxt.split("#")[0] == url.split("#")[0]:
        nxt = None
    if nxt and not source.links:
        links = [u for u in links if u.split("#")[0] != nxt.split("#")[0]]  # a page, not an ad
    return ListingPage(links=links, next_page=nxt)


# ---------------------------------------------------------------- detail pages


def extract_detail(sel: Selector, url: str, source: Source) -> RawAd | None:
    """The ad on a detail page, or ``None`` when the page holds no recognisable ad (a
    listing page, or a closed or expired ad).

    With selectors, a configured field that yields nothing on the page falls back to
    automatic extraction; the fields that did are listed in ``raw.extra["fallback"]``."""
    raw = RawAd(url=url, source=source.name, kind=source.kind)
    canonical = sel.css('link[rel="canonical"]::attr(href)').get()
    raw.canonical = urljoin(url, canonical.strip()) if canonical else None
    raw.language = (sel.xpath("/html/@lang").get() or "").split("-")[0].lower() or None
    raw.links = contact_links(sel, url)
    if source.extract == "selectors":
        _apply_selectors(sel, url, source, raw)
        # JSON-LD still helps with fields the selectors do not cover
        structured = structured_ad(sel, url, jsonld_only=True)
        if structured:
            raw.structured = structured
            _fill_from_structured(raw, structured, url)
        missed = tuple(
            name for name in source.fields if name in _AUTO_FIELDS and not getattr(raw, name)
        )
        if missed:
            fill_auto(sel, url, raw, structured, fields=missed)
            # a field the page really lacks stays empty: only a filled one is a fallback
            filled = [n for n in missed if getattr(raw, n)]
            if filled:
                raw.extra["fallback"] = filled
    else:
        if looks_like_listing(sel, url):
            return None
        structured = page_ad_data(sel, url)
        if is_expired(sel):
            return None
        if structured:
            raw.structured = structured
            _fill_from_structured(raw, structured, url, text_fields=False)
        fill_auto(sel, url, raw, structured)
        if structured.get("syntax") == "opengraph" and raw.body == structured.get("description"):
            # a link preview and page chrome: the ad itself is not on the page (closed,
            # or drawn by scripts: the browser renderer may find it)
            return None
        _fill_heuristics(sel, url, raw)
    if not (raw.title and raw.title.strip()) or not (raw.body and raw.body.strip()):
        return None
    return raw


_AUTO_FIELDS = ("title", "body", "price", "location", "posted", "employer", "contact")


def page_ad_data(sel: Selector, url: str) -> dict[str, Any]:
    """The ad's structured data: JSON-LD or microdata, completed (or replaced, when there
    is none) by the page's inline script state; OpenGraph when nothing else is there."""
    structured = structured_ad(sel, url)
    if structured.get("syntax") in ("json-ld", "microdata"):
        titles = page_titles(sel, url, structured)
    else:
        titles = page_titles(sel, url, {})
        heading = ad_heading(sel)
        if heading is not None:
            titles.insert(0, text_of(heading))
    state = state_ad(sel, titles)
    if not state:
        return structured
    if structured.get("syntax") in ("json-ld", "microdata"):
        return {**state, **structured}
    og_images = structured.get("image") if structured else None
    if og_images and not state.get("image"):
        state["image"] = og_images
    return state


def _apply_selectors(sel: Selector, url: str, source: Source, raw: RawAd) -> None:
    for name, selector in source.fields.items():
        nodes = select(sel, selector)
        if name == "images":
            raw.image_urls = _abs(url, _hrefs(nodes))
        elif name == "contact":
            raw.contact = _texts(nodes) or None
            raw.links = list(dict.fromkeys(raw.links + _abs(url, _hrefs(nodes))))
        else:
            value = _texts(nodes) or None
            setattr(raw, name, value)


def structured_ad(sel: Selector, url: str, jsonld_only: bool = False) -> dict[str, Any]:
    """The page's structured ad: JSON-LD first, then microdata, then OpenGraph (via extruct)."""
    for obj in jsonld_objects(sel.root):
        if schema_types(obj) & AD_TYPES:
            return {"syntax": "json-ld", **obj}
    if jsonld_only:
        return {}
    root = sel.root
    try:
        from extruct.opengraph import OpenGraphExtractor
        from extruct.w3cmicrodata import LxmlMicrodataExtractor
    except ImportError:  # pragma: no cover - extruct is a dependency
        return {}
    try:
        items = LxmlMicrodataExtractor().extract_items(root, url)
        for item in items:
            if schema_types(item) & AD_TYPES:
                return {"syntax": "microdata", **_flatten_microdata(item)}
        og = list(OpenGraphExtractor().extract_items(root, url))
    except Exception:
        return {}
    if og:
        props: dict[str, Any] = {}
        for item in og:
            for key, value in item.get("properties", []):
                props.setdefault(key, []).append(value)
        if "og:title" in props:
            return {
                "syntax": "opengraph",
                "name": props["og:title"][0],
                "description": (props.get("og:description") or [None])[0],
                "image": props.get("og:image", []),
                "url": (props.get("og:url") or [None])[0],
            }
    return {}


def _flatten_microdata(item: Any) -> Any:
    """extruct's ``{type, properties}`` items -> JSON-LD-like dicts, nested items too."""
    if isinstance(item, list):
        return [_flatten_microdata(x) for x in item]
    if isinstance(item, dict) and "properties" in item:
        out = {k: _flatten_microdata(v) for k, v in item["properties"].items()}
        types = schema_types(item)
        if types:
            out["@type"] = sorted(types)[0]
        return out
    return item


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _as_text(value: Any) -> str | None:
    value = _first(value)
    if value is None:
        return None
    if isinstance(value, dict):
        return _as_text(value.get("name") or value.get("@value"))
    return str(value)


def _fill_from_structured(
    raw: RawAd, data: dict[str, Any], url: str, text_fields: bool = True
) -> None:
    """Fields from structured data; with ``text_fields=False`` the title and body are left
    to :func:`crawler.extract.auto.fill_auto`, which weighs them against the page."""
    if text_fields:
        raw.title = raw.title or _as_text(
            data.get("title") or data.get("name") or data.get("headline")
        )
        desc = _as_text(data.get("description") or data.get("articleBody"))
        if desc and not raw.body:
            raw.body = html_to_text(desc)
    raw.posted = raw.posted or _as_text(data.get("datePosted") or data.get("datePublished"))
    org = data.get("hiringOrganization") or data.get("seller") or data.get("author")
    raw.employer = raw.employer or _as_text(org)
    if not raw.location:
        raw.location = _location(data)
    if not raw.price:
        offer = _first(data.get("offers"))
        spec = _first(offer.get("priceSpecification")) if isinstance(offer, dict) else None
        if isinstance(offer, dict) and offer.get("price") is None and isinstance(spec, dict):
            offer = spec  # {"priceSpecification": {"price": ..., "priceCurrency": ...}}
        if isinstance(offer, dict) and offer.get("price") is not None:
            cur = offer.get("priceCurrency") or ""
            raw.price = f"{cur} {offer['price']}".strip()
        elif data.get("price") is not None:
            raw.price = f"{data.get('priceCurrency') or ''} {_as_text(data['price'])}".strip()
    if not raw.image_urls:
        imgs = data.get("image") or []
        if not isinstance(imgs, list):
            imgs = [imgs]
        urls = [i.get("url") if isinstance(i, dict) else i for i in imgs]
        raw.image_urls = _abs(url, [u for u in urls if isinstance(u, str)])
    tel = _as_text(data.get("telephone"))
    if tel and not raw.contact:
        raw.contact = tel


_PLACE_PARTS = (
    "streetAddress",
    "neighbourhood",
    "neighborhood",
    "district",
    "addressLocality",
    "municipality",
    "city",
    "locality",
    "town",
    "addressRegion",
    "region",
    "state",
)


def _location(data: dict[str, Any]) -> str | None:
    """The place of structured data: locality and region (the country alone says little:
    it is kept only when nothing else is there)."""
    loc = _first(data.get("jobLocation") or data.get("availableAtOrFrom") or data.get("address"))
    if isinstance(loc, dict):
        addr = loc.get("address", loc)
        if isinstance(addr, dict):
            parts = [_as_text(addr.get(k)) for k in _PLACE_PARTS if k != "streetAddress"]
            parts = [p for p in dict.fromkeys(parts) if p and not p.isdigit()]
            if not parts:
                parts = [_as_text(addr.get("streetAddress")) or ""]
            text = ", ".join(p for p in parts if p)
            return text or None
        return _as_text(addr)
    return _as_text(loc)


def _fill_heuristics(sel: Selector, url: str, raw: RawAd) -> None:
    if not raw.title:
        raw.title = _texts(sel.css("h1")[:1]) or _texts(sel.css("title")) or None
    if not raw.body:
        raw.body = main_text(sel) or None
    structured = raw.structured
    has_structured_price = any(k in structured for k in ("baseSalary", "offers", "price"))
    if not raw.price and not has_structured_price:
        # only an element marked as a price: a sum in the text ("earn up to 3,000") is a
        # promise, not the price; normalization reads labelled prices in the body itself
        m = _PRICE_NEAR_SIGN.search(
            " ".join(sel.css("[class*=price], [itemprop=price]").css("::text").getall())
        )
        raw.price = m.group(0) if m else None
    if not raw.posted:
        raw.posted = sel.css("time::attr(datetime)").get()
    # structured data often names one image; the page shows the whole gallery
    raw.image_urls = _abs(url, raw.image_urls + content_images(sel, url))
    if not raw.contact:
        tel = sel.css('a[href^="tel:"]::attr(href)').getall()
        raw.contact = " ".join(t.removeprefix("tel:") for t in tel) or None


_BOILERPLATE = "ancestor-or-self::*[self::footer or self::header or self::nav or self::aside]"


def main_text(sel: Selector) -> str:
    """The text of the element with the most paragraph text (article, main, or a div),
    leaving out headers, footers, navigation and asides."""
    best, best_len = None, 0
    for node in sel.css("article, main, [itemprop=description], div, section"):
        if node.xpath(_BOILERPLATE):
            continue
        score = sum(len(t) for t in node.xpath("./p//text()").getall())
        if score > best_len:
            best, best_len = node, score
    if best is not None:
        return element_text(best)
    # no paragraphs: the body's own text without page chrome, if there is any to speak of
    parts = [
        t.strip()
        for t in sel.xpath(
            "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
            " or ancestor::footer or ancestor::header or ancestor::nav or ancestor::aside)]"
        ).getall()
    ]
    text = "\n".join(p for p in parts if p)
    return text if len(text) >= 40 else ""


def content_images(sel: Selector, url: str) -> list[str]:
    scope = sel.css("article, main, [class*=gallery], [class*=photo]") or sel
    out = []
    for img in scope.css("img"):
        src = img.attrib.get("src") or img.attrib.get("data-src") or ""
        if not src or _SKIP_IMG.search(src) or src.startswith("data:"):
            continue
        w = img.attrib.get("width", "")
        if w.isdigit() and int(w) < 100:
            continue
        out.append(src)
    return _abs(url, out)
