"""Extraction and normalization off the reactor: a pool of worker processes.

Parsing a page and normalizing its ad are pure CPU work (lxml, regular expressions, the
language model); in the crawler process they would compete with Scrapy's own work for one
core. ``ADWATCH_EXTRACT_WORKERS`` worker processes (default: cores - 1; 0 runs everything
inline) do it instead, so the crawl keeps the pace of the downloads.

Each worker is a spawned process (no inherited reactor, sockets or database handles) that
talks to the crawler over a socket pair: length-prefixed pickled frames, written and read by
the asyncio loop itself. No helper threads sit in the crawler process, so the reactor never
competes with them for the GIL, and a worker always has a queue of pages to work through.
A worker that dies (a hostile page crashing lxml) is replaced; the pages it held are tried
once more, then counted as failed.

Each page has a time budget: ``ADWATCH_PAGE_TIME_BUDGET`` seconds of CPU time, so that a busy
machine does not make an ordinary page fail. The kernel enforces it (``RLIMIT_CPU``, set
afresh for each page and lifted after it), so it stops work that never returns to Python too:
a hostile page that makes an XPath, a parser or a pattern take forever. The worker dies of
``SIGXCPU``; its page, the oldest it held (a worker takes its pages in order), is counted as
failed with that reason; the worker is replaced, and the pages queued behind it go to another
worker without that counting against them. Running inline (0 workers) there is no budget.

Keyword rules run here too (crawler/extract/rules.py): each worker compiles the rules file
(``ADWATCH_RULES``, inherited through the environment) once, and every ad leaves with its
``matched_rules`` and ``risk_score``. So are the WARC records of an ad page kept as evidence
(crawler/evidence/capture.py): the page comes with its capture (without the body, which is the
page's), and the ad leaves with the records ready to append.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import multiprocessing
import os
import pickle
import resource
import signal
import socket
import struct
from dataclasses import replace
from datetime import datetime
from typing import Any

from parsel import Selector

from crawler.common.options import Options, current_options, install_options
from crawler.config import Source
from crawler.evidence.warc import warc_records
from crawler.extract.ads import extract_detail
from crawler.extract.normalize import normalize_ad
from crawler.extract.rules import apply_rules, matcher
from crawler.items import Capture, Page, RawAd

OK, NO_AD, FAILED = "ok", "no_ad", "failed"
_HEADER = struct.Struct("!I")


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
    ad.fallbacks = list(raw.extra.get("fallback") or ())
    try:
        apply_rules(ad)
    except Exception as exc:
        return FAILED, f"rule matching failed: {exc!r}"
    return OK, ad


def process_item(item: Page | RawAd, source: Source) -> tuple[str, Any]:
    if isinstance(item, Page):
        status, result = process_page(item, source)
        if status == OK and item.capture is not None:
            result.capture = page_records(item)
        return status, result
    return process_raw(item, source)


def page_records(page: Page) -> Capture | None:
    """The page's capture with its WARC records made (and without the body: the crawler
    has it), or None if they could not be made (the crawler then tries itself)."""
    assert page.capture is not None
    try:
        records = warc_records(replace(page.capture, body=page.body))
    except Exception:
        return None
    return replace(page.capture, body=b"", screenshot=None, records=records)


def _warm_up() -> None:
    # load the language model, the extractors' modules and compile the patterns and rules
    # once per worker, before its first page (whose time budget they would otherwise eat)
    matcher()
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
    source = Source(name="warmup", kind="classified", start_urls=["http://example.org/"])
    html = b"<html><body><article><h1>Vendo auto</h1><p>Llamar al 0981 123 456</p></article>"
    process_page(Page("http://example.org/a/1", "warmup", html, "utf-8"), source)


# ---------------------------------------------------------------- the worker process


def _read_frame(stream: Any) -> bytes | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    return data if len(data) == size else None


@contextlib.contextmanager
def _cpu_budget(seconds: float | None) -> Any:
    """Let the kernel stop this process (SIGXCPU) past ``seconds`` more of CPU time."""
    if seconds is None:
        yield
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    limit = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


def worker_main(
    sock: socket.socket, page_budget: float | None = None, options: Options | None = None
) -> None:
    """Serve ("source", Source) and ("work", id, item, source name) frames until EOF, each
    page within ``page_budget`` seconds of CPU time, with the crawl's settings ``options``."""
    if options is not None:
        install_options(options)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawler decides when to stop
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))  # dying of SIGXCPU leaves no core file
    _warm_up()
    reader, writer = sock.makefile("rb"), sock.makefile("wb")
    sources: dict[str, Source] = {}
    while True:
        data = _read_frame(reader)
        if data is None:
            break
        message = pickle.loads(data)
        if message[0] == "source":
            sources[message[1].name] = message[1]
            continue
        _, request_id, item, name = message
        with _cpu_budget(page_budget):
            result = process_item(item, sources[name])
        _write_frame(writer, (request_id, *result))
    os._exit(0)


def _write_frame(stream: Any, message: tuple) -> None:
    out = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(out)) + out)
    stream.flush()


# ---------------------------------------------------------------- the crawler side


