"""Photos, their clusters, which pages show them, and repost sightings, in the SQLite file.

This state stays in ``<data dir>/adwatch.sqlite3`` whichever store holds the ads (the image
pipeline and the repost step of one crawler host read and write it at every ad).

Tables:

* ``images``: one row per distinct photo content (SHA-256 of the bytes): its hashes (pHash,
  mirrored pHash, dHash, mirrored dHash, and the crops' pHash/dHash pairs as a blob of
  big-endian uint64), size, format, where the file is kept (``path`` in ``IMAGES_STORE``),
  and ``cluster``: the id of the oldest photo it is a near-duplicate of (union-find with
  every member pointing at the root; NULL until the repost step has looked at it).
* ``image_urls``: photo URL -> the content fetched there and when (the expiry check).
* ``ad_images``: page (canonical URL) x position -> photo, with the ad it belongs to (the
  page's own ad, or the original of a repost), its source and phone numbers.
* ``sightings``: a repost's page kept as a sighting of the original ad, and
  ``sighting_phones``: their phone numbers (``adwatch search --phone`` finds the original).

Hashes are signed 64-bit integers here (SQLite's INTEGER); :mod:`crawler.photos.hashing` converts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from crawler.items import Ad
from crawler.photos.hashing import ImageFacts, hash_hex, to_signed, to_unsigned
from crawler.stores.connection import SQLiteState, chunks, marks

REPOST = "repost"

PHOTO_SCHEMA = """
CREATE TABLE IF NOT EXISTS images (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    phash INTEGER NOT NULL,
    phash_mirror INTEGER NOT NULL,
    dhash INTEGER NOT NULL,
    dhash_mirror INTEGER NOT NULL,
    crops BLOB NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    format TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    path TEXT,
    cluster INTEGER,
    first_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS images_cluster ON images(cluster);
CREATE TABLE IF NOT EXISTS image_urls (
    url TEXT PRIMARY KEY,
    image_id INTEGER NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ad_images (
    canonical_url TEXT NOT NULL,
    position INTEGER NOT NULL,
    ad_id TEXT NOT NULL,
    image_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    phones TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (canonical_url, position)
);
CREATE INDEX IF NOT EXISTS ad_images_image ON ad_images(image_id);
CREATE INDEX IF NOT EXISTS ad_images_ad ON ad_images(ad_id);
CREATE TABLE IF NOT EXISTS sightings (
    canonical_url TEXT PRIMARY KEY,
    ad_id TEXT NOT NULL,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    phones TEXT NOT NULL DEFAULT '[]',
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    seen_count INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS sightings_ad ON sightings(ad_id);
CREATE TABLE IF NOT EXISTS sighting_phones (
    phone TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    ad_id TEXT NOT NULL,
    PRIMARY KEY (phone, canonical_url)
) WITHOUT ROWID;
"""

_IMAGE_COLUMNS = (
    "id, sha256, phash, phash_mirror, dhash, dhash_mirror, crops, width, height, format, "
    "bytes, path, cluster"
)


def pack_crops(crops: Iterable[tuple[int, int]]) -> bytes:
    return np.array(list(crops), dtype=np.uint64).reshape(-1).astype(">u8").tobytes()


def unpack_crops(blob: bytes) -> np.ndarray:
    """(n_crops x 2) uint64: pHash, dHash of each crop box."""
    return np.frombuffer(blob, dtype=">u8").astype(np.uint64).reshape(-1, 2)


def image_record(row: Any, url: str | None = None) -> dict[str, Any]:
    """An ``images`` row as the Ad record's ``images`` entries carry it."""
    return {
        "url": url if url is not None else row["url"],
        "path": row["path"],
        "sha256": row["sha256"],
        "phash": hash_hex(to_unsigned(row["phash"])),
        "phash_mirror": hash_hex(to_unsigned(row["phash_mirror"])),
        "dhash": hash_hex(to_unsigned(row["dhash"])),
        "width": row["width"],
        "height": row["height"],
        "format": row["format"],
        "bytes": row["bytes"],
        "cluster": row["cluster"],
    }


class PhotoState(SQLiteState):
    """Photos, clusters, the pages that show them and repost sightings, over the data
    directory's one SQLite connection (``store.photos`` of every store)."""

    schema = PHOTO_SCHEMA

    # ---------------------------------------------------------------- photos

    def image_for_url(self, url: str, fetched_since: str) -> dict[str, Any] | None:
        """The photo last fetched from ``url`` at or after ``fetched_since``, or None."""
        with self._lock:
            row = self.conn.execute(
                f"SELECT {_IMAGE_COLUMNS} FROM image_urls JOIN images ON images.id = "
                "image_urls.image_id WHERE image_urls.url = ? AND image_urls.fetched_at >= ?",
                (url, fetched_since),
            ).fetchone()
        return image_record(row, url) if row else None

    def image_by_sha256(self, sha256: str) -> dict[str, Any] | None:
        with self._lock:
            row = self.conn.execute(
                f"SELECT {_IMAGE_COLUMNS} FROM images WHERE sha256 = ?", (sha256,)
            ).fetchone()
        return image_record(row, "") if row else None

    def save_image(self, facts: ImageFacts, path: str, url: str, seen_at: str) -> dict[str, Any]:
        """Remember a fetched photo (once per content) and the URL it came from; returns its
        record (``cluster`` None when it is new)."""
        with self._lock, self._tx():
            self.conn.execute(
                "INSERT OR IGNORE INTO images (sha256, phash, phash_mirror, dhash, dhash_mirror, "
                "crops, width, height, format, bytes, path, first_seen) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    facts.sha256,
                    to_signed(facts.phash),
                    to_signed(facts.phash_mirror),
                    to_signed(facts.dhash),
                    to_signed(facts.dhash_mirror),
                    pack_crops(facts.crops),
                    facts.width,
                    facts.height,
                    facts.format,
                    facts.size,
                    path,
                    seen_at,
                ),
            )
            row = self.conn.execute(
                f"SELECT {_IMAGE_COLUMNS} FROM images WHERE sha256 = ?", (facts.sha256,)
            ).fetchone()
            self.conn.execute(
                "INSERT INTO image_urls (url, image_id, fetched_at) VALUES (?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET image_id = excluded.image_id, "
                "fetched_at = excluded.fetched_at",
                (url, row["id"], seen_at),
            )
        return image_record(row, url)

    def image_ids(self, sha256s: list[str]) -> dict[str, tuple[int, int | None]]:
        """sha256 -> (image id, cluster) for the photos known among ``sha256s``."""
        out: dict[str, tuple[int, int | None]] = {}
        with self._lock:
            for chunk in chunks(sha256s):
                rows = self.conn.execute(
                    f"SELECT sha256, id, cluster FROM images WHERE sha256 IN ({marks(chunk)})",
                    chunk,
                ).fetchall()
                out.update((r[0], (r[1], r[2])) for r in rows)
        return out

    def image_hash_rows(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """id -> {phash, phash_mirror, dhash, dhash_mirror, crops, cluster} (unsigned ints)."""
        out: dict[int, dict[str, Any]] = {}
        with self._lock:
            for chunk in chunks(ids):
                rows = self.conn.execute(
                    "SELECT id, phash, phash_mirror, dhash, dhash_mirror, crops, cluster "
                    f"FROM images WHERE id IN ({marks(chunk)})",
                    chunk,
                ).fetchall()
                for r in rows:
                    out[r[0]] = {
                        "phash": to_unsigned(r[1]),
                        "phash_mirror": to_unsigned(r[2]),
                        "dhash": to_unsigned(r[3]),
                        "dhash_mirror": to_unsigned(r[4]),
                        "crops": unpack_crops(r[5]),
                        "cluster": r[6],
                    }
        return out

    def all_image_hashes(
        self, up_to: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Every photo (with an id up to ``up_to``), by id: (ids, pHashes, crop pHashes
        (n x boxes), ids not clustered)."""
        limit = (1 << 63) - 1 if up_to is None else up_to
        with self._lock:
            rows = self.conn.execute(
                "SELECT id, phash, crops, cluster IS NULL FROM images WHERE id <= ? ORDER BY id",
                (limit,),
            ).fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        phash = np.array([r[1] for r in rows], dtype=np.int64).view(np.uint64)
        unclustered = [r[0] for r in rows if r[3]]
        if not rows:
            return ids, phash, np.zeros((0, 0), dtype=np.uint64), unclustered
        # every photo has the same crop boxes: one buffer for all of them
        width = len(unpack_crops(rows[0][2]))
        blob = np.frombuffer(b"".join(r[2] for r in rows), dtype=">u8")
        crop_hashes = blob.astype(np.uint64).reshape(len(rows), width, 2)[:, :, 0].copy()
        return ids, phash, crop_hashes, unclustered

    def last_image_id(self) -> int:
        """The highest photo id so far (0 when there is none)."""
        with self._lock:
            return int(self.conn.execute("SELECT max(id) FROM images").fetchone()[0] or 0)

    def unclustered_image_ids(self, up_to: int) -> list[int]:
        """Photos (with an id up to ``up_to``) not clustered yet: kept by a run that stopped
        before clustering them."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT id FROM images WHERE cluster IS NULL AND id <= ? ORDER BY id", (up_to,)
            ).fetchall()
        return [r[0] for r in rows]

    def merge_clusters(self, image_id: int, clusters: Iterable[int]) -> int:
        """Put ``image_id`` and every photo of ``clusters`` in one cluster, named by its oldest
        photo; returns that cluster."""
        members = sorted({int(c) for c in clusters} | {image_id})
        root = members[0]
        with self._lock, self._tx():
            self.conn.execute(
                f"UPDATE images SET cluster = ? WHERE cluster IN ({marks(members)}) OR id = ?",
                [root, *members, image_id],
            )
        return root

    def image_clusters(self, ids: list[int]) -> dict[int, int | None]:
        with self._lock:
            out: dict[int, int | None] = {}
            for chunk in chunks(ids):
                rows = self.conn.execute(
                    f"SELECT id, cluster FROM images WHERE id IN ({marks(chunk)})", chunk
                ).fetchall()
                out.update((r[0], r[1]) for r in rows)
        return out

    # ---------------------------------------------------------------- pages and ads

    def link_ad_images(
        self,
        canonical_url: str,
        ad_id: str,
        source: str,
        phones: list[str],
        images: list[tuple[str, int]],
    ) -> None:
        """Record which photos (url, image id) the page at ``canonical_url`` shows, for the
        ad ``ad_id`` (the page's own ad, or the original it reposts)."""
        with self._lock, self._tx():
            self.conn.execute("DELETE FROM ad_images WHERE canonical_url = ?", (canonical_url,))
            self.conn.executemany(
                "INSERT INTO ad_images (canonical_url, position, ad_id, image_id, url, source, "
                "phones) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (canonical_url, k, ad_id, image_id, url, source, json.dumps(phones))
                    for k, (url, image_id) in enumerate(images)
                ],
            )

    def ads_in_clusters(
        self, clusters: Iterable[int], exclude_url: str
    ) -> dict[str, dict[str, Any]]:
        """The ads that show a photo of one of ``clusters`` on another page than
        ``exclude_url``: ad id -> {"clusters": every cluster of its photos, "urls": its
        pages}."""
        wanted = sorted({int(c) for c in clusters})
        if not wanted:
            return {}
        with self._lock:
            rows = self.conn.execute(
                "SELECT a.ad_id, a.canonical_url, i.cluster FROM ad_images a "
                "JOIN images i ON i.id = a.image_id WHERE a.canonical_url != ? AND a.ad_id IN "
                "(SELECT b.ad_id FROM ad_images b JOIN images j ON j.id = b.image_id "
                f"WHERE j.cluster IN ({marks(wanted)}))",
                [exclude_url, *wanted],
            ).fetchall()
        out: dict[str, dict[str, Any]] = {}
        for ad_id, url, cluster in rows:
            entry = out.setdefault(ad_id, {"clusters": set(), "urls": set()})
            entry["clusters"].add(cluster)
            entry["urls"].add(url)
        return out

    def pages_of_ad(self, ad_id: str) -> int:
        """How many pages (the ad's own and its sightings') show the photos of ``ad_id``."""
        with self._lock:
            row = self.conn.execute(
                "SELECT count(DISTINCT canonical_url) FROM ad_images WHERE ad_id = ?", (ad_id,)
            ).fetchone()
        return int(row[0])

    def cluster_phones(self, clusters: Iterable[int], exclude_url: str) -> list[str]:
        """Phone numbers of the pages (ads and sightings) other than ``exclude_url`` that show
        a photo of ``clusters``."""
        wanted = sorted({int(c) for c in clusters if c is not None})
        if not wanted:
            return []
        with self._lock:
            rows = self.conn.execute(
                "SELECT DISTINCT a.phones FROM ad_images a JOIN images i ON i.id = a.image_id "
                f"WHERE i.cluster IN ({marks(wanted)}) AND a.canonical_url != ?",
                [*wanted, exclude_url],
            ).fetchall()
        phones: dict[str, None] = {}
        for (value,) in rows:
            phones.update(dict.fromkeys(json.loads(value)))
        return sorted(phones)

    def pages_with_images(self, image_ids: list[int]) -> list[dict[str, Any]]:
        """Every page that shows one of ``image_ids``: {canonical_url, ad_id, image_id, url,
        source}."""
        out: list[dict[str, Any]] = []
        with self._lock:
            for chunk in chunks(image_ids):
                rows = self.conn.execute(
                    "SELECT canonical_url, ad_id, image_id, url, source FROM ad_images "
                    f"WHERE image_id IN ({marks(chunk)})",
                    chunk,
                ).fetchall()
                out.extend(dict(r) for r in rows)
        return out

    # ---------------------------------------------------------------- sightings

    def sighting_of(self, canonical_url: str) -> str | None:
        """The ad a repost page was kept as a sighting of, or None."""
        with self._lock:
            row = self.conn.execute(
                "SELECT ad_id FROM sightings WHERE canonical_url = ?", (canonical_url,)
            ).fetchone()
        return row[0] if row else None

    def record_sightings(self, ads: list[Ad], seen_at: str) -> list[str]:
        """Keep reposts (ads with ``repost_of``) as sightings of their original: ``repost``
        for a page seen for the first time, ``unchanged`` for one seen before."""
        statuses = []
        with self._lock, self._tx():
            cur = self.conn.cursor()
            for ad in ads:
                phones = list(dict.fromkeys(ad.phones + ad.whatsapp))
                row = cur.execute(
                    "SELECT ad_id FROM sightings WHERE canonical_url = ?", (ad.canonical_url,)
                ).fetchone()
                if row is None:
                    cur.execute(
                        "INSERT INTO sightings (canonical_url, ad_id, url, source, title, phones, "
                        "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            ad.canonical_url,
                            ad.repost_of,
                            ad.url,
                            ad.source,
                            ad.title,
                            json.dumps(phones),
                            seen_at,
                            seen_at,
                        ),
                    )
                    statuses.append(REPOST)
                else:
                    cur.execute(
                        "UPDATE sightings SET last_seen = max(last_seen, ?), phones = ?, "
                        "seen_count = seen_count + 1 WHERE canonical_url = ?",
                        (seen_at, json.dumps(phones), ad.canonical_url),
                    )
                    statuses.append("unchanged")
                cur.execute(
                    "DELETE FROM sighting_phones WHERE canonical_url = ?", (ad.canonical_url,)
                )
                cur.executemany(
                    "INSERT OR IGNORE INTO sighting_phones (phone, canonical_url, ad_id) "
                    "VALUES (?, ?, ?)",
                    [(p, ad.canonical_url, row[0] if row else ad.repost_of) for p in phones],
                )
        return statuses

    def count_sightings(self) -> int:
        with self._lock:
            return int(self.conn.execute("SELECT count(*) FROM sightings").fetchone()[0])

    def known_sightings(self, canonical_urls: list[str]) -> set[str]:
        out: set[str] = set()
        with self._lock:
            for chunk in chunks(canonical_urls):
                rows = self.conn.execute(
                    f"SELECT canonical_url FROM sightings WHERE canonical_url IN ({marks(chunk)})",
                    chunk,
                ).fetchall()
                out.update(r[0] for r in rows)
        return out

    def touch_sightings(self, canonical_urls: list[str], seen_at: str) -> int:
        """A listing showed these repost pages again: their sightings' ``last_seen`` moves."""
        if not canonical_urls:
            return 0
        with self._lock, self._tx():
            cur = self.conn.executemany(
                "UPDATE sightings SET last_seen = max(last_seen, ?), seen_count = seen_count + 1 "
                "WHERE canonical_url = ?",
                [(seen_at, u) for u in canonical_urls],
            )
            return cur.rowcount

    def release_photos(self, urls: list[str]) -> list[str]:
        """Forget the photos fetched from ``urls`` (no stored ad shows them any more, as
        ``prune`` finds) and return the ``path`` of each file whose content no other URL
        still has: the files to delete from the images store."""
        released: list[str] = []
        with self._lock, self._tx():
            for chunk in chunks(urls):
                where = marks(chunk)
                ids = [
                    r[0]
                    for r in self.conn.execute(
                        f"SELECT DISTINCT image_id FROM image_urls WHERE url IN ({where})", chunk
                    )
                ]
                self.conn.execute(f"DELETE FROM image_urls WHERE url IN ({where})", chunk)
                self.conn.execute(f"DELETE FROM ad_images WHERE url IN ({where})", chunk)
                for image_id in ids:
                    if self.conn.execute(
                        "SELECT 1 FROM image_urls WHERE image_id = ? UNION ALL "
                        "SELECT 1 FROM ad_images WHERE image_id = ? LIMIT 1",
                        (image_id, image_id),
                    ).fetchone():
                        continue
                    row = self.conn.execute(
                        "DELETE FROM images WHERE id = ? RETURNING path", (image_id,)
                    ).fetchone()
                    if row and row[0]:
                        released.append(row[0])
        return released

    # ---------------------------------------------------------------- reading ads

    def with_photo_fields(self, ads: list[Ad]) -> list[Ad]:
        """Fill the photo and repost fields of stored ads from the tables above: ``images``
        (with their current clusters), ``image_clusters``, ``shared_image_phones``,
        ``sightings``, ``repost_count``, ``cluster_id``, ``cluster_size``."""
        for ad in ads:
            with self._lock:
                rows = self.conn.execute(
                    "SELECT a.url, i.sha256, i.phash, i.phash_mirror, i.dhash, i.width, "
                    "i.height, i.format, i.bytes, i.path, i.cluster "
                    "FROM ad_images a JOIN images i ON i.id = a.image_id "
                    "WHERE a.canonical_url = ? ORDER BY a.position",
                    (ad.canonical_url,),
                ).fetchall()
                sightings = self.conn.execute(
                    "SELECT url, source, phones, first_seen, last_seen, seen_count "
                    "FROM sightings WHERE ad_id = ? ORDER BY first_seen, url",
                    (ad.id,),
                ).fetchall()
            ad.images = [image_record(r) for r in rows]
            ad.image_clusters = list(dict.fromkeys(r["cluster"] for r in rows if r["cluster"]))
            ad.sightings = [
                {
                    "url": s["url"],
                    "source": s["source"],
                    "phones": json.loads(s["phones"]),
                    "first_seen": s["first_seen"],
                    "last_seen": s["last_seen"],
                    "seen_count": s["seen_count"],
                }
                for s in sightings
            ]
            ad.repost_count = len(ad.sightings)
            if rows:
                own = set(ad.phones + ad.whatsapp)
                shared = self.cluster_phones(ad.image_clusters, ad.canonical_url)
                ad.shared_image_phones = [p for p in shared if p not in own]
                ad.cluster_id = ad.id
                ad.cluster_size = 1 + ad.repost_count
        return ads
