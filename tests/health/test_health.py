"""Source health: the flag decisions (pure), their record and the operator e-mail, and the
whole flow against the demo site, a site that refuses every request, and a real SMTP server."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.opsmail import build_health_email, health_email_id, ops_addresses
from crawler.health.checks import (
    BLOCKED,
    FAILING,
    SELECTORS_FAILING,
    ZERO_YIELD,
    Flag,
    HealthNotice,
    HealthSettings,
    SourceRun,
    assess,
    format_health,
    transitions,
)
from crawler.health.healthpass import doctor_checks, health_pass
from crawler.stores.sqlite import SQLiteStore
from tests.conftest import adwatch, run_json
from tests.smtp_server import SMTPTestServer, free_port

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def good_run(source: str = "site", ads: int = 40) -> SourceRun:
    return SourceRun(source, pages=ads + 2, ads=ads, listing_pages=2, extracted_pages=ads, no_ad=0)


def names(flags: list[Flag]) -> set[str]:
    return {f.flag for f in flags}


# ---------------------------------------------------------------- the decisions


def test_a_healthy_run_has_no_flag():
    assert assess(good_run(), [good_run(), good_run()]) == []


def test_zero_yield_after_a_source_yielded_ads():
    now = SourceRun("site", pages=3, ads=0, listing_pages=3)
    history = [good_run(ads=n) for n in (40, 38, 0, 41, 45, 50)]
    flags = assess(now, history)
    assert names(flags) == {ZERO_YIELD}
    assert flags[0].message == (
        "yield dropped to zero (median 40 ads over the last 5 runs; 3 page(s) fetched)"
    )


def test_zero_yield_not_raised_for_a_single_ad_nor_without_history():
    one_ad = SourceRun("site", pages=3, ads=1, listing_pages=3)
    assert assess(one_ad, [good_run()] * 5) == []
    assert assess(SourceRun("site", pages=3, ads=0, listing_pages=3), []) == []
    # a source that never yielded much: the median is below ADWATCH_HEALTH_MIN_MEDIAN
    quiet = [good_run(ads=n) for n in (0, 0, 3)]
    assert assess(SourceRun("site", pages=3, ads=0, listing_pages=3), quiet) == []


def test_zero_yield_when_no_page_at_all_is_said_so():
    dead = SourceRun("site", failed=True, error_labels={"DNSLookupError": 1})
    flags = {f.flag: f.message for f in assess(dead, [good_run()])}
    assert set(flags) == {FAILING, ZERO_YIELD}
    assert flags[FAILING] == "failing: no page could be fetched (DNSLookupError=1)"
    assert flags[ZERO_YIELD].endswith("no page fetched)")


def test_failing_only_when_nothing_was_fetched():
    errors = {"http_500": 2, "TimeoutError": 1}
    some = SourceRun("site", pages=20, ads=15, errors=3, extracted_pages=15, error_labels=errors)
    assert assess(some, [good_run()]) == []
    stopped = SourceRun("site", pages=4, ads=2, failed=True, reason="shutdown")
    assert [f.message for f in assess(stopped, [])] == ["failing: the crawl ended early (shutdown)"]


def test_selectors_failing_when_most_ad_pages_hold_no_ad():
    run = SourceRun("site", pages=12, ads=2, listing_pages=2, extracted_pages=10, no_ad=8)
    flags = assess(run, [good_run()])
    assert names(flags) == {SELECTORS_FAILING}
    assert "8 of 10 ad pages held no ad" in flags[0].message


def test_selectors_fine_when_a_few_ad_pages_are_gone():
    run = SourceRun("site", pages=12, ads=9, listing_pages=2, extracted_pages=10, no_ad=1)
    assert assess(run, [good_run()]) == []
    # under the minimum of pages, one page without an ad out of two says little
    small = SourceRun("site", pages=3, ads=1, listing_pages=1, extracted_pages=2, no_ad=2)
    assert SELECTORS_FAILING not in names(assess(small, []))


def test_a_flag_stays_while_the_pages_that_held_no_ad_are_not_fetched_again():
    # the pages that held no ad are not fetched again for a day: too few pages to tell
    run = SourceRun("site", pages=2, ads=0, listing_pages=2, skipped_no_ad=20)
    flags = {f.flag: f.message for f in assess(run, [good_run()], active=[SELECTORS_FAILING])}
    assert "too few ad pages fetched since" in flags[SELECTORS_FAILING]
    assert "20 skipped for holding no ad before" in flags[SELECTORS_FAILING]
    # fresh pages with ads again: it recovers
    fixed = SourceRun("site", pages=12, ads=10, listing_pages=2, extracted_pages=10)
    assert assess(fixed, [good_run()], active=[SELECTORS_FAILING]) == []


def test_a_few_broken_pages_skipped_on_an_incremental_run_raise_no_flag():
    # a healthy site with a few pages that never held an ad, all its other ads known
    run = SourceRun("site", pages=40, ads=466, listing_pages=40, skipped_no_ad=4, extracted_pages=0)
    assert assess(run, [good_run()]) == []


def test_selectors_failing_when_no_listing_page_has_an_ad_link():
    run = SourceRun("site", pages=1, ads=0, listing_pages=1, listing_pages_empty=1)
    flags = {f.flag: f.message for f in assess(run, [])}
    assert flags == {
        SELECTORS_FAILING: "selectors stopped matching: the listing page fetched had no ad link"
    }
    half = SourceRun(
        "site", pages=10, ads=8, listing_pages=2, listing_pages_empty=1, extracted_pages=8
    )
    assert assess(half, [good_run()]) == []


def test_blocked_by_refusals_or_a_bot_wall():
    refused = SourceRun("site", pages=9, failed=True, blocked={"http_403": 9})
    flags = assess(refused, [good_run()])
    assert names(flags) == {BLOCKED, ZERO_YIELD}  # blocked, not merely failing
    assert flags[0].message == (
        "blocked: 9 of 9 pages answered with a bot wall or a refusal (http_403=9)"
    )
    wall = SourceRun("site", pages=10, ads=0, extracted_pages=9, no_ad=9, blocked={"captcha": 8})
    assert names(assess(wall, [])) == {BLOCKED}  # the wall holds no ad: not the selectors


def test_a_few_refusals_are_not_a_block():
    some = SourceRun("site", pages=40, ads=38, extracted_pages=38, blocked={"http_429": 2})
    assert assess(some, [good_run()]) == []


def test_blocked_counts_come_from_the_detector_and_from_http_errors():
    # walls the detector dropped never reach the spider; refusals that did are its pages
    summary = {"source": "s", "pages": 2, "failed": True, "errors": {"http_403": 2}}
    stats = {
        "httperror/response_ignored_status_count/403": 2,
        "adwatch/blocked/http_403": 4,
        "adwatch/blocked/captcha": 1,
    }
    run = SourceRun.from_stats(summary, stats)
    assert run.blocked == {"http_403": 6, "captcha": 1} and run.failed
    assert run.answered == 7
    # a 429 retried twice, then dropped as a wall: three answers, all refusals
    retried = {"adwatch/blocked/http_429": 1, "retry/reason_count/429 Unknown Status": 2}
    run = SourceRun.from_stats({"source": "s", "pages": 0, "failed": True}, retried)
    assert run.blocked == {"http_429": 3} and run.answered == 3
    assert assess(run, [])[0].message == (
        "blocked: 3 of 3 pages answered with a bot wall or a refusal (http_429=3)"
    )
    # a bot wall now and then among many good pages is not a block
    few = {"adwatch/blocked/captcha": 2}
    summary = {"source": "s", "pages": 40, "ads_new": 35, "failed": False}
    assert assess(SourceRun.from_stats(summary, few), []) == []


def test_thresholds_come_from_the_settings_and_the_environment():
    from crawler.health.healthpass import health_settings

    assert health_settings({}) == HealthSettings()
    strict = health_settings({"ADWATCH_HEALTH_NO_AD_SHARE": "0.9"})
    run = SourceRun("site", pages=12, ads=2, listing_pages=2, extracted_pages=10, no_ad=8)
    assert assess(run, [], strict) == []


def test_flags_are_raised_kept_and_recovered():
    a, b = Flag("s", BLOCKED, "x"), Flag("s", ZERO_YIELD, "y")
    assert transitions([], [a, b]) == ([a, b], [], [])
    assert transitions([BLOCKED, ZERO_YIELD], [a, b]) == ([], [a, b], [])
    assert transitions([BLOCKED, ZERO_YIELD], [b]) == ([], [b], [BLOCKED])
    assert transitions([ZERO_YIELD], []) == ([], [], [ZERO_YIELD])


def test_the_summary_shows_each_flag():
    summary = {
        "sources": [{"source": "x", "health": [{"flag": ZERO_YIELD, "message": "yield 0"}]}],
        "health": {
            "flagged": {"x": [ZERO_YIELD]},
            "recovered": [{"source": "y", "flag": BLOCKED}],
            "ops_email": {"disabled": "ADWATCH_OPS_EMAIL not set"},
        },
    }
    assert format_health(summary) == [
        "HEALTH: source x: yield 0",
        "health: source y is healthy again (blocked)",
        "health: no operator e-mail (ADWATCH_OPS_EMAIL not set)",
    ]


# ---------------------------------------------------------------- the e-mail


def test_the_operator_email_has_text_and_html_and_escapes():
    notices = [
        HealthNotice(1, "<script>x</script>", BLOCKED, "blocked: 3 of 3 <b>pages</b>", "t0"),
        HealthNotice(2, "feed", ZERO_YIELD, "yield dropped", "t0", recovered_at="t1"),
    ]
    msg = build_health_email(
        notices,
        addresses=["ops@example.org"],
        digest_id=health_email_id(notices),
        mail_from="adwatch <a@example.org>",
        now=NOW,
    )
    assert msg["Subject"] == "[adwatch] source health: 1 problem on 1 source, 1 recovered"
    assert msg["To"] == "ops@example.org" and msg["Auto-Submitted"] == "auto-generated"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "PROBLEM:   blocked" in text and "RECOVERED: yield dropped to zero" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;pages&lt;/b&gt;" in html
    # the same notices give the same name; others another
    assert health_email_id(notices) == health_email_id(list(notices))
    assert health_email_id(notices[:1]) != health_email_id(notices)


def test_ops_addresses_from_the_environment():
    env = {"ADWATCH_OPS_EMAIL": "Ops <ops@example.org>, oncall@example.org, ops@example.org"}
    assert ops_addresses(env) == ["ops@example.org", "oncall@example.org"]
    assert ops_addresses({}) == []


# ---------------------------------------------------------------- record and notify


def summary_of(source: str, ads: int, pages: int = 5, **extra) -> dict:
    return {
        "source": source,
        "pages": pages,
        "ads_new": ads,
        "errors": {},
        "failed": pages == 0,
        **extra,
    }


def test_a_flag_emails_once_when_raised_and_once_when_it_recovers(tmp_path):
    env = {"ADWATCH_OPS_EMAIL": "ops@example.org"}  # no SMTP: the e-mails wait as .eml files
    listing = {"adwatch/listing_pages": 1}

    def run(ads: int, empty: bool = False) -> tuple[dict, dict]:
        stats = dict(listing, **({"adwatch/listing_pages_empty": 1} if empty else {}))
        summary = summary_of("site", ads)
        out = health_pass(tmp_path, [summary], [stats], NOW, env=env, now=NOW)
        return summary, out

    for _ in range(3):
        summary, out = run(20)
        assert summary["health"] == [] and out["ops_email"]["notices"] == 0
    summary, out = run(0, empty=True)
    assert {f["flag"] for f in summary["health"]} == {SELECTORS_FAILING, ZERO_YIELD}
    assert out["ops_email"]["built"] == 1 and out["ops_email"]["notices"] == 2
    summary, out = run(0, empty=True)  # the same flags: no second e-mail
    assert out["ops_email"]["built"] == 0 and out["flagged"] == {
        "site": [SELECTORS_FAILING, ZERO_YIELD]
    }
    summary, out = run(25)  # recovered: one e-mail says so
    assert summary["health"] == []
    assert sorted(r["flag"] for r in out["recovered"]) == [SELECTORS_FAILING, ZERO_YIELD]
    assert out["ops_email"]["built"] == 1
    summary, out = run(25)
    assert out["ops_email"]["built"] == 0
    files = sorted((tmp_path / "outbox").glob("ops-health-*.eml"))
    assert len(files) == 2
    subjects = sorted(
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"]
        for f in files
    )
    assert subjects == [
        "[adwatch] source health: 2 problems on 1 source",
        "[adwatch] source health: 2 recovered",
    ]
    state = SQLiteStore(tmp_path / "adwatch.sqlite3")
    try:
        assert [r.ads for r in state.health.healthy_runs("site", 10)] == [25, 25, 20, 20, 20]
        assert state.health.latest_source_runs()["site"]["ads"] == 25
    finally:
        state.close()


def test_without_an_ops_address_nothing_is_written_and_doctor_still_tells(tmp_path):
    summary = summary_of("site", 0, pages=0)
    out = health_pass(tmp_path, [summary], [{}], NOW, env={}, now=NOW)
    assert out["ops_email"] == {"disabled": "ADWATCH_OPS_EMAIL not set"}
    assert [f["flag"] for f in summary["health"]] == [FAILING]
    assert not (tmp_path / "outbox").exists()
    checks = doctor_checks(tmp_path, ["site", "other"])
    assert checks == [
        (
            "source site",
            False,
            f"failing: no page could be fetched (since {NOW.isoformat(timespec='seconds')})",
        )
    ]
    # the flag raised while nobody was told recovers silently, and doctor is content
    health_pass(tmp_path, [summary_of("site", 3)], [{}], NOW, env={}, now=NOW)
    env = {"ADWATCH_OPS_EMAIL": "ops@example.org"}
    out = health_pass(tmp_path, [summary_of("site", 3)], [{}], NOW, env=env, now=NOW)
    assert out["ops_email"]["notices"] == 0
    assert doctor_checks(tmp_path, ["site", "other"]) == [
        ("source health", True, "1 source(s) healthy at their last run; not run yet: other")
    ]


def test_an_email_the_server_refuses_for_good_is_counted_as_set_aside_not_sent(tmp_path):
    server = SMTPTestServer(tmp_path, data_size_limit=200).start()  # 552 for any e-mail
    try:
        env = server.env(ADWATCH_OPS_EMAIL="ops@example.org", ADWATCH_SMTP_TIMEOUT="5")
        data = tmp_path / "data"
        out = health_pass(data, [summary_of("site", 0, pages=0)], [{}], NOW, env=env, now=NOW)
        mail = out["ops_email"]
        assert (mail["built"], mail["sent"], mail["set_aside"], mail["waiting"]) == (1, 0, 1, 0)
        assert server.received == []
        assert any("552" in e and "set aside" in e for e in mail["errors"])
        assert len(list((data / "outbox" / "failed").glob("ops-health-*.eml"))) == 1
        lines = "\n".join(format_health({"health": out}))
        assert "refused for good" in lines and "operator e-mail sent" not in lines
        # not tried again by the next run, and not counted again
        out = health_pass(data, [summary_of("site", 0, pages=0)], [{}], NOW, env=env, now=NOW)
        assert (out["ops_email"]["sent"], out["ops_email"]["set_aside"]) == (0, 0)
        assert server.received == []
    finally:
        server.stop()


def test_an_smtp_outage_keeps_the_email_until_a_later_run_sends_it(tmp_path):
    server = SMTPTestServer(tmp_path)  # not started yet: the server is down
    env = server.env(ADWATCH_OPS_EMAIL="ops@example.org", ADWATCH_SMTP_TIMEOUT="5")
    data = tmp_path / "data"
    out = health_pass(data, [summary_of("site", 0, pages=0)], [{}], NOW, env=env, now=NOW)
    mail = out["ops_email"]
    assert mail["built"] == 1 and mail["sent"] == 0 and mail["waiting"] == 1
    assert mail["errors"] and "127.0.0.1" in mail["errors"][0]
    assert len(list((data / "outbox").glob("ops-health-*.eml"))) == 1
    server.start()
    try:
        # still failing: nothing new to tell, and what waits goes out
        out = health_pass(data, [summary_of("site", 0, pages=0)], [{}], NOW, env=env, now=NOW)
        assert out["ops_email"]["built"] == 0 and out["ops_email"]["sent"] == 1
        assert [m.rcpt_tos for m in server.received] == [["ops@example.org"]]
        assert server.received[0].message["Subject"] == (
            "[adwatch] source health: 1 problem on 1 source"
        )
        assert list((data / "outbox" / "sent").glob("ops-health-*.eml"))
    finally:
        server.stop()


def test_the_pass_never_raises(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    out = health_pass(blocker, [summary_of("site", 1)], [{}], NOW, env={}, now=NOW)
    assert out["errors"] and "source health pass failed" in out["errors"][0]


# ---------------------------------------------------------------- the whole flow


def classifieds_yaml(base: str, links: str) -> str:
    from demosite.sources import CLASSIFIED_FIELDS

    return f"""sources:
  - name: demo-classifieds
    kind: classified
    start_urls: [{base}/classifieds/]
    links: "{links}"
    next_page: "a.next::attr(href)"
{CLASSIFIED_FIELDS}    country: PY
    render: static
    schedule: {{every: 15m}}
    allow_private_network: true
    politeness: {{max_pages: 1}}
