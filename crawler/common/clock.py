"""The time now, in UTC, and the one text form adwatch stores times in.

:func:`utc_now` is an aware :class:`~datetime.datetime`; :func:`utc_text` is what the stores
keep (``first_seen``, ``last_seen``, run and health times, ledger decisions): ISO 8601 with
``+00:00``, to the second (``2026-11-01T09:30:00+00:00``), which sorts as text. Evidence
capture times keep microseconds (``timespec="microseconds"``), as their ``WARC-Date`` does.
Pure: no settings, no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utc_now", "utc_text"]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def utc_text(moment: datetime | None = None, timespec: str = "seconds") -> str:
    """``moment`` (default: now; an aware time, any offset) as stored: ISO 8601 in UTC,
    ``2026-11-01T09:30:00+00:00`` (``timespec`` as :meth:`datetime.isoformat` takes it)."""
    moment = utc_now() if moment is None else moment.astimezone(UTC)
    return moment.isoformat(timespec=timespec)
