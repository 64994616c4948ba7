"""Item pipelines: normalize raw ads, then write them to the store.

Enabled in ``ITEM_PIPELINES`` (crawler/settings.py). Counters go to the stats collector
(``adwatch/ads_new``, ``adwatch/ads_updated``, ``adwatch/ads_unchanged``,
``adwatch/ads_invalid``); the run summary is built from them.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.items import Ad, RawAd
from crawler.normalize import normalize_ad
from crawler.stores import acquire_store, release_store

logger = logging.getLogger(__name__)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class NormalizePipeline:
    """RawAd -> Ad (clean text, language, phones in E.164, prices, dates). Always on."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawAd):
            return item
        source = self.crawler.spider.source
        try:
            ad = normalize_ad(item, country=source.country, languages=source.languages or None)
        except Exception as exc:  # one odd page must not stop the crawl
            self.stats.inc_value("adwatch/ads_invalid")
            raise DropItem(f"could not normalize {item.url}: {exc!r}") from exc
        if not ad.title or not ad.body:
            self.stats.inc_value("adwatch/ads_invalid")
            raise DropItem(f"no title or text after cleanup: {item.url}")
        self.stats.inc_value("adwatch/ads_extracted")
        return ad


class StorePipeline:
    """Writes Ads to the store in small batches (``ADWATCH_STORE_BATCH`` ads or
    ``ADWATCH_STORE_FLUSH_SECONDS``), one transaction per batch, and at spider close."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.batch_size = settings.getint("ADWATCH_STORE_BATCH")
        self.flush_seconds = settings.getfloat("ADWATCH_STORE_FLUSH_SECONDS")
        self.store = acquire_store(settings.get("ADWATCH_DATA_DIR"))
        self.pending: list[Ad] = []
        self.last_flush = time.monotonic()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Ad):
            self.pending.append(item)
            if (
                len(self.pending) >= self.batch_size
                or time.monotonic() - self.last_flush >= self.flush_seconds
            ):
                self.flush()
        return item

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        statuses = self.store.upsert_ads(batch, utc_now())
        for status in statuses:
            self.stats.inc_value(f"adwatch/ads_{status}")

    def spider_closed(self, spider: Any, reason: str) -> None:  # noqa: ARG002
        try:
            self.flush()
        finally:
            release_store(self.store)
