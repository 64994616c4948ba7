"""What the browser may fetch for a page, and how it reads a page without a usable charset.

Chromium fetches more than the page it is sent to: it follows redirects, and loads what the
page's scripts, frames and styles ask for. :class:`RenderMiddleware` (crawler/fetch/rendering.py)
makes :func:`guard_page` the ``playwright_page_init_callback`` of every page it sends to the
browser, so each request of the page is routed here before scrapy-playwright's own route:

- what ``PLAYWRIGHT_ABORT_REQUEST`` aborts (images, fonts, media) goes on to scrapy-playwright,
  which aborts it; ``data:``, ``blob:`` and ``about:`` URLs never reach the network and pass;
  any other scheme than http(s) is refused;
- an http(s) request whose host is, or resolves to, a private, loopback, link-local, reserved
  or multicast address is refused before any connection, unless the source's
  ``allow_private_network`` allows it (the policy of
  :class:`~crawler.fetch.private_network.PrivateNetworkMiddleware`; a name is resolved once per
  process, crawler/common/netpolicy.py);
- everything else is fetched here, in Python (crawler/fetch/webfetch.py), connected to the
  addresses that were checked, so a name cannot answer the check with a public address and
  the connection with a private one (DNS rebinding); the context's cookies are sent and the
  ones set are kept in the context. Redirects are followed one at a time, because Chromium
  would follow a redirect without routing the next request again: every target is checked,
  a chain longer than ``REDIRECT_MAX_TIMES`` fails, and Chromium gets the final response at
  the URL it asked for (a document reached through redirects with a ``<base href>`` of its
  final URL, so its relative links resolve as they would there);
- a document served without a usable charset (none in Content-Type, or one unknown) and
  without a BOM or ``<meta charset>`` is declared UTF-8 when its bytes are UTF-8, as Scrapy
  reads it, where Chromium would read windows-1252.

WebSockets are checked the same way; Chromium connects them itself, resolving the name again,
so one to a host name is refused (``adwatch/refused_websocket``) unless the source allows that
host (or every private one); one to a public address goes on. Each refusal is listed in
``request.meta["adwatch_browser_refused"]`` as ``(stat, url)``; RenderMiddleware adds them to
``adwatch/blocked_private_network`` (or ``adwatch/refused_scheme``,
``adwatch/refused_websocket``).
"""

from __future__ import annotations

import asyncio
import http.cookies
import inspect
import logging
import re
import socket
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from crawler.common.netpolicy import (
    ADDRESSES,
    is_address,
    is_listed,
    permitted,
    private_network_policy,
)
from crawler.fetch.resolver import PrivateAddressRefused
from crawler.fetch.webfetch import checked_opener
from crawler.settings import DOWNLOAD_MAXSIZE

logger = logging.getLogger(__name__)

GUARD_META = "adwatch_browser_guard"
REFUSED_META = "adwatch_browser_refused"
#: the URL the page itself was refused at (a redirect of it), when it was
PAGE_REFUSED_META = "adwatch_browser_page_refused"
BLOCKED_STAT = "adwatch/blocked_private_network"
SCHEME_STAT = "adwatch/refused_scheme"
WEBSOCKET_STAT = "adwatch/refused_websocket"

