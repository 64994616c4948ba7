"""Rules and alerts on the whole flow: the real ``adwatch run`` crawls the demo sites with the
shipped rules.yaml and mails its digests to a real SMTP server on 127.0.0.1 (STARTTLS and
AUTH). What arrives is checked against what the demo's ground truth implies; then a second
run, an SMTP outage and a SIGKILL between sending and marking.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
from collections import Counter
from datetime import datetime, timedelta
from email.utils import getaddresses
from urllib.parse import urlparse

import pytest

from alerts.ledger import city_key
from alerts.matcher import Matcher
from alerts.rules import load_rules
from crawler.stores.sqlite import SQLiteStore
from tests.conftest import ROOT, adwatch, run_json
from tests.smtp_server import SMTPTestServer

pytestmark = pytest.mark.slow

RULES = ROOT / "rules.yaml"
CASEWORKERS = "case1@example.org, Case Two <case2@example.org>"
THRESHOLD, WEEK = 5, timedelta(days=7)  # ADWATCH_PHONE_ADS_THRESHOLD and _WINDOW defaults


def path_of(url: str) -> str:
    return urlparse(url).path


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = SMTPTestServer(tmp_path_factory.mktemp("smtp")).start()
    yield server
    server.stop()


def environment(tmp, demo_server, smtp) -> dict[str, str]:
    from demosite import sources_yaml

    tmp.mkdir(parents=True, exist_ok=True)
    sources = tmp / "sources.yaml"
    sources.write_text(sources_yaml(demo_server.base_url))
    return {
        "ADWATCH_DATA_DIR": str(tmp / "data"),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_RULES": str(RULES),
        "ADWATCH_CASEWORKERS": CASEWORKERS,
        **smtp.env(),
    }


@pytest.fixture(scope="module")
def crawled(demo_server, smtp, tmp_path_factory):
    env = environment(tmp_path_factory.mktemp("alerts-e2e"), demo_server, smtp)
    before = len(smtp.received)
    first = run_json("run", env=env)
    after_first = len(smtp.received)
    second = run_json("run", "--all", env=env)
    store = SQLiteStore(f"{env['ADWATCH_DATA_DIR']}/adwatch.sqlite3")
    ads = store.all_ads()
    store.close()
    return {
        "env": env,
        "first": first,
        "second": second,
        "digests": smtp.received[before:after_first],
        "after_second": smtp.received[after_first:],
        "ads": ads,
        "world": demo_server.world,
    }


def crawled_pages(world, stored: list[dict]) -> list[dict]:
    """The truth's ads the crawl fetched: stored as ads, or kept as sightings of the ad they
    repost (the browser-only site only when the crawl could render it)."""
    browser = any(a["source"] == "demo-app" for a in stored)
    return world.expected_ads(include_browser=browser)


def cluster_root(world):
    """Ad path -> the path of the first ad of its repost cluster, by the ground truth."""
    parent = {t["url"]: t["repost_of"] or t["url"] for t in world.truth["ads"]}

    def root(path: str) -> str:
        while parent.get(path, path) != path:
            path = parent[path]
        return path

    return root


def expected_alerts(world, stored: list[dict]) -> dict[str, set[tuple[str, str]]]:
    """Recipient group -> {(rule or entity alert, repost cluster)} the ground truth implies
    for the pages the crawl fetched: the shipped rules run on the truth's own title, body,
    language and kind, one alert per rule and repost cluster (named by its first ad's path);
    entity alerts follow the truth's phone numbers across its sites, cities and dates."""
    from crawler.extract.urls import ad_id, canonical_url

    ruleset = load_rules(RULES)
    matcher = Matcher(ruleset)
    root = cluster_root(world)
    base = stored[0]["url"][: -len(path_of(stored[0]["url"]))]
    pages = crawled_pages(world, stored)
    with_location = {a["source"] for a in stored if a["location"]}
    out: dict[str, set[tuple[str, str]]] = {}
    flagged: dict[str, set[str]] = {}
    for t in pages:
        fields = {k: t[k] for k in ("title", "body", "language", "kind")}
        for m in matcher.match(fields):
            for group in ruleset.rule(m.rule_id).recipients:
                out.setdefault(group, set()).add((m.rule_id, root(t["url"])))
            for phone in t["phones"] + t["whatsapp"]:
                flagged.setdefault(phone, set()).update(ruleset.rule(m.rule_id).recipients)

    def city(t):  # a city the crawler does not read on that site cannot be new
        return city_key(t["location"]) if f"demo-{t['site']}" in with_location else None

    for phone, groups in flagged.items():
        many_done = False
        ads = sorted(
            (t for t in pages if phone in t["phones"] + t["whatsapp"]),
            key=lambda t: (t["posted_at"], ad_id(canonical_url(base + t["url"]))),
        )
        for i, t in enumerate(ads):
            earlier = ads[:i]
            found = []
            cities = {city(e) for e in earlier} - {None}
            if earlier and city(t) and cities and city(t) not in cities:
                found.append("phone-new-city")
            if earlier and t["site"] not in {e["site"] for e in earlier}:
                found.append("phone-new-site")
            day = datetime.fromisoformat(t["posted_at"])
            week = [e for e in ads[: i + 1] if day - datetime.fromisoformat(e["posted_at"]) <= WEEK]
            if len(week) >= THRESHOLD and not many_done:  # then quiet for the window
                found.append("phone-many-ads")
                many_done = True
            for rule in found:
                for group in groups:
                    out.setdefault(group, set()).add((rule, root(t["url"])))
    return out


RULE_LINE = re.compile(r"^Rule: +.* \(([a-z0-9-]+), (?:low|medium|high|critical)\)$", re.M)


def digest_alerts(message) -> list[tuple[str, str]]:
    """(rule, ad path) of every alert in a digest, read from its plain-text part."""
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    found = []
    for block in text.split("\n== ")[1:]:
        link = re.search(r"^Link: +(\S+)", block, re.M)
        for rule in RULE_LINE.findall(block):
            found.append((rule, path_of(link.group(1))))
    return found


def group_of(message) -> str:
    return re.search(r"\(([a-z0-9_-]+)\)$", message["Subject"]).group(1)


def test_the_crawl_sends_exactly_the_digests_the_ground_truth_implies(crawled):
    first = crawled["first"]
    assert first["_exit"] == 0, first["_stderr"][-2000:]
    expected = expected_alerts(crawled["world"], crawled["ads"])
    assert expected, "the demo world should trigger some rules"
    digests = {group_of(d.message): d for d in crawled["digests"]}
    assert len(digests) == len(crawled["digests"]), "two digests for one group"
    assert set(digests) == set(expected)
    ruleset = load_rules(RULES)
    root = cluster_root(crawled["world"])
    for group, got in digests.items():
        alerted = Counter((rule, root(path)) for rule, path in digest_alerts(got.message))
        assert set(alerted) == expected[group], group
        assert set(alerted.values()) == {1}, f"a (rule, cluster) alerted twice: {alerted}"
        listed = [e for e in ruleset.recipients[group].emails if "@" in e]
        if "${ADWATCH_CASEWORKERS}" in ruleset.recipients[group].emails:
            listed.append(CASEWORKERS)
        addresses = [a for _, a in getaddresses(listed)]
        assert sorted(got.rcpt_tos) == sorted(addresses)
        assert got.tls and got.authenticated
        n = len(expected[group])
        assert got.message["Subject"].startswith(f"[adwatch] {n} alert{'s' if n > 1 else ''} on ")
    alerts = first["alerts"]
    assert alerts["alerts_due"] == len({a for pairs in expected.values() for a in pairs})
    assert (alerts["digests_sent"], alerts["digests_queued"], alerts["send_failures"]) == (
        len(expected),
        0,
        0,
    )


def test_digests_carry_blurred_thumbnails_and_inert_links(crawled):
    for digest in crawled["digests"]:
        msg = digest.message
        html = msg.get_body(("html",)).get_content()
        images = [p for p in msg.walk() if p.get_content_maintype() == "image"]
        assert images, "the demo ads have photos"
        for image in images:
            assert f"cid:{image['Content-ID'].strip('<>')}" in html
        assert "(blurred)" in html
        assert not re.search(r'href="(?!https?://)', html)


def test_stored_ads_carry_their_rule_matches(crawled):
    ruleset = load_rules(RULES)
    matcher = Matcher(ruleset)
    truth = {t["url"]: t for t in crawled["world"].truth["ads"]}
    flagged = 0
    for ad in crawled["ads"]:
        t = truth[path_of(ad["url"])]
        fields = {k: t[k] for k in ("title", "body", "language", "kind")}
        want = {m.rule_id for m in matcher.match(fields)}
        assert {m["rule"] for m in ad["matched_rules"]} == want, ad["url"]
        assert (ad["risk_score"] > 0) == bool(want)
        flagged += bool(want)
    assert flagged


def test_a_second_run_sends_nothing(crawled):
    second = crawled["second"]
    assert second["alerts"]["alerts_due"] == 0 and second["alerts"]["digests_sent"] == 0
    assert crawled["after_second"] == []


def test_alerts_list_shows_them_sent(crawled):
    out = adwatch("alerts", "list", "--json", "--limit", "1000", env=crawled["env"])
    rows = json.loads(out.stdout)
    expected = expected_alerts(crawled["world"], crawled["ads"])
    root = cluster_root(crawled["world"])
    assert {(r["rule"], root(path_of(r["url"]))) for r in rows} == {
        a for pairs in expected.values() for a in pairs
    }
    assert {r["status"] for r in rows} == {"sent"}
    assert all(r["sent_at"] and r["recipients"] for r in rows)
    table = adwatch("alerts", "list", env=crawled["env"])
    assert table.returncode == 0 and "alert(s)" in table.stdout


def message_ids(directory) -> set[str]:
    ids = set()
    for path in directory.glob("*.eml"):
        ids.add(re.search(rb"^Message-ID: (\S+)", path.read_bytes(), re.M).group(1).decode())
    return ids


def test_outage_then_recovery_then_sigkill(demo_server, smtp, tmp_path_factory, crawled):
    """SMTP down: the run completes, the outbox holds the digests; server back: each
    delivered once. A copy of the same data directory then dies by SIGKILL right after the
    server accepted its digest: the next run sends that digest once more, the same bytes
    with the same Message-ID (alerts/outbox.py documents this), and nothing after that."""
    tmp = tmp_path_factory.mktemp("alerts-outage")
    env = environment(tmp / "b", demo_server, smtp)
    smtp.stop()
    try:
        down = run_json("run", env=env)
    finally:
        smtp.start()
    assert down["_exit"] == crawled["first"]["_exit"]  # an SMTP outage never fails a run
    groups = len(crawled["digests"])
    assert down["alerts"]["digests_queued"] == groups and down["alerts"]["send_failures"] == 1
    outbox = tmp / "b" / "data" / "outbox"
    waiting = message_ids(outbox)
    assert len(waiting) == groups

    # a copy of this state, for the crash below
    shutil.copytree(tmp / "b", tmp / "c")
    env_c = {
        **env,
        "ADWATCH_DATA_DIR": str(tmp / "c" / "data"),
        "ADWATCH_SOURCES": str(tmp / "c" / "sources.yaml"),
    }

    before = len(smtp.received)
    up = run_json("run", env=env)
    assert up["alerts"]["digests_sent"] == groups and up["alerts"]["alerts_due"] == 0
    got = Counter(r.message["Message-ID"] for r in smtp.received[before:])
    assert got == Counter(dict.fromkeys(waiting, 1))
    assert not list(outbox.glob("*.eml")) and message_ids(outbox / "sent") == waiting
    again = run_json("run", env=env)
    assert again["alerts"]["digests_sent"] == 0 and len(smtp.received) == before + groups

    before = len(smtp.received)
    killed = adwatch("run", env={**env_c, "ADWATCH_TEST_KILL_AFTER_SMTP": "1"})
    assert killed.returncode == -signal.SIGKILL
    assert len(smtp.received) == before + 1
    in_flight = smtp.received[-1]
    resumed = run_json("run", env=env_c)
    assert resumed["alerts"]["resent_after_interruption"] == 1
    assert resumed["alerts"]["digests_sent"] == groups
    after = smtp.received[before:]
    counts = Counter(r.message["Message-ID"] for r in after)
    assert counts[in_flight.message["Message-ID"]] == 2  # the one documented extra copy
    assert counts == Counter({**dict.fromkeys(waiting, 1), in_flight.message["Message-ID"]: 2})
    copies = [r.data for r in after if r.message["Message-ID"] == in_flight.message["Message-ID"]]
    assert copies[0] == copies[1]
    last = run_json("run", env=env_c)
    assert last["alerts"]["digests_sent"] == 0 and len(smtp.received) == before + len(after)
