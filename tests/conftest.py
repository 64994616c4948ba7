"""Shared fixtures: the demo sites on 127.0.0.1 and a way to run the real ``adwatch`` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def adwatch(*args: str, env: dict[str, str] | None = None, timeout: float = 600, cwd=None):
    """Run ``adwatch ARGS`` in a child process (Scrapy's reactor runs once per process)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONPATH", str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


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