"""


@pytest.fixture
def smtp(tmp_path):
    server = SMTPTestServer(tmp_path).start()
    yield server
    server.stop()


def ops_mails(smtp, since: int) -> list:
    return [
        m for m in smtp.received[since:] if m.message["X-Adwatch-Digest"].startswith("ops-health-")
    ]


@pytest.mark.slow
def test_selectors_that_stop_matching_are_flagged_and_the_operator_emailed_once(
    demo_server, smtp, tmp_path
):
    sources = tmp_path / "sources.yaml"
    sources.write_text(classifieds_yaml(demo_server.base_url, "a.ad-link::attr(href)"))
    env = {
        "ADWATCH_DATA_DIR": str(tmp_path / "data"),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_RULES": str(tmp_path / "no-rules.yaml"),
        "ADWATCH_OPS_EMAIL": "Ops Team <ops@example.org>, oncall@example.org",
        **smtp.env(),
    }
    first = run_json("run", "--all", "-s", "ADWATCH_IMAGES=False", env=env)
    source = first["sources"][0]
    assert first["_exit"] == 0 and source["ads_new"] > 0 and source["health"] == []
    assert ops_mails(smtp, 0) == []
    doctor = adwatch("doctor", env=env)
    assert "[ok] source health: 1 source(s) healthy at their last run" in doctor.stdout

    # the site changed its markup: the link selector finds nothing
    sources.write_text(classifieds_yaml(demo_server.base_url, "a.ad-link-gone::attr(href)"))
    before = len(smtp.received)
    second = run_json("run", "--all", "-s", "ADWATCH_IMAGES=False", env=env)
    flags = {f["flag"]: f["message"] for f in second["sources"][0]["health"]}
    assert set(flags) == {SELECTORS_FAILING, ZERO_YIELD}
    assert f"median {source['ads_new']} ads over the last 1 run" in flags[ZERO_YIELD]
    assert second["_exit"] == 0  # health never changes the exit status
    mails = ops_mails(smtp, before)
    assert len(mails) == 1
    mail = mails[0]
    assert sorted(mail.rcpt_tos) == ["oncall@example.org", "ops@example.org"]
    assert mail.tls and mail.authenticated
    assert mail.message["Subject"] == "[adwatch] source health: 2 problems on 1 source"
    body = mail.message.get_body(("plain",)).get_content()
    assert "demo-classifieds" in body and "selectors failing" in body
    assert second["health"]["ops_email"]["sent"] == 1

    text = adwatch("runs", "--limit", "1", env=env).stdout
    assert "HEALTH: source demo-classifieds: selectors stopped matching" in text
    doctor = adwatch("doctor", env=env)
    assert doctor.returncode == 1
    assert "[FAIL] source demo-classifieds: selectors stopped matching" in doctor.stdout

    # still broken: flagged again, no second e-mail
    before = len(smtp.received)
    third = run_json("run", "--all", "-s", "ADWATCH_IMAGES=False", env=env)
    assert {f["flag"] for f in third["sources"][0]["health"]} == {SELECTORS_FAILING, ZERO_YIELD}
    assert ops_mails(smtp, before) == []

    # fixed: one e-mail says it recovered, and doctor is content again
    sources.write_text(classifieds_yaml(demo_server.base_url, "a.ad-link::attr(href)"))
    before = len(smtp.received)
    fourth = run_json("run", "--all", "-s", "ADWATCH_IMAGES=False", env=env)
    assert fourth["sources"][0]["health"] == []
    mails = ops_mails(smtp, before)
    assert [m.message["Subject"] for m in mails] == ["[adwatch] source health: 2 recovered"]
    doctor = adwatch("doctor", env=env)
    assert "[ok] source health: 1 source(s) healthy at their last run" in doctor.stdout


class RefusingSite:
    """A site on 127.0.0.1 that answers 403 under /forbidden/, 429 under /busy/, and 404
    for robots.txt."""

    def __init__(self) -> None:
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        from aiohttp import web

        async def handle(request: web.Request) -> web.Response:
            if request.path.startswith("/forbidden/"):
                return web.Response(status=403, text="Access denied")
            if request.path.startswith("/busy/"):
                return web.Response(status=429, text="Too many requests")
            return web.Response(status=404, text="not found")

        async def start() -> web.AppRunner:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", handle)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            return runner

        asyncio.set_event_loop(self.loop)
        self.runner = self.loop.run_until_complete(start())
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())

    def __enter__(self) -> RefusingSite:
        self.thread.start()
        self.ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


@pytest.mark.slow
def test_a_site_that_refuses_every_request_is_flagged_blocked(tmp_path):
    with RefusingSite() as site:
        base = f"http://127.0.0.1:{site.port}"
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f"""sources:
  - name: refuses
    kind: classified
    start_urls: ["{base}/forbidden/", "{base}/forbidden/page2"]
    links: "a::attr(href)"
    allow_private_network: true
  - name: throttles
    kind: classified
    start_urls: ["{base}/busy/"]
    links: "a::attr(href)"
    allow_private_network: true
