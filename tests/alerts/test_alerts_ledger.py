"""The alert ledger: one alert per (rule, ad cluster), realert windows, entity alerts; and
the same decisions made against the SQLite store, across passes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from alerts.ledger import (
    EntityPolicy,
    MemoryHistory,
    PhoneSighting,
    RuleSighting,
    cluster_members,
    decide,
    phone_sightings_of,
)
from alerts.rules import parse_rules
from crawler.items import Ad
from crawler.stores.sqlite import SQLiteStore

RULES = parse_rules(
    """
recipients:
  labour: {emails: [labour@example.org]}
  escort: {emails: [escort@example.org]}
  analysts: {emails: [analysts@example.org]}
rules:
  - id: visa-paid
    name: Visa paid
    severity: high
    any: [visa pagada]
    recipients: [labour]
  - id: passport
    name: Passport kept
    severity: critical
    any: [retenemos el pasaporte]
    recipients: [labour, escort]
    realert: 7d
"""
)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BODY = "Trabajo en España con visa pagada, sin experiencia, viaje inmediato y alojamiento"


def ad(ad_id: str, body: str = BODY, rules=("visa-paid",), **extra) -> dict:
    record = {
        "id": ad_id,
        "source": extra.pop("source", "site-a"),
        "url": f"https://example.org/{ad_id}",
        "title": extra.pop("title", "Oferta"),
        "body": body,
        "content_hash": extra.pop("content_hash", f"h-{ad_id}"),
        "phones": extra.pop("phones", []),
        "matched_rules": [{"rule": r, "score": 1.0, "terms": []} for r in rules],
    }
    record.update(extra)
    return record


def seen(*ads: dict, at: datetime = NOW) -> list[RuleSighting]:
    return [RuleSighting(a, at.isoformat()) for a in ads]


def run(history, rule_sightings=(), phone_sightings=(), now=NOW, policy=None):
    decision = decide(rule_sightings, phone_sightings, RULES, history, now, policy)
    history.apply(decision, phone_sightings)
    return decision


def test_first_match_alerts_once_per_rule_with_the_rule_recipients():
    history = MemoryHistory()
    decision = run(history, seen(ad("a1", rules=("visa-paid", "passport"))))
    assert sorted((a.rule, a.recipients) for a in decision.alerts) == [
        ("passport", ["labour", "escort"]),
        ("visa-paid", ["labour"]),
    ]
    assert {a.cluster for a in decision.alerts} == {"ad:a1"}
    assert run(history, seen(ad("a1"))).alerts == []


def test_edited_ad_stays_in_its_cluster_and_does_not_alert_again():
    history = MemoryHistory()
    run(history, seen(ad("a1")))
    edited = ad("a1", body=BODY + " Llamar hoy mismo, cupos limitados!", content_hash="h2")
    decision = run(history, seen(edited, at=NOW + timedelta(days=40)))
    assert decision.alerts == [] and decision.suppressed == 1


def test_repost_with_new_url_phone_and_price_joins_the_cluster():
    history = MemoryHistory()
    run(history, seen(ad("a1", body=BODY + " Tel 0981 123 456. 3.000 EUR", phones=["+1"])))
    repost = ad("b7", body=BODY + " Tel 0971 999 000. 3.200 EUR", source="site-b")
    decision = run(history, seen(repost))
    assert decision.alerts == []
    assert history.clusters[cluster_members(repost)[1]] == "ad:a1"


def test_short_texts_are_not_clustered_by_their_words():
    history = MemoryHistory()
    run(history, seen(ad("a1", body="visa pagada")))
    assert [a.ad_id for a in run(history, seen(ad("a2", body="visa pagada"))).alerts] == ["a2"]


def test_cluster_id_from_the_record_links_different_texts():
    history = MemoryHistory()
    run(history, seen(ad("a1", cluster_id="c9")))
    other = ad(
        "a2",
        body="Otra redacción completamente distinta de la oferta con visa pagada",
        cluster_id="c9",
    )
    assert run(history, seen(other)).alerts == []


def test_reposts_in_one_pass_alert_once():
    history = MemoryHistory()
    a1 = ad("a1", body=BODY + " 0981 111 111")
    a2 = ad("a2", body=BODY + " 0982 222 222")
    decision = run(history, seen(a1, a2))
    assert [a.ad_id for a in decision.alerts] == ["a1"]


def test_realert_window_lets_a_new_sighting_in_the_cluster_alert_again():
    history = MemoryHistory()
    first = run(history, seen(ad("a1", rules=("passport",))))
    assert len(first.alerts) == 1
    soon = ad("a2", rules=("passport",), body=BODY + " 0981 000 000")
    assert run(history, seen(soon), now=NOW + timedelta(days=6)).alerts == []
    later = ad("a3", rules=("passport",), body=BODY + " 0981 000 111")
    again = run(history, seen(later), now=NOW + timedelta(days=7, minutes=1))
    assert [(a.rule, a.ad_id, a.cluster) for a in again.alerts] == [("passport", "a3", "ad:a1")]


def test_rule_without_realert_never_alerts_twice_for_a_cluster():
    history = MemoryHistory()
    run(history, seen(ad("a1")))
    repost = ad("a9", body=BODY + " 1234")
    assert run(history, seen(repost), now=NOW + timedelta(days=400)).alerts == []


def test_matches_of_a_rule_removed_from_the_file_are_ignored():
    decision = run(MemoryHistory(), seen(ad("a1", rules=("gone-rule",))))
    assert decision.alerts == [] and decision.unknown_rules == {"gone-rule"}


def phone(ad_id: str, city: str | None, date: str, source: str = "site-a", number="+595981000001"):
    return PhoneSighting(number, ad_id, source, city, date, {"id": ad_id, "url": f"u/{ad_id}"})


def test_flagged_phone_in_a_new_city_alerts_the_rule_groups_once():
    history = MemoryHistory(rules_by_phone={"+595981000001": {"passport"}})
    run(history, phone_sightings=[phone("p1", "Asunción, Central", "2026-10-01")])
    decision = run(history, phone_sightings=[phone("p2", "Encarnación, Itapúa", "2026-10-03")])
    assert [
        (a.rule, a.recipients, a.detail["city"], a.detail["before"]) for a in decision.alerts
    ] == [("phone-new-city", ["escort", "labour"], "Encarnación", ["Asunción"])]
    # the same city again (spelled without accents): nothing new
    assert run(history, phone_sightings=[phone("p3", "encarnacion", "2026-10-04")]).alerts == []


def test_phone_no_rule_flagged_is_left_alone_unless_mode_all():
    sightings = [phone("p1", "Asunción", "2026-10-01"), phone("p2", "Luque", "2026-10-02")]
    assert run(MemoryHistory(), phone_sightings=sightings).alerts == []
    policy = EntityPolicy(mode="all", extra_recipients=("analysts",))
    decision = run(MemoryHistory(), phone_sightings=sightings, policy=policy)
    assert [(a.rule, a.ad_id, a.recipients) for a in decision.alerts] == [
        ("phone-new-city", "p2", ["analysts"])
    ]
    assert (
        run(MemoryHistory(), phone_sightings=sightings, policy=EntityPolicy(mode="off")).alerts
        == []
    )


def test_the_rule_match_in_the_same_pass_flags_the_phone():
    matched = ad("a1", rules=("visa-paid",), phones=["+595981000001"])
    sightings = [phone("p0", "Asunción", "2026-09-01"), phone("a1", "Luque", "2026-10-02")]
    decision = run(MemoryHistory(), seen(matched), sightings)
    assert sorted(a.rule for a in decision.alerts) == ["phone-new-city", "visa-paid"]


def test_phone_on_a_new_site():
    history = MemoryHistory(rules_by_phone={"+595981000001": {"visa-paid"}})
    sightings = [phone("p1", None, "2026-10-01"), phone("p2", None, "2026-10-02", source="site-b")]
    decision = run(history, phone_sightings=sightings)
    assert [(a.rule, a.detail["site"], a.detail["before"]) for a in decision.alerts] == [
        ("phone-new-site", "site-b", ["site-a"])
    ]


def test_one_phone_on_n_ads_within_seven_days():
    policy = EntityPolicy(threshold=3)
    history = MemoryHistory(rules_by_phone={"+595981000001": {"visa-paid"}})
    spread = [phone(f"s{i}", "Asunción", f"2026-10-{1 + 8 * i:02d}") for i in range(3)]
    assert run(history, phone_sightings=spread, policy=policy).alerts == []
    close = [phone(f"c{i}", "Asunción", f"2026-10-2{i}") for i in range(3)]
    decision = run(history, phone_sightings=close, policy=policy)
    assert [(a.rule, a.ad_id, a.detail["count"]) for a in decision.alerts] == [
        ("phone-many-ads", "c1", 3)  # s2 (10-17), c0 (10-20) and c1 (10-21): 3 in 7 days
    ]
    # again only after the window
    more = [phone("c9", "Asunción", "2026-10-25")]
    assert (
        run(history, phone_sightings=more, policy=policy, now=NOW + timedelta(days=1)).alerts == []
    )
    later = run(history, phone_sightings=[phone("c10", "Asunción", "2026-10-26")], policy=policy,
                now=NOW + timedelta(days=8))  # fmt: skip
    assert [a.rule for a in later.alerts] == ["phone-many-ads"]


def test_sightings_are_decided_in_date_order_whatever_the_storage_order():
    history = MemoryHistory(rules_by_phone={"+595981000001": {"visa-paid"}})
    sightings = [phone("late", "Luque", "2026-10-09"), phone("early", "Asunción", "2026-10-01")]
    decision = run(history, phone_sightings=sightings)
    assert [(a.ad_id, a.detail["city"]) for a in decision.alerts] == [("late", "Luque")]


# ---------------------------------------------------------------- against the store


def stored_ad(
    ad_id: str, phones: list[str], location: str, rules=(), posted: str = "2026-10-01", **kw
):
    return Ad(
        id=ad_id,
        source=kw.get("source", "site-a"),
        kind="job",
        url=f"https://example.org/{ad_id}",
        canonical_url=f"https://example.org/{ad_id}",
        title="Oferta de trabajo",
        body=kw.get("body", BODY),
        location=location,
        posted_at=posted,
        phones=phones,
        content_hash=kw.get("content_hash", f"h-{ad_id}"),
        matched_rules=[{"rule": r, "severity": "high", "score": 1.0, "terms": []} for r in rules],
    )


def test_the_store_keeps_the_ledger_across_passes(tmp_path):
    store = SQLiteStore(tmp_path / "adwatch.sqlite3")
    tel = "+595981000001"
    store.alerts.record_alert_sightings(
        [stored_ad("a1", [tel], "Asunción", rules=("visa-paid",)), stored_ad("x", [], "Luque")],
        NOW.isoformat(),
    )
    rules, phones = store.alerts.pending_sightings()
    assert [s.ad["id"] for s in rules] == ["a1"] and [p.ad_id for p in phones] == ["a1"]
    decision = decide(rules, phones, RULES, store.alerts, NOW)
    new = store.alerts.commit_decision(decision, rules, phones)
    assert [(a.rule, a.status) for a in new] == [("visa-paid", "pending")] and new[0].id
    assert store.alerts.pending_sightings() == ([], [])

    # the same ad again (incremental re-fetch) changes nothing; a repost in another city
    # with the flagged phone is an entity alert only
    repost = stored_ad(
        "a2", [tel], "Luque", rules=("visa-paid",), body=BODY + " 0981", posted="2026-10-02"
    )
    store.alerts.record_alert_sightings(
        [stored_ad("a1", [tel], "Asunción", rules=("visa-paid",)), repost], NOW.isoformat()
    )
    rules, phones = store.alerts.pending_sightings()
    decision = decide(rules, phones, RULES, store.alerts, NOW)
    new = store.alerts.commit_decision(decision, rules, phones)
    assert [(a.rule, a.ad_id) for a in new] == [("phone-new-city", "a2")]
    assert [a.rule for a in store.alerts.list_alerts()] == ["phone-new-city", "visa-paid"]
    store.close()


def test_old_store_files_gain_the_rule_columns(tmp_path):
    path = tmp_path / "adwatch.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE ads (id TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, "
        "url TEXT NOT NULL, canonical_url TEXT NOT NULL UNIQUE, title TEXT NOT NULL, "
        "body TEXT NOT NULL, price REAL, currency TEXT, price_period TEXT, location TEXT, "
        "country TEXT, language TEXT, posted_at TEXT, employer TEXT, "
        "phones TEXT NOT NULL DEFAULT '[]', emails TEXT NOT NULL DEFAULT '[]', "
        "handles TEXT NOT NULL DEFAULT '[]', whatsapp TEXT NOT NULL DEFAULT '[]', "
        "image_urls TEXT NOT NULL DEFAULT '[]', content_hash TEXT NOT NULL, fetched_at TEXT, "
        "first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, seen_count INTEGER NOT NULL DEFAULT 1)"
    )
    conn.execute(
        "INSERT INTO ads (id, source, kind, url, canonical_url, title, body, content_hash, "
        "first_seen, last_seen) VALUES ('old', 's', 'job', 'u', 'u', 't', 'b', 'h', 'x', 'x')"
    )
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    old = store.get_ad("old")
    assert old.matched_rules == [] and old.risk_score == 0
    matched = stored_ad("n1", [], "Asunción", rules=("visa-paid",))
    matched.risk_score = 50.0
    store.upsert_ads([matched], NOW.isoformat())
    again = store.get_ad("n1")
    assert again.risk_score == 50.0 and again.matched_rules[0]["rule"] == "visa-paid"
    store.close()


@pytest.mark.parametrize("whatsapp", [True, False])
def test_phone_sightings_cover_whatsapp_numbers(whatsapp):
    record = ad("a1", phones=["+1"], whatsapp=["+2"] if whatsapp else [], location="Luque")
    assert [s.phone for s in phone_sightings_of(record, NOW.isoformat())] == (
        ["+1", "+2"] if whatsapp else ["+1"]
    )
