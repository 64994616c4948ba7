"""Selectors for a new source, learned from sample pages (``adwatch sources suggest``).

Pure functions: pages in (bytes and address), a :class:`Suggestion` and its sources.yaml entry
out. Automatic extraction reads every sample ad page as the crawl does; for each field it found
on every sample, the elements carrying that value are located, candidate CSS selectors are
built for them (ids, ``itemprop`` and ``data-testid`` attributes, stable class names, one
ancestor for context, tag names) and tried on every sample in order of length. The shortest
selector that yields the same value on every sample wins; an exact match beats a close one.
Ids and class names that look generated or carry numbers are never used: they change per page
or per build. Ad links and the next page are learned the same way on the listing page.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.config import Source
from crawler.extract.ads import _abs, _hrefs, _texts, extract_detail, extract_listing, select
from crawler.extract.dates import parse_posted
from crawler.extract.normalize import normalize_ad
from crawler.extract.phones import find_phones_and_whatsapp
from crawler.extract.prices import parse_price
from crawler.extract.text import clean_text
from crawler.items import Ad

# the fields a selector is learned for, in the order an entry lists them
LEARNED_FIELDS = ("title", "price", "location", "posted", "employer", "body", "images", "contact")
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
_SHORT_VALUE = 80  # a price or a date is read from a short text, never from a whole block
# a price in an attribute: only of an element that says it holds one (not "initial-scale=1")
_PRICE_ATTRIBUTES = (
    "//*[@content][re:test(concat(@itemprop, ' ', @property, ' ', @name, ' ', @class),"
    " 'price|amount|salary|pre[cç]o|precio|cost|valor|wage', 'i')]"
)
_MAX_ANCESTORS = 8
_BODY_PRECISION, _BODY_RECALL = 0.8, 0.5  # least share of a body's words that must match
_CONTACT_SHARE = 0.3  # a contact block is a small part of the page, not the ad's whole text


@dataclass
class Page:
    """One fetched or saved page: its bytes, its address and the charset its headers declared."""

    body: bytes
    url: str
    charset: str | None = None

    def selector(self) -> Selector:
        headers = {"Content-Type": f"text/html; charset={self.charset}"} if self.charset else None
        return HtmlResponse(self.url, body=self.body, headers=headers).selector


@dataclass
class Learned:
    """A selector and what it yields on each sample (text, a number, a date or a list)."""

    selector: str
    values: list[Any]
    score: float = EXACT  # the worst match over the samples
    note: str = ""


@dataclass
class Sample:
    """An ad page as automatic extraction reads it."""

    url: str
    sel: Selector
    ad: Ad


@dataclass
class Suggestion:
    """What was learned about a site, ready to be written as a sources.yaml entry."""

    name: str
    kind: str
    start_url: str
    links: Learned | None = None
    next_page: Learned | None = None
    fields: dict[str, Learned] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)  # found by extraction, no selector
    samples: list[str] = field(default_factory=list)
    country: str | None = None
    languages: list[str] = field(default_factory=list)
    private_hosts: list[str] = field(default_factory=list)
    jsonld_fields: list[str] = field(default_factory=list)  # JSON-LD fills them on every sample
    feeds: list[str] = field(default_factory=list)  # RSS/Atom feeds the listing page names

    @property
    def uses_selectors(self) -> bool:
        """Whether the entry can crawl by its field selectors: they must give a title and a
        body (JSON-LD fills a body in selectors mode too)."""
        has_body = "body" in self.fields or "body" in self.jsonld_fields
        return "title" in self.fields and has_body


# ---------------------------------------------------------------- what extraction finds


def auto_source(country: str | None = None, languages: Iterable[str] = ()) -> Source:
    return Source(
        name="suggest",
        kind="classified",
        start_urls=["http://example.org/"],
        extract="auto",
        country=country,
        languages=list(languages),
    )


def read_sample(page: Page, country: str | None, languages: list[str]) -> Sample | None:
    """The page read as an ad page by automatic extraction, or None when it holds no ad."""
    sel = page.selector()
    source = auto_source(country, languages)
    raw = extract_detail(sel, page.url, source)
    if raw is None:
        return None
    ad = normalize_ad(raw, country=country, languages=languages or None)
    return Sample(page.url, sel, ad)


def read_listing(page: Page) -> tuple[Selector, list[str], str | None]:
    """The listing page's selector, the ad links and the next page automatic reading finds."""
    sel = page.selector()
    listing = extract_listing(sel, page.url, auto_source())
    return sel, listing.links, listing.next_page


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


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def text_overlap(a: str, b: str) -> float:
    """Shared words over the longer text's words: 1.0 for the same text."""
    wa, wb = _words(a), _words(b)
    total = max(sum(wa.values()), sum(wb.values()))
    return sum((wa & wb).values()) / total if total else 0.0


