"""A data directory that is full or read-only: a clear error, exit status 3, nothing
half-written, and once the disk has room again the next run finishes the job.

The full and read-only disks are real: tmpfs file systems of a few megabytes mounted on the
test's directories (remounted read-only, or larger), which needs root. Without it these
tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import errno
import hashlib
import sqlite3
import subprocess
from pathlib import Path

import pytest

from crawler.health.datadir import EXIT_DATA_DIR, DataDirError, check, describe, disk_error
from tests.conftest import IN_CI, ROOT, adwatch, run_json
from tests.store_truth import (
    integrity_problems,
    leftovers,
    path_of,
    store_vs_truth,
    stored,
    torn_photos,
)

SITES = ["jobs", "feed"]  # small, and the jobs site trips the shipped rules
NO_WARC = ("-s", "ADWATCH_EVIDENCE=False")  # so that the SQLite file is what fills the disk


# ---------------------------------------------------------------- without a mount


def test_disk_errors_are_told_apart_from_other_errors(tmp_path):
    full = OSError(errno.ENOSPC, "No space left on device")
    assert describe(full, tmp_path) == (
        f"no space left on device in {tmp_path}: [Errno 28] No space left on device"
    )
    read_only = OSError(errno.EROFS, "Read-only file system")
    assert describe(read_only, tmp_path).startswith(f"data directory {tmp_path} is read-only")
    denied = PermissionError(errno.EACCES, "Permission denied")
    assert describe(denied, tmp_path).startswith(f"data directory {tmp_path} is not writable")
    try:
        try:
            raise full
        except OSError as exc:
            raise RuntimeError("flush failed") from exc
    except RuntimeError as exc:
        assert disk_error(exc) is full  # found through the chain
    # the network, a missing file, a bug: not the disk's fault
    for other in (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), ValueError("x")):
        assert disk_error(other) is None
    assert disk_error(FileNotFoundError(errno.ENOENT, "gone")) is None


def test_sqlite_errors_of_a_read_only_or_full_database_are_disk_errors(tmp_path):
    db = tmp_path / "x.sqlite3"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()
    assert "read-only" in describe(caught.value, tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA max_page_count = 2")  # SQLITE_FULL, as a full disk gives it
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    conn.close()
    assert describe(caught.value, tmp_path).startswith(f"no space left on device in {tmp_path}")
    assert disk_error(sqlite3.OperationalError("no such table: t")) is None


def test_the_check_wants_free_space_above_the_threshold(tmp_path):
    data = tmp_path / "data"
    with pytest.raises(DataDirError, match="less than ADWATCH_MIN_FREE_MB") as caught:
        check(data, 10**12)
    assert str(caught.value).startswith(f"no space left on device in {data}: ")
    assert not data.exists(), "the refused check created the directory"
    check(data, 0)
    assert data.is_dir() and list(data.iterdir()) == []


def test_a_run_refuses_to_start_without_the_free_space_it_wants(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: feed\n    kind: classified\n"
        "    feed: http://127.0.0.1:9/feed.xml\n    allow_private_network: true\n"
    )
    data = tmp_path / "data"
    env = {
        "ADWATCH_DATA_DIR": str(data),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_MIN_FREE_MB": str(10**12),
    }
    proc = adwatch("run", env=env, timeout=120)
    assert proc.returncode == EXIT_DATA_DIR == 3
    assert proc.stderr.startswith(f"adwatch: no space left on device in {data}: "), proc.stderr
    assert "ADWATCH_MIN_FREE_MB" in proc.stderr and "Traceback" not in proc.stderr
    assert not data.exists()
    proc = adwatch("run", env={**env, "ADWATCH_MIN_FREE_MB": "lots"}, timeout=120)
    assert proc.returncode == 2 and "ADWATCH_MIN_FREE_MB: must be a number" in proc.stderr


# ---------------------------------------------------------------- real full and read-only disks


def _cannot_mount(why: str) -> None:
    message = f"cannot mount a tmpfs (needs root): {why.strip()}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


class Mounts:
    """tmpfs file systems mounted for one test, all unmounted at its end."""

    def __init__(self) -> None:
        self.points: list[Path] = []

    def tmpfs(self, path: Path, size: str) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            _cannot_mount(proc.stderr)
        self.points.append(path)
        return path

    @staticmethod
    def remount(path: Path, options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)

    def unmount_all(self) -> None:
        for path in reversed(self.points):
            if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(path)], check=True)
        self.points.clear()


@pytest.fixture
def mounts():
    m = Mounts()
    try:
        yield m
    finally:
        m.unmount_all()


def environment(tmp_path: Path, demo_server, **extra: str) -> dict[str, str]:
    from demosite import sources_yaml

    text = sources_yaml(demo_server.base_url, include_js=False)
    # keep the sources of SITES only: one "  - name: demo-<site>" block each
    blocks = text.split("  - name: ")
    text = blocks[0] + "".join(
        "  - name: " + b for b in blocks[1:] if b.split("\n", 1)[0][len("demo-") :] in SITES
    )
    sources = tmp_path / "sources.yaml"
    sources.write_text(text)
    return {
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_RULES": str(ROOT / "rules.yaml"),
        "ADWATCH_CASEWORKERS": "case1@example.org",
        **extra,
    }


def snapshot(directory: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(directory)): (
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def stored_ads_are_whole(data: Path, world) -> list[str]:
    """Each ad in the store has the truth's fields and every photo: none was half-stored."""
    truth = {a["url"]: a for a in world.expected_ads(SITES)}
    ads, _ = stored(data)
    return [
        a["url"]
        for a in ads
        if [path_of(i["url"]) for i in a["images"]] != truth[path_of(a["url"])]["image_urls"]
        or a["title"] != truth[path_of(a["url"])]["title"]
    ]


