"""The alert ledger and the outbox's state, in the embedded SQLite file.

This state stays in ``<data dir>/adwatch.sqlite3`` whichever store holds the ads: sending
each alert exactly once needs one local transaction that says what was decided and sent.

Tables:

* ``alert_sightings``: ads stored new or changed that matched rules (the ad as JSON), and
  ``phone_sightings``: one row per phone of every stored ad. Both are written *before* the
  ads go to the store, so an ad in the store always has its sighting; ``processed`` turns
  1 when the ledger has decided on it.
* ``flagged_phones``: which rules matched an ad carrying which phone.
* ``alert_clusters``: cluster members (``ad:``, ``text:``, ``cluster:``) -> cluster.
* ``alerts``: every alert, with its key, rule, ad, time, recipient groups and status
  (``pending`` -> ``queued`` -> ``sent``; ``set_aside`` while a digest that carries it was
  refused for good; ``unaddressed`` when no group receives it).
* ``digests`` and ``digest_alerts``: each digest in the outbox (status ``queued`` ->
  ``sending`` -> ``sent``, or ``failed``: set aside) and the alerts, per recipient group,
  it carries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from alerts.ledger import Alert, Decision, PhoneSighting, RuleSighting, phone_sightings_of
from alerts.outbox import DigestRecord
from crawler.items import Ad
from crawler.stores.connection import SQLiteState

ALERT_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_sightings (
    ad_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    rules TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    ad TEXT NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ad_id, content_hash)
);
CREATE INDEX IF NOT EXISTS alert_sightings_todo ON alert_sightings(processed, seen_at);
CREATE TABLE IF NOT EXISTS phone_sightings (
    phone TEXT NOT NULL,
    ad_id TEXT NOT NULL,
    source TEXT NOT NULL,
    city TEXT,
    ad_date TEXT NOT NULL,
    ad TEXT NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (phone, ad_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS phone_sightings_todo ON phone_sightings(processed);
CREATE TABLE IF NOT EXISTS flagged_phones (
    phone TEXT NOT NULL,
    rule TEXT NOT NULL,
    PRIMARY KEY (phone, rule)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_clusters (
    member TEXT PRIMARY KEY,
    cluster TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    ad_id TEXT NOT NULL,
    cluster TEXT NOT NULL,
    created_at TEXT NOT NULL,
    recipients TEXT NOT NULL,
    status TEXT NOT NULL,
    sent_at TEXT,
    detail TEXT NOT NULL,
    mirrored INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS alerts_key ON alerts(key, created_at);
CREATE INDEX IF NOT EXISTS alerts_status ON alerts(status);
CREATE INDEX IF NOT EXISTS alerts_unmirrored ON alerts(mirrored) WHERE mirrored = 0;
CREATE TABLE IF NOT EXISTS digests (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient_group TEXT NOT NULL,
    addresses TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    file TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT
);
CREATE TABLE IF NOT EXISTS digest_alerts (
    digest_id TEXT NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    recipient_group TEXT NOT NULL,
    PRIMARY KEY (digest_id, alert_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS digest_alerts_alert ON digest_alerts(alert_id, recipient_group);
"""

_ALERT_COLUMNS = "id, key, rule, kind, severity, ad_id, cluster, created_at, recipients, status, "
_ALERT_COLUMNS += "sent_at, detail"


def _prefixed(table: str) -> str:
    return ", ".join(f"{table}.{c.strip()}" for c in _ALERT_COLUMNS.split(","))


