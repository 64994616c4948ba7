"""Evidence that survives takedowns, store side: WARC files of new or changed ads, and their index.

:class:`EvidenceWriter`, called by the store pipeline for each batch *before* the batch is
stored, appends a response and a request record (crawler/evidence/warc.py) for every page whose
ad is new or changed (its content hash differs from the page's last capture) to a gzipped WARC
file: ``<data dir>/evidence/warc/<source>-<run start>-<pid>-<n>.warc.gz``, one per source and
run, the next one begun past ``ADWATCH_EVIDENCE_WARC_MAX_BYTES``. Screenshots go to
``<data dir>/evidence/screenshots/<sha256>.png``. The index (which ad, which file, offset,
length, record id, SHA-256 of the body in hex, screenshot) is the ``evidence`` table of the
local SQLite file (crawler/stores/evidence_state.py), in every mode. Writing before storing
means a crash in between leaves a capture whose ad is fetched and stored on the next run (and
not captured twice: its content hash is already indexed), never a stored ad without its
evidence; a batch that fails is cut off the end of its file again.

Stats: ``adwatch/evidence/records`` (captures written), ``adwatch/evidence/screenshots``.
"""

from __future__ import annotations

import errno
import io
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.evidence.warc import safe_name, sha256_hex, warc_records, write_warcinfo
from crawler.items import Ad, Capture
from crawler.stores.base import Store
from crawler.stores.evidence_state import EvidenceState

logger = logging.getLogger(__name__)

#: how many shared captures (feed responses) a writer remembers having written
_SHARED_CAPTURES = 16


class _WarcFile(io.FileIO):
    """An unbuffered file whose writes are whole or raise (a short write on a full disk
    would otherwise go unnoticed by warcio)."""

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            n = super().write(view[done:])
            if not n:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.name)
            done += n
        return done