@pytest.mark.slow
def test_a_read_only_data_dir_stops_the_run_before_anything_is_written(
    demo_server, mounts, tmp_path
):
    disk = mounts.tmpfs(tmp_path / "disk", "64m")
    data = disk / "data"
    env = environment(tmp_path, demo_server, ADWATCH_DATA_DIR=str(data), ADWATCH_MIN_FREE_MB="1")
    first = run_json("run", env=env)
    assert first["_exit"] == 0, first["_stderr"][-2000:]
    before = snapshot(disk)
    assert "data/adwatch.sqlite3" in before
    mounts.remount(disk, "ro")

    for args in (("run",), ("run", "--all")):
        proc = adwatch(*args, env=env, timeout=120)
        assert proc.returncode == EXIT_DATA_DIR, proc.stderr[-2000:]
        assert (
            proc.stderr == f"adwatch: data directory {data} is read-only (read-only file system)\n"
        )
        assert proc.stdout == ""
    fresh = data / "new"  # a data directory that does not exist yet cannot be made either
    proc = adwatch("run", env={**env, "ADWATCH_DATA_DIR": str(fresh)}, timeout=120)
    assert proc.returncode == EXIT_DATA_DIR
    assert proc.stderr.startswith(f"adwatch: data directory {fresh} is read-only")
    assert snapshot(disk) == before


