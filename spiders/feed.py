"""RSS and Atom feeds of ads (parsed by feedparser): each entry is an ad, no detail fetch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response

from crawler.evidence.capture import capture_of
from crawler.extract.pagetext import html_to_text
from crawler.items import RawAd
from spiders.base import AdSpider


class FeedSpider(AdSpider):
    async def start(self) -> Any:
        yield scrapy.Request(self.source.feed, callback=self.parse_feed, dont_filter=True)

    def parse_feed(self, response: Response) -> Iterator[RawAd]:
        stats = self.crawler.stats
        parsed = feedparser.parse(
            response.body, response_headers={"content-location": response.url}
        )
        if parsed.bozo and not parsed.entries:
            stats.inc_value("adwatch/pages_malformed")
            self.logger.warning(
                "unreadable feed %s: %s", response.url, parsed.get("bozo_exception")
            )
            return
        stats.inc_value("adwatch/listing_pages")
        # the entries' evidence is the feed itself: one capture, shared
        capture = capture_of(response) if self.keeps_evidence else None
        for entry in parsed.entries:
            raw = entry_to_raw(entry, response.url, self.source.name, self.source.kind)
            if raw is None:
                stats.inc_value("adwatch/pages_malformed")
                continue
            raw.capture = capture
            stats.inc_value("adwatch/feed_entries")
            yield raw


def entry_to_raw(entry: Any, base_url: str, source: str, kind: str) -> RawAd | None:
    """One feedparser entry -> RawAd (title, text, date, enclosure images, links)."""
    from urllib.parse import urljoin

    link = entry.get("link") or entry.get("id")
    title = (entry.get("title") or "").strip()
    content = entry.get("content") or []
    html = content[0].get("value") if content else entry.get("summary", "")
    body = html_to_text(html or "")
    if not link or not title or not body:
        return None
    images = []
    for enc in entry.get("enclosures", []) + entry.get("media_content", []):
        href = enc.get("href") or enc.get("url")
        if href and (
            enc.get("type", "image/").startswith("image/") or enc.get("medium") == "image"
        ):
            images.append(urljoin(base_url, href))
    links = [urljoin(base_url, x.get("href")) for x in entry.get("links", []) if x.get("href")]
    return RawAd(
        url=urljoin(base_url, link),
        source=source,
        kind=kind,
        title=title,
        body=body,
        posted=entry.get("published") or entry.get("updated"),
        image_urls=list(dict.fromkeys(images)),
        links=links,
        contact=body,
        extra={"feed_html": html},
    )
