"""WARC records of captures (pure: bytes in, bytes out; no store, no settings).

:func:`write_capture` appends a capture's response record and request record to an open
binary file, each a gzip member of its own, so one capture can be cut out of a file by offset
and length; :func:`warc_records` makes them ready to append (an extraction worker does, off
the crawler's thread). ``WARC-Date`` is the capture time (:func:`warc_date`); the digests
(``WARC-Block-Digest``, ``WARC-Payload-Digest``) are SHA-256 (``sha256:`` + base 32, as WARC
1.1 allows).

Scrapy hands over bodies decoded: the records carry the body as received after
``Content-Encoding`` was undone, with ``Content-Length`` set to it; the headers this changes
are kept as ``X-Archive-Orig-<name>`` (:func:`response_http_headers`). For a page the browser
rendered, the body is the rendered document and the record says so
(``WARC-Adwatch-Rendered: chromium``). :func:`read_payload` reads a response's payload back.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from crawler.items import Capture, WarcRecords

WARC_VERSION = "WARC/1.1"
#: headers that describe the bytes on the wire, not the body kept: replaced or renamed
_WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


def warc_date(iso: str) -> str:
    """An ISO 8601 time (any offset) as a WARC-Date: UTC, ``Z``, microseconds kept."""
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex (what the evidence index and the manifests keep)."""
    return hashlib.sha256(data).hexdigest()


def safe_name(text: str) -> str:
    """``text`` (a source name, an ad id) as a safe file name part."""
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "source"


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
    """The request record's request line without protocol: ``GET /path?query``."""
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
    """Append the ``warcinfo`` record that begins the WARC file ``filename``."""
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