class _Worker:
    def __init__(self, page_budget: float | None = None, options: Options | None = None) -> None:
        parent, child = socket.socketpair()
        ctx = multiprocessing.get_context("spawn")
        self.process = ctx.Process(
            target=worker_main, args=(child, page_budget, options), daemon=True
        )
        self.process.start()
        child.close()
        self.sock = parent
        self.pending: dict[int, tuple[asyncio.Future, Page | RawAd, Source, int]] = {}
        self.sources: set[str] = set()
        self.alive = True
        self.writer: asyncio.StreamWriter | None = None
        self.ready: asyncio.Future | None = None
        self.page_budget = page_budget
        self.overran = False  # died of a page over the budget (not a crash)

    async def _connect(self) -> None:
        reader, self.writer = await asyncio.open_connection(sock=self.sock)
        asyncio.ensure_future(self._read_loop(reader))

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
                request_id, status, result = pickle.loads(await reader.readexactly(size))
                entry = self.pending.pop(request_id, None)
                if entry and not entry[0].done():
                    entry[0].set_result((status, result))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.alive = False
            if self.writer is not None:
                self.writer.close()
            orphans, self.pending = list(self.pending.values()), {}
            # the oldest page is the one the worker was on (it takes them in order)
            self.overran = bool(orphans) and self._died_of_cpu_limit()
            for n, (future, item, source, attempt) in enumerate(orphans):
                if future.done():
                    continue
                if self.overran and n == 0:
                    future.set_result((FAILED, self.over_budget()))
                else:
                    future.set_exception(_WorkerDied(item, source, attempt, self.overran))

    def _died_of_cpu_limit(self) -> bool:
        self.process.join(timeout=5)  # it is gone: its end of the socket closed
        return self.process.exitcode == -signal.SIGXCPU

    def over_budget(self) -> str:
        return (
            f"over the page time budget ({self.page_budget:g}s of CPU time, "
            "ADWATCH_PAGE_TIME_BUDGET)"
        )

    async def submit(self, request_id: int, item: Page | RawAd, source: Source, attempt: int):
        if self.ready is None:
            self.ready = asyncio.ensure_future(self._connect())
        await self.ready
        future = asyncio.get_running_loop().create_future()
        self.pending[request_id] = (future, item, source, attempt)
        frames = []
        if source.name not in self.sources:
            self.sources.add(source.name)
            frames.append(pickle.dumps(("source", source), protocol=pickle.HIGHEST_PROTOCOL))
        frames.append(
            pickle.dumps(("work", request_id, item, source.name), protocol=pickle.HIGHEST_PROTOCOL)
        )
        assert self.writer is not None
        for frame in frames:
            self.writer.write(_HEADER.pack(len(frame)) + frame)
        return await future

    def close(self) -> None:
        # the stream's close takes effect on a later turn of the loop, which the join below
        # would wait out: end the socket now, so the worker reads its EOF at once
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        if self.writer is not None:
            self.writer.close()
        else:
            self.sock.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


class _WorkerDied(Exception):
    """A page's worker died before the page was done; ``blameless`` when it was killed for
    another page (over the time budget), so the page is not to blame."""

    def __init__(self, item: Page | RawAd, source: Source, attempt: int, blameless: bool = False):
        super().__init__("worker process died")
        self.item, self.source, self.attempt = item, source, attempt
        self.blameless = blameless


class WorkerPool:
    """Worker processes shared by every spider of the crawler process (reference-counted)."""

    _shared: WorkerPool | None = None
    _users = 0

    def __init__(
        self, workers: int, page_budget: float | None = None, options: Options | None = None
    ):
        """``workers`` processes (0: inline) with the settings ``options`` (default: the
        current ones); ``page_budget`` seconds per page (default: ``ADWATCH_PAGE_TIME_BUDGET``)."""
        self.size = workers
        self.options = options or current_options()
        self.page_budget = (
            self.options.ADWATCH_PAGE_TIME_BUDGET if page_budget is None else page_budget
        )
        self.workers: list[_Worker] = []
        self.ids = itertools.count(1)
        self.crashes = 0
        self.overruns = 0  # workers killed for a page over the budget

    @classmethod
    def acquire(
        cls, workers: int, page_budget: float | None = None, options: Options | None = None
    ) -> WorkerPool:
        if cls._shared is None:
            cls._shared = WorkerPool(workers, page_budget, options)
        cls._users += 1
        return cls._shared

    @classmethod
    def release(cls) -> None:
        cls._users -= 1
        if cls._users <= 0 and cls._shared is not None:
            cls._shared.shutdown()
            cls._shared = None

    def _pick(self) -> _Worker:
        alive = [w for w in self.workers if w.alive]
        dead = [w for w in self.workers if not w.alive]
        self.overruns += sum(w.overran for w in dead)
        self.crashes += sum(not w.overran for w in dead)
        self.workers = alive
        while len(self.workers) < self.size:
            self.workers.append(_Worker(self.page_budget, self.options))
        return min(self.workers, key=lambda w: len(w.pending))

    async def run(self, item: Page | RawAd, source: Source) -> tuple[str, Any]:
        if self.size <= 0:
            return process_item(item, source)
        attempt = 1
        while True:
            try:
                return await self._pick().submit(next(self.ids), item, source, attempt)
            except _WorkerDied as exc:
                if exc.blameless:
                    continue
                if attempt >= 2:
                    return FAILED, "a worker process died on this page"
                attempt += 1

    def shutdown(self) -> None:
        for worker in self.workers:
            worker.close()
        self.workers = []


__all__ = [
    "FAILED",
    "NO_AD",
    "OK",
    "WorkerPool",
    "default_workers",
    "process_item",
    "process_page",
    "process_raw",
]
