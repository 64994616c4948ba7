"""The Elasticsearch store: ads and runs in indices analysts search with Kibana.

Used when ``ADWATCH_ES_URL`` is set (see :class:`ESConfig` for the other variables). It has the
interface of :class:`crawler.stores.sqlite.SQLiteStore`; per-source run state and the memory of
ad pages found gone stay in the local SQLite file of the data directory, since they are this
crawler host's own bookkeeping, not data for analysts.

Writes
    Every write is an operation with a sequence number (``seq``, increasing). A batch is
    applied by reading the current state of its documents (``mget``: content hash, sightings,
    the ``op_seq`` of the last operation applied), computing each document's new state on this
    side, and sending one bulk request (``helpers.streaming_bulk``, 429s retried with backoff)
    of full documents (new or changed ads) and partial updates (an ad seen again). The node's
    integration-test distribution has no scripting module, so nothing relies on scripts.

    An operation whose ``seq`` is not above the document's ``op_seq`` was applied already and is
    skipped: applying a batch twice changes nothing, so ``seen_count`` never counts a sighting
    twice, and stable document ids (the ad id) mean an ad is never indexed twice.

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

import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from crawler.extract.normalize import ad_id
from crawler.items import Ad
from crawler.stores.base import NEW, SPOOLED, UNCHANGED, UPDATED, SearchHit, SearchQuery
from crawler.stores.es_schema import (
    KINDS,
    ad_document,
    ad_from_document,
    run_document,
    run_id,
    template_body,
)
from crawler.stores.spool import Spool
from crawler.stores.sqlite import SQLiteStore
from crawler.stores.stemming import fold, query_stems
from crawler.stores.terms import query_terms

logger = logging.getLogger(__name__)
# one log line per HTTP request is too much under Scrapy's INFO level
logging.getLogger("elastic_transport.transport").setLevel(logging.WARNING)

TOUCHED, MISSING, SKIPPED = "touched", "missing", "skipped"
#: the node refused the document for good (a mapping error); kept in the rejected file
REJECTED = "rejected"
_STATE_FIELDS = ["content_hash", "first_seen", "last_seen", "seen_count", "op_seq"]
_HIDDEN_FIELDS = ["title_stems", "body_stems"]


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


@dataclass
class ESConfig:
    """Where and how to reach Elasticsearch; secrets come from the environment only.

    ``ADWATCH_ES_URL`` (``https://user:password@host:9200`` works too), ``ADWATCH_ES_API_KEY``
    (the encoded key), ``ADWATCH_ES_CA_CERTS`` (a CA file for a self-signed cluster),
    ``ADWATCH_ES_VERIFY_CERTS`` (default true: set to false only for a throwaway cluster),
    ``ADWATCH_ES_PREFIX`` (index and alias prefix, default ``adwatch``),
    ``ADWATCH_ES_TIMEOUT`` (seconds per request, default 30), ``ADWATCH_ES_BULK_RETRIES``
    (retries of rejected bulk items, default 3), ``ADWATCH_ES_RETRY_SECONDS`` (after an outage,
    how long writes go straight to the spool before the node is tried again, default 30).
    """

    url: str
    api_key: str | None = None
    prefix: str = "adwatch"
    verify_certs: bool = True
    ca_certs: str | None = None
    timeout: float = 30.0
    bulk_retries: int = 3
    retry_seconds: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ[str] | None = None) -> ESConfig | None:
        """The configuration in the environment, or None when ``ADWATCH_ES_URL`` is not set."""
        env = os.environ if env is None else env
        url = (env.get("ADWATCH_ES_URL") or "").strip()
        if not url:
            return None
        return cls(
            url=url.rstrip("/"),
            api_key=env.get("ADWATCH_ES_API_KEY") or None,
            prefix=(env.get("ADWATCH_ES_PREFIX") or "adwatch").strip().lower(),
            verify_certs=_truthy(env.get("ADWATCH_ES_VERIFY_CERTS"), True),
            ca_certs=env.get("ADWATCH_ES_CA_CERTS") or None,
            timeout=float(env.get("ADWATCH_ES_TIMEOUT") or 30),
            bulk_retries=int(env.get("ADWATCH_ES_BULK_RETRIES") or 3),
            retry_seconds=float(env.get("ADWATCH_ES_RETRY_SECONDS") or 30),
        )

    def client(self) -> Elasticsearch:
        options: dict[str, Any] = {
            "request_timeout": self.timeout,
            "retry_on_timeout": True,
            "max_retries": 2,
        }
        if self.url.startswith("https"):
            options["verify_certs"] = self.verify_certs
            if self.ca_certs:
                options["ca_certs"] = self.ca_certs
        if self.api_key:
            options["api_key"] = self.api_key
        try:  # orjson (the client's [orjson] extra) serializes bulk bodies twice as fast
            from elasticsearch.serializer import OrjsonSerializer

            options["serializer"] = OrjsonSerializer()
        except ImportError:
            pass
        return Elasticsearch(self.url, **options)


class Unavailable(Exception):
    """The node could not be reached or refused the request for now."""


def transient(exc: BaseException) -> bool:
    """Whether an error means "not now" (spool and retry) rather than "never"."""
    if isinstance(exc, ApiError):
        return exc.meta.status not in (400, 404)
    return isinstance(exc, TransportError | OSError)


def _item_transient(info: dict[str, Any]) -> bool:
    status = info.get("status")
    return status is None or status in (401, 403, 404, 408, 409, 429) or status >= 500


@dataclass
class SetupReport:
    alias: str
    index: str
    action: str  # "created", "up to date", "migrated"
    copied: int = 0
    previous: str | None = None

    def __str__(self) -> str:
        if self.action == "migrated":
            return (
                f"{self.alias}: mapping changed, now {self.index} ({self.copied} documents copied "
                f"from {self.previous}, which is kept: delete it when satisfied)"
            )
        return f"{self.alias} -> {self.index}: {self.action}"


class ElasticsearchStore:
    """Ads in ``<prefix>-ads``, runs in ``<prefix>-runs``; local state in SQLite."""

    backend = "elasticsearch"

    def __init__(self, config: ESConfig, directory: str | Path):
        self.config = config
        self.prefix = config.prefix
        self.alias = {kind: f"{config.prefix}-{kind}" for kind in KINDS}
        self.es = config.client()
        directory = Path(directory)
        # this host's own state stays in the data directory's SQLite file
        self._local = SQLiteStore(directory / "adwatch.sqlite3")
        self.alerts = self._local.alerts
        self.photos = self._local.photos
        self.health = self._local.health
        self.evidence = self._local.evidence
        self.spool = Spool(directory / "spool" / f"{config.prefix}-elasticsearch.jsonl")
        self.rejected = Spool(directory / "spool" / f"{config.prefix}-rejected.jsonl")
        self._lock = threading.RLock()
        self._spool_lock = threading.Lock()
        # Bulk requests go out from a writer thread while the caller prepares the next batch
        # (one in flight, one waiting). ``_overlay`` holds the state each document will have
        # once the batches in flight are applied, for the batches prepared meanwhile.
        self.asynchronous = True
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._writer: threading.Thread | None = None
        self._overlay: dict[str, tuple[dict[str, Any], int]] = {}
        self._overlay_lock = threading.Lock()
        self._jobs = itertools.count(1)
        self._last_seq = 0
        self._down_since: float | None = None
        self._ready = False
        # a spool left by an earlier run (its replay failed): new writes queue behind it
        self.spooling = len(self.spool) > 0
        self.spooled = 0
        self.replayed = 0

    def __repr__(self) -> str:
        return f"<ElasticsearchStore {self.config.url} prefix={self.prefix!r}>"

    # ---------------------------------------------------------------- set-up

    def has_language_analyzers(self) -> bool:
        """Whether the node has Elasticsearch's language analyzers (module analysis-common)."""
        try:
            self.es.indices.analyze(analyzer="spanish", text="trabajos")
            return True
        except ApiError as exc:
            if exc.meta.status == 400:
                return False
            raise

    def setup(self) -> list[SetupReport]:
        """Install the index templates and create (or migrate) the indices behind the aliases.

        Safe to run again: an index whose mapping is current is left alone. When a template's
        mapping changed, the next index version is created from it, the documents are copied
        over and the alias moves to it in one step. Run it while no ``adwatch run`` writes.
        """
        languages = self.has_language_analyzers()
        reports = [self._setup_kind(kind, languages) for kind in KINDS]
        self._ready = True
        return reports

    def _setup_kind(self, kind: str, languages: bool) -> SetupReport:
        alias = self.alias[kind]
        body = template_body(kind, self.prefix, languages)
        fingerprint = body["_meta"]["adwatch_mapping"]
        self.es.indices.put_index_template(
            name=alias,
            index_patterns=body["index_patterns"],
            priority=body["priority"],
            template=body["template"],
            meta=body["_meta"],
        )
        if not self.es.indices.exists_alias(name=alias):
            if self.es.indices.exists(index=alias):
                raise RuntimeError(
                    f"{alias} is an index, not an alias: rename or delete it, then run setup again"
                )
            index = f"{alias}-000001"
            self.es.indices.create(index=index, aliases={alias: {"is_write_index": True}})
            return SetupReport(alias, index, "created")
        current = self._write_index(alias)
        meta = self.es.indices.get_mapping(index=current)[current]["mappings"].get("_meta", {})
        if meta.get("adwatch_mapping") == fingerprint:
            return SetupReport(alias, current, "up to date")
        new = _next_version(current)
        if not self.es.indices.exists(index=new):
            self.es.indices.create(index=new)
        self.es.indices.refresh(index=current)
        copied, _errors = helpers.bulk(
            self.es,
            (
                {"_index": new, "_id": hit["_id"], "_source": hit["_source"]}
                for hit in helpers.scan(self.es, index=current, query={"query": {"match_all": {}}})
            ),
            chunk_size=1000,
        )
        self.es.indices.refresh(index=new)
        self.es.indices.update_aliases(
            actions=[
                {"remove": {"index": current, "alias": alias}},
                {"add": {"index": new, "alias": alias, "is_write_index": True}},
            ]
        )
        return SetupReport(alias, new, "migrated", copied, current)

    def _write_index(self, alias: str) -> str:
        found = self.es.indices.get_alias(name=alias)
        for index, info in found.items():
            if info.get("aliases", {}).get(alias, {}).get("is_write_index"):
                return index
        return sorted(found)[-1]

    def check_setup(self) -> list[tuple[str, bool, str]]:
        """``(alias, ok, detail)`` per kind: template installed, alias present, mapping current."""
        languages = self.has_language_analyzers()
        out = []
        for kind in KINDS:
            alias = self.alias[kind]
            want = template_body(kind, self.prefix, languages)["_meta"]["adwatch_mapping"]
            if not self.es.indices.exists_index_template(name=alias):
                out.append((alias, False, "template missing: run `adwatch setup`"))
                continue
            if not self.es.indices.exists_alias(name=alias):
                out.append((alias, False, "alias missing: run `adwatch setup`"))
                continue
            index = self._write_index(alias)
            meta = self.es.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
            if meta.get("adwatch_mapping") != want:
                out.append((alias, False, f"{index} has an old mapping: run `adwatch setup`"))
            else:
                count = self.es.count(index=alias)["count"]
                out.append((alias, True, f"{index}, {count} documents"))
        return out

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        if not all(self.es.indices.exists_alias(name=self.alias[k]) for k in ("ads", "runs")):
            for report in self.setup():
                logger.info("elasticsearch setup: %s", report)
        self._ready = True

    # ---------------------------------------------------------------- runs of adwatch

    def prepare_run(self) -> dict[str, int]:
        """Before a run crawls: make sure the indices exist and replay the spool.

        Returns ``{"replayed": n}``; with the node down nothing happens (the run spools).
        """
        with self._lock:
            try:
                self._ensure_ready()
            except Exception as exc:
                if not transient(exc):
                    raise
                self._mark_down(exc)
                return {"replayed": 0}
            self.replay_spool()
            return {"replayed": self.replayed}

    def spool_pending(self) -> int:
        return len(self.spool)

    def replay_spool(self) -> int:
        """Apply the spooled operations in order; return how many were applied.

        Stops at the first batch the node does not take, keeping it and what follows.
        """
        with self._lock:
            ops = list(self.spool)
            if not ops:
                self.spooling = False
                return 0
            batch = 500
            done = 0
            for start in range(0, len(ops), batch):
                chunk = ops[start : start + batch]
                try:
                    _statuses, unconfirmed = self._apply(chunk)
                except Unavailable as exc:
                    self._mark_down(exc)
                    self.spool.replace(ops[start:])
                    self.replayed += done
                    return done
                if unconfirmed:
                    self._mark_down(RuntimeError("bulk items refused"))
                    self.spool.replace(unconfirmed + ops[start + batch :])
                    done += len(chunk) - len(unconfirmed)
                    self.replayed += done
                    return done
                done += len(chunk)
            self.spool.clear()
            self.spooling = False
            self._mark_up()
            self.replayed += done
            logger.info("replayed %d spooled write(s) into Elasticsearch", done)
            return done

    # ---------------------------------------------------------------- writes

    def upsert_ads(self, ads: list[Ad], seen_at: str) -> list[str]:
        if not ads:
            return []
        with self._lock:
            ops = [
                {"op": "upsert", "seq": self._next_seq(), "seen_at": seen_at, "ad": ad.to_dict()}
                for ad in ads
            ]
            statuses = self._write(ops)
        return [statuses.get(op["seq"], SPOOLED) for op in ops]

    def touch(self, canonical_urls: list[str], seen_at: str) -> int:
        if not canonical_urls:
            return 0
        with self._lock:
            ops = [
                {"op": "touch", "seq": self._next_seq(), "seen_at": seen_at, "id": ad_id(u)}
                for u in canonical_urls
            ]
            statuses = self._write(ops)
        return sum(1 for op in ops if statuses.get(op["seq"], TOUCHED) == TOUCHED)

    def record_run(self, summary: dict[str, Any]) -> None:
        with self._lock:
            op = {
                "op": "run",
                "seq": self._next_seq(),
                "id": run_id(summary),
                "doc": run_document(summary),
            }
            self._write([op], wait=True)

    def index_documents(self, kind: str, docs: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Index ``(id, document)`` pairs into ``<prefix>-<kind>`` (images, alerts) as they are;
        return how many were indexed. Raises when the node is unreachable."""
        self._ensure_ready()
        ok, _errors = helpers.bulk(
            self.es,
            ({"_index": self.alias[kind], "_id": i, "_source": d} for i, d in docs),
            chunk_size=500,
            max_retries=self.config.bulk_retries,
        )
        return ok

    def _next_seq(self) -> int:
        self._last_seq = max(time.time_ns(), self._last_seq + 1)
        return self._last_seq

    def _write(self, ops: list[dict[str, Any]], wait: bool = False) -> dict[int, str]:
        """Apply ``ops`` or spool them; the statuses of the ops applied (or on their way), by
        ``seq``. The bulk request goes out from the writer thread unless ``wait``; if it fails
        there, its operations go to the spool (their statuses were already given)."""
        if self.spooling:
            self._wait_idle()
            if not self._drain():
                self._to_spool(ops)
                return {}
        try:
            self._ensure_ready()
            statuses, pending, states = self._prepare(ops)
        except Exception as exc:
            if not (isinstance(exc, Unavailable) or transient(exc)):
                raise
            self._mark_down(exc)
            self._wait_idle()
            self._to_spool(ops)
            return {}
        if not pending:
            return statuses
        if wait or not self.asynchronous:
            self._wait_idle()
            unconfirmed, rejected = self._send(pending)
            for op in unconfirmed:
                statuses.pop(op["seq"], None)
            for op in rejected:
                statuses[op["seq"]] = REJECTED
            return statuses
        self._submit(pending, states)
        return statuses

    def _send(
        self, pending: dict[tuple[str, str], dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """One bulk request; what the node did not confirm goes to the spool."""
        try:
            unconfirmed, rejected = self._bulk(pending)
        except Exception as exc:  # not a node outage: keep the writes rather than lose them
            logger.exception("bulk request failed: %s", exc)
            unconfirmed, rejected = _ops_of(pending), []
        if unconfirmed:
            self._mark_down(RuntimeError(f"{len(unconfirmed)} write(s) not confirmed"))
            self._to_spool(unconfirmed)
        return unconfirmed, rejected

    def _submit(
        self, pending: dict[tuple[str, str], dict[str, Any]], states: dict[str, dict[str, Any]]
    ) -> None:
        job = next(self._jobs)
        with self._overlay_lock:
            for index, doc_id in pending:
                if index == self.alias["ads"] and doc_id in states:
                    self._overlay[doc_id] = (dict(states[doc_id]), job)
        if self._writer is None:
            self._writer = threading.Thread(
                target=self._write_loop, name="adwatch-es-writer", daemon=True
            )
            self._writer.start()
        self._queue.put((job, pending))

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                job, pending = item
                if self.spooling:  # an earlier batch failed: this one queues behind it
                    self._to_spool(_ops_of(pending))
                else:
                    self._send(pending)
                with self._overlay_lock:
                    for _index, doc_id in pending:
                        entry = self._overlay.get(doc_id)
                        if entry is not None and entry[1] == job:
                            del self._overlay[doc_id]
            finally:
                self._queue.task_done()

    def _wait_idle(self) -> None:
        """Wait until the writer thread has sent (or spooled) every batch handed to it."""
        if self._writer is not None:
            self._queue.join()

    def _drain(self) -> bool:
        """While spooling: when the node may be back, replay the spool; True when it is empty."""
        if not self._retry_due():
            return False
        self.replay_spool()
        return not self.spooling

    def _to_spool(self, ops: list[dict[str, Any]]) -> None:
        with self._spool_lock:
            if not self.spooling:
                logger.warning(
                    "Elasticsearch unavailable: writes go to the spool %s until it answers",
                    self.spool.path,
                )
            self.spooling = True
            self.spooled += self.spool.append(ops)

    def _mark_down(self, exc: BaseException) -> None:
        if self._down_since is None:
            logger.warning("Elasticsearch at %s unavailable: %s", self.config.url, exc)
        self._down_since = time.monotonic()

    def _mark_up(self) -> None:
        self._down_since = None

    def _retry_due(self) -> bool:
        return (
            self._down_since is None
            or time.monotonic() - self._down_since >= self.config.retry_seconds
        )

    def _states(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        try:
            resp = self.es.mget(
                index=self.alias["ads"], ids=ids, source_includes=_STATE_FIELDS, realtime=True
            )
        except Exception as exc:
            if transient(exc):
                raise Unavailable(str(exc)) from exc
            raise
        return {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}

    def _apply(self, ops: list[dict[str, Any]]) -> tuple[dict[int, str], list[dict[str, Any]]]:
        """Apply ``ops`` in order, now; return the statuses of those applied (by ``seq``) and
        the operations not confirmed by the node (to spool). Raises :class:`Unavailable`."""
        self._wait_idle()
        statuses, pending, _states = self._prepare(ops)
        if not pending:
            return statuses, []
        unconfirmed, rejected = self._bulk(pending)
        for op in unconfirmed:
            statuses.pop(op["seq"], None)
        for op in rejected:
            statuses[op["seq"]] = REJECTED
        return statuses, unconfirmed

    def _prepare(
        self, ops: list[dict[str, Any]]
    ) -> tuple[dict[int, str], dict[tuple[str, str], dict[str, Any]], dict[str, dict[str, Any]]]:
        """Read the documents' current state and compute what ``ops`` make of them: the
        statuses by ``seq``, the documents to send, the documents' new states."""
        ad_ops = [op for op in ops if op["op"] in ("upsert", "touch")]
        ids = list(
            dict.fromkeys(op["ad"]["id"] if op["op"] == "upsert" else op["id"] for op in ad_ops)
        )
        # batches in flight first: their documents will be in this state once applied
        with self._overlay_lock:
            states = {i: dict(self._overlay[i][0]) for i in ids if i in self._overlay}
        states.update(self._states([i for i in ids if i not in states]))
        statuses: dict[int, str] = {}
        # (index, id) -> {"full": bool, "doc": dict, "ops": [op, ...]}
        pending: dict[tuple[str, str], dict[str, Any]] = {}
        for op in ops:
            seq = op["seq"]
            if op["op"] == "run":
                key = (self.alias["runs"], op["id"])
                pending[key] = {"full": True, "doc": op["doc"], "ops": [op]}
                statuses[seq] = NEW
                continue
            doc_id = op["ad"]["id"] if op["op"] == "upsert" else op["id"]
            state = states.get(doc_id)
            if state is not None and (state.get("op_seq") or 0) >= seq:
                statuses[seq] = SKIPPED  # applied before (a replay)
                continue
            seen_at = op["seen_at"]
            full: dict[str, Any] | None = None
            sighting: dict[str, Any] = {}
            if state is None:
                if op["op"] == "touch":
                    statuses[seq] = MISSING
                    continue
                full = ad_document(op["ad"])
                full.update(first_seen=seen_at, last_seen=seen_at, seen_count=1, op_seq=seq)
                states[doc_id] = {k: full[k] for k in _STATE_FIELDS}
                status = NEW
            else:
                sighting = {
                    "last_seen": max(state["last_seen"], seen_at),
                    "seen_count": int(state.get("seen_count") or 0) + 1,
                    "op_seq": seq,
                }
                state.update(sighting)
                if op["op"] == "touch":
                    status = TOUCHED
                elif state.get("content_hash") == op["ad"].get("content_hash"):
                    status = UNCHANGED
                else:
                    full = ad_document(op["ad"])
                    full.update(sighting, first_seen=state["first_seen"])
                    state["content_hash"] = full["content_hash"]
                    status = UPDATED
            key = (self.alias["ads"], doc_id)
            entry = pending.get(key)
            if full is not None:
                ops_so_far = entry["ops"] if entry else []
                entry = pending[key] = {"full": True, "doc": full, "ops": ops_so_far}
            elif entry is not None:
                entry["doc"].update(sighting)
            else:
                entry = pending[key] = {"full": False, "doc": dict(sighting), "ops": []}
            entry["ops"].append(op)
            statuses[seq] = status
        return statuses, pending, states

    def _bulk(
        self, pending: dict[tuple[str, str], dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Send the documents; return the operations whose documents were not confirmed (to
        spool), and those refused for good (kept in the rejected file)."""
        actions = []
        for (index, doc_id), entry in pending.items():
            if entry["full"]:
                actions.append(
                    {"_op_type": "index", "_index": index, "_id": doc_id, "_source": entry["doc"]}
                )
            else:
                actions.append(
                    {"_op_type": "update", "_index": index, "_id": doc_id, "doc": entry["doc"]}
                )
        confirmed: set[tuple[str, str]] = set()
        refused: list[tuple[tuple[str, str], dict[str, Any]]] = []
        key_of = {doc_id: (index, doc_id) for index, doc_id in pending}
        try:
            for ok, item in helpers.streaming_bulk(
                self.es,
                actions,
                chunk_size=len(actions),
                max_chunk_bytes=50 * 2**20,
                max_retries=self.config.bulk_retries,
                initial_backoff=1,
                max_backoff=10,
                raise_on_error=False,
                raise_on_exception=True,
            ):
                _op_type, info = next(iter(item.items()))
                key = key_of.get(info.get("_id"), ("", str(info.get("_id"))))
                if ok:
                    confirmed.add(key)
                else:
                    refused.append((key, info))
        except Exception as exc:
            if not transient(exc):
                raise
            logger.warning("bulk write interrupted: %s", exc)
        unconfirmed: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        for key, info in refused:
            if key not in pending:
                continue
            confirmed.add(key)  # decided: spooled or rejected below
            if _item_transient(info):
                unconfirmed.extend(pending[key]["ops"])
            else:
                logger.error("Elasticsearch refused %s/%s: %s", key[0], key[1], info.get("error"))
                rejected.extend(pending[key]["ops"])
                self.rejected.append(
                    [{**op, "error": str(info.get("error"))} for op in pending[key]["ops"]]
                )
        for key, entry in pending.items():
            if key not in confirmed:
                unconfirmed.extend(entry["ops"])
        unconfirmed.sort(key=lambda op: op["seq"])
        return unconfirmed, rejected

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
        """Canonical URLs of stored ads; with the node down, none (their pages get fetched)."""
        if not canonical_urls:
            return set()
        with self._lock:
            if self.spooling and not self._retry_due():
                return set()
            by_id = {ad_id(u): u for u in canonical_urls}
            with self._overlay_lock:  # on their way to the node
                in_flight = {by_id.pop(i) for i in list(by_id) if i in self._overlay}
            if not by_id:
                return in_flight
            try:
                resp = self.es.mget(
                    index=self.alias["ads"], ids=list(by_id), source=False, realtime=True
                )
            except Exception as exc:
                if isinstance(exc, ApiError) and exc.meta.status == 404:
                    return set()  # no index yet
                if not transient(exc):
                    raise
                self._mark_down(exc)
                return set()
            if not self.spooling:
                self._mark_up()
            return in_flight | {by_id[d["_id"]] for d in resp["docs"] if d.get("found")}

    def count_ads(self, source: str | None = None) -> int:
        query = {"term": {"source": source}} if source else {"match_all": {}}
        try:
            return int(self.es.count(index=self.alias["ads"], query=query)["count"])
        except ApiError as exc:
            if exc.meta.status == 404:
                return 0
            raise

    def get_ad(self, ad_id_: str) -> Ad | None:
        try:
            doc = self.es.get(index=self.alias["ads"], id=ad_id_, source_excludes=_HIDDEN_FIELDS)
        except ApiError as exc:
            if exc.meta.status == 404:
                return None
            raise
        return ad_from_document(doc["_source"])

    def all_ads(self, source: str | None = None) -> list[dict[str, Any]]:
        """Every ad with its sighting counters (for exports and tests)."""
        query = {"term": {"source": source}} if source else {"match_all": {}}
        out = []
        for hit in helpers.scan(
            self.es,
            index=self.alias["ads"],
            query={"query": query, "_source": {"excludes": _HIDDEN_FIELDS}},
            size=1000,
        ):
            src = hit["_source"]
            d = ad_from_document(src).to_dict()
            d.update(
                first_seen=src["first_seen"],
                last_seen=src["last_seen"],
                seen_count=src["seen_count"],
            )
            out.append(d)
        out.sort(key=lambda d: (d["first_seen"], d["id"]))
        return out

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        try:
            resp = self.es.search(
                index=self.alias["runs"],
                size=limit,
                sort=[{"started_at": "desc"}],
                source_includes=["summary"],
            )
        except ApiError as exc:
            if exc.meta.status == 404:
                return []
            raise
        return [hit["_source"]["summary"] for hit in resp["hits"]["hits"]]

    def search(self, query: SearchQuery) -> list[SearchHit]:
        if query.text and query.text.strip() and not query_terms(query.text):
            return []  # nothing searchable (only quotes, brackets...): nothing matches
        body = search_body(query)
        hits: list[SearchHit] = []
        search_after = None
        while len(hits) < query.limit:
            size = min(1000, query.limit - len(hits))
            page = dict(body)
            if search_after is not None:
                page["search_after"] = search_after
            try:
                resp = self.es.search(index=self.alias["ads"], size=size, **page)
            except ApiError as exc:
                if exc.meta.status == 404:
                    return []
                raise
            found = resp["hits"]["hits"]
            for hit in found:
                src = hit["_source"]
                fragments = hit.get("highlight", {}).get("body") or []
                hits.append(
                    SearchHit(
                        ad=ad_from_document(src),
                        first_seen=src["first_seen"],
                        last_seen=src["last_seen"],
                        seen_count=src["seen_count"],
                        score=float(hit.get("_score") or 0.0),
                        snippet=fragments[0] if fragments else "",
                    )
                )
            if len(found) < size:
                break
            search_after = found[-1]["sort"]
        return hits

    # ---------------------------------------------------------------- retention

    def prune(self, before: str) -> tuple[int, set[str]]:
        """Delete ads last seen before ``before`` (ISO time) and the image documents last seen
        before then; return how many ads went and the image URLs no remaining ad uses."""
        self._ensure_ready()
        old = {"range": {"last_seen": {"lt": before}}}
        gone: list[str] = []
        images: set[str] = set()
        for hit in helpers.scan(
            self.es,
            index=self.alias["ads"],
            query={"query": old, "_source": ["image_urls"]},
            size=1000,
        ):
            gone.append(hit["_id"])
            images.update(hit["_source"].get("image_urls") or [])
        helpers.bulk(
            self.es,
            ({"_op_type": "delete", "_index": self.alias["ads"], "_id": i} for i in gone),
            chunk_size=1000,
            raise_on_error=False,
        )
        image_ids = [
            hit["_id"]
            for hit in helpers.scan(
                self.es, index=self.alias["images"], query={"query": old, "_source": False}
            )
        ]
        helpers.bulk(
            self.es,
            ({"_op_type": "delete", "_index": self.alias["images"], "_id": i} for i in image_ids),
            chunk_size=1000,
            raise_on_error=False,
        )
        self.es.indices.refresh(index=self.alias["ads"])
        still_used: set[str] = set()
        urls = sorted(images)
        for start in range(0, len(urls), 1000):
            chunk = urls[start : start + 1000]
            resp = self.es.search(
                index=self.alias["ads"],
                size=0,
                query={"terms": {"image_urls": chunk}},
                aggs={"used": {"terms": {"field": "image_urls", "size": 65000, "include": chunk}}},
            )
            still_used.update(b["key"] for b in resp["aggregations"]["used"]["buckets"])
        return len(gone), images - still_used

    # ---------------------------------------------------------------- doctor

    def doctor_checks(self) -> list[tuple[str, bool, str]]:
        """``(name, ok, detail)``: the node, the templates and indices, its disk, the spool."""
        import elasticsearch

        checks: list[tuple[str, bool, str]] = []
        try:
            version = self.node_version()
            health = self.es.cluster.health()
        except Exception as exc:
            checks.append(("elasticsearch", False, f"{self.config.url}: {exc}"))
        else:
            client = elasticsearch.__versionstr__
            same_major = version.split(".")[0] == client.split(".")[0]
            checks.append(
                (
                    "elasticsearch",
                    same_major and health["status"] != "red",
                    f"{self.config.url}: {version}, cluster {health['status']}, "
                    f"Python client {client}"
                    + ("" if same_major else " (major versions differ: install a matching client)"),
                )
            )
            analyzers = (
                "language analyzers"
                if self.has_language_analyzers()
                else ("no language analyzers (adwatch's own stemming only)")
            )
            for alias, good, detail in self.check_setup():
                checks.append((f"index {alias}", good, detail))
            checks.append(("analysis", True, analyzers))
            fs = self.es.nodes.stats(metric="fs", filter_path="nodes.*.fs.total")
            for node in fs.get("nodes", {}).values():
                total = node["fs"]["total"]
                free = total.get("available_in_bytes", 0) / max(total.get("total_in_bytes", 1), 1)
                checks.append(
                    (
                        "elasticsearch disk",
                        free > 0.15,
                        f"{free:.0%} free"
                        + ("" if free > 0.15 else " (near the watermark: writes may be refused)"),
                    )
                )
        pending = len(self.spool)
        checks.append(
            (
                "spool",
                pending == 0,
                f"{self.spool.path}: "
                + (
                    "empty"
                    if not pending
                    else f"{pending} write(s) waiting ({self.spool.size_bytes() / 2**20:.1f} MiB); "
                    "the next `adwatch run` replays them once Elasticsearch answers"
                ),
            )
        )
        rejected = len(self.rejected)
        if rejected:
            checks.append(
                (
                    "rejected",
                    False,
                    f"{self.rejected.path}: {rejected} document(s) Elasticsearch refused for good",
                )
            )
        return checks

    # ---------------------------------------------------------------- life cycle

    def node_version(self) -> str:
        """The server's version (read from _nodes: a minimal node may not serve ``GET /``)."""
        resp = self.es.nodes.info(node_id="_local", filter_path="nodes.*.version")
        return next(iter(resp["nodes"].values()))["version"]

    def flush(self) -> None:
        """Make the writes so far visible to search (a refresh), when the node is up."""
        with self._lock:
            self._wait_idle()
            if self.spooling or not self._ready:
                return
            try:
                self.es.indices.refresh(index=self.alias["ads"])
            except Exception as exc:
                if not transient(exc):
                    raise
                self._mark_down(exc)

    def close(self) -> None:
        with self._lock:
            self._wait_idle()
            if self._writer is not None:
                self._queue.put(None)
                self._writer.join()
                self._writer = None
            self._local.close()
            self.es.close()


def _ops_of(pending: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((op for entry in pending.values() for op in entry["ops"]), key=lambda o: o["seq"])


def search_body(query: SearchQuery) -> dict[str, Any]:
    """The Elasticsearch request for ``adwatch search``: every word must match, as a stem
    (any of Spanish, Portuguese, English) or as typed; ``word*`` is a prefix; an emoji
    matches itself (the standard analyzer keeps emoji as tokens), with or without its
    variation selector."""
    must: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    for term in query_terms(query.text):
        word = term.text
        if term.kind == "symbol":
            forms = [word] if len(word) > 1 else [word, word + "\ufe0f"]
            should = [{"match": {field: form}} for form in forms for field in ("title", "body")]
        elif term.kind == "prefix":
            folded = fold(word)
            should = [
                {"prefix": {"title_stems": {"value": folded, "boost": 2}}},
                {"prefix": {"body_stems": folded}},
                {"prefix": {"title": word.lower()}},
                {"prefix": {"body": word.lower()}},
            ]
        else:
            stems = query_stems(word)
            should = [{"term": {"title_stems": {"value": s, "boost": 3}}} for s in stems]
            should += [{"term": {"body_stems": s}} for s in stems]
            should += [
                {"match": {"title": {"query": word, "boost": 2}}},
                {"match": {"body": word}},
                {"match": {"location": word}},
                {"match": {"employer": word}},
            ]
        must.append({"bool": {"should": should, "minimum_should_match": 1}})
    phone_clauses: list[dict[str, Any]] = []
    if query.phones:
        phone_clauses += [
            {"terms": {"phones": query.phones}},
            {"terms": {"whatsapp": query.phones}},
        ]
    if query.phone_digits:
        for field in ("phones", "whatsapp"):
            phone_clauses.append({"wildcard": {field: {"value": f"*{query.phone_digits}"}}})
    if phone_clauses:
        filters.append({"bool": {"should": phone_clauses, "minimum_should_match": 1}})
    if query.source:
        filters.append({"term": {"source": query.source}})
    if query.since:
        filters.append({"range": {"last_seen": {"gte": query.since.isoformat()}}})
    body: dict[str, Any] = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
        "_source": {"excludes": _HIDDEN_FIELDS},
        "track_total_hits": False,
    }
    if must:
        body["sort"] = ["_score", {"last_seen": "desc"}, {"id": "asc"}]
        body["highlight"] = {
            "fields": {"body": {"fragment_size": 90, "number_of_fragments": 1}},
            "pre_tags": ["["],
            "post_tags": ["]"],
        }
    else:
        body["sort"] = [{"last_seen": "desc"}, {"id": "asc"}]
    return body


def _next_version(index: str) -> str:
    """``adwatch-ads-000001`` -> ``adwatch-ads-000002``."""
    base, _, number = index.rpartition("-")
    if number.isdigit():
        return f"{base}-{int(number) + 1:06d}"
    return f"{index}-000002"
