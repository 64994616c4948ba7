"""Digests stay deliverable whatever an ad holds: long fields trimmed, a digest over
``ADWATCH_DIGEST_MAX_BYTES`` split into several messages, direction overrides removed from
both parts, and a message a real mail server (aiosmtpd on 127.0.0.1) refuses for good set
aside while the others still go."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from alerts.alertpass import AlertSettings, run_alert_pass
from alerts.digest import WIRE_POLICY, DigestOptions, build_digest, build_digests
from alerts.ledger import Alert
from crawler.extract.rules import load_ruleset
from crawler.items import Ad
from crawler.run.summary import format_alerts
from crawler.stores.sqlite import SQLiteStore
from tests.conftest import adwatch
from tests.smtp_server import SMTPTestServer, free_port

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
RULES = """
recipients:
  labour-team: {emails: [labour@example.org]}
  exploitation-team: {emails: [exploitation@example.org]}
rules:
  - id: visa-paid
    name: Visa paid
    severity: high
    any: [visa pagada]
    recipients: [labour-team]
  - id: passport
    name: Passport kept
    severity: critical
    any: [retenemos el pasaporte]
    recipients: [exploitation-team]
"""


def alert_on(ad: dict, n: int = 1, words: str = "visa pagada") -> Alert:
    start = ad["body"].index(words)
    term = {"term": words, "field": "body", "start": start, "end": start + len(words)}
    title_at = ad["title"].find(words)
    terms = [term, {**term, "field": "title", "start": title_at, "end": title_at + len(words)}]
    return Alert(
        key=f"visa|ad:{ad['id']}",
        rule="visa-paid",
        kind="rule",
        severity="high",
        ad_id=ad["id"],
        cluster=f"ad:{ad['id']}",
        recipients=["labour-team"],
        created_at=NOW.isoformat(),
        detail={"name": "Visa paid", "terms": terms if title_at >= 0 else [term], "ad": ad},
        id=n,
    )


def plain_ad(ad_id: str, title: str = "Trabajo con visa pagada", body: str = "") -> dict:
    return {
        "id": ad_id,
        "source": "site",
        "url": f"https://ads.example.org/{ad_id}",
        "title": title,
        "body": body or f"Oferta {ad_id}: trabajo en Europa con visa pagada y pasaje. " * 20,
        "phones": ["+595981000001"],
        "risk_score": 50.0,
    }


def digests(alerts: list[Alert], max_bytes: int = 5_000_000):
    return build_digests(
        alerts,
        group="labour-team",
        addresses=["labour@example.org"],
        digest_id="20261101T120000Z-labour-team-abcd",
        options=DigestOptions(mail_from="alerts@ngo.example.org", max_bytes=max_bytes),
        now=NOW,
    )


def texts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


# ---------------------------------------------------------------- the builder


def test_direction_overrides_are_removed_from_the_html_part_too():
    evil = f"Trabajo {BIDI}visa pagada{BIDI} gpj.exe"
    ad = plain_ad("b1", title=evil, body=f"Trabajo con visa pagada {BIDI} y pasaje. ")
    ad.update(location=f"Madrid{BIDI}", source=f"site{BIDI}", phones=[f"+5959{BIDI}81"])
    ad["url"] = f"https://ads.example.org/{BIDI}b1"
    (part,) = digests([alert_on(ad)])
    text, html = texts(part.message)
    for content in (text, html, part.wire_bytes().decode("utf-8", "replace")):
        assert not any(ch in content for ch in BIDI)
    assert "visa pagada" in html and "Madrid" in html
    assert 'href="https://ads.example.org/' not in html  # a link with overrides is withheld


def test_a_four_megabyte_title_gives_a_small_digest_with_the_evidence():
    title = "cierre " * 600_000 + "visa pagada" + " fin" * 1000
    ad = plain_ad("big", title=title, body="trabajo con visa pagada. " + "x" * 1_000_000)
    (part,) = digests([alert_on(ad)])
    size = len(part.wire_bytes())
    assert size < 100_000
    text, html = texts(part.message)
    assert "cierre cierre" in text and "…" in text
    assert "<mark>visa pagada</mark>" in html  # the match far into the title is shown
    assert "*visa pagada*" in text


def test_a_digest_over_the_limit_is_split_into_parts_under_it():
    alerts = [alert_on(plain_ad(f"ad{n:03}"), n) for n in range(120)]
    whole = build_digest(
        alerts,
        group="labour-team",
        addresses=["labour@example.org"],
        digest_id="d",
        now=NOW,
    ).as_bytes(policy=WIRE_POLICY)
    limit = len(whole) // 3
    parts = digests(alerts, max_bytes=limit)
    assert len(parts) >= 3
    assert all(len(p.wire_bytes()) <= limit for p in parts)
    # every alert in exactly one part, the ads in their order
    carried = [a.ad_id for p in parts for a in p.alerts]
    assert sorted(carried) == sorted(a.ad_id for a in alerts) and len(set(carried)) == 120
    n = len(parts)
    assert [p.digest_id for p in parts] == [
        f"20261101T120000Z-labour-team-abcd-{k}of{n}" for k in range(1, n + 1)
    ]
    for k, p in enumerate(parts, 1):
        assert str(p.message["Subject"]).endswith(f"(labour-team) [part {k} of {n}]")
        assert p.message["X-Adwatch-Digest"] == p.digest_id
        text, _ = texts(p.message)
        assert all(f"Oferta {a.ad_id}" in text for a in p.alerts)
    assert len({p.message["Message-ID"] for p in parts}) == n


def test_a_digest_under_the_limit_is_one_message():
    alerts = [alert_on(plain_ad(f"ad{n}"), n) for n in range(3)]
    (part,) = digests(alerts)
    assert part.digest_id == "20261101T120000Z-labour-team-abcd" and part.alerts == alerts
    assert "part" not in str(part.message["Subject"])


def test_one_ad_larger_than_a_tiny_limit_is_still_one_message():
    parts = digests([alert_on(plain_ad("a")), alert_on(plain_ad("b"), 2)], max_bytes=100)
    assert [len(p.alerts) for p in parts] == [1, 1]


def test_long_fields_are_trimmed():
    ad = plain_ad("f", title="visa pagada " + "t" * 10_000)
    ad.update(
        location="L" * 10_000,
        source="S" * 10_000,
        phones=[f"+59598100{n:04}" for n in range(500)],
        url="https://ads.example.org/" + "u" * 10_000,
    )
    (part,) = digests([alert_on(ad)])
    text, html = texts(part.message)
    assert len(part.wire_bytes()) < 40_000
    assert "L" * 301 not in text and "L" * 300 in text
    assert text.count("+59598100") == 20
    assert "u" * 2100 not in text and 'href="https://ads.example.org/uuu' not in html


# ---------------------------------------------------------------- the pass and a real server


def make_ad(ad_id: str, title: str, body: str, rule: str) -> Ad:
    return Ad(
        id=ad_id,
        source="site",
        kind="job",
        url=f"https://ads.example.org/{ad_id}",
        canonical_url=f"https://ads.example.org/{ad_id}",
        title=title,
        body=body,
        content_hash=f"h{ad_id}",
        phones=[f"+5959810{abs(hash(ad_id)) % 100000:05}"],
        matched_rules=[{"rule": rule, "severity": "high", "score": 1.0, "terms": []}],
    )


@pytest.fixture
def data(tmp_path, monkeypatch):
    """Forty ordinary visa ads for labour-team, one with a 4 MB title; one passport ad for
    exploitation-team."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    monkeypatch.setenv("ADWATCH_RULES", str(rules))
    monkeypatch.delenv("ADWATCH_DIGEST_MAX_BYTES", raising=False)
    store = SQLiteStore(tmp_path / "data" / "adwatch.sqlite3")

    def body(n: int) -> str:
        town = "pueblo" + chr(97 + n % 26) + chr(97 + n // 26)  # distinct words: distinct ads
        return f"Oferta en {town} con visa pagada, alojamiento y pasaje a {town}. " * 30

    ads = [make_ad(f"v{n:02}", f"Oferta {n}", body(n), "visa-paid") for n in range(40)]
    huge = make_ad("huge", "visa pagada " * 350_000, body(99), "visa-paid")
    huge.matched_rules[0]["terms"] = [
        {"term": "visa pagada", "field": "title", "start": 0, "end": 11, "text": "visa pagada"}
    ]
    ads.append(huge)
    ads.append(make_ad("p1", "Finca", "retenemos el pasaporte durante el contrato", "passport"))
    store.alerts.record_alert_sightings(ads, NOW.isoformat())
    store.close()
    return tmp_path / "data"


def use_server(monkeypatch, env: dict[str, str]) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def pass_once(data):
    return run_alert_pass(data, load_ruleset(), settings=AlertSettings.from_env(), now=NOW)


def digest_rows(data) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(data / "adwatch.sqlite3") as conn:
        rows = conn.execute("SELECT recipient_group, status, attempts FROM digests").fetchall()
    return {g: (s, n) for g, s, n in rows}


def test_a_four_megabyte_title_reaches_a_server_with_a_ten_megabyte_limit(
    data, tmp_path, monkeypatch
):
    server = SMTPTestServer(tmp_path, data_size_limit=10_240_000).start()
    try:
        use_server(monkeypatch, server.env())
        out = pass_once(data)
        assert out["errors"] == [] and (out["digests_sent"], out["digests_failed"]) == (2, 0)
        sizes = sorted(len(r.data) for r in server.received)
        assert sizes[-1] < 1_000_000
    finally:
        server.stop()


def test_a_digest_refused_for_good_is_set_aside_and_the_others_go(data, tmp_path, monkeypatch):
    # the server takes 30 kB; adwatch is told 5 MB: the labour digest is too big for it
    server = SMTPTestServer(tmp_path, data_size_limit=30_000).start()
    try:
        use_server(monkeypatch, server.env())
        first = pass_once(data)
        assert (first["digests_built"], first["digests_sent"]) == (2, 1)
        assert (first["digests_set_aside"], first["digests_failed"]) == (1, 1)
        assert first["digests_queued"] == 0
        assert any("552" in e and "set aside" in e for e in first["errors"])
        assert [r.rcpt_tos for r in server.received] == [["exploitation@example.org"]]
        failed = list((data / "outbox" / "failed").glob("*.eml"))
        assert len(failed) == 1 and not list((data / "outbox").glob("*.eml"))
        assert digest_rows(data) == {"labour-team": ("failed", 1), "exploitation-team": ("sent", 1)}
        lines = "\n".join(format_alerts(first))
        assert "1 refused for good" in lines and "set aside in" in lines
        env = {**server.env(), "ADWATCH_DATA_DIR": str(data)}
        listed = json.loads(adwatch("alerts", "list", "--json", env=env).stdout)
        by_group = {a["recipients"][0]: a["status"] for a in listed}
        assert by_group == {"labour-team": "set_aside", "exploitation-team": "sent"}
        set_aside = adwatch("alerts", "list", "--status", "set_aside", "--json", env=env)
        assert len(json.loads(set_aside.stdout)) == 41
        assert "queued" not in adwatch("alerts", "list", env=env).stdout

        second = pass_once(data)  # not tried again, not deleted, still reported
        assert (second["digests_sent"], second["send_failures"]) == (0, 0)
        assert second["digests_failed"] == 1 and failed[0].exists()
        assert digest_rows(data)["labour-team"] == ("failed", 1)
        assert len(server.received) == 1

        env = {**server.env(), "ADWATCH_DATA_DIR": str(data)}
        doctor = adwatch("doctor", env={**env, "ADWATCH_RULES": str(tmp_path / "rules.yaml")})
        assert "[warn] outbox: 1 digest(s) refused for good" in doctor.stdout, doctor.stdout
        assert f"failed/{failed[0].name}: labour-team, 41 alert(s)" in doctor.stdout
        assert "552" in doctor.stdout

        # the operator moves it back: it is queued again and tried once more
        failed[0].rename(data / "outbox" / failed[0].name)
        again = pass_once(data)
        assert again["digests_set_aside"] == 1 and digest_rows(data)["labour-team"][1] == 2
    finally:
        server.stop()


def test_under_the_servers_limit_the_digest_goes_in_parts(data, tmp_path, monkeypatch):
    server = SMTPTestServer(tmp_path, data_size_limit=30_000).start()
    try:
        use_server(monkeypatch, {**server.env(), "ADWATCH_DIGEST_MAX_BYTES": "25000"})
        out = pass_once(data)
        assert out["errors"] == [] and out["digests_failed"] == 0
        assert out["digests_sent"] == out["digests_built"] > 2
        assert all(len(r.data) <= 25_000 for r in server.received)
        listed = adwatch(
            "alerts", "list", "--json", env={**server.env(), "ADWATCH_DATA_DIR": str(data)}
        )
        assert {a["status"] for a in json.loads(listed.stdout)} == {"sent"}
        assert len(json.loads(listed.stdout)) == 42
    finally:
        server.stop()


def test_a_bad_size_setting_is_named():
    with pytest.raises(ValueError, match="ADWATCH_DIGEST_MAX_BYTES"):
        AlertSettings.from_env({"ADWATCH_DIGEST_MAX_BYTES": "lots"})
    assert AlertSettings.from_env({"ADWATCH_DIGEST_MAX_BYTES": "1_000"}).digest_max_bytes == 1000


class Answers:
    """A plain SMTP server (no TLS, no login: a local relay) that answers DATA with the
    next of ``answers`` (the last one repeats), keeping what it accepted."""

    def __init__(self, *answers: str):
        self.answers = list(answers)
        self.accepted: list[bytes] = []
        self.calls = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        if answer.startswith("250"):
            self.accepted.append(envelope.content)
        return answer


@pytest.fixture
def relay():
    servers = []

    def start(*answers: str) -> tuple[Answers, str]:
        handler = Answers(*answers)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return handler, f"smtp://127.0.0.1:{port}"

    yield start
    for controller in servers:
        controller.stop()


def test_temporary_refusals_and_outages_are_tried_again(data, monkeypatch, relay):
    handler, url = relay("451 4.3.0 try again later", "451 4.3.0 try again later", "250 OK")
    monkeypatch.setenv("ADWATCH_SMTP_URL", url)
    first = pass_once(data)
    assert (first["digests_sent"], first["send_failures"], first["digests_failed"]) == (0, 2, 0)
    assert first["digests_queued"] == 2 and not (data / "outbox" / "failed").exists()
    monkeypatch.setenv("ADWATCH_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody there
    down = pass_once(data)
    assert down["digests_queued"] == 2 and down["digests_failed"] == 0
    monkeypatch.setenv("ADWATCH_SMTP_URL", url)
    up = pass_once(data)
    assert (up["digests_sent"], up["digests_failed"]) == (2, 0) and len(handler.accepted) == 2


def test_content_refused_for_good_sets_one_digest_aside(data, monkeypatch, relay):
    handler, url = relay("554 5.7.1 message content rejected", "250 OK")
    monkeypatch.setenv("ADWATCH_SMTP_URL", url)
    out = pass_once(data)
    assert (out["digests_sent"], out["digests_set_aside"], out["digests_failed"]) == (1, 1, 1)
    assert Counter(s for s, _ in digest_rows(data).values()) == {"sent": 1, "failed": 1}
    assert handler.calls == 2
    assert pass_once(data)["send_failures"] == 0 and handler.calls == 2
