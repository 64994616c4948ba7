"""The whole flow into the real Elasticsearch test node, against the demo sites on 127.0.0.1.

The real ``adwatch setup`` / ``run`` / ``search`` in child processes, each test module under an
index prefix of its own (``ADWATCH_ES_PREFIX``). The JavaScript-only demo site is left out: it
needs Chromium and says nothing about the store. The node is the integration-test distribution
(no language analyzers), so the stemmed search goes through adwatch's own stems.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlparse

import pytest
from elasticsearch import Elasticsearch

from crawler.run.summary import format_summary
from crawler.stores.elasticsearch import ElasticsearchStore, ESConfig
from tests.conftest import ROOT, adwatch, delete_es_prefix, run_json

pytestmark = pytest.mark.slow


def path_of(url: str) -> str:
    return urlparse(url).path


def demo_env(demo_server, es_url, tmp, politeness: str = "") -> dict[str, str]:
    from demosite import sources_yaml

    text = sources_yaml(demo_server.base_url, include_js=False)
    if politeness:
        text = text.replace(
            "    allow_private_network: true\n",
            f"    allow_private_network: true\n    politeness: {politeness}\n",
        )
    sources = tmp / "sources.yaml"
    sources.write_text(text)
    return {
        "ADWATCH_DATA_DIR": str(tmp / "data"),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_ES_URL": es_url,
        "ADWATCH_ES_PREFIX": f"t{uuid.uuid4().hex[:10]}",
    }


def stored_ads(env: dict[str, str]) -> list[dict]:
    store = ElasticsearchStore(
        ESConfig(url=env["ADWATCH_ES_URL"], prefix=env["ADWATCH_ES_PREFIX"]),
        env["ADWATCH_DATA_DIR"],
    )
    try:
        store.es.indices.refresh(index=store.alias["ads"])
        return store.all_ads()
    finally:
        store.close()


def expected_urls(world) -> set[str]:
    return {a["url"] for a in world.expected_ads(include_browser=False)}


@pytest.fixture(scope="module")
def crawled(demo_server, es_url, tmp_path_factory):
    env = demo_env(demo_server, es_url, tmp_path_factory.mktemp("es-e2e"))
    setup = adwatch("setup", env=env)
    assert setup.returncode == 0, setup.stderr
    first = run_json("run", env=env)
    second = run_json("run", "--all", env=env)
    yield {
        "env": env,
        "setup": setup.stdout,
        "first": first,
        "second": second,
        "ads": stored_ads(env),
        "world": demo_server.world,
    }
    delete_es_prefix(es_url, env["ADWATCH_ES_PREFIX"])


def test_setup_creates_every_index_behind_its_alias(crawled):
    prefix = crawled["env"]["ADWATCH_ES_PREFIX"]
    for kind in ("ads", "images", "alerts", "runs"):
        assert f"{prefix}-{kind} -> {prefix}-{kind}-000001: created" in crawled["setup"]
    again = adwatch("setup", env=crawled["env"])
    assert again.returncode == 0 and again.stdout.count(": up to date") == 4


def test_every_ad_of_the_ground_truth_is_indexed_exactly_once(crawled):
    expected = expected_urls(crawled["world"])
    stored = [path_of(a["url"]) for a in crawled["ads"]]
    assert len(stored) == len(set(stored)), "an ad was indexed twice"
    assert set(stored) == expected
    assert crawled["first"]["totals"]["ads_new"] == len(expected)
    assert crawled["first"]["ads_in_store"] == len(expected)
    assert crawled["first"]["spooled"] == 0


def test_second_run_updates_sightings_instead_of_duplicating(crawled):
    second = crawled["second"]
    assert second["_exit"] == 0, second["_stderr"][-2000:]
    assert second["totals"]["ads_new"] == 0
    assert second["totals"]["detail_pages"] == 0
    assert second["ads_in_store"] == crawled["first"]["ads_in_store"]
    assert all(a["seen_count"] >= 2 for a in crawled["ads"])
    assert all(a["last_seen"] >= second["started_at"] for a in crawled["ads"])


def test_runs_are_recorded_in_elasticsearch(crawled):
    out = adwatch("runs", "--limit", "5", env=crawled["env"])
    assert out.returncode == 0
    assert out.stdout.count("adwatch run ") == 2


def test_search_by_stemmed_spanish_word_phone_and_source(crawled):
    env = crawled["env"]
    ads = crawled["ads"]
    singular_only = [
        a
        for a in ads
        if "trabajo" in (a["title"] + " " + a["body"]).lower()
        and "trabajos" not in (a["title"] + " " + a["body"]).lower()
    ]
    assert singular_only, "the demo has ads saying 'trabajo' but not 'trabajos'"
    out = adwatch("search", "trabajos", "--json", "--limit", "1000", env=env)
    hits = json.loads(out.stdout)
    urls = {h["url"] for h in hits}
    assert {a["url"] for a in singular_only} <= urls
    assert all("trabaj" in (h["title"] + h["body"]).lower() for h in hits)

    truth = next(
        a
        for a in crawled["world"].expected_ads(include_browser=False)
        if a["site"] == "classifieds" and a["phones"]
    )
    e164 = truth["phones"][0]
    national = "0" + e164[4:]
    for typed in (e164, f"{national[:4]} {national[4:7]} {national[7:]}"):
        out = adwatch("search", "--phone", typed, "--json", env=env)
        assert truth["url"] in {path_of(h["url"]) for h in json.loads(out.stdout)}, out.stderr

    out = adwatch("search", "--source", "demo-jobs", "--json", "--limit", "100000", env=env)
    hits = json.loads(out.stdout)
    jobs = [a for a in crawled["world"].expected_ads() if a["site"] == "jobs"]
    assert len(hits) == len(jobs) and all(h["source"] == "demo-jobs" for h in hits)
    table = adwatch("search", "trabajos", env=env)
    assert table.returncode == 0 and "ad(s)" in table.stdout


# ---------------------------------------------------------------- an outage in the middle of a run


@pytest.fixture
def outage_node(es_node):
    """The session's node (stopped and started again by the test), or a node of the test's own
    when the session uses a cluster it did not start."""
    url, node = es_node
    if node is not None:
        yield url, node
        return
    from tests.es_node import ElasticsearchNode

    own = ElasticsearchNode()
    url = own.start()
    try:
        yield url, own
    finally:
        own.stop()


def test_node_stopped_mid_run_spools_and_the_next_run_replays_exactly(
    demo_server, outage_node, tmp_path
):
    url, node = outage_node
    # slow enough that the node can be stopped while ads are still coming
    env = demo_env(demo_server, url, tmp_path, politeness="{concurrency: 2, delay: 0.02}")
    expected = expected_urls(demo_server.world)
    alias = f"{env['ADWATCH_ES_PREFIX']}-ads"
    assert adwatch("setup", env=env).returncode == 0

    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli.main", "run", "--json"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    es = Elasticsearch(url)
    try:
        indexed = 0
        deadline = time.monotonic() + 300
        while indexed < 40:
            assert proc.poll() is None, "the run ended before the node could be stopped"
            assert time.monotonic() < deadline, "no ads indexed in 300 s"
            time.sleep(0.3)
            try:
                indexed = es.count(index=alias)["count"]
            except Exception:
                indexed = 0
        node.halt()
        stopped_with = indexed
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
        es.close()
    first = json.loads(out[out.find("{") :])
    assert proc.returncode == 0, err[-3000:]
    assert first["spooled"] > 0, "nothing was spooled: the node stopped after the last write?"
    assert stopped_with < len(expected)
    assert first["ads_in_store"] is None  # the node was down at the end of the run
    assert "SPOOLED" in format_summary(first)

    node.resume()
    second = run_json("run", "--all", env=env)
    assert second["_exit"] == 0, second["_stderr"][-3000:]
    assert second["replayed"] >= first["spooled"]
    assert second["spooled"] == 0

    ads = stored_ads(env)
    stored = [path_of(a["url"]) for a in ads]
    assert len(stored) == len(set(stored)) == len(expected), "an ad was lost or indexed twice"
    assert set(stored) == expected
    assert second["ads_in_store"] == len(expected)
    # every sighting counted once: spooled writes replayed, none applied twice
    sightings = sum(
        run["totals"][k]
        for run in (first, second)
        for k in ("ads_new", "ads_updated", "ads_unchanged", "ads_spooled", "detail_skipped_known")
    )
    assert sum(a["seen_count"] for a in ads) == sightings
    store = ElasticsearchStore(ESConfig(url=url, prefix=env["ADWATCH_ES_PREFIX"]), tmp_path / "d")
    try:
        store.es.indices.refresh(index=store.alias["runs"])
        assert len(store.runs()) == 2  # the first run's record was spooled too
    finally:
        store.close()
    delete_es_prefix(url, env["ADWATCH_ES_PREFIX"])


def test_doctor_checks_the_node_the_indices_and_the_spool(crawled):
    env = crawled["env"]
    out = adwatch("doctor", env=env)
    prefix = env["ADWATCH_ES_PREFIX"]
    assert out.returncode == 0, out.stdout
    assert "[ok] elasticsearch: " in out.stdout
    for kind in ("ads", "images", "alerts", "runs"):
        assert f"[ok] index {prefix}-{kind}: {prefix}-{kind}-000001" in out.stdout
    assert "[ok] spool: " in out.stdout and "empty" in out.stdout
    assert "[ok] elasticsearch disk: " in out.stdout


def test_doctor_reports_a_node_that_does_not_answer(tmp_path):
    env = {
        "ADWATCH_ES_URL": "http://127.0.0.1:9",
        "ADWATCH_ES_TIMEOUT": "2",
        "ADWATCH_DATA_DIR": str(tmp_path),
    }
    out = adwatch("doctor", env=env, timeout=120)
    assert out.returncode == 1
    assert "[FAIL] elasticsearch: http://127.0.0.1:9" in out.stdout
