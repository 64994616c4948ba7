"""A crawl of the hostile site (tests/hostile_site.py): every trap is skipped and counted,
the ordinary ads between them are stored, and nothing is fetched that must not be."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from crawler.run import logs
from crawler.stores import open_store
from tests.conftest import ROOT
from tests.hostile_site import GOOD_ADS, MAX_PAGES, HostileSite

pytestmark = pytest.mark.slow

# Runs `adwatch ARGS` and reports the crawler process's peak memory on stderr.
PEAK_MEMORY = (
    "import resource, runpy, sys\n"
    "try:\n"
    "    runpy.run_module('crawler.cli.main', run_name='__main__')\n"
    "finally:\n"
    "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    print(f'peak_rss_kb={peak}', file=sys.stderr)\n"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    with HostileSite() as site:
        sources = tmp / "sources.yaml"
        sources.write_text(
            f"""sources:
  - name: hostile
    kind: classified
    start_urls: ["{site.base_url}/list/"]
    links: "a.ad::attr(href)"
    next_page: "a.next::attr(href)"
    fields:
      title: "h1::text"
      body: "div.body"
    render: static
    allow_private_network: ["127.0.0.1:{site.port}"]
    politeness: {{max_pages: {MAX_PAGES}}}
"""
        )
        env = {
            "ADWATCH_DATA_DIR": str(tmp / "data"),
            "ADWATCH_SOURCES": str(sources),
            "ADWATCH_ALERTS": "false",
        }
        summary = crawl_with_peak_memory("hostile", env)
        summary["_log"] = (tmp / "data" / logs.FILE_NAME).read_text()
        store = open_store(tmp / "data")
        ads = {a["url"].removeprefix(site.base_url): a for a in store.all_ads()}
        store.close()
        yield {"summary": summary, "source": summary["sources"][0], "ads": ads, "site": site}


def crawl_with_peak_memory(source: str, env: dict[str, str]) -> dict:
    """``adwatch crawl SOURCE --json`` in a child process: its summary, exit status, stderr."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, "crawl", source, "--json"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    start = proc.stdout.find("{")
    assert start >= 0, f"no JSON summary\nstdout:{proc.stdout}\nstderr:{proc.stderr[-3000:]}"
    summary = json.loads(proc.stdout[start:])
    summary["_exit"] = proc.returncode
    summary["_stderr"] = proc.stderr
    return summary


def stat(hostile, name: str) -> int:
    """A counter from the stats Scrapy dumps into the run's log file at the end of the crawl."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", hostile["summary"]["_log"])
    return int(found.group(1)) if found else 0


def test_the_crawl_goes_on_and_stores_every_ordinary_ad(hostile):
    assert hostile["summary"]["_exit"] == 0, hostile["summary"]["_stderr"][-3000:]
    assert not hostile["source"]["failed"]
    pages = {f"/ad/page-{n}" for n in range(2, MAX_PAGES + 1)}
    assert set(hostile["ads"]) == set(GOOD_ADS) | pages
    for path, title in GOOD_ADS.items():
        assert hostile["ads"][path]["title"] == title


def test_each_trap_is_counted_in_the_summary_by_its_own_name(hostile):
    errors = hostile["source"]["errors"]
    assert errors["pages_too_large"] == 3  # streamed, declared, gzip bomb
    assert errors["redirect_loop"] == 1
    assert errors["redirects_too_many"] == 1
    assert (
        errors["refused_scheme"] == 2
    )  # ftp:, file: (data: and javascript: never become requests)
    # a direct link and redirects (HTTP and meta refresh) to the private site, via localhost,
    # and to the cloud metadata address
    assert errors["blocked_private_network"] == 5
    assert errors["retry_after_too_long"] == 1
    assert "DownloadCancelledError" not in errors
    assert stat(hostile, "adwatch/pages_too_large/sent") == 2
    assert stat(hostile, "adwatch/pages_too_large/decompressed") == 1


def test_bot_walls_are_reported_per_source_and_not_stored(hostile):
    assert hostile["source"]["blocked"] == {
        "captcha": 1,
        "cloudflare": 1,
        "http_403": 1,
        "http_429": 1,
    }
    assert any(w.startswith("blocked: 4 page(s)") for w in hostile["source"]["warnings"])
    for path in ("/ad/captcha", "/ad/challenge", "/ad/forbidden", "/ad/banned"):
        assert path not in hostile["ads"]
    # an ad whose contact form carries a captcha is an ad
    assert "/ad/mentions-captcha" in hostile["ads"]


def test_nothing_private_is_requested(hostile):
    assert dict(hostile["site"].private.hits) == {}


def test_retry_after_is_waited_for_then_the_page_is_fetched_again(hostile):
    site = hostile["site"]
    first, second = site.hits["/ad/slow-down"]
    assert second - first >= 1.0
    assert site.count("/ad/maintenance") == 2
    assert stat(hostile, "adwatch/retry_after/429") == 1
    assert stat(hostile, "adwatch/retry_after/503") == 1
    # an hour is beyond ADWATCH_RETRY_AFTER_MAX: given up at once
    assert site.count("/ad/banned") == 1
    # a 500 is retried after a backoff
    assert site.count("/ad/flaky") == 2
    assert stat(hostile, "adwatch/retry_backoff") >= 1


def test_endless_pagination_stops_at_the_cap(hostile):
    site = hostile["site"]
    assert hostile["source"]["listing_pages"] == MAX_PAGES
    assert site.count(f"/list/{MAX_PAGES}") == 1 and site.count(f"/list/{MAX_PAGES + 1}") == 0
    assert stat(hostile, "adwatch/listing_pages_limit_reached") == 1


def test_a_gzip_bomb_is_refused_before_it_fills_memory(hostile):
    peak_kb = int(re.search(r"peak_rss_kb=(\d+)", hostile["summary"]["_stderr"]).group(1))
    # inflated whole, the bomb alone would take 1 GB
    assert peak_kb < 1024 * 1024


def test_pages_without_a_usable_charset_keep_their_accents(hostile):
    ads = hostile["ads"]
    assert "Niñera cariñosa, atención día y noche" in ads["/ad/no-charset"]["body"]
    assert "Camión grande, señor Muñoz" in ads["/ad/unknown-charset"]["body"]
    # bytes invalid in the declared charset are replaced, the rest of the page is read
    body = ads["/ad/bad-bytes"]["body"]
    assert "Profesora nativa" in body and "\ufffd" in body


def test_the_summary_text_shows_the_blocks_and_the_traps(hostile):
    from crawler.run.summary import format_summary

    text = format_summary(hostile["summary"])
    assert "warning: blocked: 4 page(s) were bot walls" in text
    assert "pages_too_large=3" in text and "redirect_loop=1" in text
