"""Photo clusters and reposts (crawler/photos/dedupe.py, crawler/photos/index.py,
crawler/photos/reposts.py) with the real SQLite store, on real photographs."""

from __future__ import annotations

import sqlite3

import pytest
from PIL import Image

from crawler.extract.urls import ad_id
from crawler.items import Ad
from crawler.photos.dedupe import Candidate, PhotoMatch, choose_original, same_photo, text_shingles
from crawler.photos.hashing import inspect_image
from crawler.photos.index import PhotoIndex
from crawler.photos.reposts import place_ad
from crawler.photos.search import search_image
from crawler.stores import SearchQuery, SQLiteStore
from tests.photo_samples import jpeg, photo, repost_copy

TEXT = (
    "Se busca personal para trabajo en Europa. Pasaje y visa pagados, sin experiencia. "
    "Alojamiento incluido y buen sueldo desde el primer mes."
)
OTHER_TEXT = "Vendo heladera usada en buen estado, poco uso, retiro en el centro de la ciudad."


def as_photo(facts):
    return {
        "phash": facts.phash,
        "phash_mirror": facts.phash_mirror,
        "dhash": facts.dhash,
        "dhash_mirror": facts.dhash_mirror,
        "crops": facts.crops,
    }


class Crawl:
    """What the images pipeline and the repost step do to one ad, without Scrapy."""

    def __init__(self, path):
        self.store = SQLiteStore(path / "adwatch.sqlite3")
        self.index = PhotoIndex(self.store.photos)
        self.n = 0

    def ad(self, url: str, photos: list[bytes], phones: list[str], body: str = TEXT) -> Ad:
        ad = Ad(
            id=ad_id(url),
            source=url.split("/")[2],
            kind="classified",
            url=url,
            canonical_url=url,
            title="Trabajo en Europa",
            body=body,
            phones=phones,
            content_hash=f"h{url}",
        )
        for data in photos:
            self.n += 1
            facts = inspect_image(data)
            image_url = f"{url}/photo{self.n}.jpg"
            ad.image_urls.append(image_url)
            ad.images.append(self.store.photos.save_image(facts, "full/x", image_url, "2026-01-01"))
        place_ad(ad, self.index, self.store, 0.4)
        self.store.upsert_ads([ad], "2026-01-01T00:00:00")
        return ad


@pytest.fixture
def crawl(tmp_path):
    c = Crawl(tmp_path)
    yield c
    c.store.close()


def test_repost_with_recompressed_photo_joins_cluster_and_is_kept_as_a_sighting(crawl):
    astronaut, coffee = photo("astronaut"), photo("coffee")
    original = crawl.ad("http://a.example/ad/1", [jpeg(astronaut), jpeg(coffee)], ["+595981111111"])
    repost = crawl.ad(
        "http://b.example/ad/9",
        [repost_copy(coffee), repost_copy(astronaut)],
        ["+595982222222"],
        body=TEXT.upper() + " Llamar ya.",
    )
    assert repost.repost_of == original.id
    assert repost.cluster_id == original.id
    assert set(repost.image_clusters) == set(original.image_clusters)
    assert repost.shared_image_phones == ["+595981111111"]
    assert crawl.store.count_ads() == 1
    stored = crawl.store.get_ad(original.id)
    assert stored.repost_count == 1 and stored.cluster_size == 2
    assert stored.sightings[0]["url"] == "http://b.example/ad/9"
    assert stored.sightings[0]["phones"] == ["+595982222222"]
    assert stored.shared_image_phones == ["+595982222222"]
    # the repost's phone finds the original ad
    hits = crawl.store.search(SearchQuery(phones=["+595982222222"]))
    assert [h.ad.id for h in hits] == [original.id]


def test_the_same_repost_seen_again_adds_nothing(crawl):
    astronaut = photo("astronaut")
    crawl.ad("http://a.example/ad/1", [jpeg(astronaut)], ["+595981111111"])
    url = "http://b.example/ad/9"
    crawl.ad(url, [repost_copy(astronaut)], ["+595982222222"])
    again = crawl.ad(url, [repost_copy(astronaut)], ["+595982222222"])
    assert again.repost_of is not None
    assert crawl.store.count_ads() == 1
    assert crawl.store.known([url]) == {url}
    assert crawl.store.get_ad(again.repost_of).sightings[0]["seen_count"] == 2


def test_the_original_met_after_its_repost_joins_the_repost(crawl):
    astronaut, coffee, camera = photo("astronaut"), photo("coffee"), photo("camera")
    # the repost dropped a photo; a crawl may meet it first
    first = crawl.ad("http://b.example/ad/9", [repost_copy(coffee), repost_copy(astronaut)], [])
    later = crawl.ad(
        "http://a.example/ad/1", [jpeg(astronaut), jpeg(coffee), jpeg(camera)], ["+5951"]
    )
    assert first.repost_of is None and later.repost_of == first.id


def test_same_photo_with_another_text_links_the_ads_but_does_not_merge_them(crawl):
    chelsea = photo("chelsea")
    one = crawl.ad("http://a.example/ad/1", [jpeg(chelsea)], ["+595981111111"])
    two = crawl.ad("http://b.example/ad/2", [repost_copy(chelsea)], ["+595983333333"], OTHER_TEXT)
    assert two.repost_of is None
    assert crawl.store.count_ads() == 2
    assert two.image_clusters == one.image_clusters
    assert two.shared_image_phones == ["+595981111111"]
    assert crawl.store.get_ad(one.id).shared_image_phones == ["+595983333333"]


