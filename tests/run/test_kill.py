"""Never lose, never duplicate: ``adwatch run`` killed with SIGKILL, again and again.

The real ``adwatch run`` crawls the static demo sites with the shipped rules and mails its
digests to a real SMTP server on 127.0.0.1. Its whole process group (the crawler, its
extraction workers, the browser driver) is killed at seeded random moments: twice in the
middle of the crawl (when the store holds a random share of the site, plus a random
instant, so that a batch is often fetched but not yet written), once as the last spider
closes (the last store batch, the source state, the start of the alert pass), once the
moment the SMTP server has a digest (between acceptance and the local commit). Each kill
leaves a consistent SQLite file; a second cron run started beside a live one exits 0 at
once; the next plain ``adwatch run`` finishes the job. At the end the store equals the
ground truth exactly, every alert the truth implies is in the ledger once and was mailed
once (the one extra copy alerts/outbox.py documents for a kill after acceptance is the same
message, byte for byte).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.alerts.test_alerts_e2e import (
    CASEWORKERS,
    RULES,
    cluster_root,
    digest_alerts,
    expected_alerts,
    group_of,
)
from tests.conftest import ROOT
from tests.smtp_server import SMTPTestServer
from tests.store_truth import (
    integrity_problems,
    leftovers,
    path_of,
    store_vs_truth,
    stored,
    torn_photos,
)

pytestmark = pytest.mark.slow

SEED = 20261128


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = SMTPTestServer(tmp_path_factory.mktemp("smtp")).start()
    yield server
    server.stop()


class Run:
    """``adwatch run`` as cron starts it: in a session (process group) of its own."""

    def __init__(self, env: dict[str, str], directory: Path, number: int):
        self.log = directory / f"run{number}.log"
        self.out = directory / f"run{number}.out"
        self.err = directory / f"run{number}.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli.main", "run", "--json"]
                + ["--log-file", str(self.log), "--log-level", "INFO"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def log_count(self, text: str) -> int:
        try:
            return self.log.read_text(errors="replace").count(text)
        except FileNotFoundError:
            return 0

    def wait_for(self, condition) -> bool:
        """Wait until ``condition()`` holds (True) or the run ends by itself (False)."""
        while self.proc.poll() is None:
            if condition():
                return True
            time.sleep(0.02)
        return False

    def kill(self) -> None:
        """SIGKILL the whole process group, as cron's job gets killed."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        deadline = time.monotonic() + 30
        while group_alive(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not group_alive(self.proc.pid), "a process of the killed run lives on"

    def finish(self) -> dict:
        self.proc.wait()
        text = self.out.read_text()
        assert "{" in text, f"no summary\n{self.err.read_text()[-3000:]}"
        summary = json.loads(text[text.find("{") :])
        summary["_exit"] = self.proc.returncode
        summary["_stderr"] = self.err.read_text()
        return summary


def group_alive(pgid: int) -> list[int]:
    """Processes of group ``pgid`` still running (zombies waiting to be reaped are dead)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(stat.parent.name))
    return alive


def ads_in_store(data: Path) -> int:
    """Ads (and repost sightings) committed so far; 0 before the store exists."""
    if not (data / "adwatch.sqlite3").exists():
        return 0
    conn = sqlite3.connect(f"file:{data / 'adwatch.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        return sum(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("ads", "sightings")
        )
    except sqlite3.OperationalError:  # the tables are being created
        return 0
    finally:
        conn.close()


def crawl_ended(run: Run) -> bool:
    opened = run.log_count("Spider opened")
    return opened > 0 and run.log_count("Closing spider (") == opened


@pytest.fixture(scope="module")
def killed_then_finished(demo_server, smtp, tmp_path_factory):
    from demosite import sources_yaml

    tmp = tmp_path_factory.mktemp("kill")
    sources = tmp / "sources.yaml"
    sources.write_text(sources_yaml(demo_server.base_url, include_js=False))
    data = tmp / "data"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ADWATCH_DATA_DIR": str(data),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_RULES": str(RULES),
        "ADWATCH_CASEWORKERS": CASEWORKERS,
        **smtp.env(),
    }
    rng = random.Random(SEED)
    world = demo_server.world
    before = len(smtp.received)
    kills: list[dict] = []
    in_flight = None

    def killed(run: Run, moment: str) -> None:
        run.kill()
        kills.append(
            {
                "moment": moment,
                "signal": run.proc.returncode,
                "stored": ads_in_store(data),
                "integrity": integrity_problems(data),
                "log": run.log.read_text(errors="replace")[-2000:] if run.log.exists() else "",
            }
        )

    number = 0

    def start() -> Run:
        nonlocal number
        number += 1
        return Run(env, tmp, number)

    overlapping = None
    total = len(world.expected_ads())
    for low, high in ((0.05, 0.3), (0.35, 0.7)):  # twice in the middle of the crawl
        # once the store holds a random share of the ads, then a random instant later
        target = int(total * rng.uniform(low, high))
        run = start()
        if run.wait_for(lambda t=target: ads_in_store(data) >= t):
            time.sleep(rng.uniform(0.0, 0.5))
            if overlapping is None:  # a second cron run meets the first one's lock
                overlapping = subprocess.run(
                    [sys.executable, "-m", "crawler.cli.main", "run"],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    stdin=subprocess.DEVNULL,
                    timeout=120,
                )
        killed(run, "crawl")

    run = start()  # as the last spider closes: last batch, source state, alert pass
    if run.wait_for(lambda: crawl_ended(run)):
        time.sleep(rng.uniform(0.0, 0.3))
    killed(run, "crawl end")

    run = start()  # the SMTP server has just taken a digest: accepted, not marked sent
    sent = len(smtp.received)
    if run.wait_for(lambda: len(smtp.received) > sent):
        in_flight = smtp.received[-1]
    killed(run, "after SMTP acceptance")

    final = start().finish()
    again = start().finish()  # nothing left to do, nothing sent twice
    ads, _ = stored(data)
    return {
        "data": data,
        "kills": kills,
        "overlapping": overlapping,
        "in_flight": in_flight,
        "final": final,
        "again": again,
        "received": smtp.received[before:],
        "world": world,
        "ads": ads,
    }


def test_each_kill_killed_every_process_and_left_a_consistent_store(killed_then_finished):
    kills = killed_then_finished["kills"]
    assert [k["moment"] for k in kills] == [
        "crawl",
        "crawl",
        "crawl end",
        "after SMTP acceptance",
    ]
    for kill in kills:
        assert kill["signal"] == -signal.SIGKILL, kill["log"]
        assert kill["integrity"] == [], kill
    # the crawl kills found part of the site stored, and the rest still to do
    total = len(killed_then_finished["world"].expected_ads())
    assert 0 < kills[0]["stored"] <= kills[1]["stored"] < total
    assert killed_then_finished["in_flight"] is not None, "no kill landed in the alert pass"


def test_a_second_cron_run_beside_a_live_one_exits_0_at_once(killed_then_finished):
    overlapping = killed_then_finished["overlapping"]
    assert overlapping is not None
    assert overlapping.returncode == 0, overlapping.stderr[-2000:]
    assert "another adwatch run is in progress" in overlapping.stdout


def test_the_next_run_finishes_the_job(killed_then_finished):
    final = killed_then_finished["final"]
    assert final["_exit"] == 0, final["_stderr"][-3000:]
    assert "another adwatch run is in progress" not in final["_stderr"]
    data = killed_then_finished["data"]
    assert integrity_problems(data) == []
    assert torn_photos(data / "images") == []
    assert leftovers(data) == []


def test_the_store_equals_the_ground_truth(killed_then_finished):
    problems = store_vs_truth(killed_then_finished["data"], killed_then_finished["world"])
    assert problems == [], "\n".join(problems[:20])


def test_every_alert_is_in_the_ledger_once_and_sent(killed_then_finished):
    world, ads = killed_then_finished["world"], killed_then_finished["ads"]
    expected = expected_alerts(world, ads)
    assert expected
    root = cluster_root(world)
    conn = sqlite3.connect(killed_then_finished["data"] / "adwatch.sqlite3")
    try:
        rows = conn.execute(
            "SELECT rule, cluster, status, detail FROM alerts ORDER BY id"
        ).fetchall()
        digests = conn.execute("SELECT status FROM digests").fetchall()
    finally:
        conn.close()
    assert Counter((rule, cluster) for rule, cluster, _, _ in rows).most_common(1)[0][1] == 1
    by_truth = Counter(
        (rule, root(path_of(json.loads(detail)["ad"]["url"]))) for rule, _, _, detail in rows
    )
    assert set(by_truth.values()) == {1}, [k for k, n in by_truth.items() if n > 1]
    assert set(by_truth) == {a for pairs in expected.values() for a in pairs}
    assert {status for _, _, status, _ in rows} == {"sent"}
    assert {status for (status,) in digests} == {"sent"}
    outbox = killed_then_finished["data"] / "outbox"
    assert not list(outbox.glob("*.eml")), "a digest still waits"


def test_every_alert_was_mailed_once(killed_then_finished):
    """Each distinct digest carries its alerts once across all digests of its group; the
    only repeated message is the one in flight at the kill after acceptance, resent whole
    with the same Message-ID."""
    world, ads = killed_then_finished["world"], killed_then_finished["ads"]
    expected = expected_alerts(world, ads)
    root = cluster_root(world)
    received = killed_then_finished["received"]
    copies: dict[str, list[bytes]] = {}
    for r in received:
        copies.setdefault(r.message["Message-ID"], []).append(r.data)
    repeated = {mid: data for mid, data in copies.items() if len(data) > 1}
    in_flight = killed_then_finished["in_flight"]
    assert set(repeated) <= {in_flight.message["Message-ID"]}
    for data in repeated.values():
        assert all(copy == data[0] for copy in data)
        # one extra copy per kill inside the window; two kills can fall in the alert pass
        assert len(data) <= 3
    distinct = {r.message["Message-ID"]: r.message for r in received}
    alerted: dict[str, Counter] = {}
    for message in distinct.values():
        alerted.setdefault(group_of(message), Counter()).update(
            (rule, root(path)) for rule, path in digest_alerts(message)
        )
    assert set(alerted) == set(expected)
    for group, counts in alerted.items():
        assert set(counts.values()) == {1}, (group, [k for k, n in counts.items() if n > 1])
        assert set(counts) == expected[group], group


def test_a_run_after_that_sends_nothing_and_stores_nothing_new(killed_then_finished):
    again = killed_then_finished["again"]
    assert again["_exit"] == 0, again["_stderr"][-2000:]
    assert again["alerts"]["alerts_due"] == 0 and again["alerts"]["digests_sent"] == 0
    assert again["totals"]["ads_new"] == 0
    assert again["ads_in_store"] == killed_then_finished["final"]["ads_in_store"]
