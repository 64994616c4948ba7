"""The one SQLite connection of a data directory, shared by the store and its state objects.

``<data dir>/adwatch.sqlite3`` holds ads (embedded mode) and, in every mode, the host's own
state: photos, the alert ledger and outbox, source health, evidence. Each kind of state is
its own object (:class:`SQLiteState` subclasses) over this one connection and its lock, so
that one process keeps one connection and one writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any


class Database:
    """The SQLite file at ``path`` (WAL mode, foreign keys on), opened once: ``conn`` and
    the re-entrant ``lock`` that every reader and writer holds while it uses ``conn``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(
            str(self.path), timeout=30, isolation_level=None, check_same_thread=False
        )
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")

    def transaction(self) -> Transaction:
        """A write transaction on the connection (hold ``lock`` around it)."""
        return Transaction(self.conn)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


class SQLiteState:
    """Base of the state objects: ``conn``, ``_lock`` and ``_tx()`` of one :class:`Database`,
    and the tables of ``schema`` created if missing."""

    schema = ""

    def __init__(self, db: Database):
        self.db = db
        self.conn = db.conn
        self._lock = db.lock
        if self.schema:
            self.conn.executescript(self.schema)

    def _tx(self) -> Transaction:
        return self.db.transaction()


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on error."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.Error:
                # a COMMIT that fails (disk full) leaves the transaction open
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        # SQLite may have rolled back already (SQLITE_FULL, SQLITE_IOERR)
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


def marks(values: list[Any]) -> str:
    """``?, ?, ?``: one placeholder per value, for ``IN (...)``."""
    return ", ".join("?" * len(values))


def chunks(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size`` (SQLite caps the placeholders of a query)."""
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]
