"""Evidence that survives takedowns: WARC records and screenshots of ads, and case packets.

When ``ADWATCH_EVIDENCE`` is on, the spiders keep each ad page's HTTP exchange
(:func:`capture_of`: status line and headers as received, the body, the capture time, and a
full-page screenshot when the browser rendered the page; a feed's entries share the feed's
response) on the item, and :class:`EvidenceWriter`, called by the store pipeline for each
batch *before* the batch is stored, appends a response and a request record for every page
whose ad is new or changed (its content hash differs from the page's last capture) to a
gzipped WARC file: ``<data dir>/evidence/warc/<source>-<run start>-<pid>-<n>.warc.gz``, one
per source and run, the next one begun past ``ADWATCH_EVIDENCE_WARC_MAX_BYTES``. Each
record is a gzip member of its own, so one capture can be cut out of the file by offset and
length. ``WARC-Date`` is the capture time; the digests (``WARC-Block-Digest``,
``WARC-Payload-Digest``) are SHA-256 (``sha256:`` + base 32, as WARC 1.1 allows). Screenshots
go to ``<data dir>/evidence/screenshots/<sha256>.png``. The index (which ad, which file,
offset, length, record id, SHA-256 of the body in hex, screenshot) is the ``evidence`` table
of the local SQLite file (crawler/stores/evidence_state.py), in every mode. Writing before
storing means a crash in between leaves a capture whose ad is fetched and stored on the next
run (and not captured twice: its content hash is already indexed), never a stored ad without
its evidence.

Scrapy hands over bodies decoded: the records carry the body as received after
``Content-Encoding`` was undone, with ``Content-Length`` set to it; the headers this changes
are kept as ``X-Archive-Orig-<name>``. For a page the browser rendered, the body is the
rendered document and the record says so (``WARC-Adwatch-Rendered: chromium``).

:func:`build_packet` (``adwatch evidence AD_ID``) writes one ad's case packet, a zip:
``warc/<ad id>.warc.gz`` (its captures' records, and its sightings'), ``screenshots/``,
``images/`` (the photos of the ad and of its sightings, as fetched), ``ad.json`` (the ad,
when it was seen, its sightings, captures and photo hashes), ``manifest-sha256.txt``
(BagIt style: ``<sha256>  <path>`` for every file above), ``manifest.json`` (the same with
sizes, and what could not be included) and ``tagmanifest-sha256.txt`` (the sums of the two
manifests). Each record is checked against its indexed SHA-256 before it goes in.

Stats: ``adwatch/evidence/records`` (captures written), ``adwatch/evidence/screenshots``.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import io
import json
import logging
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.items import Ad, Capture, WarcRecords

logger = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
#: headers that describe the bytes on the wire, not the body kept: replaced or renamed
_WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
#: how many shared captures (feed responses) a writer remembers having written
_SHARED_CAPTURES = 16


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def warc_date(iso: str) -> str:
    """An ISO 8601 time (any offset) as a WARC-Date: UTC, ``Z``, microseconds kept."""
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- capturing (spider side)


def capture_of(response: Any) -> Capture:
    """The exchange behind a Scrapy response, with the browser's screenshot if it took one."""
    from crawler.fetch.rendering import Screenshot

    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name in response.headers
        for value in response.headers.getlist(name)
    ]
    request = response.request
    request_headers = (
        [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name in request.headers
            for value in request.headers.getlist(name)
        ]
        if request is not None
        else []
    )
    screenshot = None
    for method in response.meta.get("playwright_page_methods") or ():
        if isinstance(getattr(method, "method", None), Screenshot) and method.result:
            screenshot = method.result
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return Capture(
        url=response.url,
        status=response.status,
        headers=headers,
        body=response.body,
        captured_at=utc_now(),
        method=request.method if request is not None else "GET",
        request_headers=request_headers,
        protocol=protocol if protocol.upper().startswith("HTTP/") else "HTTP/1.1",
        rendered="playwright" in response.flags,
        screenshot=screenshot,
    )


# ---------------------------------------------------------------- WARC records (pure)


def response_http_headers(capture: Capture) -> tuple[str, list[tuple[str, str]]]:
    """The status line (without protocol) and headers of the response record: as received,
    except the wire headers, renamed ``X-Archive-Orig-*``, and ``Content-Length`` of the body
    kept."""
    try:
        reason = HTTPStatus(capture.status).phrase
    except ValueError:
        reason = ""
    headers: list[tuple[str, str]] = []
    for name, value in capture.headers:
        if name.lower() in _WIRE_HEADERS:
            headers.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(len(capture.body))))
    return f"{capture.status} {reason}".strip(), headers