def _same_text(got: str, want: str) -> float | None:
    """1.0 for the same text; less for ``want`` inside a slightly longer text (a label)."""
    got_flat, want_flat = " ".join(got.split()).casefold(), " ".join(want.split()).casefold()
    if not got_flat or not want_flat:
        return None
    if got_flat == want_flat:
        return EXACT
    share = len(want_flat) / len(got_flat)
    return 0.9 * share if want_flat in got_flat and share >= 0.6 else None


def _body_match(got: str, want: str) -> float | None:
    """The F1 of shared words, when most of ``got`` is the body and it gives much of it."""
    wg, ww = _words(got), _words(want)
    shared = sum((wg & ww).values())
    if not shared:
        return None
    precision, recall = shared / sum(wg.values()), shared / sum(ww.values())
    if precision < _BODY_PRECISION or recall < _BODY_RECALL:
        return None
    return EXACT if wg == ww else 2 * precision * recall / (precision + recall) * 0.99


def field_match(name: str, got: Any, sample: Sample, region: str | None) -> float | None:
    """How well a selector's yield ``got`` matches what extraction found for field ``name``
    on ``sample``: 1.0 the same, less for close, None for no match."""
    ad = sample.ad
    if got in (None, "", []):
        return None
    if name == "title" or name == "employer":
        return _same_text(got.replace("\n", " "), getattr(ad, name) or "")
    if name == "location":  # normalization joins a location's lines with ", "
        return _same_text(got.replace("\n", ", "), ad.location or "")
    if name == "body":
        return _body_match(got, ad.body)
    if name in ("price", "posted") and len(got) > _SHORT_VALUE:
        return None
    if name == "price":
        amount = parse_price(got, region)[0]
        return EXACT if amount is not None and amount == ad.price else None
    if name == "posted":
        languages = [ad.language] if ad.language else None
        return EXACT if parse_posted(got, languages) == ad.posted_at else None
    if name == "images":
        got_set, want_set = set(got), set(ad.image_urls)
        share = len(got_set & want_set) / len(got_set | want_set)
        return share if share >= 0.8 else None
    if name == "contact":
        text, hrefs = got
        if len(text) > max(200, _CONTACT_SHARE * len(ad.body)):
            return None
        phones = set(find_phones_and_whatsapp(text, hrefs, region, None)[0])
        want_phones = set(ad.phones)
        if not phones or not phones <= want_phones:
            return None
        return len(phones) / len(want_phones)
    return None


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


# ---------------------------------------------------------------- elements carrying a value


