"""``adwatch prune --older-than 180d``: data-protection retention.

Deletes the ads last seen before the cutoff from the store (SQLite or Elasticsearch) and the
image files downloaded for them that no remaining ad uses, in ``ADWATCH_IMAGES_STORE``
(default ``<data dir>/images``): the photo pipeline's files, named by content
(``full/ab/<sha256>.<ext>``, found through its records), and files where Scrapy's own
``ImagesPipeline`` would put them (``full/<sha1 of the URL>.jpg``, ``thumbs/<size>/...``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.stores.base import Store


@dataclass
class PruneResult:
    cutoff: str
    ads: int = 0
    image_urls: int = 0
    files: list[Path] = field(default_factory=list)


def image_files(url: str, images_dir: Path) -> list[Path]:
    """The files ImagesPipeline stored for ``url`` (original and thumbnails) that exist."""
    name = hashlib.sha1(url.encode("utf-8")).hexdigest() + ".jpg"
    found = [images_dir / "full" / name]
    thumbs = images_dir / "thumbs"
    if thumbs.is_dir():
        found += [size / name for size in thumbs.iterdir()]
    return [p for p in found if p.is_file()]


def prune(
    store: Store, older_than: timedelta, images_dir: Path, now: datetime | None = None
) -> PruneResult:
    """Delete what was last seen more than ``older_than`` ago; see the module docstring."""
    cutoff = ((now or datetime.now(UTC)) - older_than).isoformat(timespec="seconds")
    result = PruneResult(cutoff)
    result.ads, orphans = store.prune(cutoff)
    result.image_urls = len(orphans)
    # the photo pipeline's records (store.photos, in the data directory's SQLite file) name
    # the files by content; a file goes when no remaining URL has its content
    paths = [images_dir / p for p in store.photos.release_photos(sorted(orphans))]
    for url in sorted(orphans):
        paths += image_files(url, images_dir)
    for path in dict.fromkeys(paths):
        if path.is_file():
            path.unlink()
            result.files.append(path)
    return result
