"""Item pipelines: extract and normalize ads, then write them to the store.

Enabled in ``ITEM_PIPELINES`` (crawler/settings.py). Counters go to the stats collector
(``adwatch/ads_new``, ``adwatch/ads_updated``, ``adwatch/ads_unchanged``,
``adwatch/ads_invalid``); the run summary is built from them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.common.clock import utc_text
from crawler.common.crawlsettings import options_of
from crawler.evidence.writer import EvidenceWriter
from crawler.extract.rules import use_rules
from crawler.extract.urls import canonical_url
from crawler.extract.workers import NO_AD, OK, WorkerPool, default_workers
from crawler.health import datadir
from crawler.items import Ad, Page, RawAd
from crawler.stores import acquire_store, release_store
from crawler.stores.alert_state import AlertState

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Page -> Ad and RawAd -> Ad: extraction (selectors or ``extract: auto``) and
    normalization (clean text, language, phones in E.164, prices, dates), run in the worker
    processes of :mod:`crawler.extract.workers` (``ADWATCH_EXTRACT_WORKERS``). Always on.

    Stats: ``adwatch/ads_extracted``, ``adwatch/pages_malformed`` (a page with no ad),
    ``adwatch/detail_no_ad`` (an ad page or feed entry extraction found no ad in),
    ``adwatch/ads_invalid`` (extraction or normalization failed),
    ``adwatch/extract_worker_crashes``.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        workers = crawler.settings.get("ADWATCH_EXTRACT_WORKERS")
        workers = default_workers() if workers in (None, "") else int(workers)
        # an invalid rules file stops the crawl here (adwatch run checks it even earlier)
        use_rules(crawler.settings.get("ADWATCH_RULES"))
        # the worker processes get this crawl's settings (rules file, page time budget)
        self.pool = WorkerPool.acquire(workers, options=options_of(crawler.settings))
        self.store = acquire_store(crawler.settings.get("ADWATCH_DATA_DIR"))
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page | RawAd):
            return item
        # the response kept as evidence stays in this process; the worker gets the page and,
        # to make its WARC records, the rest of the exchange (a feed's is shared: made here)
        capture = item.capture
        item.capture = None
        if capture is not None and isinstance(item, Page):
            item.capture = replace(capture, body=b"", screenshot=None)
        crashes = self.pool.crashes
        status, result = await self.pool.run(item, self.crawler.spider.source)
        if self.pool.crashes > crashes:
            self.stats.inc_value("adwatch/extract_worker_crashes", self.pool.crashes - crashes)
        if status == OK:
            self.stats.inc_value("adwatch/ads_extracted")
            for name in result.fallbacks:
                self.stats.inc_value(f"adwatch/fallback/{name}")
            if result.fallbacks:
                self.stats.inc_value("adwatch/pages_with_fallback")
            made, result.capture = result.capture, capture
            if capture is not None and made is not None:
                capture.records = made.records
            return result
        if status == NO_AD:
            self.stats.inc_value("adwatch/pages_malformed")
            self.stats.inc_value("adwatch/detail_no_ad")  # source health: selectors failing
            if isinstance(item, Page):
                self.store.mark_unavailable(canonical_url(item.url), "no_ad", utc_text())
        else:
            self.stats.inc_value("adwatch/ads_invalid")
        raise DropItem(f"{item.url}: {result}")

    def spider_closed(self) -> None:
        WorkerPool.release()
        release_store(self.store)


class StorePipeline:
    """Writes Ads to the store in batches (``ADWATCH_STORE_BATCH`` ads, or
    ``ADWATCH_ES_STORE_BATCH`` for one bulk request to Elasticsearch, or
    ``ADWATCH_STORE_FLUSH_SECONDS``), one transaction per batch, and at spider close.
    Stat ``adwatch/ads_spooled``: ads the store could not take now (kept in its spool).
    Each batch is first recorded for the alert ledger (crawler/stores/alert_state.py) in the
    local SQLite file; ``ADWATCH_ALERTS = False`` turns that off. Before that, the responses
    of its new or changed ads go to the evidence WARC (crawler/evidence/writer.py,
    ``ADWATCH_EVIDENCE``)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.flush_seconds = settings.getfloat("ADWATCH_STORE_FLUSH_SECONDS")
        self.store = acquire_store(settings.get("ADWATCH_DATA_DIR"))
        bulk = self.store.backend == "elasticsearch"
        key = "ADWATCH_ES_STORE_BATCH" if bulk else "ADWATCH_STORE_BATCH"
        self.batch_size = settings.getint(key)
        self.pending: list[Ad] = []
        self.last_flush = time.monotonic()
        # the alert ledger's sightings live in the local SQLite file in every mode
        self.alert_state: AlertState | None = self.store.alerts
        options = options_of(settings)  # ADWATCH_ALERTS as the alert pass reads it
        if not options.ADWATCH_ALERTS:
            self.alert_state = None
        self.phone_sightings = options.ADWATCH_ENTITY_ALERTS != "off"
        self.evidence = EvidenceWriter.from_crawler(crawler, self.store)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Ad):
            if datadir.fault() is not None:  # the run is stopping; the next run fetches it
                datadir.stop_crawl(self.crawler)
                raise DropItem(f"{item.url}: not stored: {datadir.fault()}", log_level="DEBUG")
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
        if datadir.fault() is not None:
            return
        now = utc_text()
        try:
            if self.evidence is not None:
                # evidence first, like the sightings below: a page captured but not stored
                # is fetched again next run and not captured twice (same content hash)
                self.evidence.record(batch)
            if self.alert_state is not None:
                # sightings first: a crash between the two writes leaves a sighting whose ad
                # is fetched again next run (the ledger decides once), never an ad that is
                # stored and skipped from then on without the ledger ever seeing it
                self.alert_state.record_alert_sightings(batch, now, phones=self.phone_sightings)
            statuses = self.store.upsert_ads(batch, now)
        except Exception as exc:
            if datadir.disk_error(exc) is None:
                raise
            # disk full or read-only: each write is one transaction, so the ads of the batch
            # that did not make it are simply not stored, and the next run fetches them
            datadir.stop_crawl(self.crawler, exc)
            return
        for status in statuses:
            self.stats.inc_value(f"adwatch/ads_{status}")

    def close_spider(self) -> None:
        # before the spider_closed signal, whose handlers record the source as run
        self.flush()

    def spider_closed(self) -> None:
        try:
            if self.evidence is not None:
                self.evidence.close()
        finally:
            release_store(self.store)