def _text_carriers(sel: Selector, text: str) -> Iterator[tuple[Any, str]]:
    """Elements whose text is ``text`` (``::text`` when their own text nodes say it), and
    those around its longest line, not much longer than ``text``."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    first = max(lines, key=len)[:80] if lines else ""
    if not first:
        return
    limit = len(" ".join(text.split())) * 1.6 + 20
    found = sel.xpath("//body//*[contains(normalize-space(.), $t)]", t=first)
    for node in reversed(found):  # innermost first
        own = " ".join(" ".join(node.xpath("./text()").getall()).split())
        if own and first in own:
            yield node.root, "::text"
        if len(" ".join(node.xpath("normalize-space(.)").getall())) <= limit:
            yield node.root, ""
    for node in sel.xpath("//*[@content or @title or @datetime or @value]"):
        for attr in ("content", "datetime", "title", "value"):
            value = node.root.get(attr)
            if value and _same_text(clean_text(value), text) is not None:
                yield node.root, f"::attr({attr})"


def _short_text_carriers(
    sel: Selector, test: Callable[[str], bool], attributes: str, attributes_first: bool = False
) -> Iterator[tuple[Any, str]]:
    """Elements with a short text, or a date/content attribute of an element ``attributes``
    (an XPath) selects, that ``test`` accepts; ``attributes_first``: only attributes when
    one does (a date written for machines outlives "2 days ago")."""
    found_attribute = False
    for node in sel.xpath(attributes):
        for attr in ("datetime", "content"):
            value = node.root.get(attr)
            if value and len(value) <= 60 and test(value):
                found_attribute = True
                yield node.root, f"::attr({attr})"
    if attributes_first and found_attribute:
        return
    found = sel.xpath(
        "//body//*[not(self::script or self::style)][string-length(normalize-space(.)) <= 60]"
        "[re:test(., '\\d')]"
    )
    for node in found:
        text = " ".join(node.xpath("normalize-space(.)").getall())
        if test(text):
            own = " ".join(" ".join(node.xpath("./text()").getall()).split())
            if own and test(own):
                yield node.root, "::text"
            yield node.root, ""


def _image_carriers(sel: Selector, url: str, wanted: set[str]) -> Iterator[tuple[Any, str]]:
    for node in sel.xpath("//img[@src or @data-src] | //source[@srcset]"):
        for attr in ("src", "data-src"):
            value = node.root.get(attr)
            if value and urljoin(url, value.strip()) in wanted:
                yield node.root, f"::attr({attr})"
    for node in sel.xpath("//meta[@content]"):
        if urljoin(url, node.root.get("content", "").strip()) in wanted:
            yield node.root, "::attr(content)"


def _contact_carriers(sel: Selector) -> Iterator[tuple[Any, str]]:
    for node in sel.css('a[href^="tel:"], a[href*="wa.me/"], a[href*="whatsapp"]'):
        yield node.root, "::attr(href)"
        yield node.root, ""
    words = "contact|phone|tel|fone|whats|contato|contacto|llamar|ligar"
    for node in sel.xpath("//body//*[re:test(@class, $w, 'i') or re:test(@id, $w, 'i')]", w=words):
        yield node.root, ""


def carriers(name: str, sample: Sample, region: str | None) -> Iterator[tuple[Any, str]]:
    """Elements of ``sample`` that carry field ``name``, with how to read them."""
    ad, sel = sample.ad, sample.sel
    if name in ("title", "location", "employer", "body"):
        value = getattr(ad, name) or ""
        if name == "location":
            # normalization joins the lines of a location with ", "; pages often use lines
            yield from _text_carriers(sel, value.split(", ")[0])
        yield from _text_carriers(sel, value)
    elif name == "price":
        yield from _short_text_carriers(
            sel, lambda t: parse_price(t, region)[0] == ad.price, _PRICE_ATTRIBUTES
        )
    elif name == "posted":
        languages = [ad.language] if ad.language else None
        yield from _short_text_carriers(
            sel,
            lambda t: parse_posted(t, languages) == ad.posted_at,
            "//*[@content or @datetime]",
            attributes_first=True,
        )
    elif name == "images":
        yield from _image_carriers(sel, sample.url, set(ad.image_urls))
    elif name == "contact":
        yield from _contact_carriers(sel)


def _extracted(ad: Ad, name: str) -> bool:
    if name == "title":
        return bool(ad.title)
    if name == "price":
        return ad.price is not None
    if name == "posted":
        return bool(ad.posted_at)
    if name == "images":
        return bool(ad.image_urls)
    if name == "contact":
        return bool(ad.phones)
    return bool(getattr(ad, name))


def learn_fields(
    samples: list[Sample], region: str | None, max_carriers: int = 40
) -> tuple[dict[str, Learned], list[str]]:
    """Per field found on every sample: the learned selector; and the fields found on every
    sample for which no selector yields the same value."""
    learned: dict[str, Learned] = {}
    unmatched: list[str] = []
    pages = [(s.sel, s.url) for s in samples]
    for name in LEARNED_FIELDS:
        if not samples or not all(_extracted(s.ad, name) for s in samples):
            continue
        candidates: list[str] = []
        for sample in samples:
            for count, (el, suffix) in enumerate(carriers(name, sample, region)):
                if count >= max_carriers:
                    break
                candidates.extend(candidate_selectors(el, suffix))

        def judge(index: int, got: Any, name: str = name) -> float | None:
            return field_match(name, got, samples[index], region)

        found = learn(candidates, pages, judge, name)
        if found is None:
            unmatched.append(name)
        else:
            learned[name] = found
    return learned, unmatched


# ---------------------------------------------------------------- listing pages


def learn_links(sel: Selector, url: str, links: list[str]) -> Learned | None:
    """A selector yielding the ad links found on a listing page: exactly those, or all of
    them and a few more (the extra ones are named in the note)."""
    wanted = set(links)
    candidates: list[str] = []
    anchors = [
        a.root
        for a in sel.xpath("//a[@href]")
        if urljoin(url, a.attrib["href"].strip()).split("#")[0] in wanted
    ]
    for anchor in anchors[:6]:
        candidates.extend(candidate_selectors(anchor, "::attr(href)"))

    def judge(_index: int, got: Any) -> float | None:
        found = {u.split("#")[0] for u in got or []}
        extra = found - wanted
        if wanted <= found and len(extra) <= max(2, len(wanted) // 5):
            return len(wanted) / len(found)
        return None

    best = learn(candidates, [(sel, url)], judge, "links")
    if best is not None and best.score < EXACT:
        extra = sorted({u.split("#")[0] for u in best.values[0]} - wanted)
        best.note = "also yields: " + ", ".join(extra)
    return best


def learn_next_page(sel: Selector, url: str, next_url: str) -> Learned | None:
    """A selector whose first link is the next page found on the listing page."""
    candidates: list[str] = []
    texts: list[str] = []
    for node in sel.xpath("//a[@href] | //link[@href]"):
        if urljoin(url, node.attrib["href"].strip()) == next_url:
            candidates.extend(candidate_selectors(node.root, "::attr(href)"))
            text = " ".join(node.xpath("normalize-space(.)").getall())
            if text and '"' not in text and len(text) <= 30:
                texts.append(text)
    # a link known only by its words ("Próxima", "Next"): an XPath on its text
    candidates.extend(f'//a[normalize-space()="{t}"]/@href' for t in texts)

    def judge(_index: int, got: Any) -> float | None:
        return EXACT if got and got[0] == next_url else None

    return learn(candidates, [(sel, url)], judge, "next_page")


# ---------------------------------------------------------------- the whole suggestion


def source_name(url: str) -> str:
    """``https://www.olx.com.br/x`` -> ``olx-com-br``: a valid source name from the host."""
    host = (urlsplit(url).hostname or "site").removeprefix("www.")
    name = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "site"
    return name[:63]