_LOCAL_SCHEMES = ("data", "blob", "about")
_REDIRECTS = (301, 302, 303, 307, 308)
# the response is rebuilt by Chromium from a decoded body
_DROPPED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")
_HEAD_BYTES = 4096
_HEAD = re.compile(rb"<head\b[^>]*>", re.I)
_BASE = re.compile(rb"<base\b[^>]*\bhref", re.I)
_ROUTE_SETUP_S = 10
_CHUNK_BYTES = 65_536
# the browser's fetches block a thread each (connect, then read), so they have threads of
# their own: a slow site cannot hold up the crawl's other work on the default executor
_FETCH_THREADS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="adwatch-browser-fetch")
_NOT_SENT = ("accept-encoding", "cookie")
_NOT_REDIRECTED = ("authorization", "content-length")


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
    """A source's private-network policy for one browser context, and the fetches made for it
    (connected to the addresses the policy checked)."""

    def __init__(
        self,
        allow_private_network: bool | list[str],
        abort_request: Callable[[Any], Any] | None = None,
        max_redirects: int = 5,
        timeout_ms: float = 30_000,
        max_bytes: int = DOWNLOAD_MAXSIZE,
    ):
        self.allow_all, self.allowed_hosts = private_network_policy(allow_private_network)
        self.abort_request = abort_request
        self.max_redirects = max_redirects
        self.timeout_ms = timeout_ms
        self.max_bytes = max_bytes
        self.opener = checked_opener(self.allow_all, self.allowed_hosts, follow_redirects=False)

    async def refusal(self, url: str) -> str | None:
        """The stat to count when the browser must not fetch ``url``, or ``None``."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in _LOCAL_SCHEMES:
            return None
        websocket = scheme in ("ws", "wss")
        if websocket:
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
        if websocket and not is_address(host):
            # Chromium connects a WebSocket itself, resolving the name again
            return WEBSOCKET_STAT
        try:
            addresses = ADDRESSES.cached(host) or await asyncio.to_thread(ADDRESSES.addresses, host)
        except (OSError, UnicodeError):
            return None  # its fetch fails with a DNS error (and is checked if it resolves)
        return None if permitted(False, self.allowed_hosts, host, port, addresses) else BLOCKED_STAT

    def fetch(self, url: str, method: str, headers: dict[str, str], body: bytes | None) -> Fetched:
        """One request, redirects not followed, connected to the addresses that were checked
        (crawler/fetch/webfetch.py), within ``timeout_ms`` in all; raises ``OSError``
        (:class:`PrivateAddressRefused` for a refused address, ``TimeoutError``) or
        ``ValueError`` for a body over ``max_bytes``."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            response = self.opener.open(request, timeout=self.timeout_ms / 1000)
        except urllib.error.HTTPError as exc:  # 3xx, 4xx and 5xx are answers here
            response = exc
        except urllib.error.URLError as exc:
            raise exc.reason if isinstance(exc.reason, OSError) else exc from None
        with response:
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(_CHUNK_BYTES):
                size += len(chunk)
                if size > self.max_bytes:
                    raise ValueError(f"larger than {self.max_bytes} bytes: {url}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} took longer than {self.timeout_ms:.0f} ms")
                chunks.append(chunk)
            pairs = list(response.headers.items())
        data = b"".join(chunks)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            # asked for identity; decoded (within the size cap) when a server sends it anyway
            inflate = zlib.decompressobj(47 if "gzip" in encoding else 15)
            data = inflate.decompress(data, self.max_bytes + 1)
            if len(data) > self.max_bytes or inflate.unconsumed_tail:
                raise ValueError(f"larger than {self.max_bytes} bytes once decoded: {url}")
            pairs = [(k, v) for k, v in pairs if k.lower() != "content-encoding"]
        return Fetched(response.status, pairs, data)


