"""Extensions: per-source run state, and a live progress line in a terminal.

- :class:`SourceStateExtension` (always on): at spider close, records the source's run in
  the store (``last_run_at``, pages, ads, errors, finish reason), which ``adwatch run`` uses
  to decide which sources are due.
- :class:`ProgressExtension` (``ADWATCH_PROGRESS``, only when stderr is a terminal): one
  status line per running source, refreshed every second; under cron, Scrapy's periodic
  ``LogStats`` lines are the progress report.
"""

from __future__ import annotations

import sys
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.common.clock import utc_text
from crawler.health import datadir
from crawler.run.summary import source_summary
from crawler.stores import acquire_store, release_store


class SourceStateExtension:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.started_at = utc_text()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SourceStateExtension:
        return cls(crawler)

    def spider_closed(self, spider: Any, reason: str) -> None:
        source = getattr(spider, "source", None)
        if source is None or datadir.fault() is not None:
            # a run stopped by a full or read-only disk did not store all it fetched: the
            # source stays due, so the next run finishes the job
            return
        store = acquire_store(self.crawler.settings.get("ADWATCH_DATA_DIR"))
        try:
            summary = source_summary(source.name, self.crawler.stats.get_stats(), reason)
            state = store.source_state(source.name)
            state.update(
                last_run_at=self.started_at,
                last_finished_at=utc_text(),
                last_summary=summary,
            )
            if not summary["failed"]:
                state["last_ok_at"] = state["last_finished_at"]
            store.save_source_state(source.name, state)
        finally:
            release_store(store)


class _StatusLine:
    """One shared status line for every crawler of the process."""

    crawlers: list[Any] = []
    loop: task.LoopingCall | None = None

    @classmethod
    def add(cls, crawler: Any) -> None:
        cls.crawlers.append(crawler)
        if cls.loop is None:
            cls.loop = task.LoopingCall(cls.render)
            cls.loop.start(1.0, now=False)

    @classmethod
    def remove(cls, crawler: Any) -> None:
        if crawler in cls.crawlers:
            cls.crawlers.remove(crawler)
        if not cls.crawlers and cls.loop is not None:
            if cls.loop.running:
                cls.loop.stop()
            cls.loop = None
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    @classmethod
    def render(cls) -> None:
        parts = []
        for crawler in cls.crawlers:
            stats = crawler.stats.get_stats()
            name = getattr(crawler.spider, "name", "?")
            pages = stats.get("response_received_count", 0)
            ads = sum(stats.get(f"adwatch/ads_{k}", 0) for k in ("new", "updated", "unchanged"))
            parts.append(f"{name}: {pages} pages, {ads} ads")
        line = " | ".join(parts)
        sys.stderr.write("\r\x1b[K" + line[:200])
        sys.stderr.flush()


class ProgressExtension:
    def __init__(self, crawler: Any):
        if not crawler.settings.getbool("ADWATCH_PROGRESS") or not sys.stderr.isatty():
            raise NotConfigured
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressExtension:
        return cls(crawler)

    def spider_opened(self) -> None:
        _StatusLine.add(self.crawler)

    def spider_closed(self) -> None:
        _StatusLine.remove(self.crawler)
