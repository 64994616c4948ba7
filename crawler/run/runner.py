"""``adwatch run``: crawl the sources that are due, under a lock, and summarise the run.

One Scrapy ``CrawlerProcess`` runs every due source's spider side by side (each with its own
politeness settings); the summary is built from each crawler's stats, recorded in the store
and printed. A second run started while one is going exits at once (status 0). After the
crawl, still under the lock, the alert pass (alerts/alertpass.py) sends what is due; its
counts join the summary and never change the exit status; so does the source-health pass
(crawler/health/healthpass.py), which flags sources and e-mails the operator.

A data directory that is read-only, or too full to start (``ADWATCH_MIN_FREE_MB``), stops
the run before anything is written; one that fills up during the run stops it cleanly
(crawler/health/datadir.py). Both end with status 3 and one line naming the directory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from filelock import FileLock, Timeout

from alerts.alertpass import alert_pass
from crawler.common.clock import utc_now, utc_text
from crawler.common.crawlsettings import crawl_settings
from crawler.common.options import Options, using_options
from crawler.config import Source, SourcesFile
from crawler.health import datadir
from crawler.health.healthpass import health_pass
from crawler.run.summary import run_totals, source_summary
from crawler.stores import open_store

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_SOURCE_FAILED, EXIT_CONFIG = 0, 1, 2
EXIT_DATA_DIR = datadir.EXIT_DATA_DIR  # disk full, data directory read-only or not writable


@dataclass
class RunResult:
    exit_code: int
    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""


def due_sources(
    sources: SourcesFile, states: dict[str, dict[str, Any]], now: datetime
) -> tuple[list[Source], list[str]]:
    """Sources whose schedule says they should run now, and the names of those not due."""
    due, not_due = [], []
    for s in sources.sources:
        if not s.enabled:
            continue
        last = states.get(s.name, {}).get("last_run_at")
        if last and datetime.fromisoformat(last) + s.schedule.interval > now:
            not_due.append(s.name)
        else:
            due.append(s)
    return due, not_due


def run(
    sources: SourcesFile,
    options: Options,
    *,
    only: list[str] | None = None,
    force: bool = False,
) -> RunResult:
    """Crawl the due sources (or ``only`` these, or all with ``force``) with the settings
    ``options`` (crawler/common/options.py), then the alert and health passes."""
    data_dir = options.data_dir
    try:  # writable, with room to spare: else one clear line, and nothing written
        datadir.check(data_dir, datadir.min_free_mb(options.ADWATCH_MIN_FREE_MB))
    except datadir.DataDirError as exc:
        return RunResult(EXIT_DATA_DIR, message=f"adwatch: {exc}")
    lock = FileLock(str(data_dir / "adwatch.run.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return RunResult(EXIT_OK, message="another adwatch run is in progress; nothing to do")
    try:
        with using_options(options):
            return _run_locked(sources, options, only, force)
    except Exception as exc:
        if datadir.disk_error(exc) is None:
            raise
        return RunResult(EXIT_DATA_DIR, message=f"adwatch: {datadir.describe(exc, data_dir)}")
    finally:
        lock.release()


def _run_locked(
    sources: SourcesFile, options: Options, only: list[str] | None, force: bool
) -> RunResult:
    data_dir = options.data_dir
    started = utc_now()
    datadir.reset()
    states, replayed = _prepare_store(data_dir, sources)
    if only:
        unknown = [n for n in only if n not in {s.name for s in sources.sources}]
        if unknown:
            return RunResult(EXIT_CONFIG, message=f"unknown source(s): {', '.join(unknown)}")
        chosen = [sources.get(n) for n in only]
        not_due: list[str] = []
    elif force:
        chosen, not_due = [s for s in sources.sources if s.enabled], []
    else:
        chosen, not_due = due_sources(sources, states, started)

    crawlers = _crawl(chosen, options)
    per_source = []
    for source, crawler in crawlers:
        stats = crawler.stats.get_stats()
        per_source.append(source_summary(source.name, stats, stats.get("finish_reason", "?")))
    alerts, health = _passes(sources, options, per_source, crawlers, started)
    summary = _record_run(
        data_dir,
        started,
        per_source,
        {"skipped_not_due": not_due, "replayed": replayed, "alerts": alerts, "health": health},
    )
    if datadir.fault() is not None:
        return RunResult(EXIT_DATA_DIR, summary, message=f"adwatch: {datadir.fault()}")
    code = EXIT_SOURCE_FAILED if summary["totals"]["failed_sources"] else EXIT_OK
    return RunResult(code, summary)


def _prepare_store(data_dir: Any, sources: SourcesFile) -> tuple[dict[str, dict[str, Any]], int]:
    """Each source's state, and how many writes an earlier run spooled (the store was down)
    went in now, before any new one."""
    store = open_store(data_dir)
    try:
        states = {s.name: store.source_state(s.name) for s in sources.sources}
        replayed = store.prepare_run().get("replayed", 0)
    finally:
        store.close()
    return states, replayed


def _crawl(chosen: list[Source], options: Options) -> list[tuple[Source, Any]]:
    """Run the spiders of ``chosen`` side by side in one ``CrawlerProcess``; their crawlers."""
    from scrapy.crawler import CrawlerProcess

    from spiders import spider_class_for

    crawlers = []
    if chosen:
        process = CrawlerProcess(crawl_settings(options))
        for source in chosen:
            crawler = process.create_crawler(spider_class_for(source))
            crawlers.append((source, crawler))
            process.crawl(crawler)
        process.start()
    return crawlers


def _passes(
    sources: SourcesFile,
    options: Options,
    per_source: list[dict[str, Any]],
    crawlers: list[tuple[Source, Any]],
    started: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The alert pass's and the health pass's reports (neither raises)."""
    data_dir = options.data_dir
    # ledger -> digests -> outbox -> SMTP, also when no source was due (the outbox retries);
    # it never raises, and its problems do not change the exit code
    # (not after a full or read-only disk stopped the crawl: the next run decides)
    fault = datadir.fault()
    alerts = (
        alert_pass(data_dir, sources, options=options)
        if fault is None
        else {"failed": True, "errors": ["not run: the data directory cannot be written"]}
    )
    # per-source health: recorded, flagged, operators e-mailed; never raises either
    health = (
        health_pass(
            data_dir,
            per_source,
            [crawler.stats.get_stats() for _, crawler in crawlers],
            started,
            env=options,
        )
        if fault is None
        else {}
    )
    return alerts, health


def _record_run(
    data_dir: Any, started: datetime, per_source: list[dict[str, Any]], run: dict[str, Any]
) -> dict[str, Any]:
    """The run's summary (``run`` brings what was not due, replayed, and the alert and
    health reports), recorded in the store; a full disk is noted (crawler/health/datadir.py),
    and the summary is still returned to be printed."""
    finished = utc_now()
    store = open_store(data_dir)
    try:
        try:
            in_store: int | None = store.count_ads()
        except Exception as exc:  # the store is down: the summary still gets recorded
            logger.warning("cannot count the ads in the store: %s", exc)
            in_store = None
        summary = {
            "started_at": utc_text(started),
            "finished_at": utc_text(finished),
            "duration_s": (finished - started).total_seconds(),
            "sources": per_source,
            "skipped_not_due": run["skipped_not_due"],
            "totals": run_totals(per_source),
            "ads_in_store": in_store,
            "replayed": run["replayed"],
            "spooled": store.spool_pending(),
        }
        summary["alerts"] = run["alerts"]
        summary["health"] = run["health"]
        try:
            store.record_run(summary)
        except Exception as exc:  # a full disk: the summary is still printed
            if not datadir.record(exc, data_dir):
                raise
    finally:
        store.close()
    return summary
