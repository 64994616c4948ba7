"""A local file named on the command line (``adwatch extract FILE``, ``search --image FILE``),
read under the same cap as a download of it would be: ``/dev/zero``, a device or a huge file
is refused after ``max_bytes`` rather than read forever."""

from __future__ import annotations

from pathlib import Path


class FileTooLarge(ValueError):
    """The file holds more than the cap allows; nothing past the cap was read."""


def read_capped(path: str | Path, max_bytes: int, setting: str) -> bytes:
    """The bytes of ``path``; :class:`FileTooLarge` (naming ``setting``, the cap's name in
    crawler/settings.py) past ``max_bytes``, OSError when it cannot be read, ValueError for
    a URL of a scheme other than http(s)."""
    if "://" in str(path):  # a URL of another scheme, not a file name
        raise ValueError("only http(s) URLs and files")
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLarge(f"larger than {max_bytes} bytes ({setting}); read no further")
    return data