class AlertState(SQLiteState):
    """The alert ledger and the outbox's digests, over the data directory's one SQLite
    connection (``store.alerts`` of every store). Implements :class:`alerts.ledger.History`
    and :class:`alerts.outbox.OutboxState`."""

    schema = ALERT_SCHEMA

    # ---------------------------------------------------------------- crawl time

    def record_alert_sightings(self, ads: list[Ad], seen_at: str, phones: bool = True) -> None:
        """Remember the ads of a batch for the ledger: those that matched rules, and every
        phone number. Call it before the batch goes to the store (see the module doc)."""
        matched = [ad for ad in ads if ad.matched_rules]
        if not matched and not phones:
            return
        with self._lock, self._tx():
            cur = self.conn.cursor()
            for ad in matched:
                rules = sorted({m["rule"] for m in ad.matched_rules})
                cur.execute(
                    "INSERT INTO alert_sightings (ad_id, content_hash, rules, seen_at, ad) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(ad_id, content_hash) DO UPDATE SET "
                    "rules = excluded.rules, ad = excluded.ad, seen_at = excluded.seen_at, "
                    "processed = 0 WHERE alert_sightings.rules != excluded.rules",
                    (
                        ad.id,
                        ad.content_hash,
                        json.dumps(rules),
                        seen_at,
                        json.dumps(ad.to_dict(), ensure_ascii=False),
                    ),
                )
                cur.executemany(
                    "INSERT OR IGNORE INTO flagged_phones (phone, rule) VALUES (?, ?)",
                    [(p, r) for p in dict.fromkeys(ad.phones + ad.whatsapp) for r in rules],
                )
            if phones:
                cur.executemany(
                    "INSERT OR IGNORE INTO phone_sightings "
                    "(phone, ad_id, source, city, ad_date, ad) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (s.phone, s.ad_id, s.source, s.city, s.ad_date, json.dumps(s.ad))
                        for ad in ads
                        for s in phone_sightings_of(ad.to_dict(), seen_at)
                    ],
                )

    # ---------------------------------------------------------------- the ledger

    def pending_sightings(self) -> tuple[list[RuleSighting], list[PhoneSighting]]:
        """Sightings the ledger has not decided on yet."""
        with self._lock:
            rules = self.conn.execute(
                "SELECT ad, seen_at FROM alert_sightings WHERE processed = 0"
            ).fetchall()
            phones = self.conn.execute(
                "SELECT * FROM phone_sightings WHERE processed = 0"
            ).fetchall()
        return (
            [RuleSighting(json.loads(r["ad"]), r["seen_at"]) for r in rules],
            [_phone_sighting(r) for r in phones],
        )

    def cluster_of(self, member: str) -> str | None:
        with self._lock:
            row = self.conn.execute(
                "SELECT cluster FROM alert_clusters WHERE member = ?", (member,)
            ).fetchone()
        return row[0] if row else None

    def last_alert_at(self, key: str) -> str | None:
        with self._lock:
            row = self.conn.execute(
                "SELECT max(created_at) FROM alerts WHERE key = ?", (key,)
            ).fetchone()
        return row[0] if row else None

    def phone_sightings(self, phone: str) -> list[PhoneSighting]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT * FROM phone_sightings WHERE phone = ? AND processed = 1", (phone,)
            ).fetchall()
        return [_phone_sighting(r) for r in rows]

    def phone_rules(self, phone: str) -> set[str]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT rule FROM flagged_phones WHERE phone = ?", (phone,)
            ).fetchall()
        return {r[0] for r in rows}

    def commit_decision(
        self,
        decision: Decision,
        rule_sightings: Iterable[RuleSighting],
        phone_sightings: Iterable[PhoneSighting],
    ) -> list[Alert]:
        """Store the ledger's decision and mark its sightings decided, in one transaction.
        Returns the new alerts with their ids."""
        with self._lock, self._tx():
            cur = self.conn.cursor()
            for alert in decision.alerts:
                alert.status = "pending" if alert.recipients else "unaddressed"
                cur.execute(
                    "INSERT INTO alerts (key, rule, kind, severity, ad_id, cluster, created_at, "
                    "recipients, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        alert.key,
                        alert.rule,
                        alert.kind,
                        alert.severity,
                        alert.ad_id,
                        alert.cluster,
                        alert.created_at,
                        json.dumps(alert.recipients),
                        alert.status,
                        json.dumps(alert.detail, ensure_ascii=False),
                    ),
                )
                alert.id = cur.lastrowid
            cur.executemany(
                "INSERT OR IGNORE INTO alert_clusters (member, cluster) VALUES (?, ?)",
                list(decision.cluster_links.items()),
            )
            cur.executemany(
                "UPDATE alert_sightings SET processed = 1 WHERE ad_id = ? AND content_hash = ?",
                [(s.ad["id"], s.ad.get("content_hash", "")) for s in rule_sightings],
            )
            cur.executemany(
                "UPDATE phone_sightings SET processed = 1 WHERE phone = ? AND ad_id = ?",
                [(s.phone, s.ad_id) for s in phone_sightings],
            )
        return decision.alerts

    # ---------------------------------------------------------------- digests

    def undelivered_alerts(self) -> dict[str, list[Alert]]:
        """Alerts not yet in a digest for one of their groups: group -> alerts."""
        with self._lock:
            rows = self.conn.execute(
                f"SELECT {_prefixed('a')}, g.value AS grp "
                "FROM alerts a, json_each(a.recipients) g "
                "WHERE a.status IN ('pending', 'queued') AND NOT EXISTS ("
                "SELECT 1 FROM digest_alerts d WHERE d.alert_id = a.id "
                "AND d.recipient_group = g.value) ORDER BY a.id"
            ).fetchall()
        out: dict[str, list[Alert]] = {}
        for row in rows:
            out.setdefault(row["grp"], []).append(_alert(row))
        return out

    def add_digest(self, record: DigestRecord, alert_ids: list[int]) -> None:
        with self._lock, self._tx():
            self.conn.execute(
                "INSERT INTO digests (id, channel, recipient_group, addresses, subject, "
                "message_id, file, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued')",
                (
                    record.id,
                    record.channel,
                    record.group,
                    json.dumps(record.addresses),
                    record.subject,
                    record.message_id,
                    record.file,
                    record.created_at,
                ),
            )
            self.conn.executemany(
                "INSERT INTO digest_alerts (digest_id, alert_id, recipient_group) VALUES (?, ?, ?)",
                [(record.id, a, record.group) for a in alert_ids],
            )
            self._refresh_alerts(alert_ids)

    def digests(self, statuses: Iterable[str] | None = None) -> list[DigestRecord]:
        sql = "SELECT d.*, (SELECT count(*) FROM digest_alerts a WHERE a.digest_id = d.id) AS n "
        sql += "FROM digests d"
        args: list[Any] = []
        if statuses is not None:
            wanted = list(statuses)
            sql += f" WHERE d.status IN ({', '.join('?' * len(wanted))})"
            args = wanted
        with self._lock:
            rows = self.conn.execute(sql + " ORDER BY d.created_at, d.id", args).fetchall()
        return [_digest(r) for r in rows]

    def set_digest_status(
        self, digest_id: str, status: str, *, error: str | None = None, attempt: bool = False
    ) -> None:
        with self._lock, self._tx():
            self.conn.execute(
                "UPDATE digests SET status = ?, last_error = coalesce(?, last_error), "
                "attempts = attempts + ? WHERE id = ?",
                (status, error, int(attempt), digest_id),
            )
            if status in ("failed", "queued"):  # set aside, or back in the outbox
                self._refresh_alerts(self._alerts_of(digest_id))

    def _alerts_of(self, digest_id: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT alert_id FROM digest_alerts WHERE digest_id = ?", (digest_id,)
        )
        return [r[0] for r in rows]

    def _set_aside_for(self, alert_id: int) -> bool:
        """Whether every digest carrying the alert to one of its groups was set aside."""
        row = self.conn.execute(
            "SELECT 1 FROM digest_alerts da JOIN digests d ON d.id = da.digest_id "
            "WHERE da.alert_id = ? GROUP BY da.recipient_group "
            "HAVING min(d.status = 'failed') = 1 LIMIT 1",
            (alert_id,),
        ).fetchone()
        return row is not None

    def mark_digest_sent(self, digest_id: str, at: str) -> None:
        """The server accepted the digest: it and (when all their digests are) its alerts
        are sent, in one transaction."""
        with self._lock, self._tx():
            self.conn.execute(
                "UPDATE digests SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                (at, digest_id),
            )
            self._refresh_alerts(self._alerts_of(digest_id), at)

    def drop_digest(self, digest_id: str) -> None:
        """Forget a digest that never left (its file is gone): its alerts are due again."""
        with self._lock, self._tx():
            ids = self._alerts_of(digest_id)
            self.conn.execute("DELETE FROM digest_alerts WHERE digest_id = ?", (digest_id,))
            self.conn.execute("DELETE FROM digests WHERE id = ?", (digest_id,))
            self._refresh_alerts(ids)

    def _refresh_alerts(self, alert_ids: list[int], sent_at: str | None = None) -> None:
        """An alert is ``sent`` when a sent digest carries it to each of its groups,
        ``pending`` while a group has no digest for it, ``set_aside`` when a group's
        digest was refused for good (in ``outbox/failed/``), else ``queued``."""
        for alert_id in alert_ids:
            row = self.conn.execute(
                "SELECT recipients FROM alerts WHERE id = ?", (alert_id,)
            ).fetchone()
            groups = set(json.loads(row[0])) if row else set()
            states = dict(
                self.conn.execute(
                    "SELECT da.recipient_group, max(d.status = 'sent') FROM digest_alerts da "
                    "JOIN digests d ON d.id = da.digest_id WHERE da.alert_id = ? "
                    "GROUP BY da.recipient_group",
                    (alert_id,),
                ).fetchall()
            )
            if not groups:
                continue
            if all(states.get(g) == 1 for g in groups):
                status = "sent"
            elif not all(g in states for g in groups):
                status = "pending"
            elif self._set_aside_for(alert_id):
                status = "set_aside"
            else:
                status = "queued"
            self.conn.execute(
                "UPDATE alerts SET status = ?, mirrored = 0, sent_at = CASE WHEN ? = 'sent' "
                "THEN coalesce(sent_at, ?) ELSE NULL END WHERE id = ?",
                (status, status, sent_at, alert_id),
            )

    # ---------------------------------------------------------------- reading

    def list_alerts(
        self, limit: int = 50, status: str | None = None, rule: str | None = None
    ) -> list[Alert]:
        where, args = [], []
        if status:
            where.append("status = ?")
            args.append(status)
        if rule:
            where.append("rule = ?")
            args.append(rule)
        sql = f"SELECT {_ALERT_COLUMNS} FROM alerts"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        with self._lock:
            rows = self.conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit]).fetchall()
        return [_alert(r) for r in rows]

    def unmirrored_alerts(self, limit: int = 1000) -> list[Alert]:
        """Alerts new or changed since they were last copied to Elasticsearch."""
        with self._lock:
            rows = self.conn.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE mirrored = 0 ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        return [_alert(r) for r in rows]

    def mark_mirrored(self, alerts: list[Alert]) -> None:
        """Alerts copied; ``status`` guards against a change made meanwhile."""
        with self._lock, self._tx():
            self.conn.executemany(
                "UPDATE alerts SET mirrored = 1 WHERE id = ? AND status = ?",
                [(a.id, a.status) for a in alerts],
            )

    def alert_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self.conn.execute("SELECT status, count(*) FROM alerts GROUP BY status")
            return {r[0]: r[1] for r in rows.fetchall()}


def _phone_sighting(row: Any) -> PhoneSighting:
    return PhoneSighting(
        row["phone"],
        row["ad_id"],
        row["source"],
        row["city"],
        row["ad_date"],
        json.loads(row["ad"]),
    )


def _alert(row: Any) -> Alert:
    return Alert(
        key=row["key"],
        rule=row["rule"],
        kind=row["kind"],
        severity=row["severity"],
        ad_id=row["ad_id"],
        cluster=row["cluster"],
        recipients=json.loads(row["recipients"]),
        created_at=row["created_at"],
        detail=json.loads(row["detail"]),
        id=row["id"],
        status=row["status"],
        sent_at=row["sent_at"],
    )


def _digest(row: Any) -> DigestRecord:
    return DigestRecord(
        id=row["id"],
        channel=row["channel"],
        group=row["recipient_group"],
        addresses=json.loads(row["addresses"]),
        subject=row["subject"],
        message_id=row["message_id"],
        file=row["file"],
        created_at=row["created_at"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        alert_count=row["n"],
    )
