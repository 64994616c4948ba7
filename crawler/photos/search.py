"""``adwatch search --image PATH_OR_URL``: the stored ads that show a near-duplicate photo.

The photo is hashed like a crawled one (crawler/photos/hashing.py) and looked up in the photo index
with the crawl's thresholds (mirrored and cropped copies included); each ad is listed once,
with the nearest of its photos, nearest first. A repost kept as a sighting shows as its
original ad, with the page the photo was found on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.fetch.localfile import read_capped
from crawler.fetch.webfetch import crawl_setting, fetch_bytes
from crawler.items import Ad
from crawler.photos.dedupe import PhotoMatch
from crawler.photos.hashing import ImageFacts, ImageLimits, inspect_image
from crawler.photos.index import PhotoIndex
from crawler.stores.base import Store


@dataclass
class ImageHit:
    ad: Ad
    distance: int
    page_url: str  # the page the photo was seen on (the ad's own, or a sighting's)
    image_url: str


def read_image(target: str, allow_private: bool = False) -> bytes:
    """The bytes of a photo file, or of a photo URL (no private hosts unless allowed), at
    most ``ADWATCH_IMAGE_MAX_BYTES`` either way. Raises OSError, ValueError or
    http.client.HTTPException when it cannot be read (see crawler/extract/probe.py
    ``read_page``)."""
    max_bytes = crawl_setting("ADWATCH_IMAGE_MAX_BYTES")
    if not target.lower().startswith(("http://", "https://")):
        return read_capped(target, max_bytes, "ADWATCH_IMAGE_MAX_BYTES")
    return fetch_bytes(target, allow_private, max_bytes)[0]


def photo_of(facts: ImageFacts) -> dict[str, Any]:
    return {
        "phash": facts.phash,
        "phash_mirror": facts.phash_mirror,
        "dhash": facts.dhash,
        "dhash_mirror": facts.dhash_mirror,
        "crops": facts.crops,
    }


def search_image(
    store: Store, data: bytes, rule: PhotoMatch | None = None, limit: int = 50
) -> list[ImageHit]:
    """The ads of ``store`` showing a near-duplicate of the photo ``data``, nearest first.
    Raises :class:`crawler.photos.hashing.ImageRejected` when ``data`` is not a photo."""
    facts = inspect_image(data, ImageLimits(min_width=1, min_height=1))
    rule = rule or PhotoMatch(
        *(crawl_setting(f"ADWATCH_{kind}_THRESHOLD") for kind in ("PHASH", "DHASH", "CROP"))
    )
    state = store.photos
    index = PhotoIndex(state, rule, cluster_pending=False)
    distances = dict(index.matches(photo_of(facts)))
    best: dict[str, tuple[int, str, str]] = {}
    for page in state.pages_with_images(sorted(distances)):
        found = (distances[page["image_id"]], page["canonical_url"], page["url"])
        if page["ad_id"] not in best or found < best[page["ad_id"]]:
            best[page["ad_id"]] = found
    hits = []
    for ad_id, (distance, page_url, image_url) in sorted(best.items(), key=lambda b: b[1]):
        ad = store.get_ad(ad_id)
        if ad is not None:
            hits.append(ImageHit(ad, distance, page_url, image_url))
        if len(hits) >= limit:
            break
    return hits
