"""The extraction worker pool: results equal inline processing; a dead worker is replaced; a
page over the time budget fails alone and the crawl goes on."""

from __future__ import annotations

import asyncio
import hashlib
import io

import pytest

from crawler.config import Source
from crawler.extract.workers import FAILED, NO_AD, OK, WorkerPool, process_item
from crawler.items import Capture, Page

SOURCE = Source(name="t", kind="classified", start_urls=["http://example.org/"], country="PY")
HTML = (
    b"<html><body><article><h1>Vendo heladera</h1><span class=price>Gs. 1.500.000</span>"
    b"<p>Casi nueva. Llamar al 0981 234 567.</p></article></body></html>"
)


def page(n: int, body: bytes = HTML) -> Page:
    return Page(url=f"http://example.org/ad/{n}", source="t", body=body, encoding="utf-8")


@pytest.mark.slow  # a worker process killed
def test_workers_give_the_same_ads_as_inline_and_survive_a_crash():
    async def main():
        pool = WorkerPool(1)
        try:
            first = await asyncio.gather(*(pool.run(page(n), SOURCE) for n in range(20)))
            pool.workers[0].process.kill()
            pool.workers[0].process.join()
            after = await asyncio.gather(*(pool.run(page(n), SOURCE) for n in range(20, 25)))
            empty = await pool.run(page(99, b"<html><body></body></html>"), SOURCE)
            return first, after, empty, pool.crashes
        finally:
            pool.shutdown()

    first, after, empty, crashes = asyncio.run(main())
    inline = process_item(page(0), SOURCE)
    assert all(status == OK for status, _ in first + after)
    ad = first[0][1]
    assert ad.phones == ["+595981234567"] == inline[1].phones
    assert ad.title == inline[1].title and ad.price == inline[1].price == 1500000
    assert empty[0] == NO_AD
    assert crashes == 1


def test_zero_workers_runs_inline():
    pool = WorkerPool(0)
    status, ad = asyncio.run(pool.run(page(1), SOURCE))
    assert status == OK and not pool.workers


def test_a_worker_makes_the_warc_records_of_a_captured_page():
    from warcio.archiveiterator import ArchiveIterator

    capture = Capture(
        url="http://example.org/ad/7",
        status=200,
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        body=b"",  # the crawler sends the exchange without the body: the page has it
        captured_at="2026-11-28T10:00:00.123456+00:00",
        request_headers=[("User-Agent", "adwatch")],
    )
    item = Page(url=capture.url, source="t", body=HTML, encoding="utf-8", capture=capture)

    async def main():
        pool = WorkerPool(1)
        try:
            return await pool.run(item, SOURCE)
        finally:
            pool.shutdown()

    status, ad = asyncio.run(main())
    assert status == OK
    made = ad.capture.records
    assert ad.capture.body == b"" and made.body_bytes == len(HTML)
    assert made.body_sha256 == hashlib.sha256(HTML).hexdigest()
    records = list(
        (r.rec_type, r.rec_headers, r.content_stream().read())
        for r in ArchiveIterator(io.BytesIO(made.data))
    )
    assert [kind for kind, _, _ in records] == ["response", "request"]
    response = records[0]
    assert response[2] == HTML
    assert response[1].get_header("WARC-Record-ID") == made.record_id
    assert response[1].get_header("WARC-Date") == "2026-11-28T10:00:00.123456Z"
    assert records[1][1].get_header("WARC-Concurrent-To") == made.record_id


# an XPath whose cost grows with the cube of the page's paragraphs: minutes on 3000 of them
SLOW_SOURCE = Source(
    name="slow",
    kind="classified",
    start_urls=["http://example.org/"],
    fields={"title": "//p[count(following::p[count(following::p) > 0]) > 0]", "body": "//p"},
    country="PY",
)
SLOW_PAGE = Page(
    url="http://example.org/ad/slow",
    source="slow",
    body=b"<html><body>" + b"<p>Vendo auto</p>" * 3000 + b"</body></html>",
    encoding="utf-8",
)


@pytest.mark.slow  # a worker process killed after 3 s of CPU time
def test_a_page_over_the_time_budget_fails_alone_and_its_worker_is_replaced():
    async def main():
        pool = WorkerPool(1, page_budget=3.0)
        try:
            # the pages queued behind the slow one move to a new worker, blameless
            results = await asyncio.wait_for(
                asyncio.gather(
                    pool.run(page(1), SOURCE),
                    pool.run(SLOW_PAGE, SLOW_SOURCE),
                    *(pool.run(page(n), SOURCE) for n in range(2, 7)),
                ),
                timeout=300,  # a guard for a pool without a budget, which would take minutes
            )
            after = await pool.run(page(9), SOURCE)
            return results, after, pool.overruns, pool.crashes
        finally:
            pool.shutdown()

    results, after, overruns, crashes = asyncio.run(main())
    over = "over the page time budget (3s of CPU time, ADWATCH_PAGE_TIME_BUDGET)"
    assert results[1] == (FAILED, over)
    assert [status for status, _ in results[:1] + results[2:]] == [OK] * 6, [
        r for s, r in results if s != OK
    ]
    assert after[0] == OK and after[1].title == results[0][1].title
    assert (overruns, crashes) == (1, 0)


def test_the_budget_comes_from_the_environment(monkeypatch):
    from crawler import settings

    assert WorkerPool(0).page_budget == settings.ADWATCH_PAGE_TIME_BUDGET
    monkeypatch.setenv("ADWATCH_PAGE_TIME_BUDGET", "0.5")
    assert WorkerPool(0).page_budget == 0.5