@dataclass
class Fetched:
    """A response the guard fetched for the browser."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    def fulfil_headers(self) -> dict[str, str]:
        """One value per name (``Set-Cookie`` lines joined by newlines, as Playwright
        takes them), without those of the encoded body."""
        out: dict[str, str] = {}
        for k, v in self.headers:
            key = k.lower()
            if key in _DROPPED_HEADERS:
                continue
            if key in out:
                out[key] += ("\n" if key == "set-cookie" else ", ") + v
            else:
                out[key] = v
        return out


async def guard_page(page: Any, request: Any) -> None:
    """scrapy-playwright's ``playwright_page_init_callback``: routes the requests of ``page``
    (sent for the Scrapy ``request``) through ``request.meta["adwatch_browser_guard"]``."""
    guard: BrowserGuard = request.meta[GUARD_META]
    routes = PageRoutes(guard, request)
    try:
        # neither may ever be answered for a page whose browser has just died
        await asyncio.wait_for(page.route("**", routes.handle), _ROUTE_SETUP_S)
        await asyncio.wait_for(page.route_web_socket("**", routes.handle_websocket), _ROUTE_SETUP_S)
    except TimeoutError:
        # an unguarded page is not rendered: closed, its download fails and is retried
        with suppress(Exception):
            await asyncio.wait_for(page.close(), _ROUTE_SETUP_S)
        raise RuntimeError(f"the requests of {request.url} could not be routed") from None


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
        # the body is asked for unencoded, and the context's cookies are sent, as Chromium
        # would send them
        sent = {k: v for k, v in headers.items() if k.lower() not in _NOT_SENT}
        method = pw_request.method
        body = pw_request.post_data_buffer
        if navigation and not self.initial_done and url.rstrip("/") == self.request.url.rstrip("/"):
            # the request scrapy-playwright was asked for, as it would send it
            self.initial_done = True
            method = self.request.method
            body = self.request.body or body
            self.request.headers.clear()
            self.request.headers.update(headers)
        context = _context_of(pw_request)
        hops = 0
        while True:
            request_headers = {**sent, "Accept-Encoding": "identity"}
            cookie = await _cookie_header(context, url)
            if cookie:
                request_headers["Cookie"] = cookie
            try:
                response = await asyncio.get_running_loop().run_in_executor(
                    _FETCH_THREADS, self.guard.fetch, url, method, request_headers, body or None
                )
            except PrivateAddressRefused:
                self._refuse(BLOCKED_STAT, url, pw_request)
                await route.abort("blockedbyclient")
                return
            except Exception as exc:
                await route.abort(self._error_code(exc))
                return
            await _keep_cookies(context, url, response)
            location = response.header("location")
            if response.status not in _REDIRECTS or not location:
                break
            target = urljoin(url, location)
            stat = await self.guard.refusal(target)
            if stat or hops >= self.guard.max_redirects:
                if stat:
                    self._refuse(stat, target, pw_request)
                    await route.abort("blockedbyclient")
                else:
                    await route.abort("failed")
                return
            hops += 1
            url = target
            sent = {k: v for k, v in sent.items() if k.lower() not in _NOT_REDIRECTED}
            if response.status == 303 or (
                response.status in (301, 302) and method.upper() == "POST"
            ):
                method, body = "GET", None
                sent = {k: v for k, v in sent.items() if k.lower() != "content-type"}
        document = pw_request.resource_type == "document"
        await self._fulfill(route, response, document, url if hops else None)

    async def _fulfill(
        self, route: Any, response: Fetched, document: bool, redirected_to: str | None
    ) -> None:
        """Hands ``response`` to Chromium; a document gets the charset it lacks, and one
        reached through redirects a ``<base href>`` of its final URL (Chromium sees it at
        the URL it asked for, so relative links would resolve against that one)."""
        headers = response.fulfil_headers()
        body = response.body
        if document:
            content_type = headers.get("content-type")
            if content_type and not http_content_type_encoding(content_type):
                charset = inferred_charset(content_type, body)
                if charset:
                    mime = content_type.split(";", 1)[0].strip()
                    headers["content-type"] = f"{mime}; charset={charset}"
            if redirected_to and "html" in (content_type or ""):
                body = with_base_href(body, redirected_to)
        await route.fulfill(status=response.status, headers=headers, body=body)

    @staticmethod
    def _error_code(exc: Exception) -> str:
        if isinstance(exc, socket.gaierror):
            return "namenotresolved"
        if isinstance(exc, ConnectionRefusedError):
            return "connectionrefused"
        if isinstance(exc, ConnectionResetError):
            return "connectionreset"
        if isinstance(exc, TimeoutError):
            return "timedout"
        return "failed"

    async def handle_websocket(self, ws: Any) -> None:
        stat = await self.guard.refusal(ws.url)
        if stat:
            self._refuse(stat, ws.url, None)
            await ws.close(code=1008, reason="refused")
            return
        ws.connect_to_server()


def _context_of(pw_request: Any) -> Any:
    """The browser context of a page's request (``None`` for a worker's)."""
    try:
        return pw_request.frame.page.context
    except Exception:
        return None


async def _cookie_header(context: Any, url: str) -> str | None:
    """The ``Cookie`` header of the context's cookies for ``url``."""
    if context is None:
        return None
    try:
        cookies = await context.cookies([url])
    except Exception:  # the context was closed
        return None
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies) or None


async def _keep_cookies(context: Any, url: str, response: Fetched) -> None:
    """Adds the cookies ``response`` sets to the context, for the host that set them (or
    a domain it belongs to)."""
    lines = [v for k, v in response.headers if k.lower() == "set-cookie"]
    if context is None or not lines:
        return
    host = (urlsplit(url).hostname or "").lower()
    cookies = []
    for line in lines:
        jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        try:
            jar.load(line)
        except http.cookies.CookieError:
            continue
        for morsel in jar.values():
            domain = morsel["domain"].lower().lstrip(".")
            if domain and host != domain and not host.endswith("." + domain):
                continue  # a cookie for another site
            cookies.append(
                {
                    "name": morsel.key,
                    "value": morsel.value,
                    "domain": f".{domain}" if domain else host,
                    "path": morsel["path"] or "/",
                    "secure": bool(morsel["secure"]),
                    "httpOnly": bool(morsel["httponly"]),
                }
            )
    if cookies:
        with suppress(Exception):  # a cookie Chromium refuses, or the context was closed
            await context.add_cookies(cookies)