@pytest.mark.slow
def test_a_disk_that_fills_up_with_photos_stops_the_run_and_the_next_run_finishes(
    demo_server, mounts, tmp_path
):
    """The photo store (``ADWATCH_IMAGES_STORE``) on a disk of its own fills up mid-crawl:
    no photo is left in part, no ad is stored without its photos, and the sources stay
    due, so the next run, with room again, stores exactly what the site has."""
    photos = mounts.tmpfs(tmp_path / "photos", "4m")
    data = tmp_path / "data"
    env = environment(
        tmp_path, demo_server, ADWATCH_DATA_DIR=str(data), ADWATCH_IMAGES_STORE=str(photos)
    )
    full = run_json("run", env=env)
    assert full["_exit"] == EXIT_DATA_DIR, full["_stderr"][-3000:]
    assert full["_stderr"].strip().splitlines()[-1] == (
        f"adwatch: no space left on device in {photos}: [Errno 28] No space left on device"
    )
    assert "Traceback" not in full["_stderr"]
    assert full["alerts"]["failed"]  # no alert pass on a full disk
    assert sum(s["images"]["failed"].get("data_dir", 0) for s in full["sources"]) > 0
    world = demo_server.world
    assert 0 < full["ads_in_store"] < len(world.expected_ads(SITES))
    assert integrity_problems(data) == []
    assert torn_photos(photos) == [] and leftovers(data) == []
    assert stored_ads_are_whole(data, world) == []

    mounts.remount(photos, "size=256m")
    done = run_json("run", env=env)  # the sources are still due: nothing marked them run
    assert done["_exit"] == 0, done["_stderr"][-3000:]
    assert integrity_problems(data) == [] and torn_photos(photos) == []
    problems = store_vs_truth(data, world, SITES)
    assert problems == [], "\n".join(problems[:20])
    assert done["alerts"]["alerts_due"] > 0 and done["alerts"]["digests_queued"] == 1


@pytest.mark.slow
def test_a_full_store_then_a_full_outbox_stop_the_run_and_lose_nothing(
    demo_server, mounts, tmp_path
):
    """Photos elsewhere: the SQLite file's disk fills up first (mid-crawl), then, with room
    for the store, the outbox's (in the alert pass); each time exit 3 and nothing
    half-written; with room again the digest goes out with every alert once."""
    disk = mounts.tmpfs(tmp_path / "disk", "700k")
    data = disk / "data"
    env = environment(
        tmp_path,
        demo_server,
        ADWATCH_DATA_DIR=str(data),
        ADWATCH_MIN_FREE_MB="0.1",
        ADWATCH_IMAGES_STORE=str(tmp_path / "photos"),
    )
    world = demo_server.world
    full = run_json("run", *NO_WARC, env=env)
    assert full["_exit"] == EXIT_DATA_DIR, full["_stderr"][-3000:]
    assert full["_stderr"].strip().splitlines()[-1] == (
        f"adwatch: no space left on device in {data}: database or disk is full"
    )
    assert integrity_problems(data) == [] and leftovers(data) == []
    assert stored_ads_are_whole(data, world) == []
    stored_before = len(stored(data)[0])
    assert stored_before < len(world.expected_ads(SITES))

    mounts.remount(disk, "size=64m")
    outbox = mounts.tmpfs(data / "outbox", "8k")  # smaller than one digest
    crawled = run_json("run", *NO_WARC, env=env)
    assert crawled["_exit"] == EXIT_DATA_DIR, crawled["_stderr"][-3000:]
    assert (
        crawled["_stderr"]
        .strip()
        .splitlines()[-1]
        .startswith(f"adwatch: no space left on device in {data}: ")
    )
    assert crawled["alerts"]["failed"]
    assert list(outbox.iterdir()) == []  # no partial .eml, no temporary file
    problems = store_vs_truth(data, world, SITES)
    assert problems == [], "\n".join(problems[:20])

    mounts.remount(outbox, "size=1m")
    sent = run_json("run", *NO_WARC, env=env)
    assert sent["_exit"] == 0, sent["_stderr"][-3000:]
    assert sent["sources"] == []  # the crawl was done; only the alerts were left
    assert sent["alerts"]["digests_queued"] == 1
    digests = list(outbox.glob("*.eml"))
    assert len(digests) == 1 and leftovers(data) == []
    conn = sqlite3.connect(data / "adwatch.sqlite3")
    try:
        alerts = conn.execute("SELECT rule, cluster, status FROM alerts").fetchall()
    finally:
        conn.close()
    assert alerts and len({(r, c) for r, c, _ in alerts}) == len(alerts)
    assert {s for _, _, s in alerts} == {"queued"}


