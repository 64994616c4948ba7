"""Shared fixtures: the demo sites on 127.0.0.1, a real Elasticsearch node, and a way to run the
real ``adwatch`` CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.launcher import Launcher

ROOT = Path(__file__).resolve().parent.parent
_LAUNCHER = Launcher()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Each test chooses its store: an operator's Elasticsearch or Kibana must never be written to.
for _name in ("ADWATCH_ES_URL", "ADWATCH_ES_API_KEY", "ADWATCH_KIBANA_URL"):
    os.environ.pop(_name, None)


# The fixtures that need the Elasticsearch test node: a test using any of them, directly or
# through a fixture of its own, is marked ``es`` (``make test-fast`` leaves those out).
ES_FIXTURES = frozenset({"es_node", "es_url", "es_env"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``es`` every test that asks for the Elasticsearch node, before ``-m`` selects."""
    for item in items:
        if ES_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.es)


def adwatch(*args: str, env: dict[str, str] | None = None, timeout: float = 600, cwd=None):
    """Run ``adwatch ARGS`` in a child process (Scrapy's reactor runs once per process):
    ``python -m crawler.cli.main ARGS``, started by tests/launcher.py with the third-party
    libraries already imported; returns what ``subprocess.run`` returns."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONPATH", str(ROOT))
    return _LAUNCHER.run(list(args), full_env, cwd or ROOT, timeout)


def run_json(*args: str, env: dict[str, str]) -> dict:
    proc = adwatch(*args, "--json", env=env)
    start = proc.stdout.find("{")
    assert start >= 0, f"no JSON summary\nstdout:{proc.stdout}\nstderr:{proc.stderr[-3000:]}"
    summary = json.loads(proc.stdout[start:])
    summary["_exit"] = proc.returncode
    summary["_stderr"] = proc.stderr
    return summary


@pytest.fixture(scope="session")
def demo_server():
    from demosite import DemoServer

    with DemoServer(seed=1, size=500) as server:
        yield server


@pytest.fixture(scope="session")
def es_node():
    """``(url, node)`` of the test Elasticsearch (tests/es_node.py), started once per session;
    ``node`` is None when ``ADWATCH_TEST_ES_URL`` names a cluster this run did not start.
    A node that cannot start skips the tests that need it, or fails them when CI=true."""
    from tests.es_node import es_node_fixture

    yield from es_node_fixture()


@pytest.fixture(scope="session")
def es_url(es_node) -> str:
    """The URL of the test Elasticsearch node."""
    return es_node[0]


@pytest.fixture
def es_env(es_url, tmp_path):
    """Environment for an ``adwatch`` child process writing to Elasticsearch under a prefix of
    its own (indices ``<prefix>-ads`` ...), deleted after the test."""
    import uuid

    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield {
        "ADWATCH_ES_URL": es_url,
        "ADWATCH_ES_PREFIX": prefix,
        "ADWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    delete_es_prefix(es_url, prefix)


def delete_es_prefix(es_url: str, prefix: str) -> None:
    """Remove a test prefix's indices and templates from the node."""
    from elasticsearch import Elasticsearch

    es = Elasticsearch(es_url)
    try:
        es.indices.delete(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True)
        for kind in ("ads", "images", "alerts", "runs"):
            if es.indices.exists_index_template(name=f"{prefix}-{kind}"):
                es.indices.delete_index_template(name=f"{prefix}-{kind}")
    except Exception:  # the node may be down after an outage test; it goes at session end
        pass
    finally:
        es.close()
