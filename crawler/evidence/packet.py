"""One ad's case packet (``adwatch evidence AD_ID``): a zip a caseworker can hand on.

:func:`build_packet` writes ``warc/<ad id>.warc.gz`` (its captures' records, and its
sightings'), ``screenshots/``, ``images/`` (the photos of the ad and of its sightings, as
fetched), ``ad.json`` (the ad, when it was seen, its sightings, captures and photo hashes),
``manifest-sha256.txt`` (BagIt style: ``<sha256>  <path>`` for every file above),
``manifest.json`` (the same with sizes, and what could not be included) and
``tagmanifest-sha256.txt`` (the sums of the two manifests). Each record is checked against its
indexed SHA-256 before it goes in; so is every screenshot and photo.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.common.clock import utc_text
from crawler.evidence.warc import read_payload, safe_name, sha256_hex
from crawler.stores.base import Store

__all__ = ["Packet", "UnknownAd", "build_packet", "manifest_text"]


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


def _checked_record(row: dict[str, Any], evidence_root: Path, problems: list[str]) -> bytes | None:
    """The bytes of the capture ``row``'s records, read by offset and length, when its
    response's payload matches the indexed SHA-256; otherwise None, with the reason in
    ``problems``."""
    try:  # only the record's own bytes: a WARC file may hold a gigabyte
        with open(evidence_root / row["warc_file"], "rb") as fh:
            fh.seek(row["warc_offset"])
            chunk = fh.read(row["warc_length"])
    except OSError as exc:
        problems.append(f"capture {row['record_id']}: {exc}")
        return None
    try:
        payload = read_payload(chunk, row["record_id"])
    except Exception as exc:  # a damaged file: report it, keep the rest of the packet
        payload = None
        problems.append(f"capture {row['record_id']}: unreadable record ({exc})")
    if payload is None or sha256_hex(payload) != row["sha256"]:
        if payload is not None:
            problems.append(
                f"capture {row['record_id']}: body does not match its SHA-256 {row['sha256']}"
            )
        elif not any(row["record_id"] in p for p in problems):
            problems.append(f"capture {row['record_id']}: record not found")
        return None
    return chunk


def _pack_captures(
    captures: list[dict[str, Any]],
    ad_id: str,
    evidence_root: Path,
    files: dict[str, bytes],
    problems: list[str],
) -> None:
    """The checked records of ``captures`` as one WARC file of the packet (a feed's shared
    records once); each row learns where its records went (``packet_warc``)."""
    name = f"warc/{safe_name(ad_id)}.warc.gz"
    warc = bytearray()
    seen_ranges: set[tuple[str, int]] = set()
    for row in captures:
        key = (row["warc_file"], row["warc_offset"])
        row["packet_warc"] = None
        chunk = _checked_record(row, evidence_root, problems)
        if chunk is None:
            continue
        row["packet_warc"] = name
        if key not in seen_ranges:
            seen_ranges.add(key)
            warc += chunk
    if warc:
        files[name] = bytes(warc)


def _pack_screenshots(
    captures: list[dict[str, Any]],
    evidence_root: Path,
    files: dict[str, bytes],
    problems: list[str],
) -> None:
    """The checked screenshots of ``captures``; each row learns its packet path
    (``packet_screenshot``)."""
    for row in captures:
        row["packet_screenshot"] = None
        if not row["screenshot"]:
            continue
        name = f"screenshots/{row['screenshot_sha256']}.png"
        label = f"screenshot {row['screenshot']}"
        path = evidence_root / row["screenshot"]
        if _pack_checked(files, name, path, row["screenshot_sha256"], label, problems):
            row["packet_screenshot"] = name


def _pack_images(
    images: list[dict[str, Any]],
    images_root: Path | None,
    files: dict[str, bytes],
    problems: list[str],
) -> None:
    """The checked photo files of ``images``; each image learns its packet path (``file``)."""
    for image in images:
        if not image.get("path") or not image.get("sha256"):
            continue
        name = f"images/{image['sha256']}{_image_ext(image['path'])}"
        label = f"photo {image['url']}"
        if images_root is None and name not in files:
            problems.append(f"{label}: the images store is not a folder")
            continue
        path = (images_root or Path()) / image["path"]
        if _pack_checked(files, name, path, image["sha256"], label, problems):
            image["file"] = name


def _capture_entry(row: dict[str, Any]) -> dict[str, Any]:
    """One capture as ``ad.json`` lists it: where it is in the packet and in the original."""
    return {
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


def _ad_record(
    ad: Any,
    seen: Any,
    images: list[dict[str, Any]],
    captures: list[dict[str, Any]],
    created: str,
) -> dict[str, Any]:
    """The content of ``ad.json``: the ad with its own photos, when it was seen, its
    sightings and their photos, and its captures."""
    own = [dict(i) for i in images if i["page"] == ad.canonical_url]
    for entry in own:
        del entry["page"]
    return {
        "ad": {**ad.to_dict(), "images": own},
        "seen": seen,
        "sightings": ad.sightings,
        "sighting_images": [i for i in images if i["page"] != ad.canonical_url],
        "captures": [_capture_entry(row) for row in captures],
        "packet_created_at": created,
    }


def _tag_files(
    ad_id: str, created: str, files: dict[str, bytes], problems: list[str]
) -> dict[str, bytes]:
    """The manifests of ``files``: ``manifest-sha256.txt``, ``manifest.json`` and the
    ``tagmanifest-sha256.txt`` over those two."""
    summary = {
        "ad_id": ad_id,
        "created_at": created,
        "generator": "adwatch",
        "algorithm": "sha256",
        "files": {
            path: {"sha256": sha256_hex(data), "bytes": len(data)}
            for path, data in sorted(files.items())
        },
        "problems": problems,
    }
    tags = {
        "manifest-sha256.txt": manifest_text(files).encode(),
        "manifest.json": (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode(),
    }
    tags["tagmanifest-sha256.txt"] = manifest_text(tags).encode()
    return tags


def _write_zip(out: Path, entries: list[tuple[str, bytes]]) -> None:
    """Write ``entries`` (path, bytes), in order, as the zip ``out``: whole or not at all."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        stamp = datetime.now(UTC).timetuple()[:6]
        with zipfile.ZipFile(tmp, "w") as zf:
            for path, data in entries:
                info = zipfile.ZipInfo(path, date_time=stamp)
                info.external_attr = 0o644 << 16
                # gzip, PNG and JPEG are compressed already
                packed = path.endswith((".json", ".txt"))
                info.compress_type = zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED
                zf.writestr(info, data)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def build_packet(
    store: Store,
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
    _pack_captures(captures, ad_id, evidence_root, files, packet.problems)
    _pack_screenshots(captures, evidence_root, files, packet.problems)
    images = [dict(image, page=ad.canonical_url, file=None) for image in ad.images]
    images += [
        dict(photo, file=None)
        for photo in local.photos_of_ad(ad_id)
        if photo["page"] != ad.canonical_url  # the photos of its sightings' pages
    ]
    _pack_images(images, images_root, files, packet.problems)

    created = utc_text()
    record = _ad_record(ad, local.ad_seen(ad_id), images, captures, created)
    files["ad.json"] = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode()
    if not captures:
        packet.problems.append("no capture of this ad was kept (crawled with evidence off?)")

    tags = _tag_files(ad_id, created, files, packet.problems)
    packet.files = {path: sha256_hex(data) for path, data in {**files, **tags}.items()}
    _write_zip(Path(out), [*sorted(files.items()), *tags.items()])
    return packet
