"""The browser's download handler: scrapy-playwright's, with a deadline for the whole page.

Sources that may render (``render: auto | browser``) download through it (spiders/factory.py).
scrapy-playwright bounds a page's navigation (``PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT``), but
not the steps around it: a context or a page asked of a browser that dies at that moment may
never be answered, and Scrapy's ``DOWNLOAD_TIMEOUT`` does not reach that handler. Likewise,
when a browser disconnects, scrapy-playwright closes its contexts before it forgets the
browser, and closing a context of a browser that is gone may never end either: the browser
would then never be relaunched and every later page would wait for ever. Here closing them
has a deadline (:data:`CLOSE_CONTEXTS_S`) before the browser is forgotten; and every
page download ends within three navigation timeouts (the navigation, the page's own wait for
its selector, and the browser's start or restart): a page still unanswered then fails with
``TimeoutError``, which the retry middleware retries like any lost download, and the crawl
goes on with a browser that scrapy-playwright relaunches
(``PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER``).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

# the navigation timeout when the settings give none (scrapy-playwright's own default)
_NAVIGATION_S = 30.0
#: seconds the contexts of a disconnected browser get to close before it is relaunched
CLOSE_CONTEXTS_S = 5.0


class GuardedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, whose every page download has a deadline."""

    @property
    def page_deadline_s(self) -> float:
        """Seconds a page download may take in all: three navigation timeouts."""
        navigation_ms = self.config.navigation_timeout_ms
        return 3 * (navigation_ms / 1000 if navigation_ms else _NAVIGATION_S)

    async def _browser_disconnected_callback(self) -> None:
        closing = [wrapper.context.close() for wrapper in self.context_wrappers.values()]
        with suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(*closing, return_exceptions=True), CLOSE_CONTEXTS_S
            )
        self.context_wrappers.clear()
        self.stats.inc_value("adwatch/render/browser_disconnected")
        if self.config.restart_disconnected_browser and hasattr(self, "browser"):
            del self.browser

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        deadline = self.page_deadline_s
        try:
            return await asyncio.wait_for(super()._download_request(request, spider), deadline)
        except TimeoutError:
            stats: Any = self.stats
            stats.inc_value("adwatch/render/page_deadline_reached")
            raise TimeoutError(
                f"the browser did not answer for {request.url} within {deadline:.0f}s"
            ) from None
