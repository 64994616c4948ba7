"""Durations as operators write them: ``15m``, ``6h``, ``7d``, ``2w`` or seconds -> timedelta.

One reading for every duration in adwatch (schedules, realert, windows, retention), from
zero up to :data:`MAX_DURATION`. Pure: no settings, no I/O.
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


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """``"15m"``, ``"6h"``, ``"7d"``, ``"2w"`` or seconds -> timedelta, from zero up to
    :data:`MAX_DURATION`; ValueError otherwise."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"not a duration: {value!r} (use e.g. 15m, 6h, 7d)")
        digits = m.group(1)
        seconds = int(digits) * _UNITS[m.group(2)] if len(digits) <= 15 else math.inf
    if not 0 <= seconds <= MAX_DURATION.total_seconds():  # NaN fails too
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ValueError(f"duration {shown} is out of range (0 to {MAX_DURATION.days}d)")
    return timedelta(seconds=seconds)
