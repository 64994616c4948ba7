"""Job boards and other sites with a sitemap: detail pages read by ``extract: auto``
(schema.org JobPosting JSON-LD first) or by the source's field selectors."""

from __future__ import annotations

from typing import Any

from scrapy.spiders import SitemapSpider as ScrapySitemapSpider

from spiders.base import AD_META, AdSpider


class SitemapAdSpider(AdSpider, ScrapySitemapSpider):
    """Scrapy's SitemapSpider (indexes, gzip, robots.txt sitemaps) feeding our detail parser.

    ``sitemap_urls`` and ``sitemap_rules`` are set per source by :func:`spiders.spider_class_for`.
    """

    sitemap_rules = [("", "parse_detail")]

    def _parse_sitemap(self, response: Any) -> Any:
        for request in super()._parse_sitemap(response):
            if request.callback == self.parse_detail:
                request.meta[AD_META] = True
                self.crawler.stats.inc_value("adwatch/sitemap_entries")
            yield request
