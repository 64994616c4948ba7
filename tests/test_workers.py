"""The extraction worker pool: results equal inline processing; a dead worker is replaced."""

from __future__ import annotations

import asyncio

from crawler.config import Source
from crawler.items import Page
from crawler.workers import NO_AD, OK, WorkerPool, process_item

SOURCE = Source(name="t", kind="classified", start_urls=["http://example.org/"], country="PY")
HTML = (
    b"<html><body><article><h1>Vendo heladera</h1><span class=price>Gs. 1.500.000</span>"
    b"<p>Casi nueva. Llamar al 0981 234 567.</p></article></body></html>"
)


def page(n: int, body: bytes = HTML) -> Page:
    return Page(url=f"http://example.org/ad/{n}", source="t", body=body, encoding="utf-8")


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
