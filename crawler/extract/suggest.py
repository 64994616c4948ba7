"""Selectors for a new source, learned from sample pages (``adwatch sources suggest``).

Pure functions: pages in (bytes and address), a :class:`Suggestion` out
(:mod:`crawler.extract.suggest_entry` writes its sources.yaml entry). Automatic extraction
reads every sample ad page as the crawl does; per-field selectors are learned from what it
found (:mod:`crawler.extract.suggest_fields`), and ad links and the next page the same way on
the listing page, from candidate selectors (:mod:`crawler.extract.suggest_selectors`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.config import Source
from crawler.extract.ads import _abs, extract_detail, extract_listing
from crawler.extract.normalize import normalize_ad
from crawler.extract.suggest_fields import Sample, learn_fields
from crawler.extract.suggest_selectors import EXACT, Learned, candidate_selectors, learn


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
    """A source that reads pages by automatic extraction, in ``country`` and ``languages``."""
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
