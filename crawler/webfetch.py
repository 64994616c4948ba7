"""One-off polite HTTP GETs outside the crawl (``adwatch extract``, ``search --image``,
digest thumbnails): our User-Agent, a timeout, a size cap, and no private, loopback or
link-local hosts unless allowed, checked before the request and again on every redirect."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from crawler.middlewares import is_public_address
from crawler.settings import DOWNLOAD_TIMEOUT, USER_AGENT


def host_is_public(url: str) -> bool:
    """True when every address the URL's host resolves to is public."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(is_public_address(info[4][0]) for info in infos)


class PublicOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        if not host_is_public(newurl):
            raise urllib.error.URLError(f"redirect to a private address refused: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def open_url(
    url: str, allow_private: bool, accept: str = "*/*", timeout: float = DOWNLOAD_TIMEOUT
) -> Any:
    """Open ``url`` (http or https only); raise ValueError for a refused host."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"only http(s) URLs: {url}")
    if not allow_private and not host_is_public(url):
        raise ValueError(
            f"{urlsplit(url).hostname} is a private or loopback address "
            "(use --allow-private-network)"
        )
    handlers = [] if allow_private else [PublicOnlyRedirects()]
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
    return urllib.request.build_opener(*handlers).open(request, timeout=timeout)


def fetch_bytes(url: str, allow_private: bool, max_bytes: int) -> tuple[bytes, str, str | None]:
    """The body (at most ``max_bytes``), the final URL and the declared charset."""
    with open_url(url, allow_private) as resp:
        body = resp.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise ValueError(f"larger than {max_bytes} bytes: {url}")
        return body, resp.geturl(), resp.headers.get_content_charset()
