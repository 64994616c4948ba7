"""The photo pipeline: Scrapy's ImagesPipeline, made to check, hash and keep ad photos.

:class:`AdImagesPipeline` (item pipeline, on with ``ADWATCH_IMAGES``) downloads each ad's
``image_urls`` through Scrapy's media pipeline, so photo requests pass the same downloader
middlewares as pages (robots.txt, the private-network guard, AutoThrottle, per-site
concurrency, retries). What it changes:

* limits: at most ``ADWATCH_IMAGES_PER_AD`` photos per ad; ``ADWATCH_IMAGE_MAX_BYTES`` is
  the download's size cap (the download is cancelled past it); ``ADWATCH_IMAGE_MAX_PIXELS``
  is checked from the header before anything is decoded (Pillow's decompression-bomb guard
  stays on behind it); ``IMAGES_MIN_WIDTH`` / ``IMAGES_MIN_HEIGHT`` skip icons;
* checks: the Content-Type must be an image (or unspecified), and the bytes must be a
  JPEG, PNG, GIF, WebP or BMP by their magic number; markup served as an image, SVG, empty,
  truncated or corrupt files are skipped;
* hashing (crawler/photos/hashing.py) runs on a thread pool (``ADWATCH_IMAGE_THREADS``), never on
  the reactor;
* files are kept as served (the evidence), named by the SHA-256 of their content
  (``full/ab/abcdef....jpg``) in ``ADWATCH_IMAGES_STORE`` (environment) or ``IMAGES_STORE``
  (default ``<data dir>/images``; any store Scrapy supports: a folder, ``s3://``, ``gs://``,
  ``ftp://``), once per content;
* expiry: a photo URL fetched within ``IMAGES_EXPIRES`` days is not fetched again; its
  stored hashes are used.

A photo that fails never stops the ad: the ad goes on with the photos that passed, in
``Ad.images``; except when the photo could not be written for want of space or a read-only
disk: then the run stops and the ad waits for the next run (crawler/health/datadir.py).
Stats: ``adwatch/images_kept``, ``adwatch/images_uptodate``,
``adwatch/images_rejected/<reason>`` (empty, too_large, too_many_pixels, too_small, html,
svg, not_image, unknown_format, corrupt, http_<status>), ``adwatch/images_failed/<error>``,
``adwatch/images_blocked`` (robots.txt or private network), ``adwatch/image_responses``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, DropItem, IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FSFilesStore
from scrapy.pipelines.images import ImagesPipeline
from scrapy.utils.defer import ensure_awaitable

from crawler.common.clock import utc_now, utc_text
from crawler.health import datadir
from crawler.items import Ad
from crawler.photos.hashing import ImageLimits, ImageRejected, inspect_image, sniff_format
from crawler.stores import acquire_store, data_dir, release_store

logger = logging.getLogger(__name__)

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}
_MIME = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
}
_GENERIC_TYPES = ("application/octet-stream", "binary/octet-stream")

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def hashing_pool(threads: int) -> ThreadPoolExecutor:
    """The process-wide thread pool that decodes and hashes photos (first size wins)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="adwatch-hash")
        return _pool


def content_path(sha256: str, fmt: str) -> str:
    """Where a photo is kept in ``IMAGES_STORE``: by the SHA-256 of its bytes."""
    return f"full/{sha256[:2]}/{sha256}.{_EXTENSIONS.get(fmt, 'img')}"


