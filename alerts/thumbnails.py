"""Thumbnails for the digests: the photos of the alerted ads, from the crawl's own copies or
fetched now.

:class:`DigestPhotos` gives a digest its photos: those the photo pipeline kept in the data
directory (``Ad.images[].path``) are read as they are; the others are fetched by
:class:`ImageFetcher`, politely (adwatch's User-Agent, robots.txt, a size cap, a timeout,
images only, no private addresses unless the ad's source allows them). A photo that
cannot be had is left out of the digest.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import urllib.error
import urllib.robotparser
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from alerts.ledger import Alert
from crawler.common.netpolicy import host_is_public
from crawler.common.options import current_options
from crawler.fetch.webfetch import crawl_setting, open_url

__all__ = ["DigestPhotos", "ImageFetcher", "images_dir", "local_photos", "wanted_images"]

logger = logging.getLogger(__name__)


class ImageFetcher:
    """Fetches ad photos for thumbnails politely: our User-Agent, robots.txt, a size cap,
    a timeout, images only, and no private addresses unless the ad's source allows them."""

    def __init__(self, max_bytes: int, timeout: float, allow_private: Iterable[str] = ()):
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow_private = set(allow_private)
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._lock = threading.Lock()

    def _open(self, url: str, private_ok: bool, accept: str) -> Any:
        return open_url(url, private_ok, accept, timeout=self.timeout)

    def _robots_txt(self, origin: str, private_ok: bool) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser()
        lines: list[str] = []
        try:
            with self._open(origin + "/robots.txt", private_ok, "text/plain") as resp:
                lines = resp.read(512 * 1024).decode("utf-8", errors="replace").splitlines()
        except urllib.error.HTTPError as exc:
            # RFC 9309: no robots.txt (4xx) allows everything, a server error nothing
            parser.disallow_all = exc.code >= 500  # type: ignore[attr-defined]
        except (OSError, ValueError):
            pass  # unreachable: the image will not come either
        parser.parse(lines)
        return parser

    def _allowed_by_robots(self, url: str, private_ok: bool) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin not in self._robots:
                self._robots[origin] = self._robots_txt(origin, private_ok)
            return self._robots[origin].can_fetch(crawl_setting("USER_AGENT"), url)

    def fetch(self, url: str, source: str) -> bytes | None:
        """The image at ``url`` (of an ad of ``source``), or None if it cannot be had."""
        if urlsplit(url).scheme not in ("http", "https"):
            return None
        private_ok = source in self.allow_private
        try:
            if not private_ok and not host_is_public(url):
                return None
            if not self._allowed_by_robots(url, private_ok):
                return None
            with self._open(url, private_ok, "image/*") as resp:
                if not resp.headers.get_content_type().startswith("image/"):
                    return None
                data = resp.read(self.max_bytes + 1)
        except (OSError, ValueError, urllib.error.URLError) as exc:
            logger.info("thumbnail %s not fetched: %s", url, exc)
            return None
        return data if len(data) <= self.max_bytes else None

    def fetch_all(self, wanted: list[tuple[str, str]]) -> dict[str, bytes]:
        """``[(url, source)]`` -> ``{url: bytes}`` for those that could be fetched."""
        if not wanted:
            return {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = pool.map(lambda w: (w[0], self.fetch(*w)), wanted)
            return {url: data for url, data in results if data}


def images_dir(data_dir: Path) -> Path | None:
    """The local folder the photo pipeline keeps photos in, or None (a remote store)."""
    store = current_options().ADWATCH_IMAGES_STORE or str(data_dir / "images")
    return None if "://" in store else Path(store)


def local_photos(
    alerts: list[Alert], urls: set[str], folder: Path | None, max_bytes: int
) -> dict[str, bytes]:
    """Those of ``urls`` the crawl already downloaded (``Ad.images[].path``), by URL."""
    found: dict[str, bytes] = {}
    if folder is None:
        return found
    for alert in alerts:
        for record in alert.ad.get("images") or []:
            url, path = record.get("url"), record.get("path")
            if url not in urls or not path or url in found:
                continue
            file = (folder / path).resolve()
            try:
                if folder.resolve() in file.parents and file.stat().st_size <= max_bytes:
                    found[url] = file.read_bytes()
            except OSError:
                continue
    return found


def wanted_images(alerts: list[Alert], per_ad: int, limit: int) -> list[tuple[str, str]]:
    """``[(url, source)]``: the first ``per_ad`` photos of each ad, oldest alert first, at
    most ``limit`` in all."""
    wanted: dict[str, str] = {}
    seen_ads: set[str] = set()
    for alert in sorted(alerts, key=lambda a: a.id or 0):
        ad = alert.ad
        if alert.ad_id in seen_ads:
            continue
        seen_ads.add(alert.ad_id)
        for url in (ad.get("image_urls") or [])[:per_ad]:
            if len(wanted) < limit:
                wanted.setdefault(url, ad.get("source") or "")
    return list(wanted.items())


class DigestPhotos:
    """The thumbnails of a digest: photos the crawl kept are used as they are, the others
    are fetched now (:class:`ImageFetcher`). ``per_ad`` photos of each ad, at most
    ``limit`` in a digest, each at most ``max_bytes``."""

    def __init__(
        self,
        data_dir: Path,
        *,
        per_ad: int,
        limit: int,
        max_bytes: int,
        timeout: float,
        allow_private: Iterable[str] = (),
    ):
        self.per_ad, self.limit, self.max_bytes = per_ad, limit, max_bytes
        self.folder = images_dir(data_dir)
        self.fetcher = ImageFetcher(max_bytes, timeout, allow_private)

    def of(self, alerts: list[Alert]) -> dict[str, bytes]:
        """``{url: bytes}`` of the photos of ``alerts`` that the digest shows."""
        if self.per_ad <= 0:
            return {}
        wanted = wanted_images(alerts, self.per_ad, self.limit)
        images = local_photos(alerts, {u for u, _ in wanted}, self.folder, self.max_bytes)
        images.update(self.fetcher.fetch_all([w for w in wanted if w[0] not in images]))
        return images
