"""Source health in the embedded SQLite file (every mode: it is the crawler host's own
bookkeeping, like the alert ledger).

Tables:

* ``source_runs``: one row per source and run: pages, ads, errors, the flags raised, and
  the whole :class:`crawler.health.checks.SourceRun` as JSON. The yield of earlier healthy runs is
  what ``zero_yield`` compares with.
* ``health_flags``: one row per flag from the run that raised it to the run it recovered
  in (``recovered_at``); ``raise_digest`` and ``recovery_digest`` name the operator e-mail
  that told of each (``-`` when nobody is to be told), so a flag that stays does not
  e-mail again.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.health.checks import Flag, HealthNotice, SourceRun, transitions
from crawler.stores.connection import SQLiteState

HEALTH_SCHEMA = """
CREATE TABLE IF NOT EXISTS source_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    pages INTEGER NOT NULL,
    ads INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    flags TEXT NOT NULL DEFAULT '[]',
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS source_runs_source ON source_runs(source, id);
CREATE TABLE IF NOT EXISTS health_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    flag TEXT NOT NULL,
    message TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    recovered_at TEXT,
    raise_digest TEXT,
    recovery_digest TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS health_flags_open ON health_flags(source, flag)
    WHERE recovered_at IS NULL;
"""

_NOTICE_COLUMNS = "id, source, flag, message, raised_at, recovered_at"


class HealthState(SQLiteState):
    """Source runs and their health flags, over the data directory's one SQLite connection
    (``store.health`` of every store)."""

    schema = HEALTH_SCHEMA

    def healthy_runs(self, source: str, limit: int) -> list[SourceRun]:
        """The source's latest runs that raised no flag, newest first."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT record FROM source_runs WHERE source = ? AND flags = '[]' "
                "ORDER BY id DESC LIMIT ?",
                (source, limit),
            ).fetchall()
        return [SourceRun.from_dict(json.loads(r[0])) for r in rows]

    def active_health_flags(self, source: str) -> list[str]:
        """The flags of ``source`` raised and not recovered yet."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT flag FROM health_flags WHERE source = ? AND recovered_at IS NULL",
                (source,),
            )
        ]

    def record_source_runs(
        self, started_at: str, runs: list[tuple[SourceRun, list[Flag]]], at: str
    ) -> list[tuple[str, str]]:
        """Record each source's run and its flags, in one transaction: flags new to a
        source are raised, those it no longer has recover. Returns the recovered
        ``(source, flag)`` pairs."""
        recovered: list[tuple[str, str]] = []
        with self._lock, self._tx():
            for run, flags in runs:
                self.conn.execute(
                    "INSERT INTO source_runs (source, started_at, pages, ads, errors, flags, "
                    "record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        run.source,
                        started_at,
                        run.pages,
                        run.ads,
                        run.errors,
                        json.dumps(sorted(f.flag for f in flags)),
                        json.dumps(run.to_dict(), sort_keys=True),
                    ),
                )
                active = self.active_health_flags(run.source)
                raised, kept, gone = transitions(active, flags)
                for f in raised:
                    self.conn.execute(
                        "INSERT INTO health_flags (source, flag, message, raised_at, "
                        "last_seen_at) VALUES (?, ?, ?, ?, ?)",
                        (f.source, f.flag, f.message, at, at),
                    )
                for f in kept:
                    self.conn.execute(
                        "UPDATE health_flags SET message = ?, last_seen_at = ? "
                        "WHERE source = ? AND flag = ? AND recovered_at IS NULL",
                        (f.message, at, f.source, f.flag),
                    )
                for name in gone:
                    # a flag the operator never heard of recovers silently
                    self.conn.execute(
                        "UPDATE health_flags SET recovered_at = ?, recovery_digest = "
                        "CASE WHEN raise_digest IS NULL OR raise_digest = '-' THEN '-' END "
                        "WHERE source = ? AND flag = ? AND recovered_at IS NULL",
                        (at, run.source, name),
                    )
                    recovered.append((run.source, name))
        return recovered

    def health_notices_due(self) -> list[HealthNotice]:
        """Flags raised and recoveries that no operator e-mail told of yet, oldest first."""
        with self._lock:
            rows = self.conn.execute(
                f"SELECT {_NOTICE_COLUMNS} FROM health_flags WHERE "
                "(recovered_at IS NULL AND raise_digest IS NULL) OR "
                "(recovered_at IS NOT NULL AND raise_digest IS NOT NULL "
                "AND raise_digest != '-' AND recovery_digest IS NULL) ORDER BY id"
            ).fetchall()
        return [HealthNotice(*tuple(r)) for r in rows]

    def mark_health_notified(self, notices: list[HealthNotice], digest_id: str) -> None:
        """The e-mail ``digest_id`` (queued in the outbox) tells of ``notices``."""
        with self._lock, self._tx():
            for n in notices:
                column = "recovery_digest" if n.recovered else "raise_digest"
                self.conn.execute(
                    f"UPDATE health_flags SET {column} = ? WHERE id = ? AND {column} IS NULL",
                    (digest_id, n.id),
                )

    def open_health_flags(self) -> dict[str, list[HealthNotice]]:
        """Every flag not recovered, by source (for ``adwatch doctor``)."""
        with self._lock:
            rows = self.conn.execute(
                f"SELECT {_NOTICE_COLUMNS} FROM health_flags WHERE recovered_at IS NULL "
                "ORDER BY source, id"
            ).fetchall()
        out: dict[str, list[HealthNotice]] = {}
        for r in rows:
            notice = HealthNotice(*tuple(r))
            out.setdefault(notice.source, []).append(notice)
        return out

    def latest_source_runs(self) -> dict[str, dict[str, Any]]:
        """Each source's latest recorded run: ``started_at``, pages, ads, errors, flags."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT source, started_at, pages, ads, errors, flags FROM source_runs "
                "WHERE id IN (SELECT max(id) FROM source_runs GROUP BY source)"
            ).fetchall()
        return {
            r["source"]: {
                "started_at": r["started_at"],
                "pages": r["pages"],
                "ads": r["ads"],
                "errors": r["errors"],
                "flags": json.loads(r["flags"]),
            }
            for r in rows
        }