_TLD_COUNTRY = {"uk": "GB"}
# country-code domains sold for other uses
_GENERIC_TLDS = {"io", "co", "me", "tv", "ai", "ly", "fm", "gg", "to", "cc", "ws", "la", "so"}


def country_of(url: str) -> str | None:
    """The country a host's top-level domain names (``.br`` -> BR), or None."""
    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1].lower()
    if tld in _TLD_COUNTRY:
        return _TLD_COUNTRY[tld]
    if tld in _GENERIC_TLDS or not re.fullmatch(r"[a-z]{2}", tld):
        return None
    return tld.upper()


def suggest(
    listing: Page,
    ad_pages: list[Page],
    *,
    name: str | None = None,
    country: str | None = None,
    private_hosts: Iterable[str] = (),
) -> Suggestion:
    """What to write for a site, learned from its listing page and sample ad pages."""
    country = (country or country_of(listing.url) or "").upper() or None
    sel, links, next_url = read_listing(listing)
    suggestion = Suggestion(
        name=name or source_name(listing.url),
        kind="classified",
        start_url=listing.url,
        country=country,
        private_hosts=list(private_hosts),
    )
    suggestion.feeds = _abs(
        listing.url,
        sel.xpath(
            '//link[@rel="alternate"][contains(@type, "rss") or contains(@type, "atom")]/@href'
        ).getall(),
    )
    if links:
        suggestion.links = learn_links(sel, listing.url, links)
    if next_url:
        suggestion.next_page = learn_next_page(sel, listing.url, next_url)
    languages = [
        lang
        for lang in dict.fromkeys(
            (s.xpath("/html/@lang").get() or "").split("-")[0].lower()
            for s in [sel, *(p.selector() for p in ad_pages)]
        )
        if re.fullmatch(r"[a-z]{2}", lang)
    ]
    suggestion.languages = languages
    samples = [s for s in (read_sample(p, country, languages) for p in ad_pages) if s]
    suggestion.samples = [s.url for s in samples]
    if any(s.ad.employer for s in samples) or any(
        "JobPosting" in str(s.sel.xpath('//script[@type="application/ld+json"]/text()').getall())
        for s in samples
    ):
        suggestion.kind = "job"
    suggestion.fields, suggestion.unmatched = learn_fields(samples, country)
    suggestion.jsonld_fields = _jsonld_fields(samples)
    return suggestion


