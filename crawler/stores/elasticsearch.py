"""The Elasticsearch store: ads and runs in indices analysts search with Kibana.

Used when ``ADWATCH_ES_URL`` is set (see :class:`ESConfig` for the other variables). It
implements :class:`crawler.stores.base.Store`; per-source run state, the memory of ad pages
found gone and the host's state objects (alerts, photos, health, evidence) stay in the SQLite
file of the data directory, since they are this crawler host's own bookkeeping, not data for
analysts.

The work is split by job: :mod:`crawler.stores.es_setup` (templates, indices, aliases,
migrations), :mod:`crawler.stores.es_writer` (numbered writes, the writer thread, the spool;
:mod:`crawler.stores.es_bulk` makes them bulk requests) and :mod:`crawler.stores.es_reader`
(search, reads, retention, doctor). This class puts them together.

Outages
    When the node is unreachable or rejects a write (connection errors, timeouts, 429 after
    retries, 5xx, a read-only cluster block), the operations not confirmed go to the spool
    (:mod:`crawler.stores.spool`) and every later write of the run follows them there, in
    order. Reads that steer the crawl (``known``) answer "not known" meanwhile, so ad pages
    are fetched rather than skipped. Every ``ADWATCH_ES_RETRY_SECONDS`` a write tries the node
    again and, when it answers, replays the spool and carries on. ``adwatch run`` replays the
    spool before it crawls. A document the node refuses for good (a mapping error) is kept in
    ``spool/<prefix>-rejected.jsonl`` and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crawler.items import Ad
from crawler.stores.base import SearchHit, SearchQuery
from crawler.stores.es_bulk import MISSING, REJECTED, SKIPPED, TOUCHED
from crawler.stores.es_client import ESConfig, NodeStatus, Unavailable, transient
from crawler.stores.es_reader import ESReader, search_body
from crawler.stores.es_setup import ESIndices, SetupReport
from crawler.stores.es_writer import ESWriter
from crawler.stores.spool import Spool
from crawler.stores.sqlite import SQLiteStore

__all__ = [
    "MISSING",
    "REJECTED",
    "SKIPPED",
    "TOUCHED",
    "ESConfig",
    "ElasticsearchStore",
    "SetupReport",
    "Unavailable",
    "search_body",
    "transient",
]

# one log line per HTTP request is too much under Scrapy's INFO level
logging.getLogger("elastic_transport.transport").setLevel(logging.WARNING)


class ElasticsearchStore:
    """Ads in ``<prefix>-ads``, runs in ``<prefix>-runs``; local state in SQLite."""

    backend = "elasticsearch"

    def __init__(self, config: ESConfig, directory: str | Path):
        self.config = config
        self.prefix = config.prefix
        self.es = config.client()
        directory = Path(directory)
        # this host's own state stays in the data directory's SQLite file
        self._local = SQLiteStore(directory / "adwatch.sqlite3")
        self.alerts = self._local.alerts
        self.photos = self._local.photos
        self.health = self._local.health
        self.evidence = self._local.evidence
        self.indices = ESIndices(self.es, config.prefix)
        self.alias = self.indices.alias
        node = NodeStatus(config.url, config.retry_seconds)
        self.writer = ESWriter(self.es, config, self.indices, node, directory)
        self.reader = ESReader(self.writer)

    def __repr__(self) -> str:
        return f"<ElasticsearchStore {self.config.url} prefix={self.prefix!r}>"

    # ---------------------------------------------------------------- set-up

    def has_language_analyzers(self) -> bool:
        return self.indices.has_language_analyzers()

    def setup(self) -> list[SetupReport]:
        return self.indices.setup()

    def check_setup(self) -> list[tuple[str, bool, str]]:
        return self.indices.check_setup()

    # ---------------------------------------------------------------- writes

    @property
    def spool(self) -> Spool:
        return self.writer.spool

    @property
    def rejected(self) -> Spool:
        return self.writer.rejected

    @property
    def spooling(self) -> bool:
        return self.writer.spooling

    @property
    def asynchronous(self) -> bool:
        """Whether bulk requests go out from the writer thread (else each write waits)."""
        return self.writer.asynchronous

    @asynchronous.setter
    def asynchronous(self, value: bool) -> None:
        self.writer.asynchronous = value

    def prepare_run(self) -> dict[str, int]:
        return self.writer.prepare_run()

    def spool_pending(self) -> int:
        return len(self.writer.spool)

    def replay_spool(self) -> int:
        return self.writer.replay_spool()

    def upsert_ads(self, ads: list[Ad], seen_at: str) -> list[str]:
        return self.writer.upsert_ads(ads, seen_at)

    def touch(self, canonical_urls: list[str], seen_at: str) -> int:
        return self.writer.touch(canonical_urls, seen_at)

    def record_run(self, summary: dict[str, Any]) -> None:
        self.writer.record_run(summary)

    def index_documents(self, kind: str, docs: Iterable[tuple[str, dict[str, Any]]]) -> int:
        return self.writer.index_documents(kind, docs)

    # ---------------------------------------------------------------- local state

    def mark_unavailable(self, canonical_url: str, reason: str, at: str) -> None:
        self._local.mark_unavailable(canonical_url, reason, at)

    def unavailable_since(self, canonical_urls: list[str], since: str) -> set[str]:
        return self._local.unavailable_since(canonical_urls, since)

    def source_state(self, source: str) -> dict[str, Any]:
        return self._local.source_state(source)

    def save_source_state(self, source: str, state: dict[str, Any]) -> None:
        self._local.save_source_state(source, state)

    # ---------------------------------------------------------------- reads

    def known(self, canonical_urls: list[str]) -> set[str]:
        return self.reader.known(canonical_urls)

    def count_ads(self, source: str | None = None) -> int:
        return self.reader.count_ads(source)

    def get_ad(self, ad_id: str) -> Ad | None:
        return self.reader.get_ad(ad_id)

    def all_ads(self, source: str | None = None) -> list[dict[str, Any]]:
        return self.reader.all_ads(source)

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.reader.runs(limit)

    def search(self, query: SearchQuery) -> list[SearchHit]:
        return self.reader.search(query)

    def prune(self, before: str) -> tuple[int, set[str]]:
        return self.reader.prune(before)

    def doctor_checks(self) -> list[tuple[str, bool, str]]:
        return self.reader.doctor_checks()

    def node_version(self) -> str:
        return self.reader.node_version()

    # ---------------------------------------------------------------- life cycle

    def flush(self) -> None:
        """Make the writes so far visible to search (a refresh), when the node is up."""
        with self.writer.lock:
            self.writer.wait_idle()
            if self.writer.spooling or not self.indices.ready:
                return
            try:
                self.es.indices.refresh(index=self.alias["ads"])
            except Exception as exc:
                if not transient(exc):
                    raise
                self.writer.node.mark_down(exc)

    def close(self) -> None:
        with self.writer.lock:
            self.writer.stop()
            self._local.close()
            self.es.close()
