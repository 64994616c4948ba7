"""Writing to Elasticsearch: numbered operations, a writer thread, and the spool for outages.

Every write is an operation with a sequence number (``seq``, increasing). A batch is applied by
reading the current state of its documents (``mget``: content hash, sightings, the ``op_seq``
of the last operation applied), computing each document's new state on this side
(crawler/stores/es_bulk.py), and sending one bulk request of full documents (new or changed
ads) and partial updates (an ad seen again). The node's integration-test distribution has no
scripting module, so nothing relies on scripts.

Bulk requests go out from a writer thread while the caller prepares the next batch (one in
flight, one waiting); the states the batches in flight will leave are kept aside (the overlay)
for the batches prepared meanwhile.

When the node is unreachable or rejects a write, the operations not confirmed go to the spool
(crawler/stores/spool.py) and every later write of the run follows them there, in order.
Every ``ADWATCH_ES_RETRY_SECONDS`` a write tries the node again and, when it answers, replays
the spool and carries on.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from crawler.extract.urls import ad_id
from crawler.items import Ad
from crawler.stores.base import SPOOLED
from crawler.stores.es_bulk import (
    REJECTED,
    STATE_FIELDS,
    TOUCHED,
    Op,
    Pending,
    ad_ids,
    ops_of,
    plan,
    send,
)
from crawler.stores.es_client import ESConfig, NodeStatus, Unavailable, transient
from crawler.stores.es_schema import run_document, run_id
from crawler.stores.es_setup import ESIndices
from crawler.stores.spool import Spool

logger = logging.getLogger(__name__)


class ESWriter:
    """The write side of :class:`crawler.stores.elasticsearch.ElasticsearchStore`: ads,
    sightings and run summaries, through the writer thread or the spool in ``directory``."""

    def __init__(
        self,
        es: Elasticsearch,
        config: ESConfig,
        indices: ESIndices,
        node: NodeStatus,
        directory: Path,
    ):
        self.es = es
        self.config = config
        self.indices = indices
        self.node = node
        self.spool = Spool(directory / "spool" / f"{config.prefix}-elasticsearch.jsonl")
        self.rejected = Spool(directory / "spool" / f"{config.prefix}-rejected.jsonl")
        #: held by every write and by the reads that depend on what is in flight
        self.lock = threading.RLock()
        self._spool_lock = threading.Lock()
        self.asynchronous = True
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._overlay: dict[str, tuple[dict[str, Any], int]] = {}
        self._overlay_lock = threading.Lock()
        self._jobs = itertools.count(1)
        self._last_seq = 0
        # a spool left by an earlier run (its replay failed): new writes queue behind it
        self.spooling = len(self.spool) > 0
        self.spooled = 0
        self.replayed = 0

    # ---------------------------------------------------------------- the writes

    def upsert_ads(self, ads: list[Ad], seen_at: str) -> list[str]:
        if not ads:
            return []
        with self.lock:
            ops: list[Op] = [
                {"op": "upsert", "seq": self.next_seq(), "seen_at": seen_at, "ad": ad.to_dict()}
                for ad in ads
            ]
            statuses = self._write(ops)
        return [statuses.get(op["seq"], SPOOLED) for op in ops]

    def touch(self, canonical_urls: list[str], seen_at: str) -> int:
        if not canonical_urls:
            return 0
        with self.lock:
            ops: list[Op] = [
                {"op": "touch", "seq": self.next_seq(), "seen_at": seen_at, "id": ad_id(u)}
                for u in canonical_urls
            ]
            statuses = self._write(ops)
        return sum(1 for op in ops if statuses.get(op["seq"], TOUCHED) == TOUCHED)

    def record_run(self, summary: dict[str, Any]) -> None:
        with self.lock:
            op = {
                "op": "run",
                "seq": self.next_seq(),
                "id": run_id(summary),
                "doc": run_document(summary),
            }
            self._write([op], wait=True)

    def index_documents(self, kind: str, docs: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Index ``(id, document)`` pairs into ``<prefix>-<kind>`` (images, alerts) as they are;
        return how many were indexed. Raises when the node is unreachable."""
        self.indices.ensure_ready()
        ok, _errors = helpers.bulk(
            self.es,
            ({"_index": self.indices.alias[kind], "_id": i, "_source": d} for i, d in docs),
            chunk_size=500,
            max_retries=self.config.bulk_retries,
        )
        return ok

    def next_seq(self) -> int:
        self._last_seq = max(time.time_ns(), self._last_seq + 1)
        return self._last_seq

    def _write(self, ops: list[Op], wait: bool = False) -> dict[int, str]:
        """Apply ``ops`` or spool them; the statuses of the ops applied (or on their way), by
        ``seq``. The bulk request goes out from the writer thread unless ``wait``; if it fails
        there, its operations go to the spool (their statuses were already given)."""
        if self.spooling:
            self.wait_idle()
            if not self._drain():
                self._to_spool(ops)
                return {}
        try:
            self.indices.ensure_ready()
            statuses, pending, states = self._prepare(ops)
        except Exception as exc:
            if not (isinstance(exc, Unavailable) or transient(exc)):
                raise
            self.node.mark_down(exc)
            self.wait_idle()
            self._to_spool(ops)
            return {}
        if not pending:
            return statuses
        if wait or not self.asynchronous:
            self.wait_idle()
            unconfirmed, rejected = self._send(pending)
            for op in unconfirmed:
                statuses.pop(op["seq"], None)
            for op in rejected:
                statuses[op["seq"]] = REJECTED
            return statuses
        self._submit(pending, states)
        return statuses

    def apply(self, ops: list[Op]) -> tuple[dict[int, str], list[Op]]:
        """Apply ``ops`` in order, now; return the statuses of those applied (by ``seq``) and
        the operations not confirmed by the node (to spool). Raises :class:`Unavailable`."""
        self.wait_idle()
        statuses, pending, _states = self._prepare(ops)
        if not pending:
            return statuses, []
        unconfirmed, rejected = send(self.es, pending, self.config.bulk_retries, self.rejected)
        for op in unconfirmed:
            statuses.pop(op["seq"], None)
        for op in rejected:
            statuses[op["seq"]] = REJECTED
        return statuses, unconfirmed

    def _prepare(self, ops: list[Op]) -> tuple[dict[int, str], Pending, dict[str, dict[str, Any]]]:
        """Read the documents' current state and compute what ``ops`` make of them: the
        statuses by ``seq``, the documents to send, the documents' new states."""
        ids = ad_ids(ops)
        # batches in flight first: their documents will be in this state once applied
        with self._overlay_lock:
            states = {i: dict(self._overlay[i][0]) for i in ids if i in self._overlay}
        states.update(self._states([i for i in ids if i not in states]))
        statuses, pending = plan(ops, states, self.indices.alias)
        return statuses, pending, states

    def _states(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        try:
            resp = self.es.mget(
                index=self.indices.alias["ads"],
                ids=ids,
                source_includes=STATE_FIELDS,
                realtime=True,
            )
        except Exception as exc:
            if transient(exc):
                raise Unavailable(str(exc)) from exc
            raise
        return {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}

    # ---------------------------------------------------------------- the writer thread

    def _send(self, pending: Pending) -> tuple[list[Op], list[Op]]:
        """One bulk request; what the node did not confirm goes to the spool."""
        try:
            unconfirmed, rejected = send(self.es, pending, self.config.bulk_retries, self.rejected)
        except Exception as exc:  # not a node outage: keep the writes rather than lose them
            logger.exception("bulk request failed: %s", exc)
            unconfirmed, rejected = ops_of(pending), []
        if unconfirmed:
            self.node.mark_down(RuntimeError(f"{len(unconfirmed)} write(s) not confirmed"))
            self._to_spool(unconfirmed)
        return unconfirmed, rejected

    def _submit(self, pending: Pending, states: dict[str, dict[str, Any]]) -> None:
        job = next(self._jobs)
        with self._overlay_lock:
            for index, doc_id in pending:
                if index == self.indices.alias["ads"] and doc_id in states:
                    self._overlay[doc_id] = (dict(states[doc_id]), job)
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._write_loop, name="adwatch-es-writer", daemon=True
            )
            self._thread.start()
        self._queue.put((job, pending))

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                job, pending = item
                if self.spooling:  # an earlier batch failed: this one queues behind it
                    self._to_spool(ops_of(pending))
                else:
                    self._send(pending)
                with self._overlay_lock:
                    for _index, doc_id in pending:
                        entry = self._overlay.get(doc_id)
                        if entry is not None and entry[1] == job:
                            del self._overlay[doc_id]
            finally:
                self._queue.task_done()

    def in_flight(self, ids: Iterable[str]) -> set[str]:
        """The ad ids among ``ids`` whose documents are on their way to the node."""
        with self._overlay_lock:
            return {i for i in ids if i in self._overlay}

    def wait_idle(self) -> None:
        """Wait until the writer thread has sent (or spooled) every batch handed to it."""
        if self._thread is not None:
            self._queue.join()

    def stop(self) -> None:
        """Send what is queued and end the writer thread."""
        with self.lock:
            self.wait_idle()
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()
                self._thread = None

    # ---------------------------------------------------------------- the spool

    def prepare_run(self) -> dict[str, int]:
        """Before a run crawls: make sure the indices exist and replay the spool.

        Returns ``{"replayed": n}``; with the node down nothing happens (the run spools).
        """
        with self.lock:
            try:
                self.indices.ensure_ready()
            except Exception as exc:
                if not transient(exc):
                    raise
                self.node.mark_down(exc)
                return {"replayed": 0}
            self.replay_spool()
            return {"replayed": self.replayed}

    def replay_spool(self) -> int:
        """Apply the spooled operations in order; return how many were applied.

        Stops at the first batch the node does not take, keeping it and what follows.
        """
        with self.lock:
            ops = list(self.spool)
            if not ops:
                self.spooling = False
                return 0
            batch = 500
            done = 0
            for start in range(0, len(ops), batch):
                chunk = ops[start : start + batch]
                try:
                    _statuses, unconfirmed = self.apply(chunk)
                except Unavailable as exc:
                    self.node.mark_down(exc)
                    self.spool.replace(ops[start:])
                    self.replayed += done
                    return done
                if unconfirmed:
                    self.node.mark_down(RuntimeError("bulk items refused"))
                    self.spool.replace(unconfirmed + ops[start + batch :])
                    done += len(chunk) - len(unconfirmed)
                    self.replayed += done
                    return done
                done += len(chunk)
            self.spool.clear()
            self.spooling = False
            self.node.mark_up()
            self.replayed += done
            logger.info("replayed %d spooled write(s) into Elasticsearch", done)
            return done

    def _drain(self) -> bool:
        """While spooling: when the node may be back, replay the spool; True when it is empty."""
        if not self.node.retry_due():
            return False
        self.replay_spool()
        return not self.spooling

    def _to_spool(self, ops: list[Op]) -> None:
        with self._spool_lock:
            if not self.spooling:
                logger.warning(
                    "Elasticsearch unavailable: writes go to the spool %s until it answers",
                    self.spool.path,
                )
            self.spooling = True
            self.spooled += self.spool.append(ops)
