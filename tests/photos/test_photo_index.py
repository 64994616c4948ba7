"""The photo index of a data directory (crawler/photos/index.py) over the real SQLite store:
what it reads of the stored photos, and when."""

from __future__ import annotations

import pytest

from crawler.photos.hashing import inspect_image
from crawler.photos.index import PhotoIndex
from crawler.stores import SQLiteStore
from tests.photo_samples import jpeg, photo, repost_copy


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "adwatch.sqlite3")
    yield s
    s.close()


def save(store, data: bytes, url: str) -> int:
    record = store.photos.save_image(inspect_image(data), "full/x", url, "2026-01-01")
    return store.photos.image_ids([record["sha256"]])[record["sha256"]][0]


def test_a_photo_stored_before_the_index_is_found_by_its_first_lookup(store):
    astronaut = photo("astronaut")
    first = save(store, jpeg(astronaut), "http://a.example/1.jpg")
    index = PhotoIndex(store.photos)
    assert index.cluster(first) == first
    copy = save(store, repost_copy(astronaut), "http://b.example/2.jpg")
    assert index.cluster(copy) == first
    # a later index finds both
    later = PhotoIndex(store.photos)
    row = store.photos.image_hash_rows([copy])[copy]
    assert {m[0] for m in later.matches(row)} == {first, copy}


def test_photos_a_stopped_run_did_not_cluster_are_clustered_by_the_next_index(store):
    astronaut, coffee = photo("astronaut"), photo("coffee")
    original = save(store, jpeg(astronaut), "http://a.example/1.jpg")
    other = save(store, jpeg(coffee), "http://a.example/2.jpg")
    copy = save(store, repost_copy(astronaut), "http://b.example/3.jpg")
    # nothing clustered yet: the run stopped after the photos were stored
    assert set(store.photos.unclustered_image_ids(copy)) == {original, other, copy}
    PhotoIndex(store.photos)
    clusters = store.photos.image_clusters([original, other, copy])
    assert clusters == {original: original, other: other, copy: original}
    assert store.photos.unclustered_image_ids(copy) == []


def test_an_index_for_search_leaves_unclustered_photos_alone(store):
    first = save(store, jpeg(photo("astronaut")), "http://a.example/1.jpg")
    index = PhotoIndex(store.photos, cluster_pending=False)
    row = store.photos.image_hash_rows([first])[first]
    assert [m[0] for m in index.matches(row)] == [first]
    assert store.photos.unclustered_image_ids(first) == [first]