def test_distinct_photos_are_not_merged(crawl):
    one = crawl.ad("http://a.example/ad/1", [jpeg(photo("rocket"))], ["+595981111111"])
    two = crawl.ad("http://b.example/ad/2", [jpeg(photo("coins"))], ["+595983333333"])
    assert two.repost_of is None and one.image_clusters != two.image_clusters
    assert two.shared_image_phones == []


def test_mirrored_and_cropped_copies_join_the_cluster(crawl):
    rocket = photo("rocket")
    one = crawl.ad("http://a.example/ad/1", [jpeg(rocket)], [])
    mirrored = crawl.ad(
        "http://b.example/ad/2", [jpeg(rocket.transpose(Image.Transpose.FLIP_LEFT_RIGHT))], []
    )
    width, height = rocket.size
    cropped = crawl.ad(
        "http://c.example/ad/3",
        [jpeg(rocket.crop((0, 0, int(width * 0.93), int(height * 0.93))))],
        [],
    )
    assert mirrored.image_clusters == one.image_clusters == cropped.image_clusters


def test_a_photo_that_bridges_two_clusters_merges_them_under_the_oldest(crawl):
    image = photo("astronaut")
    width, height = image.size
    dx, dy = int(width * 0.08), int(height * 0.08)
    # cropped towards opposite corners: too far apart to be the same photo...
    crawl.ad("http://a.example/1", [jpeg(image.crop((dx, dy, width, height)))], [])
    crawl.ad("http://b.example/2", [jpeg(image.crop((0, 0, width - dx, height - dy)))], [])
    assert len(set(crawl.store.photos.image_clusters([1, 2]).values())) == 2
    # ...until the whole photo, a near-duplicate of each, joins them
    whole = crawl.ad("http://c.example/3", [jpeg(image)], [])
    assert set(crawl.store.photos.image_clusters([1, 2, 3]).values()) == {1}
    assert whole.image_clusters == [1]


def test_search_by_image_lists_the_ads_nearest_first(crawl):
    coffee = photo("coffee")
    original = crawl.ad("http://a.example/ad/1", [jpeg(coffee)], [])
    crawl.ad("http://b.example/ad/2", [jpeg(photo("camera"))], [])
    hits = search_image(crawl.store, repost_copy(coffee))
    assert [h.ad.id for h in hits] == [original.id]
    assert hits[0].distance <= 10
    assert search_image(crawl.store, jpeg(photo("moon"))) == []


def test_the_index_loads_what_an_earlier_run_stored(tmp_path):
    crawl = Crawl(tmp_path)
    crawl.ad("http://a.example/ad/1", [jpeg(photo("astronaut"))], ["+1"])
    crawl.store.close()
    later = Crawl(tmp_path)
    repost = later.ad("http://b.example/ad/2", [repost_copy(photo("astronaut"))], ["+2"])
    assert repost.repost_of == ad_id("http://a.example/ad/1")
    later.store.close()


def test_released_photos_give_the_files_no_other_url_has(crawl):
    coffee = jpeg(photo("coffee"))
    one = crawl.ad("http://a.example/ad/1", [coffee, jpeg(photo("camera"))], [])
    two = crawl.ad("http://b.example/ad/2", [coffee], [])  # the same bytes, another URL
    paths = crawl.store.photos.release_photos(one.image_urls)
    assert len(paths) == 1  # the camera photo; the coffee photo is still on ad 2
    assert crawl.store.photos.image_by_sha256(two.images[0]["sha256"]) is not None
    assert crawl.store.photos.release_photos(two.image_urls) == ["full/x"]


def test_an_older_store_file_gets_the_photo_tables(tmp_path):
    path = tmp_path / "adwatch.sqlite3"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    for table in ("images", "image_urls", "ad_images", "sightings", "sighting_phones"):
        conn.execute(f"DROP TABLE {table}")
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    assert store.photos.known_sightings(["http://x"]) == set()
    assert store.photos.image_for_url("http://x", "2000") is None
    store.close()


def test_same_photo_rules():
    rule = PhotoMatch()
    base = {"phash": 0, "phash_mirror": 2**64 - 1, "dhash": 0, "dhash_mirror": 0, "crops": []}
    assert same_photo(base, dict(base, phash=0b1111111111), rule) == 10
    assert same_photo(base, dict(base, phash=0b11111111111), rule) is None
    # close pHash, far dHash: not the same photo
    assert same_photo(base, dict(base, phash=1, dhash=2**20 - 1), rule) is None
    mirrored = dict(base, phash=2**64 - 1, phash_mirror=0)
    assert same_photo(base, mirrored, rule) == 0
    cropped = dict(base, phash=2**40 - 1, crops=[(0b111, 0)])
    assert same_photo(base, cropped, rule) == 3


def test_choose_original_wants_the_same_photos_and_a_similar_text():
    words = text_shingles("Trabajo en Europa", TEXT)
    other = text_shingles("Heladera", OTHER_TEXT)
    a = Candidate("a", frozenset({1, 2}), words, "2026-01-01")
    b = Candidate("b", frozenset({1, 2, 3}), words, "2026-01-02")
    c = Candidate("c", frozenset({1, 2}), other, "2026-01-01")
    d = Candidate("d", frozenset({1, 5}), words, "2026-01-01")
    chosen = choose_original({1, 2}, words, [a, b, c, d], 0.4)
    assert chosen is not None and chosen[0].ad_id == "a" and chosen[1] == 1.0
    assert choose_original({1, 2, 3, 4}, words, [a, b, d], 0.4)[0].ad_id == "b"
    assert choose_original({1, 2}, other, [a, b, d], 0.4) is None
    assert choose_original(set(), words, [a], 0.4) is None
