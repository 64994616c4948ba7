"""Retries that wait: Retry-After on 429 and 503, exponential backoff otherwise.

:class:`PoliteRetryMiddleware` takes the place of Scrapy's ``RetryMiddleware`` (same
settings: ``RETRY_ENABLED``, ``RETRY_TIMES``, ``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``, the
``dont_retry`` and ``max_retry_times`` meta keys) and adds the wait before a retry:

- a 429 or 503 with ``Retry-After`` (seconds or an HTTP date) waits that long; the site's
  downloader slot is paused as long, and its delay raised to the wait (at most
  ``AUTOTHROTTLE_MAX_DELAY``; AutoThrottle lowers it again as pages come back fine). A wait
  beyond ``ADWATCH_RETRY_AFTER_MAX`` seconds gives the request up for this run;
- any other retry waits ``ADWATCH_RETRY_BACKOFF`` seconds, doubled at each retry of the
  same request, at most ``ADWATCH_RETRY_BACKOFF_MAX``.

The wait is asynchronous: other requests go on meanwhile. Stats:
``adwatch/retry_after/<status>`` (Retry-After honoured), ``adwatch/retry_after_too_long/<status>``
(given up), ``adwatch/retry_backoff`` (retries delayed by backoff),
``adwatch/retry_wait_seconds`` (seconds waited, summed), plus Scrapy's ``retry/*``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value (``"120"`` or an HTTP date);
    None when there is no usable value. A date in the past means no wait (0)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def backoff_seconds(retry_times: int, base: float, cap: float) -> float:
    """The wait before retry number ``retry_times`` (1, 2, ...): base, 2*base, 4*base... <= cap."""
    return min(base * 2 ** max(retry_times - 1, 0), cap)


class PoliteRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: Any):
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("ADWATCH_RETRY_AFTER_MAX")
        self.backoff = settings.getfloat("ADWATCH_RETRY_BACKOFF")
        self.backoff_max = settings.getfloat("ADWATCH_RETRY_BACKOFF_MAX")
        self.max_slot_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY")

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        wait = None
        if response.status in RETRY_AFTER_STATUSES:
            wait = parse_retry_after(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.retry_after_max:
            stats.inc_value(f"adwatch/retry_after_too_long/{response.status}")
            logger.warning(
                "%s asks to come back in %.0fs (over ADWATCH_RETRY_AFTER_MAX=%.0fs), "
                "given up for this run: %s",
                response.status,
                wait,
                self.retry_after_max,
                request.url,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait is not None:
            stats.inc_value(f"adwatch/retry_after/{response.status}")
            self._pause_slot(request, wait)
            await self._wait(wait)
        else:
            await self._backoff(retry)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await self._backoff(retry)
        return retry

    async def _backoff(self, retry: Request) -> None:
        wait = backoff_seconds(retry.meta.get("retry_times", 1), self.backoff, self.backoff_max)
        if wait > 0:
            self.crawler.stats.inc_value("adwatch/retry_backoff")
            await self._wait(wait)

    async def _wait(self, seconds: float) -> None:
        self.crawler.stats.inc_value("adwatch/retry_wait_seconds", round(seconds, 3))
        if seconds > 0:
            await sleep(seconds)

    def _pause_slot(self, request: Request, seconds: float) -> None:
        """No request to the site before ``seconds`` from now, and a slower pace after."""
        if seconds <= 0:
            return
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None:
            return
        # the downloader holds a slot back until `delay` after `lastseen`
        slot.delay = max(slot.delay, min(seconds, self.max_slot_delay))
        slot.lastseen = max(slot.lastseen, time.monotonic() + seconds)
