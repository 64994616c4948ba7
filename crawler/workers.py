"""Extraction and normalization off the reactor: a pool of worker processes.

Parsing a page and normalizing its ad are pure CPU work (lxml, regular expressions, the
language model); in the crawler process they would compete with Scrapy's own work for one
core. ``ADWATCH_EXTRACT_WORKERS`` worker processes (default: cores - 1; 0 runs everything
inline) do it instead, so the crawl keeps the pace of the downloads. The pool is shared by
every spider of a process and restarted if a worker dies (a hostile page crashing lxml).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any

from parsel import Selector

from crawler.config import Source
from crawler.extract import extract_detail
from crawler.items import Page, RawAd
from crawler.normalize import normalize_ad

OK, NO_AD, FAILED = "ok", "no_ad", "failed"


def default_workers() -> int:
    return max((os.cpu_count() or 1) - 1, 1)


def process_page(page: Page, source: Source, now: datetime | None = None) -> tuple[str, Any]:
    """Page -> (OK, Ad) | (NO_AD, reason) | (FAILED, error text). Never raises."""
    try:
        sel = Selector(body=page.body, encoding=page.encoding, base_url=page.url)
        raw = extract_detail(sel, page.url, source)
    except Exception as exc:
        return FAILED, f"extraction failed: {exc!r}"
    if raw is None:
        return NO_AD, "no ad found on the page"
    return process_raw(raw, source, now)


def process_raw(raw: RawAd, source: Source, now: datetime | None = None) -> tuple[str, Any]:
    try:
        ad = normalize_ad(raw, country=source.country, languages=source.languages or None, now=now)
    except Exception as exc:
        return FAILED, f"normalization failed: {exc!r}"
    if not ad.title or not ad.body:
        return NO_AD, "no title or text after cleanup"
    return OK, ad


def _work(item: Page | RawAd, source: Source) -> tuple[str, Any]:
    if isinstance(item, Page):
        return process_page(item, source)
    return process_raw(item, source)


def _warm_up() -> None:
    # load the language model and compile the patterns once per worker, not per ad
    normalize_ad(
        RawAd(
            url="http://example.org/a/1",
            source="warmup",
            title="Vendo auto",
            body="Llamar al 0981 123 456",
        ),
        country="PY",
        languages=["es", "pt", "en"],
    )


class WorkerPool:
    """A process pool, created on first use and replaced when a worker dies."""

    _shared: WorkerPool | None = None
    _users = 0
    _lock = threading.Lock()

    def __init__(self, workers: int):
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None
        self.crashes = 0

    @classmethod
    def acquire(cls, workers: int) -> WorkerPool:
        with cls._lock:
            if cls._shared is None:
                cls._shared = WorkerPool(workers)
            cls._users += 1
            return cls._shared

    @classmethod
    def release(cls) -> None:
        with cls._lock:
            cls._users -= 1
            if cls._users <= 0 and cls._shared is not None:
                cls._shared.shutdown()
                cls._shared = None

    def _executor(self) -> ProcessPoolExecutor:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_warm_up,
            )
        return self.executor

    async def run(self, item: Page | RawAd, source: Source) -> tuple[str, Any]:
        if self.workers <= 0:
            return _work(item, source)
        for attempt in (1, 2):
            try:
                future = self._executor().submit(_work, item, source)
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self.crashes += 1
                self._restart()
                if attempt == 2:
                    return FAILED, "a worker process died on this page"
        return FAILED, "unreachable"

    def _restart(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


__all__ = ["FAILED", "NO_AD", "OK", "WorkerPool", "default_workers", "process_page", "process_raw"]
