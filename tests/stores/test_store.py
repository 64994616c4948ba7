"""The embedded SQLite store: idempotent upserts, sightings, search, state, crash safety; the
host's state objects over its connection, also under the Elasticsearch store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from crawler.items import Ad
from crawler.stores import NEW, UNCHANGED, UPDATED, SearchQuery, SQLiteStore


def make_ad(n: int, **kw) -> Ad:
    url = f"https://example.org/ad/{n}"
    base = dict(
        id=f"id{n}",
        source="s1",
        kind="classified",
        url=url,
        canonical_url=url,
        title=f"Vendo departamento número {n}",
        body="Trabajo en España con visa. Llamar al 0981 123 456.",
        phones=[f"+59598112345{n % 10}"],
        content_hash=f"h{n}",
    )
    base.update(kw)
    return Ad(**base)


def test_reupsert_updates_sightings_and_never_duplicates(tmp_path):
    store = SQLiteStore(tmp_path / "a.db")
    assert store.upsert_ads([make_ad(1), make_ad(2)], "2026-11-01T00:00:00+00:00") == [NEW, NEW]
    assert store.upsert_ads([make_ad(1)], "2026-11-02T00:00:00+00:00") == [UNCHANGED]
    changed = make_ad(2, title="Vendo casa", content_hash="other")
    assert store.upsert_ads([changed], "2026-11-03T00:00:00+00:00") == [UPDATED]
    ads = {a["id"]: a for a in store.all_ads()}
    assert len(ads) == 2
    assert ads["id1"]["seen_count"] == 2 and ads["id1"]["last_seen"].startswith("2026-11-02")
    assert ads["id1"]["first_seen"].startswith("2026-11-01")
    assert ads["id2"]["title"] == "Vendo casa"
    # the full-text index follows the update
    assert [h.ad.id for h in store.search(SearchQuery(text="casa"))] == ["id2"]
    assert [h.ad.id for h in store.search(SearchQuery(text="numero"))] == ["id1"]


def test_touch_and_known(tmp_path):
    store = SQLiteStore(tmp_path / "a.db")
    store.upsert_ads([make_ad(1)], "2026-11-01T00:00:00+00:00")
    assert store.known([make_ad(1).canonical_url, "https://example.org/x"]) == {
        make_ad(1).canonical_url
    }
    assert store.touch([make_ad(1).canonical_url], "2026-11-05T00:00:00+00:00") == 1
    ad = store.all_ads()[0]
    assert ad["seen_count"] == 2 and ad["last_seen"].startswith("2026-11-05")


def test_search_is_accent_insensitive_and_filters(tmp_path):
    store = SQLiteStore(tmp_path / "a.db")
    store.upsert_ads(
        [make_ad(1), make_ad(2, source="s2", body="Oferta de trabajo", phones=["+34612345678"])],
        "2026-11-01T00:00:00+00:00",
    )
    assert len(store.search(SearchQuery(text="espana"))) == 1
    assert len(store.search(SearchQuery(text="trabajo"))) == 2
    assert [h.ad.id for h in store.search(SearchQuery(text="trabajo", source="s2"))] == ["id2"]
    assert [h.ad.id for h in store.search(SearchQuery(phones=["+34612345678"]))] == ["id2"]
    assert [h.ad.id for h in store.search(SearchQuery(phone_digits="12345678"))] == ["id2"]
    future = datetime.now(UTC) + timedelta(days=1)
    assert store.search(SearchQuery(text="trabajo", since=future)) == []
    # hostile query syntax is taken as words, not as FTS5 operators
    assert store.search(SearchQuery(text='trabajo" OR body:* NEAR(')) == []


def test_a_failed_batch_leaves_nothing_half_written(tmp_path):
    store = SQLiteStore(tmp_path / "a.db")
    bad = make_ad(2)
    bad.phones = object()  # not serialisable: fails mid-batch
    try:
        store.upsert_ads([make_ad(1), bad], "2026-11-01T00:00:00+00:00")
    except TypeError:
        pass
    assert store.count_ads() == 0
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM ad_phones").fetchone()[0] == 0


def test_source_state_and_runs_roundtrip(tmp_path):
    store = SQLiteStore(tmp_path / "a.db")
    store.save_source_state("s1", {"last_run_at": "2026-11-01T00:00:00+00:00"})
    store.save_source_state("s1", {"last_run_at": "2026-11-02T00:00:00+00:00"})
    assert store.source_state("s1") == {"last_run_at": "2026-11-02T00:00:00+00:00"}
    store.record_run({"started_at": "a", "finished_at": "b", "totals": {}})
    assert store.runs()[0]["started_at"] == "a"


def test_state_objects_share_the_store_connection(tmp_path):
    store = SQLiteStore(tmp_path / "a.db")
    states = (store.alerts, store.photos, store.health, store.evidence)
    assert all(state.conn is store.conn for state in states)
    store.upsert_ads([make_ad(1, repost_of="id0")], "2025-01-01T00:00:00+00:00")
    assert store.photos.count_sightings() == 1  # the store's write, seen by its photo state
    store.close()


def test_the_elasticsearch_store_keeps_host_state_in_the_data_directory(tmp_path):
    from crawler.stores.elasticsearch import ElasticsearchStore, ESConfig

    # nothing listens there: the host's own state needs no node
    es = ElasticsearchStore(ESConfig(url="http://127.0.0.1:9", prefix="t"), tmp_path)
    es.alerts.record_alert_sightings([make_ad(1)], "2025-01-01T00:00:00+00:00")
    es.save_source_state("s1", {"cursor": 3})
    es.close()
    local = SQLiteStore(tmp_path / "adwatch.sqlite3")
    _rules, phones = local.alerts.pending_sightings()
    assert [(p.ad_id, p.phone) for p in phones] == [("id1", "+595981123451")]
    assert local.source_state("s1") == {"cursor": 3}
    local.close()
