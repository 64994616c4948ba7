"""The repost step: photo clusters, reposts kept as sightings, ads linked by their photos.

:class:`RepostPipeline` (item pipeline, after the images pipeline and before the store;
on with ``ADWATCH_IMAGES``) takes each ad with its hashed photos and

1. puts every new photo in its cluster: the photos it is a near-duplicate of, by the
   rules of :mod:`crawler.photos.dedupe` (:class:`crawler.photos.index.PhotoIndex`);
2. decides whether the ad is a repost: a page never stored before whose photos and one
   stored ad's photos are the same (all of the one's among the other's: a repost often
   drops one), with a text alike (``ADWATCH_REPOST_TEXT_SIMILARITY``).
   A repost gets ``repost_of`` (that ad's id); the store keeps it as a sighting of the
   original, not as an ad of its own (stat ``adwatch/ads_repost``), so it is counted once
   and alerts once (``cluster_id`` is the original's id);
3. fills ``images[].cluster``, ``image_clusters``, ``shared_image_phones`` (phone numbers of
   other pages showing one of its photos: "same photo, other phone number"), ``cluster_id``
   and ``cluster_size``.

It runs on the reactor thread: an index lookup takes well under a millisecond and the
store queries use indexes.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.items import Ad
from crawler.photos.dedupe import Candidate, PhotoMatch, choose_original, text_shingles
from crawler.photos.index import PhotoIndex
from crawler.stores import Store, acquire_store, data_dir, release_store

logger = logging.getLogger(__name__)

#: Texts of the ads placed by this process, kept for the repost decision (their rows may
#: still wait in a store batch).
RECENT_ADS = 50_000


def photo_rule(settings: Any) -> PhotoMatch:
    return PhotoMatch(
        phash=settings.getint("ADWATCH_PHASH_THRESHOLD"),
        dhash=settings.getint("ADWATCH_DHASH_THRESHOLD"),
        crop=settings.getint("ADWATCH_CROP_THRESHOLD"),
    )


class RepostPipeline:
    def __init__(self, crawler: Any):
        settings = crawler.settings
        if not settings.getbool("ADWATCH_IMAGES"):
            raise NotConfigured
        self.stats = crawler.stats
        self.min_similarity = settings.getfloat("ADWATCH_REPOST_TEXT_SIMILARITY")
        directory = settings.get("ADWATCH_DATA_DIR")
        self.store = acquire_store(directory)
        self.state = self.store.photos
        self.index = PhotoIndex.acquire(
            self.state, str(data_dir(directory).resolve()), photo_rule(settings)
        )
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RepostPipeline:
        return cls(crawler)

    def spider_closed(self) -> None:
        PhotoIndex.release(self.index)
        release_store(self.store)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Ad):
            place_ad(item, self.index, self.store, self.min_similarity, self.stats)
        return item


def place_ad(
    ad: Ad, index: PhotoIndex, store: Store, min_similarity: float, stats: Any = None
) -> None:
    """Cluster the photos of ``ad``, decide whether it reposts a stored ad, and fill its
    photo fields (see the module doc)."""
    state = index.state
    shingles = text_shingles(ad.title, ad.body)
    known = state.image_ids([r["sha256"] for r in ad.images])
    photos: list[tuple[dict[str, Any], int]] = []
    for record in ad.images:
        entry = known.get(record["sha256"])
        if entry is None:  # not kept (the store was reset under a running crawl)
            continue
        image_id, cluster = entry
        if cluster is None:
            index.cluster(image_id)
        photos.append((record, image_id))
    clusters = state.image_clusters([image_id for _, image_id in photos])
    for record, image_id in photos:
        record["cluster"] = clusters.get(image_id)
    ad.images = [record for record, _ in photos]
    ad.image_clusters = list(dict.fromkeys(c for c in clusters.values() if c is not None))

    original = state.sighting_of(ad.canonical_url)
    if original is None and photos and not _is_stored(ad, index, store):
        original = _find_original(
            ad, shingles, set(ad.image_clusters), index, store, min_similarity
        )
    if original is not None and original == ad.id:
        original = None
    owner = original or ad.id
    phones = list(dict.fromkeys(ad.phones + ad.whatsapp))
    if photos:
        state.link_ad_images(
            ad.canonical_url,
            owner,
            ad.source,
            phones,
            [(record["url"], image_id) for record, image_id in photos],
        )
    if original is not None:
        ad.repost_of = original
        if stats is not None:
            stats.inc_value("adwatch/reposts_found")
    elif photos:
        _remember(index.recent, ad.id, shingles)
    if photos:
        own = set(phones)
        ad.shared_image_phones = [
            p for p in state.cluster_phones(ad.image_clusters, ad.canonical_url) if p not in own
        ]
        ad.cluster_id = owner
        ad.cluster_size = state.pages_of_ad(owner)


def _is_stored(ad: Ad, index: PhotoIndex, store: Store) -> bool:
    """True when the page is an ad already stored (or placed earlier in this process)."""
    return ad.id in index.recent or bool(store.known([ad.canonical_url]))


def _find_original(
    ad: Ad,
    shingles: frozenset[str],
    clusters: set[int],
    index: PhotoIndex,
    store: Store,
    min_similarity: float,
) -> str | None:
    sharing = index.state.ads_in_clusters(clusters, ad.canonical_url)
    sharing.pop(ad.id, None)
    candidates = []
    for ad_id, info in sharing.items():
        if not (clusters <= info["clusters"] or info["clusters"] <= clusters):
            continue  # some photos of each are not on the other
        text = index.recent.get(ad_id)
        if text is None:
            stored = store.get_ad(ad_id)
            if stored is None:
                continue
            text = text_shingles(stored.title, stored.body)
        candidates.append(Candidate(ad_id, frozenset(info["clusters"]), text))
    chosen = choose_original(clusters, shingles, candidates, min_similarity)
    if chosen is None:
        return None
    logger.debug("%s reposts %s (text %.2f)", ad.url, chosen[0].ad_id, chosen[1])
    return chosen[0].ad_id


def _remember(recent: OrderedDict[str, frozenset[str]], ad_id: str, shingles: Any) -> None:
    recent[ad_id] = shingles
    recent.move_to_end(ad_id)
    while len(recent) > RECENT_ADS:
        recent.popitem(last=False)
