"""Spider middleware :class:`IncrementalMiddleware` (``ADWATCH_INCREMENTAL``; crawler/settings.py's
``SPIDER_MIDDLEWARES``).

It drops requests for detail pages of ads already in the store and records the listing
sighting instead (``last_seen``, ``seen_count``); it also skips ad pages found gone (404/410)
or without an ad within ``ADWATCH_RECHECK_UNAVAILABLE``. Stats:
``adwatch/detail_skipped_known``, ``adwatch/detail_skipped_unavailable``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

from crawler.common.clock import utc_now, utc_text
from crawler.common.durations import parse_duration
from crawler.extract.urls import canonical_url
from crawler.stores import acquire_store, release_store
from spiders.base import AD_META

__all__ = ["IncrementalMiddleware"]


class IncrementalMiddleware:
    def __init__(self, crawler: Any):
        if not crawler.settings.getbool("ADWATCH_INCREMENTAL"):
            raise NotConfigured
        self.crawler = crawler
        self.recheck = parse_duration(crawler.settings.get("ADWATCH_RECHECK_UNAVAILABLE"))
        self.store = acquire_store(crawler.settings.get("ADWATCH_DATA_DIR"))
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalMiddleware:
        return cls(crawler)

    def spider_closed(self) -> None:
        release_store(self.store)

    def response_received(self, response: Any, request: Request) -> None:
        if request.meta.get(AD_META) and response.status in (404, 410):
            self.store.mark_unavailable(
                canonical_url(request.url), f"http_{response.status}", utc_text()
            )

    def _filter(self, outputs: list[Any]) -> list[Any]:
        ad_requests = {}
        for obj in outputs:
            if isinstance(obj, Request) and obj.meta.get(AD_META):
                ad_requests[id(obj)] = canonical_url(obj.url)
        if not ad_requests:
            return outputs
        urls = list(set(ad_requests.values()))
        known = self.store.known(urls)
        if known:
            self.store.touch(sorted(known), utc_text())
        since = utc_text(utc_now() - self.recheck)
        gone = self.store.unavailable_since([u for u in urls if u not in known], since)
        if not known and not gone:
            return outputs
        stats = self.crawler.stats
        kept = []
        for obj in outputs:
            url = ad_requests.get(id(obj))
            if url in known:
                stats.inc_value("adwatch/detail_skipped_known")
            elif url in gone:
                stats.inc_value("adwatch/detail_skipped_unavailable")
            else:
                kept.append(obj)
        return kept

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterator[Any]:
        yield from self._filter(list(result))

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        outputs = [obj async for obj in result]
        for obj in self._filter(outputs):
            yield obj
