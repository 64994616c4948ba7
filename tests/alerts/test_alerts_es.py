"""With Elasticsearch as the store, the ledger and outbox stay in the local SQLite file and
alerts are copied to the ``<prefix>-alerts`` index, status changes included."""

from __future__ import annotations

from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from crawler.items import Ad
from crawler.stores.sqlite import SQLiteStore
from tests.conftest import ROOT, adwatch


def matched_ad(ad_id: str) -> Ad:
    return Ad(
        id=ad_id,
        source="demo-jobs",
        kind="job",
        url=f"https://ads.example.org/{ad_id}",
        canonical_url=f"https://ads.example.org/{ad_id}",
        title="Trabajo en España",
        body=f"Oferta {ad_id}: visa pagada, sin experiencia; retenemos el pasaporte al llegar",
        content_hash=f"h{ad_id}",
        phones=["+34600111222"],
        risk_score=80.0,
        matched_rules=[
            {
                "rule": "job-passport-retained",
                "severity": "critical",
                "score": 2.0,
                "terms": [{"term": "retenemos el pasaporte", "field": "body"}],
            }
        ],
    )


def test_alerts_are_copied_to_the_alerts_index(es_env, es_url, tmp_path):
    data = tmp_path / "data"
    store = SQLiteStore(data / "adwatch.sqlite3")
    store.alerts.record_alert_sightings([matched_ad("e1")], datetime.now(UTC).isoformat())
    store.close()
    env = {**es_env, "ADWATCH_RULES": str(ROOT / "rules.yaml"), "ADWATCH_SMTP_URL": ""}
    out = adwatch("alerts", "send", env=env, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    es = Elasticsearch(es_url)
    try:
        index = f"{es_env['ADWATCH_ES_PREFIX']}-alerts"
        es.indices.refresh(index=index)
        hits = es.search(index=index, query={"match_all": {}})["hits"]["hits"]
        docs = [h["_source"] for h in hits]
        assert [(d["rule_id"], d["ad_id"], d["status"]) for d in docs] == [
            ("job-passport-retained", "e1", "queued")  # no SMTP: waiting in the outbox
        ]
        assert docs[0]["recipients"] == ["labour-team"] and docs[0]["severity"] == "critical"
        assert docs[0]["matched_terms"] == ["retenemos el pasaporte"]
    finally:
        es.close()
    assert len(list((data / "outbox").glob("*.eml"))) == 1
