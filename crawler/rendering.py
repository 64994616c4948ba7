"""Adaptive rendering: static first, headless Chromium (scrapy-playwright) when a page needs it.

``render: static`` never uses the browser; ``render: browser`` sends every page through it;
``render: auto`` (the default) fetches a page statically and re-requests it through the
browser only when the page looks like it needs JavaScript (:func:`needs_browser`): the
source's expected selectors or structured data missing, an empty app shell, a ``<noscript>``
wall. It learns per site: once a site's pages needed the browser, its next pages go straight
to the browser; every ``ADWATCH_RENDER_RECHECK_EVERY``-th page is still tried statically, and
when that satisfies, the site goes back to static fetching. What it learned is kept in the
source's state for the next run.

:class:`RenderMiddleware` (downloader middleware, enabled for sources whose render is not
``static``; see spiders/factory.py) does this. Stats: ``adwatch/render/static_pages``,
``adwatch/render/browser_pages``, ``adwatch/render/fallbacks``,
``adwatch/render/back_to_static``, ``adwatch/render/browser_crashes``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from parsel import Selector
from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse

from crawler.config import Source, is_xpath
from crawler.extract import AD_TYPES, guess_ad_links, jsonld_objects, schema_types, select
from crawler.stores import acquire_store, release_store

_PSEUDO = re.compile(r"::(text|attr\([^)]*\))\s*$")
_XPATH_TAIL = re.compile(r"/+(text\(\)|@[\w:-]+)\s*$")
_NOSCRIPT_WALL = re.compile(r"(enable|activate|habilit|ative|activa)\w*\s+javascript", re.I)
MIN_VISIBLE_TEXT = 200


def abort_unneeded(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: images, fonts and media are not needed to read an ad."""
    return request.resource_type in ("image", "font", "media")


def visible_text_length(sel: Selector) -> int:
    texts = sel.xpath(
        "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
        " or ancestor::template)]"
    ).getall()
    return sum(len(t.strip()) for t in texts)


def content_missing(sel: Selector, url: str, source: Source, is_ad_page: bool) -> str | None:
    """What the source expects of the page and does not find on it (or ``None``)."""
    if is_ad_page:
        if source.extract == "selectors":
            if not select(sel, source.fields["title"]).get("").strip():
                return "expected selectors missing"
        elif (
            not any(schema_types(o) & AD_TYPES for o in jsonld_objects(sel))
            and not sel.css("h1").xpath("string()").get("").strip()
        ):
            return "no structured data and no heading"
    else:
        links = select(sel, source.links).getall() if source.links else guess_ad_links(sel, url)
        if not links:
            return "no ad links"
    return None


def needs_browser(sel: Selector, url: str, source: Source, is_ad_page: bool) -> str | None:
    """Why a statically fetched page needs the browser, or ``None`` when it does not.

    A page without scripts is what it is: a browser would render the same nothing.
    """
    if not sel.xpath('//script[not(@type) or not(contains(@type, "json"))]'):
        return None
    missing = content_missing(sel, url, source, is_ad_page)
    if missing:
        return missing
    if visible_text_length(sel) < MIN_VISIBLE_TEXT:
        return "empty app shell"
    noscript = " ".join(sel.xpath("//noscript//text()").getall())
    if noscript and _NOSCRIPT_WALL.search(noscript):
        return "noscript wall"
    return None


def wait_selector(source: Source, is_ad_page: bool) -> str | None:
    """The selector the browser waits for before the page is read (Playwright syntax)."""
    selector = source.fields.get("title") if is_ad_page else source.links
    if not selector:
        return None
    selector = selector.strip()
    if is_xpath(selector):
        return "xpath=" + _XPATH_TAIL.sub("", selector.removeprefix("xpath:"))
    return _PSEUDO.sub("", selector)


class WaitFor:
    """A page method: wait until the expected content is rendered, without failing the page."""

    def __init__(self, selector: str | None, timeout_ms: int):
        self.selector, self.timeout_ms = selector, timeout_ms

    async def __call__(self, page: Any) -> None:
        try:
            if self.selector:
                await page.wait_for_selector(
                    self.selector, state="attached", timeout=self.timeout_ms
                )
            else:
                await page.wait_for_load_state("networkidle", timeout=self.timeout_ms)
        except Exception:  # the page is read as it is; extraction decides
            pass


