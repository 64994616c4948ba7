"""Write operations made into bulk requests for Elasticsearch, and what the node made of them.

An operation (``op``) is a dict with a sequence number ``seq`` and one of three kinds:
``upsert`` (an ad), ``touch`` (an ad seen again on a listing, by ``id``) and ``run`` (a run
summary). :func:`plan` computes, from the documents' current state, what each operation does
(its status) and the documents to send; :func:`send` sends them in one bulk request and sorts
the operations the node did not confirm (to spool) from those it refused for good.

An operation whose ``seq`` is not above its document's ``op_seq`` was applied already and is
skipped, so applying a batch twice changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from elasticsearch import Elasticsearch, helpers

from crawler.stores.base import NEW, UNCHANGED, UPDATED
from crawler.stores.es_client import item_transient, transient
from crawler.stores.es_schema import ad_document
from crawler.stores.spool import Spool

logger = logging.getLogger(__name__)

TOUCHED, MISSING, SKIPPED = "touched", "missing", "skipped"
#: the node refused the document for good (a mapping error); kept in the rejected file
REJECTED = "rejected"
#: the fields of an ad document that say what state it is in
STATE_FIELDS = ["content_hash", "first_seen", "last_seen", "seen_count", "op_seq"]

Op = dict[str, Any]
#: (index, document id) -> {"full": whole document or partial update, "doc": ..., "ops": [...]}
Pending = dict[tuple[str, str], dict[str, Any]]


def doc_id_of(op: Op) -> str:
    """The ad document an ``upsert`` or ``touch`` operation writes."""
    return str(op["ad"]["id"] if op["op"] == "upsert" else op["id"])


def ad_ids(ops: list[Op]) -> list[str]:
    """The ad documents ``ops`` write, in order, once each."""
    return list(dict.fromkeys(doc_id_of(op) for op in ops if op["op"] in ("upsert", "touch")))


def plan(
    ops: list[Op], states: dict[str, dict[str, Any]], alias: dict[str, str]
) -> tuple[dict[int, str], Pending]:
    """What ``ops`` make of the ad documents in ``states`` (id -> the :data:`STATE_FIELDS`;
    updated in place to the states after ``ops``): the status of each operation by ``seq``,
    and the documents to send."""
    statuses: dict[int, str] = {}
    pending: Pending = {}
    for op in ops:
        seq = op["seq"]
        if op["op"] == "run":
            pending[(alias["runs"], op["id"])] = {"full": True, "doc": op["doc"], "ops": [op]}
            statuses[seq] = NEW
            continue
        doc_id = doc_id_of(op)
        state = states.get(doc_id)
        if state is not None and (state.get("op_seq") or 0) >= seq:
            statuses[seq] = SKIPPED  # applied before (a replay)
            continue
        if state is None and op["op"] == "touch":
            statuses[seq] = MISSING
            continue
        status, full, sighting = _apply_to_state(op, states, doc_id)
        _add_pending(pending, (alias["ads"], doc_id), op, full, sighting)
        statuses[seq] = status
    return statuses, pending


def _apply_to_state(
    op: Op, states: dict[str, dict[str, Any]], doc_id: str
) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
    """Apply an ``upsert`` or ``touch`` to the document's state: its status, the full
    document to index (None: a partial update will do) and the sighting fields that moved."""
    seq, seen_at = op["seq"], op["seen_at"]
    state = states.get(doc_id)
    if state is None:  # a new ad
        full = ad_document(op["ad"])
        full.update(first_seen=seen_at, last_seen=seen_at, seen_count=1, op_seq=seq)
        states[doc_id] = {k: full[k] for k in STATE_FIELDS}
        return NEW, full, {}
    sighting = {
        "last_seen": max(state["last_seen"], seen_at),
        "seen_count": int(state.get("seen_count") or 0) + 1,
        "op_seq": seq,
    }
    state.update(sighting)
    if op["op"] == "touch":
        return TOUCHED, None, sighting
    if state.get("content_hash") == op["ad"].get("content_hash"):
        return UNCHANGED, None, sighting
    full = ad_document(op["ad"])
    full.update(sighting, first_seen=state["first_seen"])
    state["content_hash"] = full["content_hash"]
    return UPDATED, full, sighting


def _add_pending(
    pending: Pending,
    key: tuple[str, str],
    op: Op,
    full: dict[str, Any] | None,
    sighting: dict[str, Any],
) -> None:
    """Fold one operation into the document to send for ``key``: a full document replaces
    what was there, a sighting updates it."""
    entry = pending.get(key)
    if full is not None:
        ops_so_far = entry["ops"] if entry else []
        entry = pending[key] = {"full": True, "doc": full, "ops": ops_so_far}
    elif entry is not None:
        entry["doc"].update(sighting)
    else:
        entry = pending[key] = {"full": False, "doc": dict(sighting), "ops": []}
    entry["ops"].append(op)


def ops_of(pending: Pending) -> list[Op]:
    """The operations behind the documents of ``pending``, in ``seq`` order."""
    return sorted((op for entry in pending.values() for op in entry["ops"]), key=lambda o: o["seq"])


def actions_of(pending: Pending) -> list[dict[str, Any]]:
    """The bulk actions for ``pending``: ``index`` for full documents, ``update`` otherwise."""
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
    return actions


def send(
    es: Elasticsearch, pending: Pending, retries: int, rejected_file: Spool
) -> tuple[list[Op], list[Op]]:
    """Send the documents; return the operations whose documents were not confirmed (to
    spool), and those refused for good (kept in ``rejected_file``)."""
    confirmed, refused = _stream(es, pending, retries)
    unconfirmed: list[Op] = []
    rejected: list[Op] = []
    for key, info in refused:
        if key not in pending:
            continue
        confirmed.add(key)  # decided: spooled or rejected below
        if item_transient(info):
            unconfirmed.extend(pending[key]["ops"])
        else:
            logger.error("Elasticsearch refused %s/%s: %s", key[0], key[1], info.get("error"))
            rejected.extend(pending[key]["ops"])
            rejected_file.append(
                [{**op, "error": str(info.get("error"))} for op in pending[key]["ops"]]
            )
    for key, entry in pending.items():
        if key not in confirmed:
            unconfirmed.extend(entry["ops"])
    unconfirmed.sort(key=lambda op: op["seq"])
    return unconfirmed, rejected


def _stream(
    es: Elasticsearch, pending: Pending, retries: int
) -> tuple[set[tuple[str, str]], list[tuple[tuple[str, str], dict[str, Any]]]]:
    """One bulk request (429s retried with backoff): the documents confirmed, and those
    refused with the node's answer. An outage part-way leaves the rest unconfirmed."""
    actions = actions_of(pending)
    confirmed: set[tuple[str, str]] = set()
    refused: list[tuple[tuple[str, str], dict[str, Any]]] = []
    key_of = {doc_id: (index, doc_id) for index, doc_id in pending}
    try:
        for ok, item in helpers.streaming_bulk(
            es,
            actions,
            chunk_size=len(actions),
            max_chunk_bytes=50 * 2**20,
            max_retries=retries,
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
    return confirmed, refused
