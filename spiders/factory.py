"""Builds the spider class for a source: its kind of entry point and its politeness settings."""

from __future__ import annotations

from crawler.config import Source
from spiders.base import AdSpider
from spiders.feed import FeedSpider
from spiders.listing import ListingSpider
from spiders.sitemap import SitemapAdSpider

_BASES: dict[str, type[AdSpider]] = {
    "listing": ListingSpider,
    "sitemap": SitemapAdSpider,
    "feed": FeedSpider,
}


def spider_class_for(source: Source) -> type[AdSpider]:
    """A spider class for ``source``: its entry point's base (listing, sitemap or feed),
    named after it, with its politeness, network and rendering settings."""
    base = _BASES[source.entry]
    settings = dict(source.politeness.scrapy_settings())
    settings["ADWATCH_ALLOW_PRIVATE_NETWORK"] = source.allow_private_network
    if source.render != "static":
        handler = "crawler.fetch.browserhandler.GuardedPlaywrightHandler"
        settings["DOWNLOAD_HANDLERS"] = {"http": handler, "https": handler}
    attrs: dict[str, object] = {"name": source.name, "source": source, "custom_settings": settings}
    if source.entry == "sitemap":
        attrs["sitemap_urls"] = [source.sitemap]
    return type(f"{base.__name__}_{source.name.replace('-', '_')}", (base,), attrs)