class RenderMiddleware:
    def __init__(self, crawler: Any):
        spider_cls = crawler.spidercls
        source: Source | None = getattr(spider_cls, "source", None)
        if source is None or source.render == "static":
            raise NotConfigured
        self.crawler = crawler
        self.source = source
        settings = crawler.settings
        self.recheck_every = settings.getint("ADWATCH_RENDER_RECHECK_EVERY")
        self.wait_ms = settings.getint("ADWATCH_RENDER_WAIT_MS")
        self.recycle_after = settings.getint("ADWATCH_BROWSER_CONTEXT_PAGES")
        self.hosts: dict[str, str] = {}
        self.browser_pages_by_host: dict[str, int] = {}
        self.browser_pages = 0
        self.store = acquire_store(settings.get("ADWATCH_DATA_DIR"))
        self.hosts.update(self.store.source_state(source.name).get("render_hosts", {}))
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RenderMiddleware:
        return cls(crawler)

    def spider_closed(self) -> None:
        try:
            state = self.store.source_state(self.source.name)
            state["render_hosts"] = self.hosts
            self.store.save_source_state(self.source.name, state)
            count = self.crawler.stats.get_value("playwright/browser_count", 0)
            if count > 1:
                self.crawler.stats.set_value("adwatch/render/browser_crashes", count - 1)
        finally:
            release_store(self.store)

    # ------------------------------------------------------------ requests

    @staticmethod
    def _is_page_request(request: Request) -> bool:
        """Listing and ad pages; never robots.txt, sitemaps or feeds."""
        name = getattr(request.callback, "__name__", "")
        return name in ("parse_listing", "parse_detail")

    def process_request(self, request: Request) -> None:
        if request.meta.get("playwright") or not self._is_page_request(request):
            return None
        if request.meta.get("adwatch_static_check"):
            return None
        host = urlparse(request.url).netloc
        if self.source.render == "browser" or self.hosts.get(host) == "browser":
            n = self.browser_pages_by_host.get(host, 0)
            if (
                self.source.render == "auto"
                and self.recheck_every
                and n
                and n % self.recheck_every == 0
            ):
                self.browser_pages_by_host[host] = n + 1
                request.meta["adwatch_static_check"] = True
                return None
            self._to_browser(request)
        return None

    def _to_browser(self, request: Request) -> None:
        from scrapy_playwright.page import PageMethod

        host = urlparse(request.url).netloc
        self.browser_pages_by_host[host] = self.browser_pages_by_host.get(host, 0) + 1
        self.browser_pages += 1
        is_ad = bool(request.meta.get("adwatch_ad"))
        request.meta["playwright"] = True
        # a fresh browser context every N pages keeps Chromium's memory in check
        generation = self.browser_pages // max(self.recycle_after, 1)
        request.meta["playwright_context"] = f"{self.source.name}-{generation}"
        request.meta["playwright_page_methods"] = [
            PageMethod(WaitFor(wait_selector(self.source, is_ad), self.wait_ms))
        ]
        self._close_old_context(generation)

    def _close_old_context(self, generation: int) -> None:
        if generation < 1:
            return
        handler = self._handler()
        old = f"{self.source.name}-{generation - 1}"
        wrappers = getattr(handler, "context_wrappers", {}) if handler else {}
        wrapper = wrappers.get(old)
        if wrapper is not None and not getattr(wrapper, "_adwatch_closing", False):
            wrapper._adwatch_closing = True
            import asyncio

            async def close_when_idle() -> None:
                for _ in range(600):
                    if not wrapper.context.pages:
                        break
                    await asyncio.sleep(0.1)
                try:
                    await wrapper.context.close()
                except Exception:
                    pass

            asyncio.ensure_future(close_when_idle())

    def _handler(self) -> Any:
        try:
            return self.crawler.engine.downloader.handlers._handlers.get("http")
        except AttributeError:
            return None

    # ------------------------------------------------------------ responses

    def process_response(self, request: Request, response: Response) -> Any:
        if not self._is_page_request(request):
            return response
        stats = self.crawler.stats
        host = urlparse(request.url).netloc
        is_ad = bool(request.meta.get("adwatch_ad"))
        if request.meta.get("playwright"):
            stats.inc_value("adwatch/render/browser_pages")
            if request.meta.get("adwatch_fallback") and isinstance(response, TextResponse):
                if content_missing(response.selector, response.url, self.source, is_ad) is None:
                    if self.hosts.get(host) != "browser":
                        self.crawler.spider.logger.info(
                            "%s needed the browser (%s): %s's next pages go straight to it",
                            response.url,
                            request.meta["adwatch_fallback"],
                            host,
                        )
                    self.hosts[host] = "browser"
                else:  # rendered, still empty: a broken page, not a JavaScript one
                    stats.inc_value("adwatch/render/fallbacks_useless")
            return response
        stats.inc_value("adwatch/render/static_pages")
        if self.source.render != "auto" or response.status != 200:
            return response
        if not isinstance(response, TextResponse):
            return response
        reason = needs_browser(response.selector, response.url, self.source, is_ad)
        if reason is None:
            if request.meta.get("adwatch_static_check") and self.hosts.get(host) == "browser":
                self.hosts[host] = "static"
                stats.inc_value("adwatch/render/back_to_static")
            return response
        stats.inc_value("adwatch/render/fallbacks")
        retry = request.replace(dont_filter=True)
        retry.meta.pop("adwatch_static_check", None)
        retry.meta["adwatch_fallback"] = reason
        self._to_browser(retry)
        return retry
