"""What a data directory holds, checked against the demo world's ground truth.

Used by the tests that interrupt runs (a SIGKILL, a full or read-only disk) and then let the
next run finish: the store must end up exactly as one clean run leaves it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

from crawler.stores.sqlite import SQLiteStore


def path_of(url: str) -> str:
    return urlparse(url).path


def integrity_problems(data_dir: Path) -> list[str]:
    """SQLite's own checks of the store file: [] when it is consistent."""
    conn = sqlite3.connect(data_dir / "adwatch.sqlite3")
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        problems = [] if rows == ["ok"] else rows
        problems += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check")]
        return problems
    finally:
        conn.close()


def torn_photos(images: Path) -> list[str]:
    """Photo files (under ``images``) whose bytes do not hash to their name: written in part."""
    bad = []
    for path in images.rglob("*"):
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != path.stem:
            bad.append(str(path))
    return bad


def leftovers(data_dir: Path) -> list[str]:
    """Temporary files a writer left behind."""
    return [
        str(p)
        for p in data_dir.rglob("*")
        if p.name.startswith((".tmp-", ".adwatch-write-check")) or p.suffix == ".tmp"
    ]


def stored(data_dir: Path) -> tuple[list[dict], list[dict]]:
    """The store's ads (with their photo fields) and its repost sightings."""
    store = SQLiteStore(data_dir / "adwatch.sqlite3")
    try:
        ads = store.all_ads()
        sightings = [dict(r) for r in store.conn.execute("SELECT * FROM sightings")]
    finally:
        store.close()
    for sighting in sightings:
        sighting["phones"] = json.loads(sighting["phones"])
    return ads, sightings


def store_vs_truth(data_dir: Path, world, sites=None) -> list[str]:
    """Every way the store differs from the ground truth of ``sites`` (static sites only):
    each ad page stored exactly once, as an ad or as a sighting of the ad it reposts, with
    the truth's fields and all its photos; [] when they agree."""
    ads, sightings = stored(data_dir)
    expected = {a["url"]: a for a in world.expected_ads(sites)}
    problems = []
    own = [path_of(a["url"]) for a in ads]
    seen = [path_of(s["url"]) for s in sightings]
    for name, paths in (("ad", own), ("sighting", seen)):
        twice = sorted({p for p in paths if paths.count(p) > 1})
        if twice:
            problems.append(f"stored twice as {name}: {twice[:5]}")
    if set(own) & set(seen):
        problems.append(f"both ad and sighting: {sorted(set(own) & set(seen))[:5]}")
    missing = set(expected) - set(own) - set(seen)
    extra = (set(own) | set(seen)) - set(expected)
    if missing:
        problems.append(f"{len(missing)} ad(s) of the truth not stored: {sorted(missing)[:5]}")
    if extra:
        problems.append(f"{len(extra)} page(s) stored that are not ads: {sorted(extra)[:5]}")

    pairs = {
        frozenset(pair)
        for pair in world.truth["reposts"]
        if pair[0] in expected and pair[1] in expected
    }
    by_id = {a["id"]: a for a in ads}
    found = set()
    for sighting in sightings:
        original = by_id.get(sighting["ad_id"])
        if original is None:
            problems.append(f"sighting {sighting['url']} of an ad not stored")
            continue
        found.add(frozenset((path_of(sighting["url"]), path_of(original["url"]))))
    if found != pairs:
        problems.append(
            f"reposts: {len(found - pairs)} merged wrongly, {len(pairs - found)} not merged"
        )

    for ad in ads:
        truth = expected.get(path_of(ad["url"]))
        if truth is None:
            continue
        wrong = []
        if ad["title"] != truth["title"]:
            wrong.append("title")
        if (ad["price"] is None) != (truth["price"] is None) or (
            truth["price"] is not None and abs(ad["price"] - truth["price"]) > 0.01
        ):
            wrong.append("price")
        if ad["currency"] != truth["currency"]:
            wrong.append("currency")
        if set(ad["phones"]) != set(truth["phones"]) | set(truth.get("whatsapp", [])):
            wrong.append("phones")
        if ad["posted_at"] != truth["posted_at"]:
            wrong.append("posted_at")
        if ad["language"] != truth["language"]:
            wrong.append("language")
        if [path_of(u) for u in ad["image_urls"]] != truth["image_urls"]:
            wrong.append("image_urls")
        if [path_of(i["url"]) for i in ad["images"]] != truth["image_urls"]:
            wrong.append("photos kept")
        if wrong:
            problems.append(f"{truth['url']}: {', '.join(wrong)} differ from the truth")
    return problems
