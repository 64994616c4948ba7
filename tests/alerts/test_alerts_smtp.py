"""Sending against a real SMTP server on 127.0.0.1 (aiosmtpd with STARTTLS or TLS, and AUTH):
the transport, and the alert pass with its outbox through an outage and a SIGKILL."""

from __future__ import annotations

import json
import signal
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from alerts.alertpass import AlertSettings, run_alert_pass
from alerts.transport import SendError, SMTPTransport, smtp_config
from crawler.extract.rules import load_ruleset
from crawler.items import Ad
from crawler.stores.sqlite import SQLiteStore
from tests.conftest import adwatch
from tests.smtp_server import PASSWORD, SMTPTestServer, free_port

RULES = """
recipients:
  labour-team: {emails: [labour@example.org, "${TEST_CASEWORKERS}"]}
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
    recipients: [labour-team, exploitation-team]
"""
MESSAGE = (
    b"From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: <t1@x>\r\nSubject: t\r\n\r\nhi\r\n"
)


@pytest.fixture
def smtp(tmp_path):
    server = SMTPTestServer(tmp_path).start()
    yield server
    server.stop()


def test_starttls_and_login_then_the_exact_bytes(smtp):
    with SMTPTransport(smtp_config(smtp.env())) as transport:
        assert transport.send(MESSAGE, ["b@example.org"]) == {}
    got = smtp.received[-1]
    assert got.tls and got.authenticated
    assert got.mail_from == "alerts@adwatch.example.org" and got.rcpt_tos == ["b@example.org"]
    assert got.data.replace(b"\r\n", b"\n") == MESSAGE.replace(b"\r\n", b"\n")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_from_the_first_byte(tmp_path):
    server = SMTPTestServer(tmp_path, implicit_tls=True).start()
    try:
        with SMTPTransport(smtp_config(server.env())) as transport:
            transport.send(MESSAGE, ["b@example.org"])
        assert server.received[-1].tls and server.received[-1].authenticated
    finally:
        server.stop()


def test_a_wrong_password_is_a_clear_permanent_error(smtp):
    env = smtp.env(ADWATCH_SMTP_URL=smtp.url.replace("s3cret", "wrong"))
    with pytest.raises(SendError) as err:
        SMTPTransport(smtp_config(env)).send(MESSAGE, ["b@example.org"])
    assert "login refused" in str(err.value) and not err.value.temporary
    assert PASSWORD not in str(err.value) and "wrong" not in str(err.value)


def test_the_certificate_is_verified(smtp):
    env = smtp.env()
    del env["ADWATCH_SMTP_CA_FILE"]
    with pytest.raises(SendError, match="certificate not trusted"):
        SMTPTransport(smtp_config(env)).send(MESSAGE, ["b@example.org"])
    assert smtp.received == []


def test_no_password_in_clear_text_to_a_server_without_starttls():
    received = []

    class Handler:
        async def handle_AUTH(self, *args):  # noqa: N802
            received.append("AUTH")

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append(envelope.content)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = smtp_config({"ADWATCH_SMTP_URL": f"smtp://u:p@127.0.0.1:{port}"})
        with pytest.raises(SendError, match="refusing to send the password"):
            SMTPTransport(config).send(MESSAGE, ["b@example.org"])
        assert received == []
        # without a login, a plain server (a local relay, Mailpit) is fine
        plain = smtp_config({"ADWATCH_SMTP_URL": f"smtp://127.0.0.1:{port}"})
        with SMTPTransport(plain) as transport:
            transport.send(MESSAGE, ["b@example.org"])
        assert len(received) == 1
    finally:
        controller.stop()


@pytest.mark.parametrize(
    "url, error",
    [
        ("http://mail.example.org", "must start with smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://h:notaport", "invalid port"),
    ],
)
def test_bad_smtp_urls(url, error):
    with pytest.raises(ValueError, match=error):
        smtp_config({"ADWATCH_SMTP_URL": url})


def test_smtp_url_defaults_and_escapes():
    c = smtp_config({"ADWATCH_SMTP_URL": "smtps://me%40ngo.org:p%3Ass@mail.ngo.org"})
    assert (c.host, c.port, c.implicit_tls, c.username, c.password) == (
        "mail.ngo.org",
        465,
        True,
        "me@ngo.org",
        "p:ss",
    )
    assert "p:ss" not in repr(c)
    assert smtp_config({"ADWATCH_SMTP_URL": "smtp://relay"}).port == 25
    assert smtp_config({}) is None


# ---------------------------------------------------------------- the alert pass


