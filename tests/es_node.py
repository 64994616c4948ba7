"""A real single-node Elasticsearch on 127.0.0.1 for tests and benchmarks.

``ElasticsearchNode`` drives ``scripts/elasticsearch.sh``, which downloads the distribution into a
cache outside the clone on first use, then starts a node in a folder of its own on a free port.
``es_url_fixture`` is the body of the ``es_url`` pytest fixture: the URL of a node to test against.

Environment:
    ADWATCH_TEST_ES_URL  use this running cluster instead of starting one
    CI                   when "true", a node that cannot start fails the run instead of skipping
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "elasticsearch.sh"

# A first start also downloads about 110 MB; the script itself waits at most 120 s for the node.
START_TIMEOUT_S = 600
STOP_TIMEOUT_S = 60


class NodeStartError(RuntimeError):
    """The node could not be fetched or started; the message carries the script's own words."""


class ElasticsearchNode:
    """One node started by ``scripts/elasticsearch.sh`` in a temporary folder, removed on ``stop``.

    ``start(port=None)`` returns the node's URL; ``port=None`` lets the node pick a free port.
    As a context manager it starts on entry and stops on exit.
    """

    def __init__(self, script: Path = SCRIPT) -> None:
        self.script = script
        self.url: str | None = None
        self._home: str | None = None

    def start(self, port: int | None = None) -> str:
        """Start the node and return its URL, such as ``http://127.0.0.1:43817``."""
        if self.url is not None:
            return self.url
        self._home = tempfile.mkdtemp(prefix="adwatch-es-")
        try:
            result = self._run("start", str(port or 0), timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            self.stop()
            raise NodeStartError(f"{self.script} start took over {START_TIMEOUT_S}s") from exc
        except OSError as exc:
            self.stop()
            raise NodeStartError(f"cannot run {self.script}: {exc}") from exc
        lines = result.stdout.strip().splitlines()
        if result.returncode != 0 or not lines:
            self.stop()
            raise NodeStartError(
                f"{self.script} start exited {result.returncode}:\n{_tail(result.stderr)}"
            )
        self.url = lines[-1]
        return self.url

    def stop(self) -> None:
        """Stop the node, if started, and remove its folder (data and logs included)."""
        if self._home is None:
            return
        try:
            self._run("stop", timeout=STOP_TIMEOUT_S)
        finally:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None
            self.url = None

    def halt(self) -> None:
        """Stop the node's process but keep its folder (the data) for :meth:`resume`:
        an outage, as tests need one."""
        if self._home is None:
            raise RuntimeError("the node was not started")
        self._run("stop", timeout=STOP_TIMEOUT_S)

    def resume(self) -> str:
        """Start a halted node again, on the same port and with the same data."""
        if self._home is None or self.url is None:
            raise RuntimeError("the node was not started")
        port = urlsplit(self.url).port
        result = self._run("start", str(port), timeout=START_TIMEOUT_S)
        if result.returncode != 0:
            raise NodeStartError(
                f"{self.script} start exited {result.returncode}:\n{_tail(result.stderr)}"
            )
        return self.url

    def _run(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        assert self._home is not None
        env = {**os.environ, "ADWATCH_ES_HOME": self._home}
        return subprocess.run(
            ["bash", str(self.script), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def es_node_fixture(
    node_factory: Callable[[], ElasticsearchNode] = ElasticsearchNode,
) -> Iterator[tuple[str, ElasticsearchNode | None]]:
    """Yield ``(url, node)``: the Elasticsearch to test against, and the node this process
    started (None for a cluster given by ``ADWATCH_TEST_ES_URL``), for a pytest fixture.

    ``ADWATCH_TEST_ES_URL`` wins when set (nothing is started). Otherwise a node is started and
    stopped after the last test; if it cannot start, the tests are skipped, or fail when CI=true.
    """
    import pytest

    external = os.environ.get("ADWATCH_TEST_ES_URL")
    if external:
        yield external.rstrip("/"), None
        return
    node = node_factory()
    try:
        url = node.start()
    except NodeStartError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            raise
        pytest.skip(f"no Elasticsearch node: {exc}")
    try:
        yield url, node
    finally:
        node.stop()


def es_url_fixture(
    node_factory: Callable[[], ElasticsearchNode] = ElasticsearchNode,
) -> Iterator[str]:
    """Yield the URL of an Elasticsearch to test against (see :func:`es_node_fixture`)."""
    nodes = es_node_fixture(node_factory)
    url, _node = next(nodes)
    try:
        yield url
    finally:
        nodes.close()


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
