"""Listing -> detail spider driven by sources.yaml: pagination, ad links, field selectors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from crawler.extract.ads import extract_listing
from spiders.base import AdSpider


class ListingSpider(AdSpider):
    """Start URLs are listing pages; ``links`` selects ad links, ``next_page`` the next page."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.listing_pages = 0

    async def start(self) -> Any:
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_listing, dont_filter=True)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("adwatch/pages_malformed")
            return
        self.listing_pages += 1
        stats.inc_value("adwatch/listing_pages")
        page = extract_listing(response.selector, response.url, self.source)
        if not page.links:
            stats.inc_value("adwatch/listing_pages_empty")
        for link in page.links:
            yield self.ad_request(link)
        max_pages = self.source.politeness.max_pages or self.settings.getint(
            "ADWATCH_MAX_LISTING_PAGES"
        )
        if page.next_page:
            if self.listing_pages >= max_pages:
                stats.inc_value("adwatch/listing_pages_limit_reached")
                self.logger.warning("stopped after %d listing pages", self.listing_pages)
            else:
                yield scrapy.Request(page.next_page, callback=self.parse_listing)
