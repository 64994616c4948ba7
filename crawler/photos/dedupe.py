"""When two photos are the same photo, and when an ad is a repost of another: pure rules.

Same photo (:func:`same_photo`), with the thresholds of :class:`PhotoMatch`:

* pHash distance <= ``phash`` and dHash distance <= ``dhash`` (the dHash agreeing keeps
  flat, similar-looking pictures apart: a gradient with a few shapes can sit within 10
  pHash bits of another one), or
* the same with one picture mirrored (its mirrored pHash and dHash), or
* the pHash of one of the crop boxes of one picture (see ``crawler.photos.hashing.CROP_BOXES``)
  within ``crop`` bits of the other's pHash, with that box's dHash within ``dhash``.

Repost (:func:`choose_original`): the photos of the new ad and of one stored ad are the
same photos, all of the one among the other's (a repost often drops a photo, and which copy
a crawl meets first is chance), and their texts are alike (:func:`text_similarity` >= the
threshold). Phone numbers are not compared: a new phone number is what a repost brings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from crawler.photos.hashing import hamming

__all__ = [
    "PhotoMatch",
    "choose_original",
    "same_photo",
    "text_shingles",
    "text_similarity",
]


@dataclass(frozen=True)
class PhotoMatch:
    """Hamming thresholds (settings ``ADWATCH_PHASH_THRESHOLD``, ``ADWATCH_DHASH_THRESHOLD``,
    ``ADWATCH_CROP_THRESHOLD``)."""

    phash: int = 10
    dhash: int = 14
    crop: int = 8


def same_photo(a: dict[str, Any], b: dict[str, Any], rule: PhotoMatch) -> int | None:
    """The pHash distance at which ``a`` and ``b`` are the same photo, or None.

    Each is a dict with ``phash``, ``phash_mirror``, ``dhash``, ``dhash_mirror`` (ints) and
    ``crops`` (pairs of pHash, dHash per crop box).
    """
    best: int | None = None
    for pa, pb, da, db in (
        (a["phash"], b["phash"], a["dhash"], b["dhash"]),
        (a["phash"], b["phash_mirror"], a["dhash"], b["dhash_mirror"]),
    ):
        distance = hamming(pa, pb)
        if distance <= rule.phash and hamming(da, db) <= rule.dhash:
            best = distance if best is None else min(best, distance)
    for cropped, whole in ((a, b), (b, a)):
        for crop_p, crop_d in cropped["crops"]:
            distance = hamming(int(crop_p), whole["phash"])
            if distance <= rule.crop and hamming(int(crop_d), whole["dhash"]) <= rule.dhash:
                best = distance if best is None else min(best, distance)
    return best


_WORD = re.compile(r"\w+")


def text_shingles(*texts: str | None) -> frozenset[str]:
    """Word pairs of the texts, case and accents folded: what :func:`text_similarity`
    compares."""
    folded = unicodedata.normalize("NFKD", " \n ".join(t for t in texts if t).casefold())
    words = _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))
    if len(words) < 2:
        return frozenset(words)
    return frozenset(f"{x} {y}" for x, y in zip(words, words[1:], strict=False))


def text_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the shorter text's word pairs found in the other (0..1): a repost that adds
    a line or drops a sentence stays close to 1."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class Candidate:
    """A stored ad that shows some of the new ad's photos."""

    ad_id: str
    clusters: frozenset[int]
    shingles: frozenset[str]
    first_seen: str = ""


def choose_original(
    clusters: Iterable[int],
    shingles: frozenset[str],
    candidates: Iterable[Candidate],
    min_similarity: float,
) -> tuple[Candidate, float] | None:
    """The stored ad the new ad is a copy of, with the text similarity, or None.

    ``clusters`` are the clusters of the new ad's photos. A candidate qualifies when its
    photo clusters contain those, or are contained in them; among several, the one sharing
    the most photo clusters, then the most alike text, then the first stored wins.
    """
    wanted = frozenset(clusters)
    if not wanted:
        return None
    eligible = []
    for candidate in candidates:
        if wanted <= candidate.clusters or candidate.clusters <= wanted:
            similarity = text_similarity(shingles, candidate.shingles)
            if similarity >= min_similarity:
                eligible.append((candidate, similarity))
    if not eligible:
        return None
    eligible.sort(key=lambda c: (-len(c[0].clusters & wanted), -c[1], c[0].first_seen, c[0].ad_id))
    return eligible[0]