"""
        )
        env = {
            "ADWATCH_DATA_DIR": str(tmp_path / "data"),
            "ADWATCH_SOURCES": str(sources),
            "ADWATCH_RULES": str(tmp_path / "no-rules.yaml"),
        }
        summary = run_json("run", env=env)
    by_name = {s["source"]: s for s in summary["sources"]}
    refused = {f["flag"]: f["message"] for f in by_name["refuses"]["health"]}
    assert set(refused) == {BLOCKED}
    assert "http_403=2" in refused[BLOCKED]
    throttled = {f["flag"]: f["message"] for f in by_name["throttles"]["health"]}
    assert set(throttled) == {BLOCKED}
    # each retry of the refused page is a page answered 429: all of them were
    assert re.search(r"^blocked: (\d+) of \1 pages .*\(http_429=\1\)$", throttled[BLOCKED])
    assert summary["_exit"] == 1  # the sources failed: the run's own exit status
    # without ADWATCH_OPS_EMAIL nothing is sent nor written
    assert summary["health"]["ops_email"] == {"disabled": "ADWATCH_OPS_EMAIL not set"}
    assert not list(Path(tmp_path / "data").glob("outbox/ops-health-*"))
    text = adwatch("runs", "--limit", "1", env=env).stdout
    assert "HEALTH: source refuses: blocked: 2 of 2 pages" in text
    assert "health: no operator e-mail (ADWATCH_OPS_EMAIL not set)" in text
