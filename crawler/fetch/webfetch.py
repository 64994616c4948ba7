"""One-off polite HTTP GETs outside the crawl (``adwatch extract``, ``search --image``,
``rules test URL``, digest thumbnails), and the browser's requests (crawler/fetch/browser_guard.py):
our User-Agent, a timeout, a size cap, and no private, loopback or link-local hosts unless
allowed, checked before the request and again on every redirect.

A connection goes to the addresses that were checked (crawler/common/netpolicy.py resolves a name
once and keeps the answer; crawler/fetch/resolver.py connects to it), and HTTPS still verifies
the certificate of the name. Proxies from the environment are not used: a proxy would resolve
the name itself.
"""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from crawler.common.netpolicy import AllowedHosts, host_is_public
from crawler.fetch.resolver import PrivateAddressRefused, connect_checked


def crawl_setting(name: str) -> Any:
    """A Scrapy setting of the crawl as this process's settings object has it: given on the
    command line (``-s USER_AGENT=...``), else its default in crawler/settings.py. Read at the
    first fetch: importing this module does not load the Scrapy settings."""
    from crawler import settings
    from crawler.common.options import current_options
    from crawler.common.values import parse_flag

    default = getattr(settings, name)
    given = current_options().scrapy_overrides.get(name)
    if given is None or not isinstance(given, str) or isinstance(default, str):
        return default if given is None else given
    if isinstance(default, bool):
        return parse_flag(given)
    return type(default)(given) if isinstance(default, int | float) else given


def _crawl_defaults() -> tuple[str, float]:
    """adwatch's User-Agent and download timeout, as the crawl has them."""
    return str(crawl_setting("USER_AGENT")), float(crawl_setting("DOWNLOAD_TIMEOUT"))


class _Policy:
    """Which private hosts a connection may reach: all (``allow_all``) or those listed."""

    allow_all = False
    allowed_hosts: AllowedHosts = set()

    def _create_checked_connection(
        self, address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        return connect_checked(
            address[0], address[1], self.allow_all, self.allowed_hosts, timeout, source_address
        )


class CheckedHTTPConnection(_Policy, http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._create_connection = self._create_checked_connection


class CheckedHTTPSConnection(_Policy, http.client.HTTPSConnection):
    # connects like CheckedHTTPConnection, then TLS with the name (SNI, certificate check)
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._create_connection = self._create_checked_connection


def _connection_classes(
    allow_all: bool, allowed_hosts: AllowedHosts
) -> tuple[type[CheckedHTTPConnection], type[CheckedHTTPSConnection]]:
    policy = {"allow_all": allow_all, "allowed_hosts": allowed_hosts}
    return (
        type("HTTPConnection", (CheckedHTTPConnection,), policy),
        type("HTTPSConnection", (CheckedHTTPSConnection,), policy),
    )


class CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_all: bool, allowed_hosts: AllowedHosts):
        super().__init__()
        self.connection = _connection_classes(allow_all, allowed_hosts)[0]

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req)


class CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_all: bool, allowed_hosts: AllowedHosts):
        super().__init__()
        self.connection = _connection_classes(allow_all, allowed_hosts)[1]

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req, context=self._context)  # type: ignore[attr-defined]


class PublicOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        if not host_is_public(newurl):
            raise urllib.error.URLError(f"redirect to a private address refused: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None  # the 3xx response is the answer


def checked_opener(
    allow_all: bool, allowed_hosts: AllowedHosts | None = None, follow_redirects: bool = True
) -> urllib.request.OpenerDirector:
    """An opener whose connections go only where the policy allows, at the checked
    addresses, without the environment's proxies."""
    redirects = NoRedirects() if not follow_redirects else None
    if redirects is None and not allow_all:
        redirects = PublicOnlyRedirects()
    handlers: list[Any] = [
        urllib.request.ProxyHandler({}),
        CheckedHTTPHandler(allow_all, set(allowed_hosts or ())),
        CheckedHTTPSHandler(allow_all, set(allowed_hosts or ())),
    ]
    if redirects is not None:
        handlers.append(redirects)
    return urllib.request.build_opener(*handlers)


def open_url(
    url: str, allow_private: bool, accept: str = "*/*", timeout: float | None = None
) -> Any:
    """Open ``url`` (http or https only; within ``timeout`` seconds, by default the crawl's
    ``DOWNLOAD_TIMEOUT``); raise ValueError for a refused host."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"only http(s) URLs: {url}")
    refused = ValueError(
        f"{urlsplit(url).hostname} is a private or loopback address (use --allow-private-network)"
    )
    if not allow_private and not host_is_public(url):
        raise refused
    user_agent, default_timeout = _crawl_defaults()
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": accept})
    timeout = default_timeout if timeout is None else timeout
    try:
        return checked_opener(allow_private).open(request, timeout=timeout)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, PrivateAddressRefused):
            raise refused from None
        raise


def fetch_bytes(url: str, allow_private: bool, max_bytes: int) -> tuple[bytes, str, str | None]:
    """The body (at most ``max_bytes``), the final URL and the declared charset."""
    with open_url(url, allow_private) as resp:
        body = resp.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise ValueError(f"larger than {max_bytes} bytes: {url}")
        return body, resp.geturl(), resp.headers.get_content_charset()