def request_line(capture: Capture) -> str:
    parts = urlsplit(capture.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return f"{capture.method} {target}"


@functools.cache
def _writer_class() -> type:
    from warcio.utils import Digester
    from warcio.warcwriter import WARCWriter

    class SHA256WARCWriter(WARCWriter):
        """warcio's writer with SHA-256 block and payload digests."""

        @staticmethod
        def _create_digester() -> Digester:
            return Digester("sha256")

    return SHA256WARCWriter


def _sha256_writer(fh: Any) -> Any:
    return _writer_class()(fh, gzip=True, warc_version=WARC_VERSION)


def write_capture(fh: Any, capture: Capture, extra: dict[str, str] | None = None) -> str:
    """Append the response record and the request record of ``capture`` to the open binary
    file ``fh`` (each one gzip member); return the response's ``WARC-Record-ID``."""
    from warcio.statusandheaders import StatusAndHeaders

    writer = _sha256_writer(fh)
    date = warc_date(capture.captured_at)
    status, headers = response_http_headers(capture)
    warc_headers = {"WARC-Date": date}
    if capture.rendered:
        warc_headers["WARC-Adwatch-Rendered"] = "chromium"
    warc_headers.update(extra or {})
    response = writer.create_warc_record(
        capture.url,
        "response",
        payload=io.BytesIO(capture.body),
        length=len(capture.body),
        warc_headers_dict=warc_headers,
        http_headers=StatusAndHeaders(status, headers, protocol=capture.protocol),
    )
    record_id = response.rec_headers.get_header("WARC-Record-ID")
    request = writer.create_warc_record(
        capture.url,
        "request",
        payload=io.BytesIO(b""),
        length=0,
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        http_headers=StatusAndHeaders(
            f"{request_line(capture)} {capture.protocol}",
            list(capture.request_headers),
            is_http_request=True,
        ),
    )
    writer.write_record(response)
    writer.write_record(request)
    return record_id


def warc_records(capture: Capture) -> WarcRecords:
    """The records of ``capture``, ready to append to a WARC file (an extraction worker
    makes them, off the crawler's thread; see :func:`write_capture`)."""
    buffer = io.BytesIO()
    record_id = write_capture(buffer, capture)
    return WarcRecords(buffer.getvalue(), record_id, sha256_hex(capture.body), len(capture.body))


def write_warcinfo(fh: Any, filename: str, info: dict[str, str]) -> None:
    writer = _sha256_writer(fh)
    writer.write_record(writer.create_warcinfo_record(filename, info))


def read_payload(warc_bytes: bytes, record_id: str) -> bytes | None:
    """The payload of the response record ``record_id`` among the records in
    ``warc_bytes`` (gzipped WARC), or None."""
    from warcio.archiveiterator import ArchiveIterator

    for record in ArchiveIterator(io.BytesIO(warc_bytes)):
        if record.rec_headers.get_header("WARC-Record-ID") == record_id:
            return record.content_stream().read()
    return None


# ---------------------------------------------------------------- writing (store side)


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "source"


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
        state: Any,
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
    def from_crawler(cls, crawler: Any, store: Any) -> EvidenceWriter | None:
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
                    f"{_safe_name(self.source)}-{self.stamp}-{os.getpid()}-"
                    f"{self.serial:05d}.warc.gz"
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


# ---------------------------------------------------------------- case packets


class UnknownAd(LookupError):
    """No stored ad has this id."""


@dataclass
class Packet:
    """What :func:`build_packet` wrote: the zip, its files (path -> SHA-256), and what could
    not be included or did not match its recorded hash."""

    path: Path
    files: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    captures: int = 0


def manifest_text(files: dict[str, bytes]) -> str:
    """BagIt-style manifest lines, ``<sha256>  <path>``, sorted by path."""
    return "".join(f"{sha256_hex(files[path])}  {path}\n" for path in sorted(files))


def _image_ext(path: str) -> str:
    suffix = Path(path).suffix
    return suffix if re.fullmatch(r"\.\w{1,5}", suffix or "") else ".img"


def _pack_checked(
    files: dict[str, bytes], name: str, path: Path, sha256: str, label: str, problems: list[str]
) -> bool:
    """Add the file at ``path`` to the packet as ``name`` if its bytes match ``sha256``;
    otherwise say why in ``problems``. True when the packet holds it."""
    if name in files:
        return True
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(f"{label}: {exc}")
        return False
    if sha256_hex(data) != sha256:
        problems.append(f"{label}: does not match its SHA-256")
        return False
    files[name] = data
    return True


def build_packet(
    store: Any,
    ad_id: str,
    evidence_root: Path,
    images_root: Path | None,
    out: Path,
) -> Packet:
    """Write the case packet of ``ad_id`` to ``out`` (see the module doc). Raises
    :class:`UnknownAd` when the store has no such ad."""
    ad = store.get_ad(ad_id)
    if ad is None:
        raise UnknownAd(ad_id)
    store.photos.with_photo_fields([ad])  # photos and sightings are kept locally in every mode
    local = store.evidence
    packet = Packet(path=Path(out))
    files: dict[str, bytes] = {}

    captures = local.evidence_of(ad_id)
    packet.captures = len(captures)
    warc = bytearray()
    seen_ranges: set[tuple[str, int]] = set()
    for row in captures:
        key = (row["warc_file"], row["warc_offset"])
        row["packet_warc"] = None
        try:  # only the record's own bytes: a WARC file may hold a gigabyte
            with open(evidence_root / row["warc_file"], "rb") as fh:
                fh.seek(row["warc_offset"])
                chunk = fh.read(row["warc_length"])
        except OSError as exc:
            packet.problems.append(f"capture {row['record_id']}: {exc}")
            continue
        try:
            payload = read_payload(chunk, row["record_id"])
        except Exception as exc:  # a damaged file: report it, keep the rest of the packet
            payload = None
            packet.problems.append(f"capture {row['record_id']}: unreadable record ({exc})")
        if payload is None or sha256_hex(payload) != row["sha256"]:
            if payload is not None:
                packet.problems.append(
                    f"capture {row['record_id']}: body does not match its SHA-256 {row['sha256']}"
                )
            elif not any(row["record_id"] in p for p in packet.problems):
                packet.problems.append(f"capture {row['record_id']}: record not found")
            continue
        row["packet_warc"] = f"warc/{_safe_name(ad_id)}.warc.gz"
        if key not in seen_ranges:
            seen_ranges.add(key)
            warc += chunk
    if warc:
        files[f"warc/{_safe_name(ad_id)}.warc.gz"] = bytes(warc)

    for row in captures:
        row["packet_screenshot"] = None
        if not row["screenshot"]:
            continue
        name = f"screenshots/{row['screenshot_sha256']}.png"
        label = f"screenshot {row['screenshot']}"
        path = evidence_root / row["screenshot"]
        if _pack_checked(files, name, path, row["screenshot_sha256"], label, packet.problems):
            row["packet_screenshot"] = name

    images = [dict(image, page=ad.canonical_url, file=None) for image in ad.images]
    images += [
        dict(photo, file=None)
        for photo in local.photos_of_ad(ad_id)
        if photo["page"] != ad.canonical_url  # the photos of its sightings' pages
    ]
    for image in images:
        if not image.get("path") or not image.get("sha256"):
            continue
        name = f"images/{image['sha256']}{_image_ext(image['path'])}"
        label = f"photo {image['url']}"
        if images_root is None and name not in files:
            packet.problems.append(f"{label}: the images store is not a folder")
            continue
        path = (images_root or Path()) / image["path"]
        if _pack_checked(files, name, path, image["sha256"], label, packet.problems):
            image["file"] = name

    created = datetime.now(UTC).isoformat(timespec="seconds")
    own = [dict(i) for i in images if i["page"] == ad.canonical_url]
    for entry in own:
        del entry["page"]
    record = {
        "ad": {**ad.to_dict(), "images": own},
        "seen": local.ad_seen(ad_id),
        "sightings": ad.sightings,
        "sighting_images": [i for i in images if i["page"] != ad.canonical_url],
        "captures": [
            {
                "captured_at": row["captured_at"],
                "url": row["url"],
                "canonical_url": row["canonical_url"],
                "source": row["source"],
                "status": row["status"],
                "sha256": row["sha256"],
                "bytes": row["bytes"],
                "content_hash": row["content_hash"],
                "record_id": row["record_id"],
                "rendered": bool(row["rendered"]),
                "warc": row["packet_warc"],
                "original_warc": {
                    "file": row["warc_file"],
                    "offset": row["warc_offset"],
                    "length": row["warc_length"],
                },
                "screenshot": row["packet_screenshot"],
                "screenshot_sha256": row["screenshot_sha256"],
            }
            for row in captures
        ],
        "packet_created_at": created,
    }
    files["ad.json"] = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode()
    if not captures:
        packet.problems.append("no capture of this ad was kept (crawled with evidence off?)")

    manifest = manifest_text(files).encode()
    summary = {
        "ad_id": ad_id,
        "created_at": created,
        "generator": "adwatch",
        "algorithm": "sha256",
        "files": {
            path: {"sha256": sha256_hex(data), "bytes": len(data)}
            for path, data in sorted(files.items())
        },
        "problems": packet.problems,
    }
    tags = {
        "manifest-sha256.txt": manifest,
        "manifest.json": (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode(),
    }
    tags["tagmanifest-sha256.txt"] = manifest_text(tags).encode()
    packet.files = {path: sha256_hex(data) for path, data in {**files, **tags}.items()}

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        stamp = datetime.now(UTC).timetuple()[:6]
        with zipfile.ZipFile(tmp, "w") as zf:
            for path, data in [*sorted(files.items()), *tags.items()]:
                info = zipfile.ZipInfo(path, date_time=stamp)
                info.external_attr = 0o644 << 16
                # gzip, PNG and JPEG are compressed already
                packed = path.endswith((".json", ".txt"))
                info.compress_type = zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED
                zf.writestr(info, data)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return packet
