"""The Elasticsearch store against the real test node: writes, sightings, search, the spool,
setup and retention."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from crawler.extract.urls import ad_id
from crawler.items import Ad
from crawler.stores.base import NEW, SPOOLED, UNCHANGED, UPDATED, SearchQuery
from crawler.stores.elasticsearch import REJECTED, ElasticsearchStore, ESConfig
from crawler.stores.spool import Spool

T1, T2, T3 = "2025-01-01T00:00:00+00:00", "2025-01-02T00:00:00+00:00", "2025-01-03T00:00:00+00:00"
# a port nothing listens on: the store sees a node that is down
DOWN = "http://127.0.0.1:9"


def make_ad(n: int, **fields) -> Ad:
    url = f"https://ads.example/ad/{n}"
    values = {
        "id": ad_id(url),
        "source": "example",
        "kind": "classified",
        "url": url,
        "canonical_url": url,
        "title": f"Anuncio {n}",
        "body": "Texto del anuncio",
        "language": "es",
        "country": "PY",
        "location": "Asunción, Central",
        "phones": [],
        "content_hash": f"hash-{n}",
    }
    values.update(fields)
    return Ad(**values)


@pytest.fixture
def prefix(es_url):
    from tests.conftest import delete_es_prefix

    name = f"t{uuid.uuid4().hex[:10]}"
    yield name
    delete_es_prefix(es_url, name)


@pytest.fixture
def store(es_url, prefix, tmp_path):
    s = ElasticsearchStore(ESConfig(url=es_url, prefix=prefix, retry_seconds=0), tmp_path)
    s.setup()
    yield s
    s.close()


def down_store(prefix: str, directory: Path) -> ElasticsearchStore:
    """A store whose node does not answer, sharing ``directory`` (and so the spool)."""
    return ElasticsearchStore(
        ESConfig(url=DOWN, prefix=prefix, timeout=2, retry_seconds=3600), directory
    )


def doc(store: ElasticsearchStore, ad: Ad) -> dict:
    store.flush()  # the bulk requests go out from a writer thread
    return store.es.get(index=store.alias["ads"], id=ad.id)["_source"]


def test_upsert_reports_new_unchanged_updated_and_counts_sightings(store):
    a, b = make_ad(1), make_ad(2)
    assert store.upsert_ads([a, b], T1) == [NEW, NEW]
    assert store.upsert_ads([a, b], T2) == [UNCHANGED, UNCHANGED]
    b.content_hash, b.title = "hash-2b", "Anuncio cambiado"
    assert store.upsert_ads([a, b], T3) == [UNCHANGED, UPDATED]

    first, second = doc(store, a), doc(store, b)
    assert (first["first_seen"], first["last_seen"], first["seen_count"]) == (T1, T3, 3)
    assert (second["first_seen"], second["title"], second["seen_count"]) == (
        T1,
        "Anuncio cambiado",
        3,
    )
    store.flush()
    assert store.count_ads() == 2


def test_the_same_ad_twice_in_one_batch_is_one_document_seen_twice(store):
    a = make_ad(1)
    assert store.upsert_ads([a, a], T1) == [NEW, UNCHANGED]
    assert doc(store, a)["seen_count"] == 2


def test_touch_records_a_listing_sighting_of_known_ads_only(store):
    a = make_ad(1)
    store.upsert_ads([a], T1)
    assert store.known([a.canonical_url, "https://ads.example/ad/none"]) == {a.canonical_url}
    assert store.touch([a.canonical_url, "https://ads.example/ad/none"], T2) == 1
    assert (doc(store, a)["last_seen"], doc(store, a)["seen_count"]) == (T2, 2)
    store.flush()
    assert store.count_ads() == 1


def test_ads_are_indexed_for_analysts(store):
    ad = make_ad(
        1,
        phones=["+595981234567"],
        whatsapp=["+595981000111"],
        emails=["a@b.example"],
        price=1500000.0,
        currency="PYG",
        posted_at="2025-01-01",
        matched_rules=[{"rule": "visa-paid", "severity": "high", "score": 40, "terms": []}],
        images=[{"url": "https://img.example/1.jpg", "phash": "a1b2c3d4e5f60718", "cluster": 3}],
    )
    store.upsert_ads([ad], T1)
    source = doc(store, ad)
    assert source["geo"] == {"lat": -25.2637, "lon": -57.5759}
    assert source["contacts"] == ["+595981234567", "+595981000111", "a@b.example"]
    assert source["rule_ids"] == ["visa-paid"]
    assert source["title_stems"] == "anunci 1"
    assert source["image_hash_chunks"] == ["0:a1b2", "1:c3d4", "2:e5f6", "3:0718"]
    found = store.es.search(
        index=store.alias["ads"], query={"term": {"image_hash_chunks": "2:e5f6"}}
    )["hits"]["hits"]
    assert [h["_id"] for h in found] == [ad.id]
    assert store.get_ad(ad.id) == ad


def test_search_by_stemmed_word_phone_source_and_date(store):
    job = make_ad(1, title="Oferta de trabajo en España", phones=["+595981234567"])
    car = make_ad(2, title="Vendo auto", body="Buen estado", source="other")
    english = make_ad(3, title="Cleaning jobs abroad", body="Visa paid", language="en")
    store.upsert_ads([job, car, english], T1)
    store.upsert_ads([car], T3)
    store.flush()

    def titles(**query):
        return sorted(h.ad.title for h in store.search(SearchQuery(**query)))

    assert titles(text="trabajos") == [job.title]
    assert titles(text="TRABAJÓ espana") == [job.title]
    assert titles(text="job") == [english.title]
    assert titles(text="trab*") == [job.title]
    assert titles(text="trabajos auto") == []
    assert titles(phones=["+595981234567"]) == [job.title]
    assert titles(phone_digits="81234567") == [job.title]
    assert titles(source="other") == [car.title]
    from datetime import datetime

    assert titles(since=datetime.fromisoformat(T2)) == [car.title]
    assert len(store.search(SearchQuery(limit=2))) == 2


def test_search_pages_past_one_request(store):
    store.upsert_ads([make_ad(n) for n in range(1, 1201)], T1)
    store.flush()
    hits = store.search(SearchQuery(text="anuncio", limit=100_000))
    assert len(hits) == 1200
    assert len({h.ad.id for h in hits}) == 1200


def test_runs_are_recorded_once_and_listed_newest_first(store):
    older = {"started_at": T1, "finished_at": T1, "totals": {"failed_sources": []}, "sources": []}
    newer = {
        "started_at": T2,
        "finished_at": T2,
        "totals": {"failed_sources": ["x"], "ads_new": 3},
        "sources": [{"source": "x", "errors": {"http_500": 2}, "failed": True}],
    }
    store.record_run(older)
    store.record_run(newer)
    store.record_run(newer)  # a replayed spool records the same run again
    store.es.indices.refresh(index=store.alias["runs"])
    assert store.runs() == [newer, older]


def test_writes_while_the_node_is_down_are_spooled_then_replayed_once(store, prefix, tmp_path):
    known = make_ad(1)
    store.upsert_ads([known], T1)

    down = down_store(prefix, tmp_path)
    assert down.known([known.canonical_url]) == set()  # unknown: its page gets fetched
    assert down.upsert_ads([known, make_ad(2)], T2) == [SPOOLED, SPOOLED]
    assert down.touch([known.canonical_url], T3) == 1
    down.record_run({"started_at": T2, "finished_at": T3, "totals": {}, "sources": []})
    assert down.spool_pending() == 4
    down.close()

    saved = (tmp_path / "spool" / f"{prefix}-elasticsearch.jsonl").read_text()
    fresh = ElasticsearchStore(ESConfig(url=store.config.url, prefix=prefix), tmp_path)
    assert fresh.spooling  # new writes would queue behind the spool
    assert fresh.prepare_run() == {"replayed": 4}
    assert fresh.spool_pending() == 0 and not fresh.spooling
    state = doc(fresh, known)
    assert (state["last_seen"], state["seen_count"]) == (T3, 3)

    # a run killed during its replay replays again: nothing changes
    (tmp_path / "spool" / f"{prefix}-elasticsearch.jsonl").write_text(saved)
    assert fresh.replay_spool() == 4
    assert doc(fresh, known)["seen_count"] == 3
    fresh.flush()
    assert fresh.count_ads() == 2
    fresh.es.indices.refresh(index=fresh.alias["runs"])
    assert len(fresh.runs()) == 1
    fresh.close()


def test_a_batch_applied_but_not_acknowledged_is_not_counted_twice(store, prefix, tmp_path):
    """The node took a bulk request but the answer was lost: the batch is spooled and
    replayed; the ``op_seq`` each document carries makes the replay a no-op."""
    ad = make_ad(1)
    store.upsert_ads([ad], T1)
    seq = store.writer.next_seq()
    op = {"op": "upsert", "seq": seq, "seen_at": T2, "ad": ad.to_dict()}
    statuses, unconfirmed = store.writer.apply([op])  # applied; imagine the answer lost
    assert statuses == {seq: UNCHANGED} and not unconfirmed
    Spool(store.spool.path).append([op])

    assert store.replay_spool() == 1
    assert doc(store, ad)["seen_count"] == 2


def test_a_document_the_node_refuses_for_good_is_kept_not_retried(store):
    bad = make_ad(1, posted_at="not a date")
    good = make_ad(2)
    store.asynchronous = False  # the statuses then say what the node did
    assert store.upsert_ads([bad, good], T1) == [REJECTED, NEW]
    store.asynchronous = True  # the writer thread keeps them aside just the same
    bad2 = make_ad(3, posted_at="not a date either")
    assert store.upsert_ads([bad2], T1) == [NEW]
    store.flush()
    assert store.spool_pending() == 0
    assert store.count_ads() == 1
    rejected = [json.loads(line) for line in store.rejected.path.read_text().splitlines()]
    assert [r["ad"]["id"] for r in rejected] == [bad.id, bad2.id]
    assert "posted_at" in rejected[0]["error"]


def test_spool_drops_a_torn_last_line(tmp_path):
    spool = Spool(tmp_path / "s.jsonl")
    spool.append([{"seq": 1}, {"seq": 2}])
    with open(spool.path, "a") as fh:
        fh.write('{"seq": 3')
    assert [op["seq"] for op in spool] == [1, 2]
    assert len(spool) == 2
    spool.replace([{"seq": 2}])
    assert list(spool) == [{"seq": 2}]
    spool.clear()
    assert len(spool) == 0 and not spool.path.exists()


def test_setup_again_is_safe_and_a_mapping_change_moves_the_alias(store, monkeypatch):
    store.upsert_ads([make_ad(1), make_ad(2)], T1)
    assert {r.action for r in store.setup()} == {"up to date"}

    from crawler.stores import es_schema

    original = es_schema.ads_mapping

    def changed(languages):
        mapping = original(languages)
        mapping["properties"]["reviewed_by"] = {"type": "keyword"}
        return mapping

    monkeypatch.setitem(es_schema.MAPPINGS, "ads", changed)
    reports = {r.alias: r for r in store.setup()}
    ads = reports[store.alias["ads"]]
    assert (ads.action, ads.index, ads.copied) == ("migrated", f"{store.prefix}-ads-000002", 2)
    assert reports[store.alias["runs"]].action == "up to date"
    assert store.indices.write_index(store.alias["ads"]) == f"{store.prefix}-ads-000002"
    assert store.upsert_ads([make_ad(1)], T2) == [UNCHANGED]
    store.flush()
    assert store.count_ads() == 2
    assert all(ok for _alias, ok, _detail in store.check_setup())


def test_prune_deletes_ads_last_seen_before_the_cutoff(store):
    old = make_ad(1, image_urls=["https://img.example/1.jpg", "https://img.example/shared.jpg"])
    recent = make_ad(2, image_urls=["https://img.example/shared.jpg"])
    store.upsert_ads([old], T1)
    store.upsert_ads([recent], T3)
    store.flush()
    deleted, orphans = store.prune(T2)
    assert deleted == 1
    assert orphans == {"https://img.example/1.jpg"}
    assert store.count_ads() == 1 and store.get_ad(old.id) is None
