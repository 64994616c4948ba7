"""Reading Elasticsearch: which ads are known, ads by id, counts, runs, search, retention and
``adwatch doctor``'s checks of the node.

Reads that steer the crawl (``known``) answer "not known" while the node is down, so ad pages
are fetched rather than skipped; reads for people (search, counts) raise instead. An index
that does not exist yet reads as empty.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import ApiError, helpers

from crawler.common.stemming import fold, query_stems
from crawler.extract.urls import ad_id
from crawler.items import Ad
from crawler.stores.base import SearchHit, SearchQuery
from crawler.stores.es_client import is_missing, transient
from crawler.stores.es_schema import ad_from_document
from crawler.stores.es_writer import ESWriter
from crawler.stores.terms import query_terms

#: fields kept for search only, never read back into an Ad
HIDDEN_FIELDS = ["title_stems", "body_stems"]


class ESReader:
    """The read side of :class:`crawler.stores.elasticsearch.ElasticsearchStore`."""

    def __init__(self, writer: ESWriter):
        # the writer's client and node status; ``known`` also asks it what is in flight
        self.writer = writer
        self.es = writer.es
        self.config = writer.config
        self.indices = writer.indices
        self.node = writer.node

    @property
    def ads_index(self) -> str:
        return self.indices.alias["ads"]

    def known(self, canonical_urls: list[str]) -> set[str]:
        """Canonical URLs of stored ads; with the node down, none (their pages get fetched)."""
        if not canonical_urls:
            return set()
        with self.writer.lock:
            if self.writer.spooling and not self.node.retry_due():
                return set()
            by_id = {ad_id(u): u for u in canonical_urls}
            in_flight = {by_id.pop(i) for i in self.writer.in_flight(list(by_id))}
            if not by_id:
                return in_flight
            try:
                resp = self.es.mget(
                    index=self.ads_index, ids=list(by_id), source=False, realtime=True
                )
            except Exception as exc:
                if is_missing(exc):
                    return set()  # no index yet
                if not transient(exc):
                    raise
                self.node.mark_down(exc)
                return set()
            if not self.writer.spooling:
                self.node.mark_up()
            return in_flight | {by_id[d["_id"]] for d in resp["docs"] if d.get("found")}

    def count_ads(self, source: str | None = None) -> int:
        query = {"term": {"source": source}} if source else {"match_all": {}}
        try:
            return int(self.es.count(index=self.ads_index, query=query)["count"])
        except ApiError as exc:
            if exc.meta.status == 404:
                return 0
            raise

    def get_ad(self, ad_id_: str) -> Ad | None:
        try:
            doc = self.es.get(index=self.ads_index, id=ad_id_, source_excludes=HIDDEN_FIELDS)
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
            index=self.ads_index,
            query={"query": query, "_source": {"excludes": HIDDEN_FIELDS}},
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
                index=self.indices.alias["runs"],
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
                resp = self.es.search(index=self.ads_index, size=size, **page)
            except ApiError as exc:
                if exc.meta.status == 404:
                    return []
                raise
            found = resp["hits"]["hits"]
            hits.extend(_search_hit(hit) for hit in found)
            if len(found) < size:
                break
            search_after = found[-1]["sort"]
        return hits

    # ---------------------------------------------------------------- retention

    def prune(self, before: str) -> tuple[int, set[str]]:
        """Delete ads last seen before ``before`` (ISO time) and the image documents last seen
        before then; return how many ads went and the image URLs no remaining ad uses."""
        self.indices.ensure_ready()
        old = {"range": {"last_seen": {"lt": before}}}
        gone: list[str] = []
        images: set[str] = set()
        for hit in helpers.scan(
            self.es,
            index=self.ads_index,
            query={"query": old, "_source": ["image_urls"]},
            size=1000,
        ):
            gone.append(hit["_id"])
            images.update(hit["_source"].get("image_urls") or [])
        self._delete(self.ads_index, gone)
        image_ids = [
            hit["_id"]
            for hit in helpers.scan(
                self.es, index=self.indices.alias["images"], query={"query": old, "_source": False}
            )
        ]
        self._delete(self.indices.alias["images"], image_ids)
        self.es.indices.refresh(index=self.ads_index)
        return len(gone), images - self._images_in_use(sorted(images))

    def _delete(self, index: str, ids: list[str]) -> None:
        helpers.bulk(
            self.es,
            ({"_op_type": "delete", "_index": index, "_id": i} for i in ids),
            chunk_size=1000,
            raise_on_error=False,
        )

    def _images_in_use(self, urls: list[str]) -> set[str]:
        """The image URLs among ``urls`` that a stored ad still shows."""
        used: set[str] = set()
        for start in range(0, len(urls), 1000):
            chunk = urls[start : start + 1000]
            resp = self.es.search(
                index=self.ads_index,
                size=0,
                query={"terms": {"image_urls": chunk}},
                aggs={"used": {"terms": {"field": "image_urls", "size": 65000, "include": chunk}}},
            )
            used.update(b["key"] for b in resp["aggregations"]["used"]["buckets"])
        return used

    # ---------------------------------------------------------------- doctor

    def node_version(self) -> str:
        """The server's version (read from _nodes: a minimal node may not serve ``GET /``)."""
        resp = self.es.nodes.info(node_id="_local", filter_path="nodes.*.version")
        return str(next(iter(resp["nodes"].values()))["version"])

    def doctor_checks(self) -> list[tuple[str, bool, str]]:
        """``(name, ok, detail)``: the node, the templates and indices, its disk, the spool."""
        try:
            version = self.node_version()
            health = self.es.cluster.health()
        except Exception as exc:
            checks = [("elasticsearch", False, f"{self.config.url}: {exc}")]
        else:
            checks = self._node_checks(version, health["status"])
        return checks + self._spool_checks()

    def _node_checks(self, version: str, status: str) -> list[tuple[str, bool, str]]:
        import elasticsearch

        client = elasticsearch.__versionstr__
        same_major = version.split(".")[0] == client.split(".")[0]
        checks = [
            (
                "elasticsearch",
                same_major and status != "red",
                f"{self.config.url}: {version}, cluster {status}, Python client {client}"
                + ("" if same_major else " (major versions differ: install a matching client)"),
            )
        ]
        analyzers = (
            "language analyzers"
            if self.indices.has_language_analyzers()
            else ("no language analyzers (adwatch's own stemming only)")
        )
        for alias, good, detail in self.indices.check_setup():
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
        return checks

    def _spool_checks(self) -> list[tuple[str, bool, str]]:
        spool, rejected_file = self.writer.spool, self.writer.rejected
        pending = len(spool)
        waiting = (
            "empty"
            if not pending
            else f"{pending} write(s) waiting ({spool.size_bytes() / 2**20:.1f} MiB); "
            "the next `adwatch run` replays them once Elasticsearch answers"
        )
        checks = [("spool", pending == 0, f"{spool.path}: {waiting}")]
        rejected = len(rejected_file)
        if rejected:
            checks.append(
                (
                    "rejected",
                    False,
                    f"{rejected_file.path}: {rejected} document(s) Elasticsearch refused for good",
                )
            )
        return checks


