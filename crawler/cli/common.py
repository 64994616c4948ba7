"""What every ``adwatch`` command shares: argument types, errors as one line, tables of stored
text, the sources file, the run lock, and the data directory check.

Every command module (crawler/cli/run.py, search.py, ...) imports from here; this module
imports no command module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from urllib.error import HTTPError, URLError

from crawler.common.durations import parse_duration
from crawler.config import ConfigError, SourcesFile, load_sources
from crawler.stores import data_dir

#: What reading a page, a photo or a file named on the command line may raise: a missing
#: file, a refused connection, a name that does not resolve (OSError), a refused address or
#: a body over the cap (ValueError), a broken HTTP answer (HTTPException).
READ_ERRORS = (OSError, ValueError, HTTPException)


def reason(exc: BaseException) -> str:
    """An error as one short line: ``No such file or directory``, ``Connection refused``."""
    if isinstance(exc, HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, URLError) and isinstance(exc.reason, BaseException):
        return reason(exc.reason)
    if isinstance(exc, URLError):
        return str(exc.reason)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def print_table(columns: tuple[str, ...], rows: list[list[str]]) -> None:
    """Rows of stored text (written by an ad's author) as a terminal table. Every cell is
    literal text: never rich markup (``[/bold]``, ``[link=...]``), emoji codes or control
    and direction-override characters."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(expand=True)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(Text(printable(cell)) for cell in row))
    console = Console()
    if not console.is_terminal:  # a pipe or a file: each row on one line, never wrapped
        table.expand = False
        console = Console(width=100_000)
    console.print(table)


_UNPRINTABLE = dict.fromkeys(
    [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)], " "
)


def printable(text: str) -> str:
    """``text`` with control and direction-override characters made spaces."""
    return text.translate(_UNPRINTABLE)


def at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low``."""

    def whole_number(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if number < low:
            raise argparse.ArgumentTypeError(f"not a whole number of at least {low}: {value!r}")
        return number

    return whole_number


positive_int = at_least(1)


def seconds(value: str) -> float:
    """An argparse type: a finite number of seconds, zero or more (a negative wait would
    wait forever)."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds (0 or more): {value!r}")
    return number


def port_number(value: str) -> int:
    """An argparse type: a TCP port, or 0 for a free one."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535): {value!r}")
    return number


def cutoff(option: str, value: str) -> datetime:
    """The moment ``value`` (``7d``, ``12h``...) before now; ValueError naming ``option``
    for a duration that is not one or reaches before the year 1."""
    try:
        return datetime.now(UTC) - parse_duration(value)
    except OverflowError:
        raise ValueError(f"{option} {value}: too long ago") from None
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None


def sources_path(args: argparse.Namespace) -> Path:  # noqa: ARG001 (--sources is in the settings)
    """The sources file of the command (``--sources``, ``ADWATCH_SOURCES``, ./sources.yaml)."""
    from crawler.common.options import current_options

    return current_options().sources_path


def read_sources(args: argparse.Namespace) -> SourcesFile:
    """The command's sources file, validated (ConfigError, exit 2, otherwise)."""
    return load_sources(sources_path(args))


def under_run_lock(args: argparse.Namespace, what: str, action: Callable[[], int]) -> int:
    """Run ``action()`` while no ``adwatch run`` writes (it takes the run lock)."""
    from filelock import FileLock, Timeout

    ddir = data_dir(args.data_dir)
    ddir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(ddir / "adwatch.run.lock"))
    try:
        lock.acquire(timeout=getattr(args, "wait", 0) or 0)
    except Timeout:
        print(f"an adwatch run is in progress: {what} again when it is done", file=sys.stderr)
        return 1
    try:
        return action()
    finally:
        lock.release()


def check_data_dir(value: str | None) -> None:
    """A data directory that names a file (or lies under one) is a usage error, found
    before any command starts (ConfigError, exit 2)."""
    ddir = data_dir(value)
    blocking = file_in_the_way(ddir)
    if blocking is not None:
        name = "--data-dir" if value else "ADWATCH_DATA_DIR"
        raise ConfigError([(name, None, f"{ddir} is not a directory ({blocking} is a file)")])


def file_in_the_way(folder: Path) -> Path | None:
    """The existing file that stands where ``folder`` or one of its parents should be."""
    existing = folder
    try:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        return existing if existing.exists() and not existing.is_dir() else None
    except OSError:  # unreadable: the command's own access says so
        return None
