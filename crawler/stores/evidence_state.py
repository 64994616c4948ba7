"""Where each ad's evidence is: its WARC records and screenshots, in the SQLite file.

This index stays in ``<data dir>/adwatch.sqlite3`` whichever store holds the ads (the WARC
files it points into are this crawler host's own; see crawler/evidence/writer.py).

Table ``evidence``: one row per capture of a page (an ad's own page, or a repost page kept
as a sighting of it): the ad it belongs to, the page, the ad's content hash when captured
(a page is captured again only when that changes), the capture time, the HTTP status, the
SHA-256 of the response body, where its records are (``warc_file`` relative to
``<data dir>/evidence``, byte ``warc_offset`` and ``warc_length`` of the gzip members of its
response and request records, the response's ``WARC-Record-ID``), and the screenshot
(``screenshot`` relative to ``<data dir>/evidence``, and its SHA-256) when the browser
rendered the page. Entries of one feed share the feed's records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.stores.connection import SQLiteState, chunks, marks
from crawler.stores.photo_state import image_record

EVIDENCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    ad_id TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    rendered INTEGER NOT NULL DEFAULT 0,
    screenshot TEXT,
    screenshot_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS evidence_ad ON evidence(ad_id, captured_at);
CREATE INDEX IF NOT EXISTS evidence_page ON evidence(canonical_url, id);
"""

EVIDENCE_COLUMNS = (
    "ad_id",
    "canonical_url",
    "url",
    "source",
    "content_hash",
    "captured_at",
    "status",
    "sha256",
    "bytes",
    "warc_file",
    "warc_offset",
    "warc_length",
    "record_id",
    "rendered",
    "screenshot",
    "screenshot_sha256",
)


class EvidenceState(SQLiteState):
    """Where each ad's evidence captures are (WARC file and record), over the data
    directory's one SQLite connection (``store.evidence`` of every store)."""

    schema = EVIDENCE_SCHEMA

    def evidence_hashes(self, canonical_urls: Iterable[str]) -> dict[str, str]:
        """canonical URL -> the content hash of its latest capture, for the pages captured."""
        urls = list(dict.fromkeys(canonical_urls))
        out: dict[str, str] = {}
        with self._lock:
            for chunk in chunks(urls):
                rows = self.conn.execute(
                    "SELECT canonical_url, content_hash FROM evidence WHERE id IN "
                    "(SELECT max(id) FROM evidence WHERE canonical_url IN "
                    f"({marks(chunk)}) GROUP BY canonical_url)",
                    chunk,
                ).fetchall()
                out.update((r[0], r[1]) for r in rows)
        return out

    def save_evidence(self, rows: list[dict[str, Any]]) -> None:
        """Index captures written to a WARC file (one transaction)."""
        if not rows:
            return
        with self._lock, self._tx():
            self.conn.executemany(
                f"INSERT INTO evidence ({', '.join(EVIDENCE_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(EVIDENCE_COLUMNS))})",
                [tuple(row[c] for c in EVIDENCE_COLUMNS) for row in rows],
            )

    def evidence_of(self, ad_id: str) -> list[dict[str, Any]]:
        """Every capture of the ad's page and of the pages kept as its sightings, oldest
        first."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT * FROM evidence WHERE ad_id = ? OR canonical_url IN "
                "(SELECT canonical_url FROM sightings WHERE ad_id = ?) ORDER BY captured_at, id",
                (ad_id, ad_id),
            ).fetchall()
        return [dict(r) for r in rows]

    def photos_of_ad(self, ad_id: str) -> list[dict[str, Any]]:
        """The photos of the ad's page and of the pages kept as its sightings, as the Ad
        record's ``images`` entries, each with its ``page`` (canonical URL)."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT a.canonical_url AS page, a.url, i.sha256, i.phash, i.phash_mirror, "
                "i.dhash, i.width, i.height, i.format, i.bytes, i.path, i.cluster "
                "FROM ad_images a JOIN images i ON i.id = a.image_id "
                "WHERE a.ad_id = ? ORDER BY a.canonical_url, a.position",
                (ad_id,),
            ).fetchall()
        return [{"page": r["page"], **image_record(r)} for r in rows]

    def ad_seen(self, ad_id: str) -> dict[str, Any] | None:
        """``first_seen``, ``last_seen`` and ``seen_count`` of an ad in this file's ``ads``
        table (the embedded store), or None."""
        with self._lock:
            row = self.conn.execute(
                "SELECT first_seen, last_seen, seen_count FROM ads WHERE id = ?", (ad_id,)
            ).fetchone()
        return dict(row) if row else None