def _search_hit(hit: dict[str, Any]) -> SearchHit:
    src = hit["_source"]
    fragments = hit.get("highlight", {}).get("body") or []
    return SearchHit(
        ad=ad_from_document(src),
        first_seen=src["first_seen"],
        last_seen=src["last_seen"],
        seen_count=src["seen_count"],
        score=float(hit.get("_score") or 0.0),
        snippet=fragments[0] if fragments else "",
    )


def _term_clause(kind: str, word: str) -> dict[str, Any]:
    """One word of the query: it must match as a stem or as typed; a prefix; an emoji."""
    should: list[dict[str, Any]]
    if kind == "symbol":
        forms = [word] if len(word) > 1 else [word, word + "\ufe0f"]
        should = [{"match": {field: form}} for form in forms for field in ("title", "body")]
    elif kind == "prefix":
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
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _filters(query: SearchQuery) -> list[dict[str, Any]]:
    """Phone numbers (any of them), source and time of the query, as filters."""
    filters: list[dict[str, Any]] = []
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
    return filters


def search_body(query: SearchQuery) -> dict[str, Any]:
    """The Elasticsearch request for ``adwatch search``: every word must match, as a stem
    (any of Spanish, Portuguese, English) or as typed; ``word*`` is a prefix; an emoji
    matches itself (the standard analyzer keeps emoji as tokens), with or without its
    variation selector."""
    must = [_term_clause(term.kind, term.text) for term in query_terms(query.text)]
    body: dict[str, Any] = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": _filters(query)}},
        "_source": {"excludes": HIDDEN_FIELDS},
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
