"""Durations as operators write them: ``15m``, ``6h``, ``7d``, ``2w`` or seconds -> timedelta.

The one reading of every duration in adwatch (source schedules, rule ``realert``, the phone
window, ``prune --older-than``, ``ADWATCH_RECHECK_UNAVAILABLE``), from zero up to
:data:`MAX_DURATION`. A number and a unit (``s``, ``m``, ``h``, ``d``, ``w``) as text, a number
of seconds, or a timedelta; every refusal reads ``duration '<value>': <what is wrong>``.
Pure: no settings, no I/O.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

__all__ = ["MAX_DURATION", "parse_duration"]

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: The longest duration anywhere (schedules, realert, windows, retention): a hundred years,
#: which keeps "now" plus or minus it a valid date.
MAX_DURATION = timedelta(days=36500)


def _shown(value: object) -> str:
    """``value`` as an error message quotes it: its repr, cut short past 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """``"15m"``, ``"6h"``, ``"7d"``, ``"2w"``, seconds or a timedelta -> timedelta, from zero
    up to :data:`MAX_DURATION`; ValueError (``duration '<value>': ...``) otherwise."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(
                f"duration {_shown(value)}: write a number and a unit, like 30d, 12h or 2w"
            )
        digits = m.group(1)
        seconds = int(digits) * _UNITS[m.group(2)] if len(digits) <= 15 else math.inf
    if not 0 <= seconds <= MAX_DURATION.total_seconds():  # NaN fails too
        raise ValueError(f"duration {_shown(value)} is out of range (0 to {MAX_DURATION.days}d)")
    return timedelta(seconds=seconds)
