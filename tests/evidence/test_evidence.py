"""Evidence that survives takedowns: WARC records of new and changed ads, screenshots of
rendered pages, and case packets whose SHA-256 manifest checks out.

The end-to-end tests crawl a small demo world on 127.0.0.1 with the real ``adwatch run``
(every source, the JavaScript-only one through Chromium), then run it again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from crawler.evidence.packet import build_packet
from crawler.evidence.warc import warc_date
from crawler.evidence.writer import EvidenceWriter
from crawler.items import Ad, Capture
from crawler.stores import open_store
from crawler.stores.sqlite import SQLiteStore
from tests.conftest import adwatch, run_json

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def records(data: bytes) -> list[dict]:
    """Every record of a gzipped WARC: type, WARC headers, HTTP head, payload."""
    out = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        out.append(
            {
                "type": record.rec_type,
                "headers": dict(record.rec_headers.headers),
                "http": record.http_headers,
                "payload": record.content_stream().read(),
            }
        )
    return out


def evidence_rows(data: Path) -> list[dict]:
    conn = sqlite3.connect(data / "adwatch.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM evidence ORDER BY id")]
    finally:
        conn.close()


def capture_bytes(data: Path, row: dict) -> bytes:
    with open(data / "evidence" / row["warc_file"], "rb") as fh:
        fh.seek(row["warc_offset"])
        return fh.read(row["warc_length"])


# ---------------------------------------------------------------- the writer, without a crawl


def make_ad(k: int, content_hash: str, capture: Capture | None) -> Ad:
    url = f"http://example.org/ad/{k}.html"
    return Ad(
        id=f"ad{k}",
        source="example",
        kind="classified",
        url=url,
        canonical_url=url,
        title=f"Ad {k}",
        body="text",
        content_hash=content_hash,
        capture=capture,
    )


def make_capture(k: int, body: bytes, screenshot: bytes | None = None) -> Capture:
    return Capture(
        url=f"http://example.org/ad/{k}.html",
        status=200,
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "3")],
        body=body,
        captured_at="2026-11-27T10:00:00.250000+00:00",
        request_headers=[("User-Agent", "adwatch-test")],
        rendered=screenshot is not None,
        screenshot=screenshot,
    )


def test_a_page_is_captured_again_only_when_its_ad_changes(tmp_path):
    store = SQLiteStore(tmp_path / "adwatch.sqlite3")
    writer = EvidenceWriter(tmp_path / "evidence", "example", store.evidence, max_bytes=10**9)
    try:
        body = "<h1>Vendo bicicleta en Asunción</h1>".encode()
        assert writer.record([make_ad(1, "h1", make_capture(1, body))]) == 1
        assert writer.record([make_ad(1, "h1", make_capture(1, body + b" "))]) == 0
        assert writer.record([make_ad(1, "h2", make_capture(1, b"<h1>Vendida</h1>"))]) == 1
        assert writer.record([make_ad(2, "h3", None)]) == 0  # nothing kept for it
    finally:
        writer.close()
    rows = store.evidence.evidence_of("ad1")
    store.close()
    assert [r["content_hash"] for r in rows] == ["h1", "h2"]
    first = records(capture_bytes(tmp_path, rows[0]))
    response = next(r for r in first if r["type"] == "response")
    request = next(r for r in first if r["type"] == "request")
    assert response["payload"] == body and sha256(body) == rows[0]["sha256"]
    assert response["headers"]["WARC-Date"] == "2026-11-27T10:00:00.250000Z"
    assert response["headers"]["WARC-Record-ID"] == rows[0]["record_id"]
    assert response["headers"]["WARC-Payload-Digest"] == "sha256:" + base64.b32encode(
        hashlib.sha256(body).digest()
    ).decode("ascii")
    # the body is kept decoded: its length, and the length on the wire kept aside
    assert response["http"].get_statuscode() == "200"
    assert response["http"].get_header("Content-Length") == str(len(body))
    assert response["http"].get_header("X-Archive-Orig-Content-Length") == "3"
    assert request["http"].protocol == "GET"
    assert request["http"].statusline == "/ad/1.html HTTP/1.1"
    assert request["headers"]["WARC-Concurrent-To"] == rows[0]["record_id"]


def test_the_entries_of_one_feed_share_its_records_and_files_rotate_by_size(tmp_path):
    store = SQLiteStore(tmp_path / "adwatch.sqlite3")
    writer = EvidenceWriter(tmp_path / "evidence", "example", store.evidence, max_bytes=1)
    feed = make_capture(0, b"<rss>" + b"<item/>" * 50 + b"</rss>")
    try:
        ads = [make_ad(k, f"h{k}", feed) for k in range(3)]
        assert writer.record(ads) == 3
        assert all(ad.capture is None for ad in ads)  # released once written
        png = PNG_MAGIC + b"rest of a picture"
        assert writer.record([make_ad(9, "h9", make_capture(9, b"<p>9</p>", png))]) == 1
    finally:
        writer.close()
    rows = [r for k in (0, 1, 2, 9) for r in store.evidence.evidence_of(f"ad{k}")]
    store.close()
    assert len({(r["warc_file"], r["warc_offset"]) for r in rows[:3]}) == 1
    assert rows[3]["warc_file"] != rows[0]["warc_file"]  # past the size limit: a new file
    assert len(list((tmp_path / "evidence" / "warc").glob("*.warc.gz"))) == 2
    shot = tmp_path / "evidence" / rows[3]["screenshot"]
    assert shot.read_bytes() == png and rows[3]["screenshot_sha256"] == sha256(png)
    assert warc_date("2026-11-27T11:00:00+01:00") == "2026-11-27T10:00:00Z"


# ---------------------------------------------------------------- a real crawl


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from demosite import DemoServer, sources_yaml

    tmp = tmp_path_factory.mktemp("evidence")
    with DemoServer(seed=4, size=60) as server:
        sources = tmp / "sources.yaml"
        sources.write_text(sources_yaml(server.base_url))
        data = tmp / "data"
        env = {"ADWATCH_DATA_DIR": str(data), "ADWATCH_SOURCES": str(sources)}
        first = run_json("run", env=env)
        assert first["_exit"] == 0, first["_stderr"][-3000:]
        rows = evidence_rows(data)
        files = {p.name: p.stat().st_size for p in (data / "evidence" / "warc").iterdir()}
        # every detail page fetched again: the ads are unchanged, so nothing is captured
        second = run_json("run", "--all", "-s", "ADWATCH_INCREMENTAL=False", env=env)
        assert second["_exit"] == 0, second["_stderr"][-3000:]
    store = open_store(data)
    ads = store.all_ads()
    sightings = [dict(r) for r in store.conn.execute("SELECT * FROM sightings")]
    store.close()
    return {
        "tmp": tmp,
        "data": data,
        "env": env,
        "first": first,
        "second": second,
        "rows": rows,
        "files": files,
        "ads": ads,
        "sightings": sightings,
    }


@pytest.mark.slow
def test_every_new_ad_has_a_warc_record_whose_payload_hash_matches(crawled):
    data, rows = crawled["data"], crawled["rows"]
    pages = {a["canonical_url"]: a["id"] for a in crawled["ads"]}
    pages.update({s["canonical_url"]: s["ad_id"] for s in crawled["sightings"]})
    assert {r["canonical_url"]: r["ad_id"] for r in rows} == pages
    assert len(rows) == len(pages)  # one capture per page
    assert crawled["first"]["totals"]["ads_new"] == len(crawled["ads"])
    for row in rows:
        found = records(capture_bytes(data, row))
        response = next(r for r in found if r["type"] == "response")
        assert response["headers"]["WARC-Record-ID"] == row["record_id"]
        assert response["headers"]["WARC-Date"] == warc_date(row["captured_at"])
        assert sha256(response["payload"]) == row["sha256"]
        assert len(response["payload"]) == row["bytes"]
        assert response["http"].get_statuscode() == str(row["status"]) == "200"
        assert response["http"].get_header("Content-Type")
        assert any(r["type"] == "request" for r in found)
    # the files as a whole read from start to end, digests checked
    for path in (data / "evidence" / "warc").iterdir():
        kinds = [r["type"] for r in records(path.read_bytes())]
        assert kinds[0] == "warcinfo" and "response" in kinds
    # the feed's entries point to one capture of the feed
    feed = [r for r in rows if r["source"] == "demo-feed"]
    assert len(feed) >= 2 and len({(r["warc_file"], r["warc_offset"]) for r in feed}) == 1


@pytest.mark.slow
def test_a_second_run_with_unchanged_ads_adds_no_records(crawled):
    totals = crawled["second"]["totals"]
    assert totals["ads_new"] == 0 and totals["ads_unchanged"] >= len(crawled["ads"])
    assert evidence_rows(crawled["data"]) == crawled["rows"]
    warc = crawled["data"] / "evidence" / "warc"
    assert {p.name: p.stat().st_size for p in warc.iterdir()} == crawled["files"]


@pytest.mark.slow
def test_a_page_rendered_by_the_browser_has_a_full_page_screenshot(crawled):
    data, rows = crawled["data"], crawled["rows"]
    rendered = [r for r in rows if r["source"] == "demo-app"]
    assert rendered and all(r["rendered"] and r["screenshot"] for r in rendered)
    for row in rendered:
        png = (data / "evidence" / row["screenshot"]).read_bytes()
        assert png.startswith(PNG_MAGIC) and sha256(png) == row["screenshot_sha256"]
        assert row["screenshot"] == f"screenshots/{row['screenshot_sha256']}.png"
        width, height = Image.open(io.BytesIO(png)).size
        assert width > 300 and height > 200
        response = next(r for r in records(capture_bytes(data, row)) if r["type"] == "response")
        assert response["headers"]["WARC-Adwatch-Rendered"] == "chromium"
        assert b"ad-title" in response["payload"]  # the rendered document
    static = [r for r in rows if r["source"] == "demo-classifieds"]
    assert static and not any(r["screenshot"] or r["rendered"] for r in static)


def check_packet(path: Path) -> dict[str, bytes]:
    """Open a packet, recompute every sum of its manifests, return its files."""
    with zipfile.ZipFile(path) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    tags = ("manifest-sha256.txt", "manifest.json", "tagmanifest-sha256.txt")
    listed = {}
    for line in files["manifest-sha256.txt"].decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(files) - set(tags)  # every file, and only those
    for name, digest in listed.items():
        assert sha256(files[name]) == digest, name
    for line in files["tagmanifest-sha256.txt"].decode().splitlines():
        digest, name = line.split("  ", 1)
        assert sha256(files[name]) == digest, name
    manifest = json.loads(files["manifest.json"])
    assert {n: f["sha256"] for n, f in manifest["files"].items()} == listed
    assert all(len(files[n]) == f["bytes"] for n, f in manifest["files"].items())
    assert manifest["problems"] == []
    return files


@pytest.mark.slow
def test_an_evidence_packet_holds_the_records_photos_and_sightings_and_its_manifest_checks_out(
    crawled,
):
    sighted = {s["ad_id"] for s in crawled["sightings"]}
    ad = next(a for a in crawled["ads"] if a["id"] in sighted and a["images"])
    out = crawled["tmp"] / "case.zip"
    proc = adwatch("evidence", ad["id"], "-o", str(out), env=crawled["env"])
    assert proc.returncode == 0, proc.stderr
    files = check_packet(out)
    record = json.loads(files["ad.json"])
    assert record["ad"]["id"] == ad["id"] and record["ad"]["title"] == ad["title"]
    assert record["seen"]["seen_count"] >= 1
    assert [s["url"] for s in record["sightings"]] == [s["url"] for s in ad["sightings"]]
    # the ad's own page and its sighting's page, each with its record in the packet's WARC
    captures = record["captures"]
    assert {c["url"] for c in captures} == {ad["url"], *(s["url"] for s in ad["sightings"])}
    warc = records(files[f"warc/{ad['id']}.warc.gz"])
    responses = {r["headers"]["WARC-Record-ID"]: r for r in warc if r["type"] == "response"}
    assert set(responses) == {c["record_id"] for c in captures}
    for capture in captures:
        assert sha256(responses[capture["record_id"]]["payload"]) == capture["sha256"]
    # the photos as fetched, with their hashes, the sightings' photos too
    assert len(record["ad"]["images"]) == len(ad["images"])
    for image in record["ad"]["images"] + record["sighting_images"]:
        assert sha256(files[image["file"]]) == image["sha256"] and image["phash"]
    assert record["sighting_images"]


@pytest.mark.slow
def test_the_packet_of_a_rendered_ad_holds_its_screenshot(crawled, tmp_path):
    row = next(r for r in crawled["rows"] if r["screenshot"])
    out = tmp_path / "rendered.zip"
    proc = adwatch("evidence", row["ad_id"], "-o", str(out), env=crawled["env"])
    assert proc.returncode == 0, proc.stderr
    files = check_packet(out)
    name = f"screenshots/{row['screenshot_sha256']}.png"
    assert files[name].startswith(PNG_MAGIC)
    assert json.loads(files["ad.json"])["captures"][0]["screenshot"] == name


@pytest.mark.slow
def test_an_unknown_ad_id_is_an_error_and_writes_nothing(crawled, tmp_path):
    out = tmp_path / "none.zip"
    proc = adwatch("evidence", "no-such-ad", "-o", str(out), env=crawled["env"])
    assert proc.returncode == 2
    assert "no stored ad has the id 'no-such-ad'" in proc.stderr
    assert not out.exists()


@pytest.mark.slow
def test_a_damaged_warc_file_is_reported_not_packed(crawled, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(crawled["data"], data)
    row = next(r for r in crawled["rows"] if r["source"] == "demo-classifieds")
    path = data / "evidence" / row["warc_file"]
    blob = bytearray(path.read_bytes())
    blob[row["warc_offset"] : row["warc_offset"] + row["warc_length"]] = bytes(row["warc_length"])
    path.write_bytes(bytes(blob))
    store = open_store(data)
    try:
        packet = build_packet(
            store, row["ad_id"], data / "evidence", data / "images", tmp_path / "p.zip"
        )
    finally:
        store.close()
    assert any(row["record_id"] in p for p in packet.problems)
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        assert json.loads(zf.read("manifest.json"))["problems"] == packet.problems
        assert not any(n.startswith("warc/") for n in zf.namelist())


@pytest.mark.slow
def test_with_elasticsearch_the_evidence_index_stays_in_the_local_file(es_env, tmp_path):
    from demosite import DemoServer, sources_yaml

    with DemoServer(seed=4, size=60) as server:
        sources = tmp_path / "sources.yaml"
        sources.write_text(sources_yaml(server.base_url, include_js=False))
        env = {**es_env, "ADWATCH_SOURCES": str(sources)}
        setup = adwatch("setup", env=env)
        assert setup.returncode == 0, setup.stderr
        summary = run_json("crawl", "demo-classifieds", env=env)
    assert summary["_exit"] == 0, summary["_stderr"][-3000:]
    data = Path(es_env["ADWATCH_DATA_DIR"])
    rows = evidence_rows(data)
    source = summary["sources"][0]
    assert len(rows) == source["ads_new"] + source.get("ads_repost", 0) > 0
    out = tmp_path / "es-case.zip"
    proc = adwatch("evidence", rows[0]["ad_id"], "-o", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    files = check_packet(out)
    assert json.loads(files["ad.json"])["captures"][0]["sha256"] == rows[0]["sha256"]
