"""`adwatch run` as cron uses it: schedules, a dead source, the exit code, the summary."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import adwatch, run_json

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_dead_source_fails_the_run_but_not_the_others(demo_server, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/ads/"
    (tmp_path / "sources.yaml").write_text(
        f"""sources:
  - name: feed
    kind: classified
    feed: {demo_server.base_url}/feed/rss.xml
    country: GB
    schedule: {{every: 1h}}
    allow_private_network: true
  - name: dead
    kind: classified
    start_urls: ["{dead}"]
    schedule: {{every: 1h}}
    allow_private_network: true
    politeness: {{timeout: 5}}
"""
    )
    env = {
        "ADWATCH_DATA_DIR": str(tmp_path / "data"),
        "ADWATCH_SOURCES": str(tmp_path / "sources.yaml"),
    }
    first = run_json("run", env=env)
    assert first["_exit"] == 1
    by_name = {s["source"]: s for s in first["sources"]}
    assert by_name["dead"]["failed"] and not by_name["feed"]["failed"]
    feed_ads = [a for a in demo_server.world.expected_ads() if a["site"] == "feed"]
    assert by_name["feed"]["ads_new"] == len(feed_ads)
    assert first["totals"]["failed_sources"] == ["dead"]

    # within the hour nothing is due: the cron run does nothing and says so
    second = run_json("run", env=env)
    assert second["_exit"] == 0 and second["sources"] == []
    assert sorted(second["skipped_not_due"]) == ["dead", "feed"]
    text = adwatch("run", env=env)
    assert "not due yet: feed, dead" in text.stdout

    # a source disabled in the file is never crawled, and one source can be crawled by hand
    only = run_json("crawl", "feed", env=env)
    assert [s["source"] for s in only["sources"]] == ["feed"] and only["_exit"] == 0
    assert only["sources"][0]["ads_unchanged"] == len(feed_ads)
    runs = adwatch("runs", "--limit", "2", env=env)
    assert runs.returncode == 0 and "ads in store" in runs.stdout