class EvidenceWriter:
    """Appends the captures of new or changed ads to the WARC files of one source and run,
    and indexes them (see the module doc). ``state`` is the store's evidence state."""

    def __init__(
        self,
        root: Path,
        source: str,
        state: EvidenceState,
        max_bytes: int,
        stats: Any = None,
    ):
        self.root = Path(root)
        self.source = source
        self.state = state
        self.max_bytes = max(int(max_bytes), 1)
        self.stats = stats
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.serial = 0
        self.fh: Any = None
        self.name = ""
        self.batch_files: list[Path] = []  # files opened while writing the current batch
        # id(capture) -> (capture, location): entries of one feed share its records
        self.shared: dict[int, tuple[Capture, dict[str, Any]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, store: Store) -> EvidenceWriter | None:
        """The writer for a crawler's source, or None when ``ADWATCH_EVIDENCE`` is off."""
        from crawler.stores import data_dir

        settings = crawler.settings
        if not settings.getbool("ADWATCH_EVIDENCE"):
            return None
        source = getattr(getattr(crawler.spidercls, "source", None), "name", None)
        return cls(
            data_dir(settings.get("ADWATCH_DATA_DIR")) / "evidence",
            source or crawler.spidercls.name,
            store.evidence,
            settings.getint("ADWATCH_EVIDENCE_WARC_MAX_BYTES"),
            crawler.stats,
        )

    # ------------------------------------------------------------ files

    def _file(self) -> Any:
        if self.fh is not None and self.fh.tell() >= self.max_bytes:
            self._close_file()
        if self.fh is None:
            folder = self.root / "warc"
            folder.mkdir(parents=True, exist_ok=True)
            while True:
                self.serial += 1
                name = (
                    f"{safe_name(self.source)}-{self.stamp}-{os.getpid()}-{self.serial:05d}.warc.gz"
                )
                try:
                    # kept open for the run; unbuffered, so that a failed batch can be cut
                    # off the end of the file with nothing left in a buffer to write later
                    self.fh = _WarcFile(folder / name, "x")
                except FileExistsError:
                    continue
                break
            self.batch_files.append(folder / name)
            self.name = f"warc/{name}"
            write_warcinfo(
                self.fh,
                name,
                {
                    "software": "adwatch",
                    "format": "WARC File Format 1.1",
                    "isPartOf": self.source,
                    "description": "responses of new or changed ads",
                },
            )
        return self.fh

    def _close_file(self) -> None:
        fh, self.fh = self.fh, None
        if fh is not None:
            try:
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fh.close()

    def close(self) -> None:
        self._close_file()

    def _undo_batch(self, start: tuple[Path, int] | None) -> None:
        """After a failed batch (a full disk, the index not written): cut what the batch
        appended, so that no WARC file ends in a torn or unindexed record."""
        fh, self.fh = self.fh, None
        if fh is not None:
            try:
                fh.close()
            except OSError:
                pass
        for path in self.batch_files:
            path.unlink(missing_ok=True)
        if start is not None and start[0] not in self.batch_files:
            try:
                os.truncate(start[0], start[1])
            except OSError as exc:
                logger.error("cannot cut a failed batch off %s: %s", start[0], exc)
        self.batch_files = []
        self.shared.clear()  # their locations may point into what was cut

    def _screenshot(self, png: bytes) -> tuple[str, str]:
        digest = sha256_hex(png)
        relative = f"screenshots/{digest}.png"
        path = self.root / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            try:
                tmp.write_bytes(png)
                os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            if self.stats is not None:
                self.stats.inc_value("adwatch/evidence/screenshots")
        return relative, digest

    # ------------------------------------------------------------ captures

    def _write(self, capture: Capture) -> dict[str, Any]:
        known = self.shared.get(id(capture))
        if known is not None and known[0] is capture:
            return known[1]
        records = capture.records if capture.records is not None else warc_records(capture)
        fh = self._file()
        offset = fh.tell()
        fh.write(records.data)  # one whole write (see _WarcFile)
        location = {
            "captured_at": capture.captured_at,
            "status": capture.status,
            "sha256": records.body_sha256,
            "bytes": records.body_bytes,
            "warc_file": self.name,
            "warc_offset": offset,
            "warc_length": len(records.data),
            "record_id": records.record_id,
            "rendered": int(capture.rendered),
            "screenshot": None,
            "screenshot_sha256": None,
        }
        if capture.screenshot:
            location["screenshot"], location["screenshot_sha256"] = self._screenshot(
                capture.screenshot
            )
        if len(self.shared) >= _SHARED_CAPTURES:
            self.shared.pop(next(iter(self.shared)))
        self.shared[id(capture)] = (capture, location)
        return location

    def record(self, ads: list[Ad]) -> int:
        """Write the captures of the ads whose page was not captured with this content yet;
        returns how many. Every ad's capture is released afterwards."""
        captured = [ad for ad in ads if ad.capture is not None]
        if not captured:
            return 0
        last = self.state.evidence_hashes(ad.canonical_url for ad in captured)
        rows = []
        start = (self.root / self.name, self.fh.tell()) if self.fh is not None else None
        self.batch_files = []
        try:
            for ad in captured:
                if last.get(ad.canonical_url) == ad.content_hash:
                    continue
                assert ad.capture is not None
                location = self._write(ad.capture)
                rows.append(
                    {
                        **location,
                        "ad_id": ad.repost_of or ad.id,
                        "canonical_url": ad.canonical_url,
                        "url": ad.url,
                        "source": ad.source,
                        "content_hash": ad.content_hash,
                    }
                )
                last[ad.canonical_url] = ad.content_hash
            if rows:
                if self.fh is not None:
                    self.fh.flush()
                    os.fsync(self.fh.fileno())
                self.state.save_evidence(rows)
        except BaseException:
            self._undo_batch(start)
            raise
        finally:
            for ad in ads:
                ad.capture = None
        if self.stats is not None and rows:
            self.stats.inc_value("adwatch/evidence/records", len(rows))
        return len(rows)
