"""Adaptive rendering: static first, headless Chromium (scrapy-playwright) when a page needs it.

``render: static`` never uses the browser; ``render: browser`` sends every page through it;
``render: auto`` (the default) fetches a page statically and re-requests it through the
browser only when the page looks like it needs JavaScript (:func:`needs_browser`): the
source's expected selectors or structured data missing, an empty app shell, a ``<noscript>``
wall. It learns per site and page type (the URL's path shape, ``/ad/*.html``): once a page
needed the browser, the next pages of its type go straight to the browser, and so do pages
of types not seen yet on a site whose pages so far needed the browser more often than not
(a JavaScript-only site: after its first fallback, everything goes to the browser; a site
where only one section needs JavaScript: only that section does). Every
``ADWATCH_RENDER_RECHECK_EVERY``-th page of a browser type is still tried statically, and when
that satisfies, the type goes back to static fetching. What it learned is kept in the
source's state for the next run.

:class:`RenderMiddleware` (downloader middleware, enabled for sources whose render is not
``static``; see spiders/factory.py) does this. Stats: ``adwatch/render/static_pages``,
``adwatch/render/browser_pages``, ``adwatch/render/fallbacks``,
``adwatch/render/back_to_static``, ``adwatch/render/browser_crashes``. Every request of a page
in the browser goes through crawler/fetch/browser_guard.py: the source's private-network policy
(refusals count in ``adwatch/blocked_private_network``) and a usable charset.

With ``ADWATCH_EVIDENCE`` and ``ADWATCH_SCREENSHOTS``, an ad page the browser renders is also
kept as a full-page screenshot (crawler/evidence/screenshot.py; crawler/evidence/writer.py
stores it).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from parsel import Selector
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.utils.misc import load_object
from scrapy.utils.python import global_object_name

from crawler.config import Source, is_xpath
from crawler.evidence.screenshot import Screenshot
from crawler.extract.ads import select
from crawler.extract.listings import guess_ad_links
from crawler.extract.schemaorg import AD_TYPES, jsonld_objects, schema_types
from crawler.extract.urlshape import page_shape
from crawler.fetch.browser_guard import (
    GUARD_META,
    PAGE_REFUSED_META,
    REFUSED_META,
    BrowserGuard,
    guard_page,
)
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
            not any(schema_types(o) & AD_TYPES for o in jsonld_objects(sel.root))
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

    The source's expectations decide first: links on a listing, the title selector (or, with
    ``extract: auto``, structured data or a heading) on an ad page. Where those are weak (an
    ``extract: auto`` ad page), an empty app shell or a ``<noscript>`` wall also sends the page
    to the browser. A page without scripts is what it is: a browser would render the same.
    """
    if not sel.xpath('//script[not(@type) or not(contains(@type, "json"))]'):
        return None
    missing = content_missing(sel, url, source, is_ad_page)
    if missing:
        return missing
    if is_ad_page and source.extract == "auto":
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
        self.screenshots = settings.getbool("ADWATCH_EVIDENCE") and settings.getbool(
            "ADWATCH_SCREENSHOTS"
        )
        self.screenshot_ms = settings.getint("ADWATCH_SCREENSHOT_TIMEOUT_MS")
        abort = settings.get("PLAYWRIGHT_ABORT_REQUEST")
        self.abort_request = load_object(abort) if abort else None
        self.max_redirects = settings.getint("REDIRECT_MAX_TIMES")
        self.fetch_timeout_ms = settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT") or 30_000
        # browser context -> its guard (and so its host cache)
        self.guards: dict[str, BrowserGuard] = {}
        self.store = acquire_store(settings.get("ADWATCH_DATA_DIR"))
        learned = self.store.source_state(source.name).get("render", {})
        # "host shape" -> "browser" | "static"; host -> [static pages fine, pages needing it]
        self.modes: dict[str, str] = dict(learned.get("modes", {}))
        self.votes: dict[str, list[int]] = {k: list(v) for k, v in learned.get("votes", {}).items()}
        self.browser_pages_by_key: dict[str, int] = {}
        self.browser_pages = 0
        self.inflight: dict[str, int] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RenderMiddleware:
        return cls(crawler)

    def spider_closed(self) -> None:
        try:
            state = self.store.source_state(self.source.name)
            state["render"] = {"modes": self.modes, "votes": self.votes}
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

    @staticmethod
    def _keys(url: str) -> tuple[str, str]:
        parsed = urlparse(url)
        return parsed.netloc, f"{parsed.netloc} {page_shape(parsed.path)}"

    def _mode(self, host: str, key: str) -> str:
        if self.source.render == "browser":
            return "browser"
        if key in self.modes:
            return self.modes[key]
        fine, needing = self.votes.get(host, (0, 0))
        return "browser" if needing > fine else "static"

    def _vote(self, host: str, needed: bool) -> None:
        votes = self.votes.setdefault(host, [0, 0])
        votes[1 if needed else 0] += 1

    def process_request(self, request: Request) -> None:
        if request.meta.get("playwright") or not self._is_page_request(request):
            return None
        if request.meta.get("adwatch_static_check"):
            return None
        host, key = self._keys(request.url)
        if self._mode(host, key) == "browser":
            n = self.browser_pages_by_key.get(key, 0)
            if (
                self.source.render == "auto"
                and self.recheck_every
                and n
                and n % self.recheck_every == 0
            ):
                self.browser_pages_by_key[key] = n + 1
                request.meta["adwatch_static_check"] = True
                return None
            self._to_browser(request)
        return None

    def _to_browser(self, request: Request) -> None:
        from scrapy_playwright.page import PageMethod

        _, key = self._keys(request.url)
        self.browser_pages_by_key[key] = self.browser_pages_by_key.get(key, 0) + 1
        self.browser_pages += 1
        is_ad = bool(request.meta.get("adwatch_ad"))
        request.meta["playwright"] = True
        # a fresh browser context every N pages keeps Chromium's memory in check; an old
        # context is closed once the last page sent to it is back
        generation = self.browser_pages // max(self.recycle_after, 1)
        context = f"{self.source.name}-{generation}"
        request.meta["playwright_context"] = context
        self.inflight[context] = self.inflight.get(context, 0) + 1
        guard = self.guards.get(context)
        if guard is None:
            guard = self.guards[context] = BrowserGuard(
                self.source.allow_private_network,
                abort_request=self.abort_request,
                max_redirects=self.max_redirects,
                timeout_ms=self.fetch_timeout_ms,
            )
        request.meta[GUARD_META] = guard
        request.meta["playwright_page_init_callback"] = guard_page
        # a service worker's requests are not routed through the page
        request.meta["playwright_context_kwargs"] = {"service_workers": "block"}
        request.meta["playwright_page_methods"] = [
            PageMethod(WaitFor(wait_selector(self.source, is_ad), self.wait_ms))
        ]
        if is_ad and self.screenshots:
            request.meta["playwright_page_methods"].append(
                PageMethod(Screenshot(self.screenshot_ms))
            )

    def _page_done(self, request: Request) -> None:
        context = request.meta.get("playwright_context")
        if not context or context not in self.inflight:
            return
        self.inflight[context] -= 1
        current = f"{self.source.name}-{self.browser_pages // max(self.recycle_after, 1)}"
        if self.inflight[context] <= 0 and context != current:
            del self.inflight[context]
            self.guards.pop(context, None)
            wrapper = getattr(self._handler(), "context_wrappers", {}).get(context)
            if wrapper is not None:
                import asyncio

                asyncio.ensure_future(self._close_context(wrapper))

    @staticmethod
    async def _close_context(wrapper: Any) -> None:
        try:
            await wrapper.context.close()
        except Exception:  # already closed with its browser
            pass

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get("playwright"):
            self._count_refused(request)
            self._page_done(request)
            target = request.meta.pop(PAGE_REFUSED_META, None)
            if target:  # not retried: it would be refused again
                self._uncount_exception(exception)
                raise IgnoreRequest(f"refused {request.url}: the browser was sent to {target}")
        return None

    def _uncount_exception(self, exception: Exception) -> None:
        """A page refused in the browser counts as a refusal, as it does on the static path,
        not also as a download error (Scrapy's DownloaderStats counted it already)."""
        stats = self.crawler.stats
        key = f"downloader/exception_type_count/{global_object_name(type(exception))}"
        if stats.get_value(key):
            stats.inc_value(key, -1)
            stats.inc_value("downloader/exception_count", -1)
            if not stats.get_value(key):
                stats.get_stats().pop(key, None)

    def _count_refused(self, request: Request) -> None:
        """Counts what the browser was refused while rendering the page of ``request``."""
        refused = request.meta.pop(REFUSED_META, None)
        if not refused:
            return
        for stat, _ in refused:
            self.crawler.stats.inc_value(stat)
        self.crawler.spider.logger.info(
            "%s: the browser was refused %d request(s) to private addresses or other schemes: %s",
            request.url,
            len(refused),
            ", ".join(sorted({url for _, url in refused})[:5]),
        )

    def _handler(self) -> Any:
        try:
            return self.crawler.engine.downloader.handlers._handlers.get("http")
        except AttributeError:
            return None

    # ------------------------------------------------------------ responses

    def process_response(self, request: Request, response: Response) -> Any:
        if request.meta.get("playwright"):
            self._count_refused(request)
        if not self._is_page_request(request):
            return response
        stats = self.crawler.stats
        host, key = self._keys(request.url)
        is_ad = bool(request.meta.get("adwatch_ad"))
        if request.meta.get("playwright"):
            self._page_done(request)
            stats.inc_value("adwatch/render/browser_pages")
            if request.meta.get("adwatch_fallback") and isinstance(response, TextResponse):
                if content_missing(response.selector, response.url, self.source, is_ad) is None:
                    if self.modes.get(key) != "browser":
                        self.crawler.spider.logger.info(
                            "%s needed the browser (%s): pages like it go straight to it",
                            response.url,
                            request.meta["adwatch_fallback"],
                        )
                    self.modes[key] = "browser"
                    self._vote(host, needed=True)
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
            if request.meta.get("adwatch_static_check") and self.modes.get(key) == "browser":
                stats.inc_value("adwatch/render/back_to_static")
            self.modes[key] = "static"
            self._vote(host, needed=False)
            return response
        stats.inc_value("adwatch/render/fallbacks")
        retry = request.replace(dont_filter=True)
        retry.meta.pop("adwatch_static_check", None)
        retry.meta["adwatch_fallback"] = reason
        self._to_browser(retry)
        return retry
