"""The data directory's health: checked before a run, watched during it.

Before ``adwatch run`` takes its lock, :func:`check` makes sure the data directory can be
written (a probe file written, fsync'ed and removed) and keeps at least
``ADWATCH_MIN_FREE_MB`` free; otherwise :class:`DataDirError` says why in one line and
nothing is written.

During the run, a write that fails because the disk is full or read-only (``ENOSPC``,
``EDQUOT``, ``EROFS``, or SQLite's "database or disk is full", "attempt to write a readonly
database") is a *data-directory fault*. :func:`stop_crawl` records the first one and closes
the spider; from then on no ad is written (a batch that failed is not stored, so the next
run fetches its ads again) and no source is marked as run. :class:`DataDirGuard`
(extension, always on) does the same for such an error raised anywhere in a pipeline or a
spider. The runner then skips the alert pass and ends with :data:`EXIT_DATA_DIR` and the
fault's message.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from scrapy import signals

from crawler.config import ConfigError

logger = logging.getLogger(__name__)

#: ``adwatch run`` exit status when the data directory cannot be written.
EXIT_DATA_DIR = 3
#: The close reason of a spider stopped by a data-directory fault.
CLOSE_REASON = "data_dir_error"

_FULL = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS}
_DENIED = {errno.EACCES, errno.EPERM}
_IO = {errno.EIO}
_SQLITE = {
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_READONLY: "read_only",
    sqlite3.SQLITE_IOERR: "io",
    sqlite3.SQLITE_CANTOPEN: "denied",
}

_fault: str | None = None


class DataDirError(Exception):
    """The data directory cannot be used; the message says why, naming the directory."""


def _kind(exc: BaseException) -> str | None:
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in _FULL:
            return "full"
        if exc.errno in _READ_ONLY:
            return "read_only"
        if exc.errno in _DENIED:
            return "denied"
        if exc.errno in _IO:
            return "io"
        return None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return _SQLITE.get(code & 0xFF)
    return None


def disk_error(
    exc: BaseException | None, kinds: tuple[str, ...] = ("full", "read_only")
) -> BaseException | None:
    """The exception in ``exc``'s chain (itself, its cause or context) that comes from the
    disk being full (kind ``full``) or read-only (``read_only``), or with ``kinds`` also
    not writable (``denied``) or failing (``io``); None for any other error. Permission
    and I/O errors are left out by default: a socket can fail with ``EPERM`` or ``EIO``."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _kind(exc) in kinds:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def describe(exc: BaseException, directory: str | os.PathLike[str]) -> str:
    """One line for an operator: what is wrong with ``directory``, and the error itself."""
    found = disk_error(exc) or exc
    kind = _kind(found)
    path = Path(directory)
    if kind == "full":
        return f"no space left on device in {path}: {found}"
    if kind == "read_only":
        return f"data directory {path} is read-only: {found}"
    if kind == "denied":
        return f"data directory {path} is not writable: {found}"
    return f"cannot write to the data directory {path}: {found}"


def min_free_mb(value: Any = None) -> float:
    """``ADWATCH_MIN_FREE_MB``: ``value``, else the current settings'
    (crawler/common/options.py)."""
    if value is None:
        from crawler.common.options import current_options

        value = current_options().ADWATCH_MIN_FREE_MB
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        raise ConfigError(
            [("ADWATCH_MIN_FREE_MB", None, f"must be a number of megabytes, not {value!r}")]
        ) from None


def check(directory: str | os.PathLike[str], min_free: float) -> None:
    """Raise :class:`DataDirError` unless ``directory`` (created if missing) is writable and
    has at least ``min_free`` MB free. Nothing is left behind when it raises."""
    path = Path(directory)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing == path and not path.is_dir():
        raise DataDirError(f"data directory {path} is not a directory")
    try:
        fs = os.statvfs(existing)
    except OSError as exc:
        raise DataDirError(describe(exc, path)) from exc
    if fs.f_flag & os.ST_RDONLY:
        raise DataDirError(f"data directory {path} is read-only (read-only file system)")
    free_mb = fs.f_bavail * fs.f_frsize / 2**20
    if free_mb < min_free:
        raise DataDirError(
            f"no space left on device in {path}: {free_mb:.1f} MB free, "
            f"less than ADWATCH_MIN_FREE_MB ({min_free:g})"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(describe(exc, path)) from exc
    probe = path / f".adwatch-write-check-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"adwatch\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink()
        raise DataDirError(describe(exc, path)) from exc
    for name in ("adwatch.sqlite3", "adwatch.sqlite3-wal", "outbox"):
        if (path / name).exists() and not os.access(path / name, os.W_OK):
            raise DataDirError(f"data directory {path} is not writable: {path / name} is not")


# ---------------------------------------------------------------- faults during a run


def fault() -> str | None:
    """The message of the first data-directory fault of this process, or None."""
    return _fault


def reset() -> None:
    """Forget the recorded fault (at the start of a run)."""
    global _fault
    _fault = None


def record(exc: BaseException, directory: str | os.PathLike[str]) -> bool:
    """Record ``exc`` as the run's fault when it is a disk error; True when it is one."""
    global _fault
    if disk_error(exc) is None:
        return False
    if _fault is None:
        _fault = describe(exc, directory)
        logger.error("%s; the run stops, nothing more is written", _fault)
    return True


def stop_crawl(
    crawler: Any, exc: BaseException | None = None, directory: str | os.PathLike[str] | None = None
) -> None:
    """Record ``exc`` (when given; a write in ``directory``, by default the data directory)
    and close ``crawler``'s spider, once."""
    if exc is not None:
        record(exc, directory or crawler.settings.get("ADWATCH_DATA_DIR") or "data")
    if _fault is not None:
        crawler.stats.set_value("adwatch/data_dir_error", _fault)
    engine = getattr(crawler, "engine", None)
    if engine is None or engine.spider is None or getattr(crawler, "_adwatch_stopping", False):
        return
    crawler._adwatch_stopping = True
    from scrapy.utils.defer import deferred_from_coro

    deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))


class DataDirGuard:
    """Extension (always on): a disk-full or read-only error raised in an item pipeline or a
    spider stops the crawl like one caught by the store pipeline."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        crawler.signals.connect(self.item_error, signal=signals.item_error)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler: Any) -> DataDirGuard:
        return cls(crawler)

    def item_error(self, failure: Any, **_: Any) -> None:
        if disk_error(failure.value) is not None:
            stop_crawl(self.crawler, failure.value)

    def spider_error(self, failure: Any, **_: Any) -> None:
        if disk_error(failure.value) is not None:
            stop_crawl(self.crawler, failure.value)
