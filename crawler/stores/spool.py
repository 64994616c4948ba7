"""The spool: writes that could not reach the store, kept on disk until the next run.

An append-only file of JSON lines, one write operation per line, each batch flushed and
fsync'd before :meth:`Spool.append` returns: an operation accepted by the spool survives a
crash or a power cut. Operations carry a sequence number (``seq``) that the store uses to apply
each one at most once, so replaying a spool twice (a run killed in the middle of a replay) is
harmless. A torn last line (the process died while writing it) is dropped when read: its batch
had not been acknowledged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class Spool:
    """Operations (dicts) in ``path``, oldest first."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def append(self, ops: Iterable[dict[str, Any]]) -> int:
        """Append ``ops`` durably; return how many were written."""
        lines = [json.dumps(op, ensure_ascii=False, separators=(",", ":")) + "\n" for op in ops]
        if not lines:
            return 0
        new_file = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = memoryview("".join(lines).encode("utf-8"))
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            start = os.lseek(fd, 0, os.SEEK_END)
            try:
                while data:
                    data = data[os.write(fd, data) :]
                os.fsync(fd)
            except OSError:
                # disk full: the batch is in the spool whole or not at all, so that the
                # next batch does not start on the end of a torn line
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                raise
        finally:
            os.close(fd)
        if new_file:
            _fsync_dir(self.path.parent)
        return len(lines)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.endswith("\n"):
                    logger.warning("%s:%d: torn last line dropped", self.path, number)
                    return
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    logger.error("%s:%d: unreadable line skipped", self.path, number)

    def __len__(self) -> int:
        if not self.path.exists():
            return 0
        with open(self.path, "rb") as fh:
            return sum(1 for line in fh if line.endswith(b"\n"))

    def size_bytes(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def replace(self, ops: list[dict[str, Any]]) -> None:
        """Keep only ``ops`` (what a partial replay left), atomically."""
        if not ops:
            self.clear()
            return
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                for op in ops:
                    fh.write(json.dumps(op, ensure_ascii=False, separators=(",", ":")) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            tmp.unlink(missing_ok=True)  # the spool itself is untouched
            raise
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    def clear(self) -> None:
        """Forget every operation (after they were all applied)."""
        if self.path.exists():
            self.path.unlink()
            _fsync_dir(self.path.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
