"""The embedded store: one SQLite file (WAL) in the data directory, with FTS5 search.

Used when ``ADWATCH_ES_URL`` is not set. Every write is one short transaction, so a run
killed at any moment leaves the file consistent, and no transaction is held across the
reactor's turns (several spiders in one process share the connection).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from crawler.items import Ad
from crawler.stores.alert_state import AlertState
from crawler.stores.base import NEW, UNCHANGED, UPDATED, SearchHit, SearchQuery
from crawler.stores.connection import Database, Transaction, chunks, marks
from crawler.stores.evidence_state import EvidenceState
from crawler.stores.health_state import HealthState
from crawler.stores.photo_state import PhotoState
from crawler.stores.terms import query_terms, symbol_word, symbol_words

SCHEMA = """
CREATE TABLE IF NOT EXISTS ads (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    price REAL,
    currency TEXT,
    price_period TEXT,
    location TEXT,
    country TEXT,
    language TEXT,
    posted_at TEXT,
    employer TEXT,
    symbols TEXT NOT NULL DEFAULT '',
    phones TEXT NOT NULL DEFAULT '[]',
    emails TEXT NOT NULL DEFAULT '[]',
    handles TEXT NOT NULL DEFAULT '[]',
    whatsapp TEXT NOT NULL DEFAULT '[]',
    image_urls TEXT NOT NULL DEFAULT '[]',
    content_hash TEXT NOT NULL,
    fetched_at TEXT,
    matched_rules TEXT NOT NULL DEFAULT '[]',
    risk_score REAL NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    seen_count INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS ads_source ON ads(source, last_seen);
CREATE INDEX IF NOT EXISTS ads_last_seen ON ads(last_seen);
CREATE TABLE IF NOT EXISTS ad_phones (
    phone TEXT NOT NULL,
    ad_id TEXT NOT NULL REFERENCES ads(id) ON DELETE CASCADE,
    PRIMARY KEY (phone, ad_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ad_phones_ad ON ad_phones(ad_id);
CREATE TABLE IF NOT EXISTS unavailable (
    canonical_url TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS source_state (
    source TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary TEXT NOT NULL
);
"""

# The full-text index: the ad's words, and its emoji as words FTS5 keeps (crawler/stores/terms.py).
FTS_SCHEMA = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS ads_fts USING fts5(
    title, body, location, employer, symbols,
    content='ads', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
)""",
    """CREATE TRIGGER IF NOT EXISTS ads_ai AFTER INSERT ON ads BEGIN
    INSERT INTO ads_fts(rowid, title, body, location, employer, symbols)
    VALUES (new.rowid, new.title, new.body, new.location, new.employer, new.symbols);
END""",
    """CREATE TRIGGER IF NOT EXISTS ads_ad AFTER DELETE ON ads BEGIN
    INSERT INTO ads_fts(ads_fts, rowid, title, body, location, employer, symbols)
    VALUES ('delete', old.rowid, old.title, old.body, old.location, old.employer, old.symbols);
END""",
    """CREATE TRIGGER IF NOT EXISTS ads_au
AFTER UPDATE OF title, body, location, employer, symbols ON ads BEGIN
    INSERT INTO ads_fts(ads_fts, rowid, title, body, location, employer, symbols)
    VALUES ('delete', old.rowid, old.title, old.body, old.location, old.employer, old.symbols);
    INSERT INTO ads_fts(rowid, title, body, location, employer, symbols)
    VALUES (new.rowid, new.title, new.body, new.location, new.employer, new.symbols);
END""",
)

_JSON_FIELDS = ("phones", "emails", "handles", "whatsapp", "image_urls", "matched_rules")
# Columns added after the first release: (name, definition) for ALTER TABLE on older files.
_AD_MIGRATIONS = (
    ("matched_rules", "TEXT NOT NULL DEFAULT '[]'"),
    ("risk_score", "REAL NOT NULL DEFAULT 0"),
    ("symbols", "TEXT NOT NULL DEFAULT ''"),
)
_AD_COLUMNS = [
    "id",
    "source",
    "kind",
    "url",
    "canonical_url",
    "title",
    "body",
    "price",
    "currency",
    "price_period",
    "location",
    "country",
    "language",
    "posted_at",
    "employer",
    "symbols",
    *_JSON_FIELDS,
    "content_hash",
    "fetched_at",
    "matched_rules",
    "risk_score",
]


class SQLiteStore:
    """Ads, source state and runs in ``<data_dir>/adwatch.sqlite3``; and, as in every mode,
    the host's state objects over the same connection: ``alerts`` (the alert ledger and
    the outbox, crawler/stores/alert_state.py), ``photos`` (photos, their clusters and
    repost sightings, crawler/stores/photo_state.py), ``health`` (source health,
    crawler/stores/health_state.py) and ``evidence`` (where each ad's evidence is,
    crawler/stores/evidence_state.py)."""

    backend = "sqlite"

    def __init__(self, path: str | Path):
        self.db = Database(path)
        self.path = self.db.path
        self._lock = self.db.lock
        self.conn = self.db.conn
        self.conn.executescript(SCHEMA)
        self._migrate()
        self.alerts = AlertState(self.db)
        self.photos = PhotoState(self.db)
        self.health = HealthState(self.db)
        self.evidence = EvidenceState(self.db)

    def _migrate(self) -> None:
        """Add the columns that files written by older versions lack, and build the
        full-text index (again, for a file whose index has no emoji column)."""
        have = {r[1] for r in self.conn.execute("PRAGMA table_info(ads)")}
        for name, definition in _AD_MIGRATIONS:
            if name not in have:
                try:
                    self.conn.execute(f"ALTER TABLE ads ADD COLUMN {name} {definition}")
                except sqlite3.OperationalError as exc:  # another process added it first
                    if "duplicate column" not in str(exc):
                        raise
        if self._fts_current():
            return
        with self._tx():
            if self._fts_current():  # another process built it first
                return
            for trigger in ("ads_ai", "ads_ad", "ads_au"):
                self.conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            self.conn.execute("DROP TABLE IF EXISTS ads_fts")
            rows = self.conn.execute("SELECT rowid, title, body FROM ads").fetchall()
            self.conn.executemany(
                "UPDATE ads SET symbols = ? WHERE rowid = ?",
                [(symbol_words(r["title"], r["body"]), r["rowid"]) for r in rows],
            )
            for statement in FTS_SCHEMA:
                self.conn.execute(statement)
            self.conn.execute("INSERT INTO ads_fts(ads_fts) VALUES ('rebuild')")

    def _fts_current(self) -> bool:
        return "symbols" in {r[1] for r in self.conn.execute("PRAGMA table_info(ads_fts)")}

    # ---------------------------------------------------------------- writes

    def upsert_ads(self, ads: list[Ad], seen_at: str) -> list[str]:
        if not ads:
            return []
        if any(ad.repost_of for ad in ads):  # reposts are kept as sightings of their original
            kept = iter(self.upsert_ads([a for a in ads if not a.repost_of], seen_at))
            seen = iter(self.photos.record_sightings([a for a in ads if a.repost_of], seen_at))
            return [next(seen) if a.repost_of else next(kept) for a in ads]
        statuses: list[str] = []
        with self._lock, self._tx():
            cur = self.conn.cursor()
            for ad in ads:
                row = cur.execute(
                    "SELECT id, content_hash FROM ads WHERE canonical_url = ?", (ad.canonical_url,)
                ).fetchone()
                values = self._values(ad)
                if row is None:
                    cur.execute(
                        f"INSERT INTO ads ({', '.join(_AD_COLUMNS)}, first_seen, last_seen, "
                        f"seen_count) VALUES ({', '.join('?' * len(_AD_COLUMNS))}, ?, ?, 1)",
                        (*values, seen_at, seen_at),
                    )
                    statuses.append(NEW)
                    cur.execute(
                        "DELETE FROM unavailable WHERE canonical_url = ?", (ad.canonical_url,)
                    )
                elif row["content_hash"] == ad.content_hash:
                    # the same text; the rules may have changed since, so take their verdict
                    cur.execute(
                        "UPDATE ads SET last_seen = max(last_seen, ?), "
                        "seen_count = seen_count + 1, matched_rules = ?, risk_score = ? "
                        "WHERE id = ?",
                        (seen_at, values[-2], ad.risk_score, row["id"]),
                    )
                    statuses.append(UNCHANGED)
                    continue
                else:
                    sets = ", ".join(f"{c} = ?" for c in _AD_COLUMNS[1:])
                    cur.execute(
                        f"UPDATE ads SET {sets}, last_seen = max(last_seen, ?), "
                        "seen_count = seen_count + 1 WHERE id = ?",
                        (*values[1:], seen_at, row["id"]),
                    )
                    statuses.append(UPDATED)
                ad_id = row["id"] if row is not None else ad.id
                cur.execute("DELETE FROM ad_phones WHERE ad_id = ?", (ad_id,))
                cur.executemany(
                    "INSERT OR IGNORE INTO ad_phones (phone, ad_id) VALUES (?, ?)",
                    [(p, ad_id) for p in dict.fromkeys(ad.phones + ad.whatsapp)],
                )
        return statuses

    def touch(self, canonical_urls: list[str], seen_at: str) -> int:
        if not canonical_urls:
            return 0
        with self._lock, self._tx():
            cur = self.conn.executemany(
                "UPDATE ads SET last_seen = max(last_seen, ?), seen_count = seen_count + 1 "
                "WHERE canonical_url = ?",
                [(seen_at, u) for u in canonical_urls],
            )
            touched = cur.rowcount
        return touched + self.photos.touch_sightings(canonical_urls, seen_at)

    def mark_unavailable(self, canonical_url: str, reason: str, at: str) -> None:
        """Remember an ad page that was gone (404/410) or held no ad, so it is not
        fetched again on every run (see ``ADWATCH_RECHECK_UNAVAILABLE``)."""
        with self._lock, self._tx():
            self.conn.execute(
                "INSERT INTO unavailable (canonical_url, reason, first_at, last_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(canonical_url) DO UPDATE SET "
                "reason = excluded.reason, last_at = excluded.last_at, attempts = attempts + 1",
                (canonical_url, reason, at, at),
            )

    def unavailable_since(self, canonical_urls: list[str], since: str) -> set[str]:
        """The URLs among ``canonical_urls`` found unavailable at or after ``since``."""
        out: set[str] = set()
        with self._lock:
            for chunk in chunks(canonical_urls):
                rows = self.conn.execute(
                    f"SELECT canonical_url FROM unavailable WHERE last_at >= ? AND canonical_url "
                    f"IN ({marks(chunk)})",
                    [since, *chunk],
                ).fetchall()
                out.update(r[0] for r in rows)
        return out

    def save_source_state(self, source: str, state: dict[str, Any]) -> None:
        with self._lock, self._tx():
            self.conn.execute(
                "INSERT INTO source_state (source, state) VALUES (?, ?) "
                "ON CONFLICT(source) DO UPDATE SET state = excluded.state",
                (source, json.dumps(state, sort_keys=True)),
            )

    def record_run(self, summary: dict[str, Any]) -> None:
        with self._lock, self._tx():
            self.conn.execute(
                "INSERT INTO runs (started_at, finished_at, summary) VALUES (?, ?, ?)",
                (summary.get("started_at"), summary.get("finished_at"), json.dumps(summary)),
            )

    def prepare_run(self) -> dict[str, int]:
        """Every write is committed at once: there is never a spool to replay."""
        return {"replayed": 0}

    def spool_pending(self) -> int:
        return 0

    def prune(self, before: str) -> tuple[int, set[str]]:
        """Delete ads last seen before ``before`` (ISO time) and the memory of pages found gone
        before then; return how many ads went and the image URLs no remaining ad uses."""
        with self._lock, self._tx():
            rows = self.conn.execute(
                "DELETE FROM ads WHERE last_seen < ? RETURNING image_urls", (before,)
            ).fetchall()
            self.conn.execute("DELETE FROM unavailable WHERE last_at < ?", (before,))
        images = {u for r in rows for u in json.loads(r[0] or "[]")}
        if images:
            with self._lock:
                used = self.conn.execute(
                    "SELECT DISTINCT value FROM ads, json_each(ads.image_urls)"
                ).fetchall()
            images -= {r[0] for r in used}
        return len(rows), images

    def doctor_checks(self) -> list[tuple[str, bool, str]]:
        """Nothing beyond the file itself, which ``adwatch doctor`` opens and reads."""
        return []

    def flush(self) -> None:
        """Writes are committed as they happen; nothing is buffered here."""

    def close(self) -> None:
        self.db.close()

    # ---------------------------------------------------------------- reads

    def known(self, canonical_urls: list[str]) -> set[str]:
        if not canonical_urls:
            return set()
        out: set[str] = set()
        with self._lock:
            for chunk in chunks(canonical_urls):
                rows = self.conn.execute(
                    f"SELECT canonical_url FROM ads WHERE canonical_url IN ({marks(chunk)})",
                    chunk,
                ).fetchall()
                out.update(r[0] for r in rows)
        return out | self.photos.known_sightings(canonical_urls)

    def count_ads(self, source: str | None = None) -> int:
        with self._lock:
            if source:
                return self.conn.execute(
                    "SELECT count(*) FROM ads WHERE source = ?", (source,)
                ).fetchone()[0]
            return self.conn.execute("SELECT count(*) FROM ads").fetchone()[0]

    def get_ad(self, ad_id: str) -> Ad | None:
        with self._lock:
            row = self.conn.execute("SELECT * FROM ads WHERE id = ?", (ad_id,)).fetchone()
        return self.photos.with_photo_fields([self._ad(row)])[0] if row else None

    def all_ads(self, source: str | None = None) -> list[dict[str, Any]]:
        """Every ad with its sighting counters (for exports and tests)."""
        sql = "SELECT * FROM ads"
        args: tuple[str, ...] = ()
        if source:
            sql, args = sql + " WHERE source = ?", (source,)
        with self._lock:
            rows = self.conn.execute(sql + " ORDER BY first_seen, id", args).fetchall()
        out = []
        ads = self.photos.with_photo_fields([self._ad(row) for row in rows])
        for ad, row in zip(ads, rows, strict=True):
            d = ad.to_dict()
            d.update(first_seen=row["first_seen"], last_seen=row["last_seen"])
            d["seen_count"] = row["seen_count"]
            out.append(d)
        return out

    def source_state(self, source: str) -> dict[str, Any]:
        with self._lock:
            row = self.conn.execute(
                "SELECT state FROM source_state WHERE source = ?", (source,)
            ).fetchone()
        return json.loads(row[0]) if row else {}

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT summary FROM runs ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def search(self, query: SearchQuery) -> list[SearchHit]:
        where: list[str] = []
        args: list[Any] = []
        select = "SELECT ads.*, 0.0 AS score, '' AS snippet FROM ads"
        order = "ads.last_seen DESC"
        if query.text and query.text.strip():
            match = fts_query(query.text)
            if not match:  # nothing searchable (only quotes, brackets...): nothing matches
                return []
            select = (
                "SELECT ads.*, bm25(ads_fts, 10.0, 1.0, 2.0, 1.0, 2.0) AS score, "
                "snippet(ads_fts, 1, '[', ']', '…', 12) AS snippet "
                "FROM ads_fts JOIN ads ON ads.rowid = ads_fts.rowid"
            )
            where.append("ads_fts MATCH ?")
            args.append(match)
            order = "score"
        phone_clauses = []
        if query.phones:
            for table in ("ad_phones", "sighting_phones"):  # reposts' phones find the original
                phone_clauses.append(
                    f"ads.id IN (SELECT ad_id FROM {table} WHERE phone IN "
                    f"({', '.join('?' * len(query.phones))}))"
                )
                args.extend(query.phones)
        if query.phone_digits:
            for table in ("ad_phones", "sighting_phones"):
                phone_clauses.append(f"ads.id IN (SELECT ad_id FROM {table} WHERE phone LIKE ?)")
                args.append(f"%{query.phone_digits}")
        if phone_clauses:
            where.append("(" + " OR ".join(phone_clauses) + ")")
        if query.source:
            where.append("ads.source = ?")
            args.append(query.source)
        if query.since:
            where.append("ads.last_seen >= ?")
            args.append(query.since.isoformat())
        sql = select + (" WHERE " + " AND ".join(where) if where else "")
        sql += f" ORDER BY {order} LIMIT ?"
        args.append(query.limit)
        with self._lock:
            rows = self.conn.execute(sql, args).fetchall()
        ads = self.photos.with_photo_fields([self._ad(r) for r in rows])
        return [
            SearchHit(
                ad=ad,
                first_seen=r["first_seen"],
                last_seen=r["last_seen"],
                seen_count=r["seen_count"],
                score=float(r["score"] or 0.0),
                snippet=r["snippet"] or "",
            )
            for ad, r in zip(ads, rows, strict=True)
        ]

    # ---------------------------------------------------------------- helpers

    def _tx(self) -> Transaction:
        return self.db.transaction()

    @staticmethod
    def _values(ad: Ad) -> tuple[Any, ...]:
        d = ad.to_dict()
        d["symbols"] = symbol_words(ad.title, ad.body)
        return tuple(
            json.dumps(d[c], ensure_ascii=False) if c in _JSON_FIELDS else d[c] for c in _AD_COLUMNS
        )

    @staticmethod
    def _ad(row: sqlite3.Row) -> Ad:
        d = {k: row[k] for k in row.keys() if k in Ad.__dataclass_fields__}
        for k in _JSON_FIELDS:
            d[k] = json.loads(d[k] or "[]")
        return Ad.from_dict(d)


def fts_query(text: str) -> str:
    """User words and emoji -> a safe FTS5 query: every term required, as a quoted token or
    prefix ("" when the text has nothing searchable)."""
    parts = []
    for term in query_terms(text):
        if term.kind == "symbol":
            parts.append(f'"{symbol_word(term.text)}"')
        else:
            parts.append(f'"{term.text}"' + ("*" if term.kind == "prefix" else ""))
    return " ".join(parts)
