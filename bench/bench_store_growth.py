"""Cost of an incremental run as the store grows: the same run on a small and a big store.

The demo classifieds site is served on 127.0.0.1 (in its own process). Two data directories:

1. small: a first ``adwatch run`` stores the site's ads and their photos;
2. big: the same, on a store that already holds ``--ads`` (1,000,000) other ads with their
   phone numbers, photos (hashes, URLs, pages), repost sightings, and the ledger's sightings,
   all decided: a store grown by months of crawling. It is written straight into SQLite
   (the schema of crawler/stores/, bulk INSERTs in one transaction) and kept in a cache
   directory (``--cache``, default: the system's temporary directory) for the next time.

Then ``adwatch run`` over the site, every ad already known, is timed on each store in turn
(``--repeat`` times each, alternating, after one untimed run each): the whole process, from
start-up (the photo index, the schedule, the rules) to the run summary. Its CPU time (user
and system, with any process it starts) is the figure, steadier than the wall time when
other work shares the cores; both are printed. Prints the median of each and, last,
``store_growth_ratio: R`` (big / small, CPU time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demosite import DemoServer, sources_yaml  # noqa: E402

STORE_FILE = "adwatch.sqlite3"
SOURCE = "demo-classifieds"
#: Other ads of the big store: a repost sighting for one in REPOST_EVERY, a rule match
#: (an alert sighting) for one in MATCH_EVERY.
REPOST_EVERY = 50
MATCH_EVERY = 10


def schema_key() -> str:
    """A short hash of the store's schema, so that a cached store built for another
    schema is not used."""
    from crawler.stores import alert_state, photo_state, sqlite

    text = sqlite.SCHEMA + "".join(sqlite.FTS_SCHEMA)
    text += photo_state.PHOTO_SCHEMA + alert_state.ALERT_SCHEMA
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build_big_store(path: Path, ads: int) -> None:
    """A store with ``ads`` ads of another site, written with SQL alone (a row generator and
    INSERT ... SELECT): ads (with their full-text rows), phones, one photo each (random
    pHash, dHash and crop hashes, as distinct photos have), its URL and page, the ledger's
    sightings (decided), and repost sightings."""
    from crawler.photos.hashing import CROP_BOXES
    from crawler.stores.sqlite import SQLiteStore

    SQLiteStore(path).db.close()  # the schema, as the store makes it
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    seen = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 86400))
    numbers = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ads})"
    url = "'https://other.example/ad/' || i"
    phone = "'+49301' || printf('%07d', i)"
    statements = [
        f"""INSERT INTO ads (id, source, kind, url, canonical_url, title, body, price, currency,
            location, country, language, phones, content_hash, fetched_at, matched_rules,
            risk_score, first_seen, last_seen, seen_count)
        {numbers} SELECT 'other' || i, 'other-site', 'classified', {url}, {url},
            'Anuncio ' || i, 'Vendo artículo número ' || i || ', llamar al ' || {phone},
            i % 1000, 'PYG', 'Asunción', 'PY', 'es', json_array({phone}),
            printf('%064d', i), '{seen}',
            CASE WHEN i % {MATCH_EVERY} = 0 THEN '["demo-rule"]' ELSE '[]' END,
            CASE WHEN i % {MATCH_EVERY} = 0 THEN 1.0 ELSE 0 END, '{seen}', '{seen}', 1
        FROM n""",
        f"INSERT INTO ad_phones (phone, ad_id) {numbers} SELECT {phone}, 'other' || i FROM n",
        f"""INSERT INTO images (id, sha256, phash, phash_mirror, dhash, dhash_mirror, crops,
            width, height, format, bytes, path, cluster, first_seen)
        {numbers} SELECT i, printf('%064x', i), random(), random(), random(), random(),
            randomblob({16 * len(CROP_BOXES)}), 640, 480, 'JPEG', 48000,
            'full/other/' || i || '.jpg', i, '{seen}'
        FROM n""",
        f"""INSERT INTO image_urls (url, image_id, fetched_at)
        {numbers} SELECT 'https://other.example/img/' || i || '.jpg', i, '{seen}' FROM n""",
        f"""INSERT INTO ad_images (canonical_url, position, ad_id, image_id, url, source, phones)
        {numbers} SELECT {url}, 0, 'other' || i, i, 'https://other.example/img/' || i || '.jpg',
            'other-site', json_array({phone})
        FROM n""",
        f"""INSERT INTO sightings (canonical_url, ad_id, url, source, title, phones, first_seen,
            last_seen)
        {numbers} SELECT 'https://other.example/repost/' || i, 'other' || i,
            'https://other.example/repost/' || i, 'other-site', 'Anuncio ' || i,
            json_array({phone}), '{seen}', '{seen}'
        FROM n WHERE i % {REPOST_EVERY} = 0""",
        f"""INSERT INTO phone_sightings (phone, ad_id, source, city, ad_date, ad, processed)
        {numbers} SELECT {phone}, 'other' || i, 'other-site', 'Asunción', '{seen}', '{{}}', 1
        FROM n""",
        f"""INSERT INTO alert_sightings (ad_id, content_hash, rules, seen_at, ad, processed)
        {numbers} SELECT 'other' || i, printf('%064d', i), '["demo-rule"]', '{seen}', '{{}}', 1
        FROM n WHERE i % {MATCH_EVERY} = 0""",
    ]
    conn.execute("BEGIN")
    for sql in statements:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def cached_big_store(cache: Path, ads: int) -> Path:
    """The big store's file in ``cache`` (built there first if missing)."""
    path = cache / f"store-growth-{ads}-{schema_key()}.sqlite3"
    if not path.exists():
        started = time.monotonic()
        partial = path.with_suffix(".partial")
        for leftover in cache.glob(partial.name + "*"):
            leftover.unlink()
        build_big_store(partial, ads)
        partial.rename(path)
        print(f"built a store of {ads} ads in {time.monotonic() - started:.0f}s: {path}")
    return path


