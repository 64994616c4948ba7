"""``adwatch prune --older-than``: ads last seen before the cutoff go, with the photo files no
remaining ad uses; on the embedded store and on Elasticsearch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.stores.elasticsearch import ElasticsearchStore, ESConfig
from crawler.stores.retention import image_files
from crawler.stores.sqlite import SQLiteStore
from tests.conftest import adwatch
from tests.stores.test_es_store import make_ad

OLD = (datetime.now(UTC) - timedelta(days=200)).isoformat(timespec="seconds")
RECENT = (datetime.now(UTC) - timedelta(days=10)).isoformat(timespec="seconds")
PHOTOS = ["https://img.example/old.jpg", "https://img.example/shared.jpg"]


def photo_files(images: Path) -> dict[str, Path]:
    """Files where Scrapy's ImagesPipeline would have stored the photos (and a thumbnail)."""
    import hashlib

    out = {}
    for url in PHOTOS:
        name = hashlib.sha1(url.encode()).hexdigest() + ".jpg"
        for sub in ("full", "thumbs/small"):
            path = images / sub / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"jpeg")
            out[f"{sub}:{url}"] = path
    return out


def write_ads(store) -> None:
    store.upsert_ads([make_ad(1, image_urls=PHOTOS)], OLD)
    store.upsert_ads([make_ad(2, image_urls=PHOTOS[1:])], RECENT)
    store.flush()


def check_pruned(proc, files: dict[str, Path]) -> None:
    assert proc.returncode == 0, proc.stderr
    assert "deleted 1 ad(s)" in proc.stdout and "2 image file(s) of 1 photo(s)" in proc.stdout
    assert not files[f"full:{PHOTOS[0]}"].exists()
    assert not files[f"thumbs/small:{PHOTOS[0]}"].exists()
    assert files[f"full:{PHOTOS[1]}"].exists()  # a remaining ad still shows it


def test_image_files_finds_the_original_and_thumbnails(tmp_path):
    files = photo_files(tmp_path)
    found = image_files(PHOTOS[0], tmp_path)
    assert sorted(found) == sorted(p for k, p in files.items() if k.endswith(PHOTOS[0]))


def test_prune_on_the_embedded_store(tmp_path):
    data = tmp_path / "data"
    store = SQLiteStore(data / "adwatch.sqlite3")
    write_ads(store)
    store.close()
    files = photo_files(data / "images")

    proc = adwatch("prune", "--older-than", "180d", env={"ADWATCH_DATA_DIR": str(data)})

    check_pruned(proc, files)
    store = SQLiteStore(data / "adwatch.sqlite3")
    assert [a["id"] for a in store.all_ads()] == [make_ad(2).id]
    store.close()


def test_prune_on_elasticsearch(es_env, tmp_path):
    data = Path(es_env["ADWATCH_DATA_DIR"])
    config = ESConfig(url=es_env["ADWATCH_ES_URL"], prefix=es_env["ADWATCH_ES_PREFIX"])
    store = ElasticsearchStore(config, data)
    store.setup()
    write_ads(store)
    store.close()
    files = photo_files(data / "images")

    proc = adwatch("prune", "--older-than", "180d", env=es_env)

    check_pruned(proc, files)
    store = ElasticsearchStore(config, data)
    assert [a["id"] for a in store.all_ads()] == [make_ad(2).id]
    store.close()


def test_prune_rejects_a_bad_age(tmp_path):
    proc = adwatch("prune", "--older-than", "soon", env={"ADWATCH_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 2 and "duration 'soon': write a number and a unit" in proc.stderr
