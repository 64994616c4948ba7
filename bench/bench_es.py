"""Elasticsearch store throughput: ads per second through ``ElasticsearchStore.upsert_ads`` into a
real node, against plain ``elasticsearch.helpers.bulk`` of the same documents, in the same run.

The ads are the demo world's (Spanish, Portuguese and English text, phones, prices, photos).
The store's figure includes all its own work (building the documents with their stems, reading
the sighting state of each batch, the bulk request, checking every item); the baseline sends the
finished documents and nothing else. Both write into fresh indices made from the same template,
in batches of ``ADWATCH_ES_STORE_BATCH`` (500), alternating, best of six rounds each.

Starts a node with tests/es_node.py, or uses ``ADWATCH_TEST_ES_URL``. Last line:
``es_bulk_ratio: R`` (store ads/s divided by the baseline's; the target is >= 0.8).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from elasticsearch import helpers  # noqa: E402

from crawler.extract.urls import ad_id  # noqa: E402
from crawler.items import Ad  # noqa: E402
from crawler.stores.elasticsearch import ElasticsearchStore, ESConfig  # noqa: E402
from crawler.stores.es_schema import ad_document  # noqa: E402

SIZE = int(os.environ.get("BENCH_ES_SIZE", "5000"))
ROUNDS = int(os.environ.get("BENCH_ES_ROUNDS", "6"))
BATCH = 500
SEEN_AT = "2026-01-01T00:00:00+00:00"


def demo_ads(size: int) -> list[Ad]:
    from demosite import generate

    ads = []
    for i, truth in enumerate(generate(seed=1, size=size).expected_ads(include_browser=True)):
        url = "https://demo.example" + truth["url"]
        ads.append(
            Ad(
                id=ad_id(url),
                source=f"demo-{truth['site']}",
                kind=truth["kind"],
                url=url,
                canonical_url=url,
                title=truth["title"],
                body=truth["body"],
                price=truth["price"],
                currency=truth["currency"],
                price_period=truth["price_period"],
                location=truth["location"],
                country=truth["country"],
                language=truth["language"],
                posted_at=truth["posted_at"],
                employer=truth["employer"],
                phones=truth["phones"],
                emails=truth["emails"],
                handles=truth["handles"],
                whatsapp=truth["whatsapp"],
                image_urls=["https://demo.example" + u for u in truth["image_urls"]],
                content_hash=f"{i:08d}",
                fetched_at=SEEN_AT,
            )
        )
    return ads


def new_store(url: str, directory: str) -> ElasticsearchStore:
    store = ElasticsearchStore(ESConfig(url=url, prefix=f"bench{uuid.uuid4().hex[:8]}"), directory)
    store.setup()
    return store


def drop(store: ElasticsearchStore) -> None:
    store.es.indices.delete(index=f"{store.prefix}-*")
    for kind in store.alias:
        store.es.indices.delete_index_template(name=store.alias[kind])
    store.close()


def through_store(url: str, ads: list[Ad], directory: str) -> float:
    store = new_store(url, directory)
    try:
        start = time.perf_counter()
        for i in range(0, len(ads), BATCH):
            statuses = store.upsert_ads(ads[i : i + BATCH], SEEN_AT)
            assert all(s == "new" for s in statuses), set(statuses)
        elapsed = time.perf_counter() - start
        store.flush()
        assert store.count_ads() == len(ads)
        return len(ads) / elapsed
    finally:
        drop(store)


def plain_bulk(url: str, docs: list[dict], directory: str) -> float:
    store = new_store(url, directory)
    try:
        index = store.alias["ads"]
        start = time.perf_counter()
        ok, errors = helpers.bulk(
            store.es,
            ({"_index": index, "_id": d["id"], "_source": d} for d in docs),
            chunk_size=BATCH,
        )
        elapsed = time.perf_counter() - start
        assert ok == len(docs) and not errors
        return len(docs) / elapsed
    finally:
        drop(store)


def main() -> int:
    external = os.environ.get("ADWATCH_TEST_ES_URL")
    node = None
    if external:
        url = external.rstrip("/")
    else:
        from tests.es_node import ElasticsearchNode

        node = ElasticsearchNode()
        started = time.perf_counter()
        url = node.start()
        print(f"node started in {time.perf_counter() - started:.1f}s at {url}")
    try:
        ads = demo_ads(SIZE)
        docs = []
        for ad in ads:  # the very documents the store writes for a new ad
            doc = ad_document(ad)
            doc.update(first_seen=SEEN_AT, last_seen=SEEN_AT, seen_count=1, op_seq=1)
            docs.append(doc)
        with tempfile.TemporaryDirectory() as directory:
            through_store(url, ads[:1000], directory)  # warm-up, not counted
            plain_bulk(url, docs[:1000], directory)
            store_rates, bulk_rates = [], []
            for round_ in range(ROUNDS):  # alternate which goes first: the load drifts
                if round_ % 2:
                    bulk_rates.append(plain_bulk(url, docs, directory))
                    store_rates.append(through_store(url, ads, directory))
                else:
                    store_rates.append(through_store(url, ads, directory))
                    bulk_rates.append(plain_bulk(url, docs, directory))
    finally:
        if node is not None:
            node.stop()
    best_store, best_bulk = max(store_rates), max(bulk_rates)
    print(f"cores: {os.cpu_count()}")
    print(f"ads: {len(ads)}, batch {BATCH}, rounds {ROUNDS}")
    print(
        f"store (upsert_ads): {best_store:,.0f} ads/s "
        f"(median {statistics.median(store_rates):,.0f})"
    )
    print(
        f"plain helpers.bulk: {best_bulk:,.0f} ads/s (median {statistics.median(bulk_rates):,.0f})"
    )
    print(f"es_bulk_ratio: {best_store / best_bulk:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