def children_cpu() -> float:
    """CPU seconds (user + system) of the child processes that ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def adwatch_run(data: Path, sources: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``adwatch run`` of the site into ``data``: the whole
    process, with any it started."""
    env = dict(
        os.environ, ADWATCH_DATA_DIR=str(data), ADWATCH_SOURCES=str(sources), PYTHONPATH=str(ROOT)
    )
    cmd = [sys.executable, "-m", "crawler.cli.main", "run", "--all", "--json"]
    cmd += ["--log-level", "WARNING"]
    started, cpu = time.monotonic(), children_cpu()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed, cpu = time.monotonic() - started, children_cpu() - cpu
    out = proc.stdout
    if "{" not in out:
        sys.exit(f"adwatch run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    summary = json.loads(out[out.index("{") :])
    if summary["sources"][0].get("failed"):
        sys.exit(f"the source failed: {summary['sources'][0]}")
    return elapsed, cpu


def write_sources(base_url: str, path: Path) -> None:
    doc = yaml.safe_load(sources_yaml(base_url))
    doc["sources"] = [s for s in doc["sources"] if s["name"] == SOURCE]
    # the same load on the site for both stores, without waiting on adaptive delays
    doc["sources"][0]["politeness"] = {"concurrency": 8, "autothrottle": False}
    path.write_text(yaml.safe_dump(doc))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ads", type=int, default=1_000_000, help="other ads in the big store")
    ap.add_argument("--size", type=int, default=500, help="size of the demo world")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs on each store")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "adwatch-bench")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    big_file = cached_big_store(args.cache, args.ads)
    with DemoServer(seed=1, size=args.size) as server, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sources = tmp / "sources.yaml"
        write_sources(server.base_url, sources)
        small, big = tmp / "small", tmp / "big"
        big.mkdir()
        shutil.copyfile(big_file, big / STORE_FILE)
        for data in (small, big):
            adwatch_run(data, sources)  # stores the site's ads
            adwatch_run(data, sources)  # every ad known from here on
        times: dict[Path, list[tuple[float, float]]] = {small: [], big: []}
        for _ in range(args.repeat):
            for data in (small, big):
                times[data].append(adwatch_run(data, sources))
        ads = sum(1 for a in server.world.expected_ads(sites=["classifieds"]))
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"site: demo classifieds, {ads} ads; big store: {args.ads} other ads with photos")
    figures = {}
    for name, data in (("site's ads only", small), (f"{args.ads} more ads", big)):
        wall = statistics.median(t[0] for t in times[data])
        figures[data] = cpu = statistics.median(t[1] for t in times[data])
        runs = " ".join(f"{t[0]:.2f}/{t[1]:.2f}" for t in times[data])
        print(f"incremental run, {name}: {cpu:.2f}s CPU, {wall:.2f}s wall (median; runs {runs})")
    print(f"store_growth_ratio: {figures[big] / figures[small]:.2f}")


if __name__ == "__main__":
    main()
