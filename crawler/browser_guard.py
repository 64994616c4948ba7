"""What the browser may fetch for a page, and how it reads a page without a usable charset.

Chromium fetches more than the page it is sent to: it follows redirects, and loads what the
page's scripts, frames and styles ask for. :class:`RenderMiddleware` (crawler/rendering.py)
makes :func:`guard_page` the ``playwright_page_init_callback`` of every page it sends to the
browser, so each request of the page is routed here before scrapy-playwright's own route:

- what ``PLAYWRIGHT_ABORT_REQUEST`` aborts (images, fonts, media) goes on to scrapy-playwright,
  which aborts it; ``data:``, ``blob:`` and ``about:`` URLs never reach the network and pass;
  any other scheme than http(s) is refused;
- an http(s) request whose host is, or resolves to, a private, loopback, link-local, reserved
  or multicast address is refused before any connection, unless the source's
  ``allow_private_network`` allows it (the policy of
  :class:`~crawler.middlewares.PrivateNetworkMiddleware`; a name is resolved once per browser
  context);
- everything else is fetched here, following redirects one at a time, because Chromium
  would follow a redirect without routing the next request again: every target is checked,
  a chain longer than ``REDIRECT_MAX_TIMES`` fails, and Chromium gets the final response at
  the URL it asked for (a document reached through redirects with a ``<base href>`` of its
  final URL, so its relative links resolve as they would there);
- a document served without a usable charset (none in Content-Type, or one unknown) and
  without a BOM or ``<meta charset>`` is declared UTF-8 when its bytes are UTF-8, as Scrapy
  reads it, where Chromium would read windows-1252.

WebSockets are checked the same way. Each refusal is listed in
``request.meta["adwatch_browser_refused"]`` as ``(stat, url)``; RenderMiddleware adds them to
``adwatch/blocked_private_network`` (or ``adwatch/refused_scheme``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Callable
from contextlib import suppress
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from crawler.middlewares import host_is_public, is_listed, private_network_policy

logger = logging.getLogger(__name__)

GUARD_META = "adwatch_browser_guard"
REFUSED_META = "adwatch_browser_refused"
#: the URL the page itself was refused at (a redirect of it), when it was
PAGE_REFUSED_META = "adwatch_browser_page_refused"
BLOCKED_STAT = "adwatch/blocked_private_network"
SCHEME_STAT = "adwatch/refused_scheme"

_LOCAL_SCHEMES = ("data", "blob", "about")
_REDIRECTS = (301, 302, 303, 307, 308)
# the response is rebuilt by Chromium from a decoded body
_DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")
_HEAD_BYTES = 4096
_HEAD = re.compile(rb"<head\b[^>]*>", re.I)
_BASE = re.compile(rb"<base\b[^>]*\bhref", re.I)
_WEBSOCKET_ROUTE_S = 10
_NOT_SENT = ("accept-encoding", "cookie")
_NOT_REDIRECTED = ("authorization", "content-length")
_FETCH_ERRORS = (
    ("ECONNREFUSED", "connectionrefused"),
    ("ENOTFOUND", "namenotresolved"),
    ("EAI_AGAIN", "namenotresolved"),
    ("ECONNRESET", "connectionreset"),
    ("Timeout", "timedout"),
)


def inferred_charset(content_type: str | None, body: bytes) -> str | None:
    """The charset to declare for a text document that declares none Chromium can use.

    ``content_type`` is the response's Content-Type header. Returns ``"utf-8"`` for an HTML
    or text document whose header has no charset (or one Python does not know), whose body
    has neither a BOM nor a ``<meta charset>`` and whose bytes decode as UTF-8, the encoding
    Scrapy would read it in; ``None`` when the document needs nothing declared (Chromium's
    windows-1252 fallback is Scrapy's too).
    """
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if not (mime.startswith("text/") or mime == "application/xhtml+xml"):
        return None
    if http_content_type_encoding(content_type) or read_bom(body)[0]:
        return None
    if html_body_declared_encoding(body):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


def with_base_href(html: bytes, url: str) -> bytes:
    """``html`` with ``<base href="url">`` first in its head, unless it has a base already
    (or is UTF-16/32, where ASCII cannot be spliced in)."""
    if read_bom(html)[0] not in (None, "utf-8") or _BASE.search(html[:_HEAD_BYTES]):
        return html
    tag = b'<base href="' + escape(url, quote=True).encode("ascii", "xmlcharrefreplace") + b'">'
    head = _HEAD.search(html[:_HEAD_BYTES])
    at = head.end() if head else 0
    return html[:at] + tag + html[at:]


class BrowserGuard:
    """A source's private-network policy for one browser context, with the context's host
    cache (host -> whether it is public, resolved once)."""

    def __init__(
        self,
        allow_private_network: bool | list[str],
        abort_request: Callable[[Any], Any] | None = None,
        max_redirects: int = 5,
        timeout_ms: float = 30_000,
    ):
        self.allow_all, self.allowed_hosts = private_network_policy(allow_private_network)
        self.abort_request = abort_request
        self.max_redirects = max_redirects
        self.timeout_ms = timeout_ms
        self.hosts: dict[str, asyncio.Future[bool]] = {}

    async def refusal(self, url: str) -> str | None:
        """The stat to count when the browser must not fetch ``url``, or ``None``."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in _LOCAL_SCHEMES:
            return None
        if scheme in ("ws", "wss"):
            scheme = "https" if scheme == "wss" else "http"
        if scheme not in ("http", "https"):
            return SCHEME_STAT
        if self.allow_all:
            return None
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            return BLOCKED_STAT
        if self.allowed_hosts and is_listed(self.allowed_hosts, host, port):
            return None
        public = self.hosts.get(host)
        if public is None:
            # one lookup per host, shared by the requests that wait for it
            public = self.hosts[host] = asyncio.ensure_future(host_is_public(host, port))
        return None if await public else BLOCKED_STAT


async def guard_page(page: Any, request: Any) -> None:
    """scrapy-playwright's ``playwright_page_init_callback``: routes the requests of ``page``
    (sent for the Scrapy ``request``) through ``request.meta["adwatch_browser_guard"]``."""
    guard: BrowserGuard = request.meta[GUARD_META]
    routes = PageRoutes(guard, request)
    await page.route("**", routes.handle)
    try:
        # may never be answered for a page whose browser has just died
        await asyncio.wait_for(
            page.route_web_socket("**", routes.handle_websocket), _WEBSOCKET_ROUTE_S
        )
    except TimeoutError:
        # an unguarded page is not rendered: closed, its download fails and is retried
        with suppress(Exception):
            await asyncio.wait_for(page.close(), _WEBSOCKET_ROUTE_S)
        raise RuntimeError(f"WebSockets of {request.url} could not be routed") from None


class PageRoutes:
    """The route handlers of one page."""

    def __init__(self, guard: BrowserGuard, request: Any):
        self.guard = guard
        self.request = request
        self.refused: list[tuple[str, str]] = []
        request.meta[REFUSED_META] = self.refused
        self.initial_done = False

    def _scrapy_data(self) -> dict[str, Any]:
        r = self.request
        return {
            "method": r.method,
            "url": r.url,
            "headers": r.headers,
            "body": r.body,
            "encoding": r.encoding,
        }

    def _refuse(self, stat: str, url: str, pw_request: Any) -> None:
        self.refused.append((stat, url))
        logger.debug("browser refused %s (%s) on %s", url, stat, self.request.url)
        if pw_request is not None and pw_request.is_navigation_request():
            try:
                main_frame = pw_request.frame.parent_frame is None
            except Exception:  # not a frame's request
                main_frame = False
            if main_frame:
                self.request.meta[PAGE_REFUSED_META] = url

    async def handle(self, route: Any, pw_request: Any) -> None:
        try:
            await self._handle(route, pw_request)
        except Exception as exc:  # the page was closed, or the browser went away
            logger.debug("browser request %s failed: %r", pw_request.url, exc)
            try:
                await route.abort("failed")
            except Exception:  # already handled, or nothing left to abort
                pass

    async def _handle(self, route: Any, pw_request: Any) -> None:
        abort = self.guard.abort_request
        if abort is not None:
            should = abort(pw_request)
            if inspect.isawaitable(should):
                should = await should
            if should:  # scrapy-playwright aborts it and counts it
                await route.fallback()
                return
        url = pw_request.url
        stat = await self.guard.refusal(url)
        if stat:
            self._refuse(stat, url, pw_request)
            await route.abort("blockedbyclient")
            return
        if urlsplit(url).scheme.lower() in _LOCAL_SCHEMES:
            await route.fallback()
            return
        await self._fetch(route, pw_request)

    async def _fetch(self, route: Any, pw_request: Any) -> None:
        from scrapy_playwright.headers import use_scrapy_headers

        url = pw_request.url
        navigation = pw_request.is_navigation_request()
        headers = await use_scrapy_headers(
            browser_type_name="chromium",
            playwright_request=pw_request,
            scrapy_request_data=self._scrapy_data(),
        )
        # the fetch asks for the encodings it can decode (Chromium's may include zstd), and
        # sends the context's cookies, as Playwright's route.continue_() has Chromium do
        sent = {k: v for k, v in headers.items() if k.lower() not in _NOT_SENT}
        options: dict[str, Any] = {}
        if navigation and not self.initial_done and url.rstrip("/") == self.request.url.rstrip("/"):
            # the request scrapy-playwright was asked for, as it would send it
            self.initial_done = True
            if self.request.method.upper() != pw_request.method.upper():
                options["method"] = self.request.method
            if self.request.body:
                options["post_data"] = self.request.body
            self.request.headers.clear()
            self.request.headers.update(headers)
        hops = 0
        while True:
            try:
                response = await route.fetch(
                    url=url,
                    headers=sent,
                    max_redirects=0,
                    timeout=self.guard.timeout_ms,
                    **options,
                )
            except Exception as exc:
                await route.abort(self._error_code(exc))
                return
            location = response.headers.get("location")
            if response.status not in _REDIRECTS or not location:
                break
            target = urljoin(url, location)
            stat = await self.guard.refusal(target)
            if stat or hops >= self.guard.max_redirects:
                await response.dispose()
                if stat:
                    self._refuse(stat, target, pw_request)
                    await route.abort("blockedbyclient")
                else:
                    await route.abort("failed")
                return
            hops += 1
            await response.dispose()
            url = target
            sent = {k: v for k, v in sent.items() if k.lower() not in _NOT_REDIRECTED}
            if response.status == 303 or (
                response.status in (301, 302) and pw_request.method.upper() == "POST"
            ):
                options = {"method": "GET", "post_data": b""}
                sent = {k: v for k, v in sent.items() if k.lower() != "content-type"}
        try:
            document = pw_request.resource_type == "document"
            await self._fulfill(route, response, document, url if hops else None)
        finally:  # the driver keeps a fetched body until it is disposed of
            await response.dispose()

    async def _fulfill(
        self, route: Any, response: Any, document: bool, redirected_to: str | None
    ) -> None:
        """Hands ``response`` to Chromium; a document gets the charset it lacks, and one
        reached through redirects a ``<base href>`` of its final URL (Chromium sees it at
        the URL it asked for, so relative links would resolve against that one)."""
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROPPED_HEADERS}
        body = None
        if document:
            content_type = headers.get("content-type")
            if content_type and not http_content_type_encoding(content_type):
                body = await response.body()
                charset = inferred_charset(content_type, body)
                if charset:
                    mime = content_type.split(";", 1)[0].strip()
                    headers["content-type"] = f"{mime}; charset={charset}"
            if redirected_to and "html" in (content_type or ""):
                body = with_base_href(body or await response.body(), redirected_to)
        if body is None:
            await route.fulfill(response=response, headers=headers)
        else:
            await route.fulfill(status=response.status, headers=headers, body=body)

    @staticmethod
    def _error_code(exc: Exception) -> str:
        message = str(exc)
        for needle, code in _FETCH_ERRORS:
            if needle in message:
                return code
        return "failed"

    async def handle_websocket(self, ws: Any) -> None:
        stat = await self.guard.refusal(ws.url)
        if stat:
            self._refuse(stat, ws.url, None)
            await ws.close(code=1008, reason="refused")
            return
        ws.connect_to_server()
