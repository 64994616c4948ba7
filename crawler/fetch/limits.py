"""What one page may cost: its size, sent or decompressed, and its redirects.

Both classes take the place of the Scrapy middleware they extend (crawler/settings.py) and
only add counting, so that every hostile page shows in the run's stats:

- :class:`SizeLimitMiddleware` (Scrapy's ``HttpCompressionMiddleware``): a body over
  ``DOWNLOAD_MAXSIZE`` is cancelled while it arrives (Scrapy's download handler), and a
  compressed body is refused as soon as it inflates past the same limit (a gzip bomb never
  reaches memory whole). Stats: ``adwatch/pages_too_large/sent``,
  ``adwatch/pages_too_large/decompressed``.
- :class:`RedirectLimitMiddleware` (Scrapy's ``RedirectMiddleware``): a redirect back to a
  URL of the same chain is a loop, dropped at once; a chain longer than
  ``REDIRECT_MAX_TIMES`` is dropped by Scrapy. Stats: ``adwatch/redirect_loop``,
  ``adwatch/redirects_too_many``.

Each redirect target goes through the downloader middlewares again, so
``PrivateNetworkMiddleware`` checks it like any other request.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response

# Scrapy's download handlers cancel an oversized body with this in the message, or, for a
# body without Content-Length in the HTTP/1.1 handler, with no message at all.
_MAXSIZE_MESSAGE = "larger than download max size"


class SizeLimitMiddleware(HttpCompressionMiddleware):
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            # the only IgnoreRequest it raises: inflated past DOWNLOAD_MAXSIZE
            if self.stats:
                self.stats.inc_value("adwatch/pages_too_large/decompressed")
            raise

    def process_exception(self, request: Request, exception: Exception) -> None:
        if (
            self.stats
            and isinstance(exception, DownloadCancelledError)
            and (not str(exception) or _MAXSIZE_MESSAGE in str(exception))
        ):
            self.stats.inc_value("adwatch/pages_too_large/sent")


class RedirectLimitMiddleware(RedirectMiddleware):
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            result: Any = super().process_response(request, response)
        except IgnoreRequest:
            self.crawler.stats.inc_value("adwatch/redirects_too_many")
            raise
        if isinstance(result, Request) and result.url in result.meta.get("redirect_urls", ()):
            self.crawler.stats.inc_value("adwatch/redirect_loop")
            raise IgnoreRequest(f"redirect loop: {request.url} -> {result.url}")
        return result