class AdImagesPipeline(ImagesPipeline):
    """See the module doc."""

    LOG_FAILED_RESULTS = False  # every failure is counted in the stats instead

    def __init__(self, store_uri: str, *, crawler: Any):
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.limits = ImageLimits(
            max_bytes=settings.getint("ADWATCH_IMAGE_MAX_BYTES"),
            max_pixels=settings.getint("ADWATCH_IMAGE_MAX_PIXELS"),
            min_width=self.min_width,
            min_height=self.min_height,
        )
        self.per_ad = settings.getint("ADWATCH_IMAGES_PER_AD")
        self.pool = hashing_pool(settings.getint("ADWATCH_IMAGE_THREADS"))
        self.stats = crawler.stats
        self.ad_store = acquire_store(settings.get("ADWATCH_DATA_DIR"))
        self.photo_state = self.ad_store.photos
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> AdImagesPipeline:
        settings = crawler.settings
        if not settings.getbool("ADWATCH_IMAGES"):
            raise NotConfigured
        cls._update_stores(settings)
        # IMAGES_STORE: ADWATCH_IMAGES_STORE of the settings object (crawler/common/options.py)
        uri = settings.get("IMAGES_STORE") or str(
            data_dir(settings.get("ADWATCH_DATA_DIR")) / "images"
        )
        return cls(uri, crawler=crawler)

    def spider_closed(self) -> None:
        release_store(self.ad_store)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Ad) or not item.image_urls:
            return item
        return await super().process_item(item)

    # ---------------------------------------------------------------- requests

    def get_media_requests(self, item: Any, info: Any) -> list[Request]:
        urls = list(dict.fromkeys(item.image_urls))
        if len(urls) > self.per_ad:
            self.stats.inc_value("adwatch/images_over_limit", len(urls) - self.per_ad)
            urls = urls[: self.per_ad]
        return [
            Request(
                url,
                callback=NO_CALLBACK,
                meta={"download_maxsize": self.limits.max_bytes, "adwatch_image": True},
            )
            for url in urls
        ]

    def media_to_download(self, request: Request, info: Any, *, item: Any = None) -> Any:
        """A photo URL fetched within ``IMAGES_EXPIRES`` days is not fetched again."""
        since = utc_text(utc_now() - timedelta(days=self.expires))
        record = self.photo_state.image_for_url(request.url, since)
        if record is None:
            return None
        self.stats.inc_value("adwatch/images_uptodate")
        self.inc_stats("uptodate")
        return {
            "url": request.url,
            "path": record["path"],
            "checksum": record["sha256"],
            "status": "uptodate",
            "record": record,
        }

    # ---------------------------------------------------------------- responses

    async def media_downloaded(
        self, response: Any, request: Request, info: Any, *, item: Any = None
    ) -> dict[str, Any]:
        self.stats.inc_value("adwatch/image_responses")
        if response.status != 200:
            return self._rejected(request, f"http_{response.status}")
        content_type = (
            response.headers.get(b"Content-Type", b"").decode("latin-1").split(";")[0].strip()
        ).lower()
        if content_type and not (
            content_type.startswith("image/") or content_type in _GENERIC_TYPES
        ):
            return self._rejected(request, "not_image", content_type)
        body = response.body
        try:
            loop = asyncio.get_running_loop()
            facts = await loop.run_in_executor(self.pool, inspect_image, body, self.limits)
        except ImageRejected as exc:
            return self._rejected(request, exc.reason, exc.detail)
        path = content_path(facts.sha256, facts.format)
        known = self.photo_state.image_by_sha256(facts.sha256)
        if known is None or not known["path"]:
            try:
                await ensure_awaitable(
                    self.store.persist_file(
                        path,
                        BytesIO(body),
                        info,
                        meta={"width": facts.width, "height": facts.height},
                        headers={
                            "Content-Type": _MIME.get(facts.format, "application/octet-stream")
                        },
                    )
                )
            except OSError as exc:
                self._discard(path)  # never a truncated photo under its content's name
                if datadir.disk_error(exc) is not None:
                    where = self.store.basedir if isinstance(self.store, FSFilesStore) else None
                    datadir.stop_crawl(self.crawler, exc, where)
                raise
        else:
            path = known["path"]
        now = utc_text()
        try:
            record = self.photo_state.save_image(facts, path, request.url, now)
        except Exception as exc:
            if datadir.disk_error(exc) is not None:
                datadir.stop_crawl(self.crawler, exc)
            raise
        self.inc_stats("downloaded")
        return {
            "url": request.url,
            "path": path,
            "checksum": facts.sha256,
            "status": "downloaded",
            "record": record,
        }

    def media_failed(self, failure: Any, request: Request, info: Any) -> Any:
        error = failure.value
        if isinstance(error, IgnoreRequest):
            self.stats.inc_value("adwatch/images_blocked")
        elif isinstance(error, DownloadCancelledError) and "max size" in str(error):
            # a file past the size cap: a skipped photo like the others, not a crawl error
            # (returning instead of raising leaves no result for it: see item_completed)
            self.stats.inc_value("adwatch/images_rejected/too_large")
            return None
        elif datadir.fault() is not None and datadir.disk_error(error) is not None:
            # the photo could not be kept (media_downloaded stopped the run, one error line
            # says why); item_completed drops the ad
            self.stats.inc_value("adwatch/images_failed/data_dir")
            return None
        else:
            self.stats.inc_value(f"adwatch/images_failed/{type(error).__name__}")
        return super().media_failed(failure, request, info)

    def _discard(self, path: str) -> None:
        if isinstance(self.store, FSFilesStore):
            with contextlib.suppress(OSError):
                Path(self.store.basedir, path).unlink(missing_ok=True)

    def _rejected(self, request: Request, reason: str, detail: str = "") -> dict[str, Any]:
        """A photo we do not keep: counted, logged at debug level, left out of the ad."""
        self.stats.inc_value(f"adwatch/images_rejected/{reason}")
        logger.debug(
            "photo skipped (%s%s): %s", reason, f": {detail}" if detail else "", request.url
        )
        return {"url": request.url, "path": "", "checksum": None, "status": f"rejected:{reason}"}

    def item_completed(self, results: list[Any], item: Any, info: Any) -> Any:
        if datadir.fault() is not None:
            # a photo may be missing for want of space: the ad waits for the next run
            raise DropItem(f"{item.url}: not stored: {datadir.fault()}", log_level="DEBUG")
        records = [value["record"] for ok, value in results if ok and value and value.get("record")]
        item.images = records
        self.stats.inc_value("adwatch/images_kept", len(records))
        return item

    # ---------------------------------------------------------------- naming

    def file_path(
        self, request: Request, response: Any = None, info: Any = None, *, item: Any = None
    ) -> str:
        """By content when the response is at hand (``full/ab/<sha256>.<ext>``); Scrapy's own
        name (SHA-1 of the URL) otherwise, which this pipeline never stores under."""
        if response is not None and response.body:
            digest = hashlib.sha256(response.body).hexdigest()
            return content_path(digest, sniff_format(response.body) or "")
        return super().file_path(request, response=response, info=info, item=item)