def test_a_spool_batch_that_does_not_fit_leaves_the_spool_as_it_was(mounts, tmp_path):
    from crawler.stores.spool import Spool

    disk = mounts.tmpfs(tmp_path / "disk", "12k")
    spool = Spool(disk / "spool.jsonl")
    batch = [{"seq": i, "doc": "x" * 200} for i in range(10)]  # about 2 kB a batch
    written = 0
    with pytest.raises(OSError) as caught:
        for _ in range(100):
            written += spool.append(batch)
    assert disk_error(caught.value) is not None
    assert written and (disk / "spool.jsonl").read_bytes().endswith(b"\n")
    assert len(spool) == written and [op["seq"] for op in spool] == list(range(10)) * (
        written // 10
    )


def test_a_digest_that_does_not_fit_leaves_no_file_and_is_not_queued(mounts, tmp_path):
    from alerts.outbox import DigestRecord, Outbox
    from crawler.stores.sqlite import SQLiteStore

    outbox_dir = mounts.tmpfs(tmp_path / "outbox", "8k")
    state = SQLiteStore(tmp_path / "adwatch.sqlite3")
    try:
        outbox = Outbox(outbox_dir, state.alerts)
        record = DigestRecord(
            id="d1",
            channel="email",
            group="g",
            addresses=["g@example.org"],
            subject="s",
            message_id="<d1@x>",
            file="d1.eml",
            created_at="2026-11-28T00:00:00+00:00",
        )
        with pytest.raises(OSError) as caught:
            outbox.queue(record, b"Message-ID: <d1@x>\r\n\r\n" + b"x" * 64_000, [])
        assert describe(caught.value, outbox_dir).startswith("no space left on device")
        assert list(outbox_dir.iterdir()) == []
        assert state.alerts.digests() == []
    finally:
        state.close()


def test_a_warc_batch_that_does_not_fit_is_cut_off_and_every_kept_record_is_indexed(
    mounts, tmp_path
):
    import os

    from warcio.archiveiterator import ArchiveIterator

    from crawler.evidence.writer import EvidenceWriter
    from crawler.items import Ad, Capture
    from crawler.stores.sqlite import SQLiteStore

    evidence = mounts.tmpfs(tmp_path / "evidence", "256k")
    state = SQLiteStore(tmp_path / "adwatch.sqlite3")
    writer = EvidenceWriter(evidence, "example", state.evidence, max_bytes=10**9)

    def ad(k: int) -> Ad:
        url = f"http://example.org/ad/{k}.html"
        body = os.urandom(30_000)  # does not compress: the disk fills within a few batches
        capture = Capture(
            url=url, status=200, headers=[], body=body, captured_at="2026-11-28T00:00:00+00:00"
        )
        return Ad(
            id=f"ad{k}",
            source="example",
            kind="classified",
            url=url,
            canonical_url=url,
            title="t",
            body="b",
            content_hash=f"h{k}",
            capture=capture,
        )

    kept = 0
    try:
        with pytest.raises(OSError) as caught:
            for batch in range(20):
                kept += writer.record([ad(2 * batch), ad(2 * batch + 1)])
        assert disk_error(caught.value) is not None
        rows = [r for k in range(40) for r in state.evidence.evidence_of(f"ad{k}")]
    finally:
        writer.close()
        state.close()
    assert kept >= 2 and len(rows) == kept
    files = [p for p in (evidence / "warc").iterdir()]
    assert len(files) == 1 and not list(evidence.rglob("*.tmp"))
    end = max(r["warc_offset"] + r["warc_length"] for r in rows)
    assert files[0].stat().st_size == end  # the failed batch was cut off whole
    with open(files[0], "rb") as fh:
        responses = [r for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert len(responses) == kept