def _jsonld_fields(samples: list[Sample]) -> list[str]:
    """``["title", "body"]`` when JSON-LD gives both on every sample: the crawl fills them
    from it in selectors mode too."""
    probe = Source(
        name="suggest",
        kind="classified",
        start_urls=["http://example.org/"],
        fields={"title": "/html/no-such-element"},  # yields nothing: JSON-LD must give it
    )
    if samples and all(extract_detail(s.sel, s.url, probe) is not None for s in samples):
        return ["title", "body"]
    return []


# ---------------------------------------------------------------- the sources.yaml entry


def _shown(value: Any, width: int = 70) -> str:
    if isinstance(value, tuple):  # contact: (text, links)
        value = value[0]
    if isinstance(value, list):
        text = f"{len(value)} link(s): " + ", ".join(value[:2]) + (" …" if len(value) > 2 else "")
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def entry_yaml(s: Suggestion) -> str:
    """The sources.yaml text (a ``sources:`` list with one entry, comments for review)."""
    lines = [
        f"# suggested from {s.start_url}"
        + (f" and {len(s.samples)} ad page(s)" if s.samples else ""),
        "sources:",
        f"  - name: {s.name}",
        f"    kind: {s.kind}",
        f"    start_urls: [{_yaml(s.start_url)}]",
    ]
    for key, learned in (("links", s.links), ("next_page", s.next_page)):
        if learned is None:
            lines.append(f"    # {key}: none found; automatic reading of listing pages applies")
            continue
        lines.append(f"    {key}: {_yaml(learned.selector)}")
        lines.append(f"    #   yields {_shown(learned.values[0])}")
        if learned.note:
            lines.append(f"    #   {_shown(learned.note, 90)}")
    fields = [n for n in LEARNED_FIELDS if n in s.fields]
    prefix = "    " if s.uses_selectors else "    # "
    if s.uses_selectors:
        lines.append("    fields:")
    else:
        lines.append("    extract: auto")
        if fields:
            lines.append("    # no selector found for both title and body; learned selectors:")
    for name in fields:
        learned = s.fields[name]
        close = "" if learned.score == EXACT else f" (close: {learned.score:.0%})"
        lines.append(f"{prefix}  {name}: {_yaml(learned.selector)}")
        for url, value in zip(s.samples, learned.values, strict=False):
            lines.append(f"    #   {_shown(value)}  <- {url}{close}")
    for name in s.unmatched:
        lines.append(f"    # {name}: extraction found it, but no selector yields it on every page")
    for feed in s.feeds:
        lines.append(f"    # the site offers a feed; an entry may read it instead: feed: {feed}")
    if s.country:
        lines.append(f"    country: {s.country}")
    if s.languages:
        lines.append(f"    languages: [{', '.join(s.languages)}]")
    if s.private_hosts:
        lines.append(f"    allow_private_network: [{', '.join(_yaml(h) for h in s.private_hosts)}]")
    return "\n".join(lines) + "\n"
