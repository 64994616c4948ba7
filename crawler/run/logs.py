"""Where a run's log goes: all of it to a file, a few lines of it to the terminal.

``adwatch run`` and ``adwatch crawl`` call :func:`configure` before the crawl starts:

- the log file (``--log-file``, else ``adwatch.log`` in the data directory) gets every
  record at ``LOG_LEVEL`` (``INFO`` unless ``--log-level`` says otherwise), in Scrapy's
  format: what each spider did, a warning per dropped page, Scrapy's stats dump at the end.
  It is opened when the first record arrives (so a run refused before it starts writes
  nothing), appended to, and a disk that cannot take it never stops the run (the data
  directory's guard, crawler/health/datadir.py, says so instead);
- standard error gets only what concerns the run as a whole: warnings and errors of the
  run, the stores and the alert and health passes (``Elasticsearch unavailable: writes go
  to the spool``), and anything critical. Per-page warnings stay in the file;
- with ``--verbose``, standard error gets the whole log as well, as it is written.

Scrapy's own root handler is turned off (:data:`SCRAPY_SETTINGS`), so these two are the
only handlers; Scrapy still routes Twisted's log and Python's warnings into ``logging``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

#: Scrapy settings of a crawl whose log :func:`configure` has set up.
SCRAPY_SETTINGS: dict[str, Any] = {"LOG_INSTALL_ROOT_HANDLER": False}

#: The loggers whose warnings concern a run as a whole (their children too).
RUN_LOGGERS = ("crawler.run", "crawler.health", "crawler.stores", "crawler.cli", "alerts")

FILE_NAME = "adwatch.log"
_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_handlers: list[logging.Handler] = []


class _LogFile(logging.FileHandler):
    """A log file opened (with its folder) on the first record. A record that cannot be
    written (a full or read-only disk) is dropped without a word: the log must not add a
    traceback of its own to the data directory's one-line report."""

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is None:
            try:
                Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
                self.stream = self._open()
            except OSError:
                return
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if self.stream is not None and not self.stream.closed:
            try:
                self.stream.close()
            except OSError:
                pass
        self.stream = None  # tried again with the next record


class _RunLevel(logging.Filter):
    """Warnings of the run as a whole, and anything critical."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.CRITICAL:
            return True
        if record.levelno < logging.WARNING:
            return False
        return any(record.name == n or record.name.startswith(n + ".") for n in RUN_LOGGERS)


class _Brief(logging.Formatter):
    """``warning: the message`` on one line; a traceback goes to the file only."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info:
            line += " (the traceback is in the log file)"
        return line


class _Terminal(logging.StreamHandler):
    """Standard error; on a terminal, each record first clears the progress line
    (crawler/run/extensions.py), which redraws itself below it."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        isatty = getattr(self.stream, "isatty", None)
        return "\r\x1b[K" + text if isatty is not None and isatty() else text


def log_file(data_dir: Path, given: str | Path | None = None) -> Path:
    """The log file: the one given (``--log-file``), else ``adwatch.log`` in ``data_dir``."""
    return Path(given) if given else Path(data_dir) / FILE_NAME


def configure(
    data_dir: Path,
    *,
    level: str | None = None,
    given_file: str | Path | None = None,
    verbose: bool = False,
) -> Path:
    """Send the log to its file at ``level`` (default ``INFO``) and the run's own warnings
    to standard error (with ``verbose``: the whole log too). Replaces what an earlier call
    installed. Returns the log file's path."""
    root = logging.getLogger()
    for handler in _handlers:
        root.removeHandler(handler)
        handler.close()
    _handlers.clear()
    file_level = logging.getLevelName(str(level or "INFO").upper())
    if not isinstance(file_level, int):  # not a level's name: Scrapy's default
        file_level = logging.INFO
    path = log_file(data_dir, given_file)
    to_file = _LogFile(path, mode="a", encoding="utf-8", delay=True)
    to_file.setLevel(file_level)
    to_file.setFormatter(logging.Formatter(_FORMAT, _DATE_FORMAT))
    console = _Terminal(sys.stderr)
    if verbose:
        console.setLevel(file_level)
        console.setFormatter(logging.Formatter(_FORMAT, _DATE_FORMAT))
    else:
        console.setLevel(logging.WARNING)
        console.addFilter(_RunLevel())
        console.setFormatter(_Brief())
    for handler in (to_file, console):
        root.addHandler(handler)
        _handlers.append(handler)
    root.setLevel(min(file_level, logging.WARNING))
    return path


__all__ = ["FILE_NAME", "RUN_LOGGERS", "SCRAPY_SETTINGS", "configure", "log_file"]
