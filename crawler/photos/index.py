"""The near-duplicate photo index of one data directory, in memory, and photo clustering.

:class:`PhotoIndex` loads every stored photo's pHash and crop pHashes
(crawler/stores/photo_state.py) into two :class:`~crawler.photos.hashindex.HashIndex`, on its
first lookup (a run that meets no new photo reads none of them), and answers
"which stored photos are this one" (:meth:`PhotoIndex.matches`) by the rules of
:mod:`crawler.photos.dedupe`: index lookups within the thresholds give candidates, whose dHashes
(read from the store, a few rows) confirm them. :meth:`PhotoIndex.cluster` puts a new photo
in the cluster of the photos it matches (union-find kept in the ``images.cluster`` column:
clusters that a photo bridges are merged under the oldest photo's id).

One index per data directory and process, shared by every spider of a run
(:meth:`PhotoIndex.acquire` / :meth:`PhotoIndex.release`); it is used on the reactor thread.
"""

from __future__ import annotations

import logging
import threading
from array import array
from collections import OrderedDict
from typing import Any

import numpy as np

from crawler.photos.dedupe import PhotoMatch, same_photo
from crawler.photos.hashindex import HashIndex

logger = logging.getLogger(__name__)

__all__ = ["PhotoIndex"]


class PhotoIndex:
    """pHashes of every stored photo (``state`` is a store with the photo tables)."""

    _shared: dict[str, tuple[PhotoIndex, int]] = {}
    _lock = threading.Lock()

    def __init__(self, state: Any, rule: PhotoMatch | None = None, cluster_pending: bool = True):
        self.state = state
        self.rule = rule or PhotoMatch()
        # the photos stored before this index was made: loaded on the first lookup, not
        # before (a run that meets no new photo never reads them), with those up to here
        self._horizon = state.last_image_id()
        self._loaded = False
        self._cluster_pending = cluster_pending
        self.boxes = 0
        self.ids = array("q")  # index position -> image id
        self.phashes = HashIndex()
        self.crops = HashIndex()
        self._indexed_unclustered: set[int] = set()
        # texts (word pairs) of the ads placed in this process with photos, newest last:
        # the repost step reads them for ads whose rows may still wait in a store batch
        self.recent: OrderedDict[str, frozenset[str]] = OrderedDict()
        # photos kept by a run that stopped before clustering them: clustered now
        if cluster_pending and state.unclustered_image_ids(self._horizon):
            self._load()
            for image_id in self._indexed_unclustered.copy():
                self.cluster(image_id)

    def _load(self) -> None:
        """Index the photos stored up to the horizon (once)."""
        if self._loaded:
            return
        self._loaded = True
        ids, phashes, crops, unclustered = self.state.all_image_hashes(self._horizon)
        self.boxes = crops.shape[1] if len(crops) else 0
        self.ids = array("q", ids.tolist())
        self.phashes = HashIndex(phashes)
        self.crops = HashIndex(crops.reshape(-1) if len(crops) else None)
        # photos kept by a run that stopped before clustering them: indexed, not clustered
        self._indexed_unclustered = set(unclustered) if self._cluster_pending else set()

    # ---------------------------------------------------------------- sharing

    @classmethod
    def acquire(cls, state: Any, key: str, rule: PhotoMatch | None = None) -> PhotoIndex:
        """The process-wide index for ``key`` (a data directory), loaded on first use."""
        with cls._lock:
            entry = cls._shared.get(key)
            if entry is None:
                index = PhotoIndex(state, rule)
                entry = (index, 0)
            cls._shared[key] = (entry[0], entry[1] + 1)
            return entry[0]

    @classmethod
    def release(cls, index: PhotoIndex) -> None:
        with cls._lock:
            for key, (shared, users) in list(cls._shared.items()):
                if shared is index:
                    if users <= 1:
                        del cls._shared[key]
                    else:
                        cls._shared[key] = (shared, users - 1)
                    return

    # ---------------------------------------------------------------- lookups

    def matches(self, photo: dict[str, Any], exclude: int | None = None) -> list[tuple[int, int]]:
        """(image id, pHash distance) of every stored photo that is the same photo as
        ``photo`` (a dict like ``state.image_hash_rows`` gives), nearest first."""
        candidates = self._candidates(photo)
        candidates.discard(exclude)
        if not candidates:
            return []
        rows = self.state.image_hash_rows(sorted(candidates))
        found = []
        for image_id, row in rows.items():
            distance = same_photo(photo, row, self.rule)
            if distance is not None:
                found.append((image_id, distance))
        found.sort(key=lambda m: (m[1], m[0]))
        return found

    def _candidates(self, photo: dict[str, Any]) -> set[int]:
        if not self._loaded:
            self._load()
            logger.info("photo index: %d photos", len(self.ids))
        rule = self.rule
        positions: list[np.ndarray] = [
            self.phashes.radius(photo["phash"], rule.phash)[0],
            self.phashes.radius(photo["phash_mirror"], rule.phash)[0],
        ]
        for crop_phash, _crop_dhash in photo["crops"]:
            positions.append(self.phashes.radius(int(crop_phash), rule.crop)[0])
        found = {self.ids[p] for part in positions for p in part.tolist()}
        if self.boxes:
            in_crops = self.crops.radius(photo["phash"], rule.crop)[0] // self.boxes
            found.update(self.ids[p] for p in in_crops.tolist())
        return found

    # ---------------------------------------------------------------- clustering

    def cluster(self, image_id: int) -> int:
        """Cluster the stored photo ``image_id`` with the photos it matches (merging their
        clusters if it bridges several) and index it; returns its cluster."""
        row = self.state.image_hash_rows([image_id])[image_id]
        if row["cluster"] is not None:
            return int(row["cluster"])  # clustered (and indexed) once already
        matched = self.matches(row, exclude=image_id)
        clusters = {c for c in self.state.image_clusters([m[0] for m in matched]).values() if c}
        cluster = self.state.merge_clusters(image_id, clusters)
        if image_id in self._indexed_unclustered:
            self._indexed_unclustered.discard(image_id)
        elif image_id <= self._horizon:
            pass  # stored before the index was made: indexed when it loaded
        else:
            self.ids.append(image_id)
            self.phashes.add(row["phash"])
            crops = np.asarray(row["crops"], dtype=np.uint64)
            if not self.boxes:
                self.boxes = len(crops)
            self.crops.extend(crops[:, 0])
        return cluster
