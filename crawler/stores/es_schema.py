"""Elasticsearch index templates and documents: what analysts see in Kibana.

Four indices, each behind an alias (``<prefix>-ads``, ``-images``, ``-alerts``, ``-runs``) and
created from a composable index template ``<prefix>-<kind>`` that matches ``<prefix>-<kind>-*``.
A template's mapping carries its own fingerprint in ``_meta.adwatch_mapping``: when the mapping
changes, ``adwatch setup`` creates the next index version, copies the documents, and moves the
alias (see :mod:`crawler.stores.es_setup`).

Text fields are analyzed twice over: by Elasticsearch (``standard``, plus ``.es``/``.pt``/``.en``
subfields with the ``spanish``/``portuguese``/``english`` analyzers when the node has them) and
by adwatch itself (``title_stems``/``body_stems``: Snowball stems of
:mod:`crawler.common.stemming`), so stemmed search works on every node. Every text field has a
``.keyword`` subfield for exact filters and aggregations.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from crawler.common.stemming import stem_text
from crawler.extract.geo import resolve
from crawler.items import Ad

KINDS = ("ads", "images", "alerts", "runs")
#: Elasticsearch language analyzer per ISO 639-1 code, used when the node has them.
LANGUAGE_ANALYZERS = {"es": "spanish", "pt": "portuguese", "en": "english"}
#: Image hashes (hex) are also indexed in this many chunks: two hashes within Hamming distance
#: CHUNKS - 1 share at least one chunk, so a terms query on chunks finds near-duplicates.
HASH_CHUNKS = 4

KEYWORD = {"type": "keyword"}
DATE = {"type": "date"}
INT = {"type": "integer"}
LONG = {"type": "long"}
FLOAT = {"type": "float"}


def text(languages: bool, keyword_above: int = 256) -> dict[str, Any]:
    fields: dict[str, Any] = {"keyword": {"type": "keyword", "ignore_above": keyword_above}}
    if languages:
        for code, analyzer in LANGUAGE_ANALYZERS.items():
            fields[code] = {"type": "text", "analyzer": analyzer}
    return {"type": "text", "analyzer": "standard", "fields": fields}


STEMS = {"type": "text", "analyzer": "whitespace"}


#: an ad's photos as the Ad record's ``images`` entries carry them
AD_IMAGES = {
    "properties": {
        "url": KEYWORD,
        "path": KEYWORD,
        "sha256": KEYWORD,
        "phash": KEYWORD,
        "phash_mirror": KEYWORD,
        "dhash": KEYWORD,
        "width": INT,
        "height": INT,
        "format": KEYWORD,
        "bytes": LONG,
        "cluster": LONG,
    }
}
#: the pages kept as sightings of an ad (its reposts)
AD_SIGHTINGS = {
    "properties": {
        "url": KEYWORD,
        "source": KEYWORD,
        "phones": KEYWORD,
        "first_seen": DATE,
        "last_seen": DATE,
        "seen_count": INT,
    }
}
#: alerts.matcher's matches: [{rule, severity, score, terms: [{term, field, ...}]}]
AD_MATCHED_RULES = {
    "properties": {
        "rule": KEYWORD,
        "severity": KEYWORD,
        "score": FLOAT,
        "terms": {"properties": {"term": KEYWORD, "field": KEYWORD}},
    }
}


def ads_mapping(languages: bool) -> dict[str, Any]:
    return {
        "dynamic": False,
        "properties": {
            "id": KEYWORD,
            "source": KEYWORD,
            "kind": KEYWORD,
            "url": KEYWORD,
            "canonical_url": KEYWORD,
            "title": text(languages, 512),
            "body": text(languages, 2048),
            "title_stems": STEMS,
            "body_stems": STEMS,
            "price": {"type": "double"},
            "currency": KEYWORD,
            "price_period": KEYWORD,
            "location": text(False),
            "country": KEYWORD,
            "geo": {"type": "geo_point"},
            "language": KEYWORD,
            "posted_at": DATE,
            "employer": text(False),
            "phones": KEYWORD,
            "emails": KEYWORD,
            "handles": KEYWORD,
            "whatsapp": KEYWORD,
            "contacts": KEYWORD,
            "image_urls": KEYWORD,
            "image_count": INT,
            # photos kept (crawler/photos/pipeline.py): their hashes, and each perceptual hash in
            # chunks, so a terms query finds near-duplicates across hosts (HASH_CHUNKS)
            "images": AD_IMAGES,
            "image_hashes": KEYWORD,
            "image_hash_chunks": KEYWORD,
            "image_clusters": LONG,
            "shared_image_phones": KEYWORD,
            "repost_of": KEYWORD,
            "repost_count": INT,
            "sightings": AD_SIGHTINGS,
            "content_hash": KEYWORD,
            "fetched_at": DATE,
            "first_seen": DATE,
            "last_seen": DATE,
            "seen_count": INT,
            "matched_rules": AD_MATCHED_RULES,
            "rule_ids": KEYWORD,
            "matched_terms": KEYWORD,
            "risk_score": FLOAT,
            "cluster_id": KEYWORD,
            "cluster_size": INT,
            # the last write applied to this document: replays of older writes are skipped
            "op_seq": LONG,
        },
    }


def images_mapping(languages: bool) -> dict[str, Any]:  # noqa: ARG001
    return {
        "dynamic": False,
        "properties": {
            "url": KEYWORD,
            "ad_ids": KEYWORD,
            "sources": KEYWORD,
            "sha256": KEYWORD,
            "phash": KEYWORD,
            "phash_mirror": KEYWORD,
            "phash_chunks": KEYWORD,
            "dhash": KEYWORD,
            "dhash_chunks": KEYWORD,
            "format": KEYWORD,
            "cluster": LONG,
            "width": INT,
            "height": INT,
            "bytes": LONG,
            "path": KEYWORD,
            "first_seen": DATE,
            "last_seen": DATE,
        },
    }


def alerts_mapping(languages: bool) -> dict[str, Any]:  # noqa: ARG001
    return {
        "dynamic": False,
        "properties": {
            "alert_id": KEYWORD,
            "rule_id": KEYWORD,
            "rule_name": text(False),
            "severity": KEYWORD,
            "ad_id": KEYWORD,
            "cluster_id": KEYWORD,
            "ad_url": KEYWORD,
            "ad_title": text(False, 512),
            "source": KEYWORD,
            "matched_terms": KEYWORD,
            "phones": KEYWORD,
            "recipients": KEYWORD,
            "risk_score": FLOAT,
            "status": KEYWORD,
            "created_at": DATE,
            "sent_at": DATE,
        },
    }


_COUNTS = (
    "pages",
    "listing_pages",
    "detail_pages",
    "detail_skipped_known",
    "ads_new",
    "ads_updated",
    "ads_unchanged",
    "ads_spooled",
    "errors",
)


def runs_mapping(languages: bool) -> dict[str, Any]:  # noqa: ARG001
    totals = {k: LONG for k in _COUNTS if k != "listing_pages"}
    per_source: dict[str, Any] = {k: LONG for k in _COUNTS if k != "errors"}
    per_source.update(
        source=KEYWORD,
        reason=KEYWORD,
        failed={"type": "boolean"},
        errors={"type": "flattened"},
        warnings={"type": "text"},
        duration_s=FLOAT,
    )
    return {
        "dynamic": False,
        "properties": {
            "started_at": DATE,
            "finished_at": DATE,
            "duration_s": FLOAT,
            "ads_in_store": LONG,
            "spooled": LONG,
            "replayed": LONG,
            "failed": {"type": "boolean"},
            "failed_sources": KEYWORD,
            "skipped_not_due": KEYWORD,
            "totals": {"properties": totals},
            "sources": {"properties": per_source},
            # the summary exactly as `adwatch runs` prints it
            "summary": {"type": "object", "enabled": False},
        },
    }


MAPPINGS = {
    "ads": ads_mapping,
    "images": images_mapping,
    "alerts": alerts_mapping,
    "runs": runs_mapping,
}


def template_body(kind: str, prefix: str, languages: bool) -> dict[str, Any]:
    """The composable index template for one kind, fingerprinted in ``_meta``."""
    mapping = MAPPINGS[kind](languages)
    settings = {
        "number_of_shards": 1,
        # one node: no replica (the index stays green); two or more: one replica
        "auto_expand_replicas": "0-1",
        "max_result_window": 10_000,
    }
    fingerprint = mapping_fingerprint(settings, mapping)
    mapping = {**mapping, "_meta": {"adwatch_mapping": fingerprint, "adwatch_kind": kind}}
    return {
        "index_patterns": [f"{prefix}-{kind}-*"],
        "priority": 200,
        "template": {"settings": settings, "mappings": mapping},
        "_meta": {"adwatch_mapping": fingerprint, "description": f"adwatch {kind}"},
    }


def mapping_fingerprint(settings: dict[str, Any], mapping: dict[str, Any]) -> str:
    raw = json.dumps({"settings": settings, "mappings": mapping}, sort_keys=True)
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


# ---------------------------------------------------------------- documents

_DATE_FIELDS = ("posted_at", "fetched_at")
_OPTIONAL = ("cluster_id", "cluster_size")


def ad_document(ad: Ad | dict[str, Any]) -> dict[str, Any]:
    """An ad (or its ``to_dict()``) as indexed, without its sighting fields (first_seen,
    last_seen, seen_count)."""
    doc = ad.to_dict() if isinstance(ad, Ad) else dict(ad)
    for name in _DATE_FIELDS:
        if not doc.get(name):
            doc[name] = None
    language = doc.get("language")
    doc["title_stems"] = stem_text(doc.get("title"), language)
    doc["body_stems"] = stem_text(doc.get("body"), language)
    phones, whatsapp = doc.get("phones") or [], doc.get("whatsapp") or []
    emails, handles = doc.get("emails") or [], doc.get("handles") or []
    doc["contacts"] = list(dict.fromkeys(phones + whatsapp + emails + handles))
    doc["image_count"] = len(doc.get("image_urls") or [])
    photos = doc.get("images") or []
    doc["image_hashes"] = list(
        dict.fromkeys(h for p in photos for h in (p.get("phash"), p.get("dhash")) if h)
    )
    doc["image_hash_chunks"] = list(
        dict.fromkeys(c for p in photos if p.get("phash") for c in hash_chunks(p["phash"]))
    )
    matches = doc.get("matched_rules") or []
    doc["rule_ids"] = list(dict.fromkeys(m.get("rule") for m in matches if m.get("rule")))
    doc["matched_terms"] = list(
        dict.fromkeys(t.get("term") for m in matches for t in m.get("terms") or [] if t.get("term"))
    )
    point = resolve(doc.get("location"), doc.get("country"))
    if point is not None:
        doc["geo"] = point
    for name in _OPTIONAL:  # set by later pipeline stages when they run
        value = doc.get(name, getattr(ad, name, None))
        if value is not None:
            doc[name] = value
    return doc


def ad_from_document(source: dict[str, Any]) -> Ad:
    """The :class:`Ad` an indexed document holds (the inverse of :func:`ad_document`)."""
    ad = Ad.from_dict(source)
    if ad.fetched_at is None:
        ad.fetched_at = ""
    return ad


def hash_chunks(hex_hash: str, parts: int = HASH_CHUNKS) -> list[str]:
    """``"a1b2c3d4e5f60718"`` -> ``["0:a1b2", "1:c3d4", "2:e5f6", "3:0718"]`` (position-tagged)."""
    size = max(1, len(hex_hash) // parts)
    return [f"{i}:{hex_hash[i * size : (i + 1) * size]}" for i in range(parts)]


def run_document(summary: dict[str, Any]) -> dict[str, Any]:
    """A run summary as indexed: the counters searchable, the whole summary kept as is."""
    totals = dict(summary.get("totals") or {})
    failed_sources = totals.pop("failed_sources", [])
    return {
        "started_at": summary.get("started_at"),
        "finished_at": summary.get("finished_at"),
        "duration_s": summary.get("duration_s"),
        "ads_in_store": summary.get("ads_in_store"),
        "spooled": summary.get("spooled", 0),
        "replayed": summary.get("replayed", 0),
        "failed": bool(failed_sources),
        "failed_sources": failed_sources,
        "skipped_not_due": summary.get("skipped_not_due", []),
        "totals": totals,
        "sources": summary.get("sources", []),
        "summary": summary,
    }


def run_id(summary: dict[str, Any]) -> str:
    """Stable id of a run: a run recorded twice (a replayed spool) stays one document."""
    key = f"{summary.get('started_at')}|{summary.get('finished_at')}"
    return hashlib.sha1(key.encode()).hexdigest()[:20]
