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
from crawler.fetch.rendering import needs_browser, wait_selector
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


def test_a_document_without_a_usable_charset_is_declared_utf8_when_its_bytes_are():
    from crawler.fetch.browser_guard import inferred_charset

    page = "<html><body><h1>Señora</h1></body></html>"
    assert inferred_charset("text/html", page.encode()) == "utf-8"
    assert inferred_charset("text/html; charset=x-no-such-charset", page.encode()) == "utf-8"
    assert inferred_charset("text/html", page.encode("cp1252")) is None
    assert inferred_charset("text/html; charset=iso-8859-1", page.encode()) is None
    meta = '<html><head><meta charset="iso-8859-1"></head><body>Señora</body></html>'
    assert inferred_charset("text/html", meta.encode()) is None
    assert inferred_charset("text/html", b"\xef\xbb\xbf" + page.encode()) is None
    assert inferred_charset("application/json", page.encode()) is None


def test_a_document_reached_through_redirects_gets_the_base_of_its_final_url():
    from crawler.fetch.browser_guard import with_base_href

    page = b"<!doctype html><html><HEAD lang=es><title>x</title></head><a href=b>b</a></html>"
    assert with_base_href(page, "http://e.org/new/a?x=1&y=2") == page.replace(
        b"<HEAD lang=es>", b'<HEAD lang=es><base href="http://e.org/new/a?x=1&amp;y=2">'
    )
    based = b'<html><head><base href="/v2/"></head></html>'
    assert with_base_href(based, "http://e.org/new/a") == based


def test_the_browser_guard_applies_the_sources_private_network_policy():
    import asyncio

    from crawler.fetch.browser_guard import BLOCKED_STAT, SCHEME_STAT, BrowserGuard

    async def refusals(allow, urls):
        guard = BrowserGuard(allow)
        return [await guard.refusal(u) for u in urls]

    urls = [
        "http://127.0.0.1:8765/a",
        "http://127.0.0.1:9999/a",
        "https://169.254.169.254/latest/meta-data/",
        "ws://[::1]:8765/socket",
        "http://localhost:8765/",
        "file:///etc/passwd",
        "data:text/html,<h1>x</h1>",
        "about:blank",
        "http://93.184.215.14/",
    ]
    assert asyncio.run(refusals(["127.0.0.1:8765"], urls)) == [
        None,
        BLOCKED_STAT,
        BLOCKED_STAT,
        BLOCKED_STAT,
        BLOCKED_STAT,
        SCHEME_STAT,
        None,
        None,
        None,
    ]
    assert asyncio.run(refusals(True, urls))[:5] == [None] * 5


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
        [sys.executable, "-m", "crawler.cli.main", "crawl", "demo-app", "--json"],
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


def crawl_in_browser(site, tmp_path, name: str, start: str) -> tuple[dict, dict]:
    """Crawl ``start`` of the hostile site through the browser (its own port allowed):
    the run summary of the source, and the stored ads by path."""
    from crawler.stores import open_store

    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"""sources:
  - name: {name}
    kind: classified
    start_urls: ["{site.base_url}{start}"]
    links: "a.ad::attr(href)"
    fields:
      title: "h1::text"
      body: "div.body"
    render: browser
    allow_private_network: ["127.0.0.1:{site.port}"]
"""
    )
    env = {
        "ADWATCH_DATA_DIR": str(tmp_path / "data"),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_ALERTS": "false",
    }
    summary = run_json("crawl", name, env=env)
    store = open_store(tmp_path / "data")
    ads = {a["url"].removeprefix(site.base_url): a for a in store.all_ads()}
    store.close()
    return summary["sources"][0], ads


@pytest.mark.slow
def test_rendered_pages_without_a_usable_charset_keep_their_accents(tmp_path):
    from tests.hostile_site import HostileSite

    with HostileSite() as site:
        source, ads = crawl_in_browser(site, tmp_path, "charsets", "/charsets/")
    assert source["render"]["browser_pages"] >= 3 and source["render"]["static_pages"] == 0
    assert ads["/ad/no-charset"]["title"] == "Señora busca cuidadora en São Paulo"
    assert "Niñera cariñosa, atención día y noche" in ads["/ad/no-charset"]["body"]
    assert ads["/ad/unknown-charset"]["title"] == "Mudanzas económicas en Ñemby"
    assert "Camión grande, señor Muñoz" in ads["/ad/unknown-charset"]["body"]


@pytest.mark.slow
def test_the_browser_never_reaches_the_private_network_from_scripts_or_redirects(tmp_path):
    from tests.hostile_site import JS_PRIVATE_REQUESTS, JS_PRIVATE_TITLE, HostileSite

    with HostileSite() as site:
        source, ads = crawl_in_browser(site, tmp_path, "private", "/browser-private/")
        private_hits = dict(site.private.hits)
        xhr_redirects = site.count("/redirect-xhr")
    assert source["render"]["static_pages"] == 0
    assert private_hits == {}
    assert xhr_redirects == 1  # the redirect was answered, its target never asked for
    # the page's own requests, and the three pages redirecting to 127.0.0.1 (another port),
    # localhost and 169.254.169.254, each refused once (not retried)
    assert source["errors"]["blocked_private_network"] == JS_PRIVATE_REQUESTS + 3
    assert set(ads) == {"/ad/good-1", "/ad/js-to-private"}
    assert ads["/ad/good-1"]["title"] == "Habitación en Asunción"
    assert ads["/ad/js-to-private"]["title"] == JS_PRIVATE_TITLE