def ad(ad_id: str, body: str, rules: list[str]) -> Ad:
    return Ad(
        id=ad_id,
        source="site",
        kind="job",
        url=f"https://ads.example.org/{ad_id}",
        canonical_url=f"https://ads.example.org/{ad_id}",
        title=f"Oferta {ad_id}",
        body=body,
        content_hash=f"h{ad_id}",
        phones=["+595981000001"],
        matched_rules=[{"rule": r, "severity": "high", "score": 1.0, "terms": []} for r in rules],
    )


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A data directory whose crawl recorded three matched ads: labour-team gets a digest
    (3 alerts), exploitation-team another (1 alert)."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    monkeypatch.setenv("ADWATCH_RULES", str(rules))
    monkeypatch.setenv("TEST_CASEWORKERS", "case1@example.org, Case Two <case2@example.org>")
    store = SQLiteStore(tmp_path / "data" / "adwatch.sqlite3")
    texts = {
        "a1": ("trabajo con visa pagada en Europa, para personas sin papeles", "visa-paid"),
        "a2": ("retenemos el pasaporte durante todo el contrato en la finca", "passport"),
        "a3": ("otro anuncio con visa pagada y alojamiento, viaje inmediato", "visa-paid"),
    }
    store.alerts.record_alert_sightings(
        [ad(ad_id, text, [rule]) for ad_id, (text, rule) in texts.items()],
        datetime.now(UTC).isoformat(),
    )
    store.close()
    return tmp_path / "data"


def settings() -> AlertSettings:
    return AlertSettings(smtp_timeout=10)


def by_message_id(received) -> Counter:
    return Counter(r.message["Message-ID"] for r in received)


def test_one_digest_per_group_then_nothing(data, smtp, monkeypatch):
    for key, value in smtp.env().items():
        monkeypatch.setenv(key, value)
    out = run_alert_pass(data, load_ruleset(), settings=settings())
    # three alerts; the passport one goes to both groups
    assert (out["alerts_due"], out["digests_built"], out["digests_sent"]) == (3, 2, 2)
    assert out["digests_queued"] == 0 and out["errors"] == []
    rcpts = sorted(sorted(r.rcpt_tos) for r in smtp.received)
    assert rcpts == [
        ["case1@example.org", "case2@example.org", "labour@example.org"],
        ["exploitation@example.org"],
    ]
    subjects = sorted(r.message["Subject"] for r in smtp.received)
    assert subjects == [
        "[adwatch] 1 alert on 1 ad: 1 critical (exploitation-team)",
        "[adwatch] 3 alerts on 3 ads: 1 critical, 2 high (labour-team)",
    ]
    again = run_alert_pass(data, load_ruleset(), settings=settings())
    assert (again["alerts_due"], again["digests_sent"]) == (0, 0)
    assert len(smtp.received) == 2


def test_outage_keeps_digests_in_the_outbox_until_the_server_is_back(data, smtp, monkeypatch):
    for key, value in smtp.env().items():
        monkeypatch.setenv(key, value)
    smtp.stop()
    down = run_alert_pass(data, load_ruleset(), settings=settings())
    assert (down["digests_built"], down["digests_sent"], down["digests_queued"]) == (2, 0, 2)
    assert down["send_failures"] == 1 and "Connection refused" in down["errors"][0]
    assert len(list((data / "outbox").glob("*.eml"))) == 2
    smtp.start()
    up = run_alert_pass(data, load_ruleset(), settings=settings())
    assert (up["alerts_due"], up["digests_built"], up["digests_sent"]) == (0, 0, 2)
    assert list(by_message_id(smtp.received).values()) == [1, 1]
    assert run_alert_pass(data, load_ruleset(), settings=settings())["digests_sent"] == 0
    assert len(smtp.received) == 2


def test_without_smtp_url_digests_are_eml_files(data, monkeypatch):
    monkeypatch.delenv("ADWATCH_SMTP_URL", raising=False)
    out = run_alert_pass(data, load_ruleset(), settings=settings())
    assert (out["digests_built"], out["digests_sent"], out["digests_queued"]) == (2, 0, 2)
    files = sorted((data / "outbox").glob("*.eml"))
    assert len(files) == 2 and all(f.read_bytes().startswith(b"Subject: [adwatch]") for f in files)


