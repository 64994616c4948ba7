"""The test Elasticsearch node: it starts, matches the Python client, and adwatch's mapping
stems Spanish on it."""

from __future__ import annotations

import json
import tempfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.es_node import ElasticsearchNode, NodeStartError, es_url_fixture

NOW = "2025-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def node_url(es_url: str) -> Iterator[str]:
    yield es_url


def es(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send one JSON request; an error status fails the test with Elasticsearch's own answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        pytest.fail(f"{method} {url} -> {exc.code}: {exc.read().decode(errors='replace')}")


def test_node_reports_a_healthy_cluster(node_url: str) -> None:
    health = es("GET", f"{node_url}/_cluster/health?wait_for_status=yellow&timeout=30s")

    assert health["status"] in ("green", "yellow")
    assert not health["timed_out"]


def test_server_major_version_matches_python_client(node_url: str) -> None:
    elasticsearch = pytest.importorskip("elasticsearch")
    # _nodes rather than GET /: the integration-test distribution lacks the module serving GET /.
    nodes = es("GET", f"{node_url}/_nodes/_local?filter_path=nodes.*.version")["nodes"]
    (server_version,) = (node["version"] for node in nodes.values())
    client_major = elasticsearch.__versionstr__.split(".")[0]

    assert server_version.split(".")[0] == client_major, (
        f"server {server_version} vs Python client {elasticsearch.__versionstr__}: a client only "
        "talks to a server of its own major version"
    )


def test_adwatch_mapping_finds_a_plural_by_its_singular_on_this_node(
    node_url: str, tmp_path: Path
) -> None:
    """Stemming works whether or not the node has the ``spanish`` analyzer: the test node (the
    integration-test distribution) has none, so this exercises adwatch's own Snowball stems;
    a full distribution adds ``title.es``/``body.es`` subfields as well."""
    from crawler.stores.base import SearchQuery
    from crawler.stores.elasticsearch import ElasticsearchStore, ESConfig
    from tests.stores.test_es_store import make_ad

    prefix = f"t{uuid.uuid4().hex[:10]}"
    store = ElasticsearchStore(ESConfig(url=node_url, prefix=prefix), tmp_path)
    try:
        store.setup()
        store.upsert_ads([make_ad(1, title="Oferta de trabajo", body="Media jornada")], NOW)
        store.flush()

        hits = store.search(SearchQuery(text="trabajos"))

        assert [h.ad.title for h in hits] == ["Oferta de trabajo"]
        index = store.indices.write_index(store.alias["ads"])
        title = store.es.indices.get_mapping(index=index)[index]["mappings"]["properties"]["title"]
        assert ("es" in title["fields"]) == store.has_language_analyzers()
    finally:
        store.es.indices.delete(index=f"{prefix}-*")
        store.close()


def failing_script(tmp_path: Path) -> Path:
    script = tmp_path / "elasticsearch.sh"
    script.write_text('echo "no JDK found" >&2\nexit 1\n')
    return script


def test_fixture_uses_given_url_without_starting_a_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADWATCH_TEST_ES_URL", "http://127.0.0.1:9/")

    def refuse() -> ElasticsearchNode:
        raise AssertionError("no node may start when ADWATCH_TEST_ES_URL is set")

    assert next(es_url_fixture(refuse)) == "http://127.0.0.1:9"


def test_node_that_cannot_start_skips_outside_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ADWATCH_TEST_ES_URL", raising=False)
    monkeypatch.delenv("CI", raising=False)
    script = failing_script(tmp_path)

    with pytest.raises(pytest.skip.Exception, match="no JDK found"):
        next(es_url_fixture(lambda: ElasticsearchNode(script)))


def test_node_that_cannot_start_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ADWATCH_TEST_ES_URL", raising=False)
    monkeypatch.setenv("CI", "true")
    script = failing_script(tmp_path)

    with pytest.raises(NodeStartError, match="no JDK found"):
        next(es_url_fixture(lambda: ElasticsearchNode(script)))


def test_node_that_cannot_start_leaves_no_folder_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    node = ElasticsearchNode(failing_script(tmp_path))

    with pytest.raises(NodeStartError):
        node.start()

    assert node.url is None
    assert list(temp.iterdir()) == []
