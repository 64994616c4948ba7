"""Adaptive rendering: when a page needs the browser, and a browser killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from parsel import Selector

from crawler.config import Source
from crawler.rendering import needs_browser, wait_selector
from tests.conftest import ROOT, run_json

LISTING = Source(
    name="t",
    kind="classified",
    start_urls=["http://example.org/"],
    links="a.ad-link::attr(href)",
    fields={"title": "h1.ad-title::text"},
)
SHELL = "<html><body><div id='app'></div><script src='/app.js'></script>{}</body></html>"


def test_an_empty_app_shell_needs_the_browser():
    sel = Selector(text=SHELL.format(""))
    assert needs_browser(sel, "http://example.org/", LISTING, False) == "no ad links"
    assert needs_browser(sel, "http://example.org/a/1", LISTING, True) == (
        "expected selectors missing"
    )


def test_a_noscript_wall_or_app_shell_sends_an_auto_extracted_page_to_the_browser():
    auto = Source(name="a", kind="classified", start_urls=["http://example.org/"])
    wall = "<h1>Aviso</h1><noscript>Por favor habilite JavaScript para ver el aviso</noscript>"
    sel = Selector(text=SHELL.format(wall + "<p>" + "texto " * 60 + "</p>"))
    assert needs_browser(sel, "http://example.org/a/1", auto, True) == "noscript wall"
    shell = Selector(text=SHELL.format("<h1>Cargando</h1>"))
    assert needs_browser(shell, "http://example.org/a/1", auto, True) == "empty app shell"


def test_a_page_without_scripts_never_goes_to_the_browser():
    sel = Selector(text="<html><body><main></main><footer>©</footer></body></html>")
    assert needs_browser(sel, "http://example.org/a/1", LISTING, True) is None


def test_a_complete_static_page_stays_static():
    links = "".join(
        f"<p><a class='ad-link' href='/a/{i}'>Aviso número {i}</a></p>" for i in range(20)
    )
    sel = Selector(text=SHELL.format(links + "<p>" + "texto " * 60 + "</p>"))
    assert needs_browser(sel, "http://example.org/", LISTING, False) is None


def test_wait_selectors_are_playwright_syntax():
    assert wait_selector(LISTING, False) == "a.ad-link"
    assert wait_selector(LISTING, True) == "h1.ad-title"
    xp = Source(
        name="x",
        kind="job",
        start_urls=["http://e.org/"],
        links="//a[@class='x']/@href",
        fields={"title": "//h1/text()"},
    )
    assert wait_selector(xp, True) == "xpath=//h1"


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _chromium_of(pid: int) -> list[int]:
    found = []
    for child in _descendants(pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"chromium" in cmd and b"--type=" not in cmd:
            found.append(child)
    return found


@pytest.mark.slow
def test_a_browser_killed_mid_run_is_restarted_and_the_run_completes(demo_server, tmp_path):
    from demosite import sources_yaml

    sources = tmp_path / "sources.yaml"
    sources.write_text(sources_yaml(demo_server.base_url))
    env = dict(
        os.environ,
        ADWATCH_DATA_DIR=str(tmp_path / "data"),
        ADWATCH_SOURCES=str(sources),
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", "demo-app", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not killed:
        browsers = _chromium_of(proc.pid)
        if browsers:
            time.sleep(3)  # let it render some pages first
            for pid in _chromium_of(proc.pid):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        time.sleep(0.2)
    out, err = proc.communicate(timeout=600)
    assert killed, "the browser never started"
    import json

    summary = json.loads(out[out.index("{") :])
    app = summary["sources"][0]
    assert proc.returncode == 0, err[-3000:]
    assert app["render"]["browser_crashes"] >= 1
    expected = [
        a for a in demo_server.world.expected_ads(include_browser=True) if a["site"] == "app"
    ]
    # pages lost with the browser are retried, so the run still gets every ad
    after = run_json(
        "crawl", "demo-app", env={k: env[k] for k in ("ADWATCH_DATA_DIR", "ADWATCH_SOURCES")}
    )
    assert app["ads_new"] + after["sources"][0]["ads_new"] == len(expected)
    assert app["ads_new"] == len(expected)