@pytest.mark.slow  # a process kill
def test_sigkill_between_acceptance_and_marking_resends_that_digest_once(data, smtp):
    env = {
        **smtp.env(),
        "ADWATCH_DATA_DIR": str(data),
        "ADWATCH_TEST_KILL_AFTER_SMTP": "1",
    }
    killed = adwatch("alerts", "send", env=env, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(smtp.received) == 1
    first = smtp.received[0]

    env.pop("ADWATCH_TEST_KILL_AFTER_SMTP")
    after = adwatch("alerts", "send", env=env, timeout=120)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "1 resent after an interrupted send" in after.stdout
    counts = by_message_id(smtp.received)
    # the digest in flight when the process died arrives twice, byte for byte the same (as
    # alerts/outbox.py documents); the other exactly once
    assert sorted(counts.values()) == [1, 2]
    assert counts[first.message["Message-ID"]] == 2
    copies = [
        r.data for r in smtp.received if r.message["Message-ID"] == first.message["Message-ID"]
    ]
    assert copies[0] == copies[1]

    third = adwatch("alerts", "send", env=env, timeout=120)
    assert third.returncode == 0 and len(smtp.received) == 3
    listed = adwatch("alerts", "list", "--json", env=env)
    assert {a["status"] for a in json.loads(listed.stdout)} == {"sent"}


def test_alerts_send_waits_for_a_running_run(data, smtp):
    from filelock import FileLock

    env = {**smtp.env(), "ADWATCH_DATA_DIR": str(data)}
    with FileLock(str(data / "adwatch.run.lock")):
        busy = adwatch("alerts", "send", env=env, timeout=60)
    assert busy.returncode == 1 and "in progress" in busy.stderr
    assert smtp.received == []


def test_concurrent_passes_do_not_double_send(data, smtp):
    env = {**smtp.env(), "ADWATCH_DATA_DIR": str(data)}
    results = []

    def send() -> None:
        results.append(adwatch("alerts", "send", "--wait", "60", env=env))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0]
    assert sorted(by_message_id(smtp.received).values()) == [1, 1]


def test_doctor_logs_in_without_sending(smtp, tmp_path):
    env = {**smtp.env(), "ADWATCH_DATA_DIR": str(tmp_path / "d")}
    out = adwatch("doctor", env=env, timeout=120)
    assert f"[ok] smtp: 127.0.0.1:{smtp.port}: TLS, logged in as adwatch" in out.stdout
    assert smtp.received == []
    wrong = adwatch("doctor", env={**env, "ADWATCH_SMTP_URL": smtp.url.replace("s3cret", "x")})
    assert "[FAIL] smtp:" in wrong.stdout and "login refused" in wrong.stdout


def test_thumbnails_come_from_the_photos_the_crawl_kept(tmp_path, monkeypatch):
    import io
    from email import message_from_bytes, policy

    from PIL import Image

    from alerts.thumbnails import local_photos

    monkeypatch.delenv("ADWATCH_SMTP_URL", raising=False)
    monkeypatch.delenv("ADWATCH_IMAGES_STORE", raising=False)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    photo = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(photo, "JPEG")
    kept = tmp_path / "data" / "images" / "full" / "ab" / "abc.jpg"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(photo.getvalue())
    (tmp_path / "secret.jpg").write_bytes(photo.getvalue())
    matched = ad("p1", "retenemos el pasaporte durante todo el contrato en la finca", ["passport"])
    # a host that does not exist: only the kept file can give the thumbnail
    matched.image_urls = ["http://photos.invalid/1.jpg", "http://photos.invalid/2.jpg"]
    matched.images = [
        {"url": "http://photos.invalid/1.jpg", "path": "full/ab/abc.jpg"},
        {"url": "http://photos.invalid/2.jpg", "path": "../../secret.jpg"},
    ]
    store = SQLiteStore(tmp_path / "data" / "adwatch.sqlite3")
    store.alerts.record_alert_sightings([matched], datetime.now(UTC).isoformat())
    store.close()
    out = run_alert_pass(tmp_path / "data", load_ruleset(rules), settings=settings())
    assert out["digests_built"] == 2
    for eml in (tmp_path / "data" / "outbox").glob("*.eml"):
        msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert [p.get_content_type() for p in msg.walk()].count("image/jpeg") == 1
    # a path that leaves the photo folder is not read
    from alerts.ledger import Alert

    alert = Alert("k", "passport", "rule", "high", "p1", "c", [], "", {"ad": matched.to_dict()})
    urls = {"http://photos.invalid/1.jpg", "http://photos.invalid/2.jpg"}
    found = local_photos([alert], urls, tmp_path / "data" / "images", 10**6)
    assert list(found) == ["http://photos.invalid/1.jpg"]
