"""Downloader middleware :class:`PrivateNetworkMiddleware` (always on; crawler/settings.py's
``DOWNLOADER_MIDDLEWARES``).

It refuses non-http(s) URLs and requests whose host is or resolves to a private, loopback,
link-local, reserved or multicast address, unless the source sets
``allow_private_network: true`` (``ADWATCH_ALLOW_PRIVATE_NETWORK``), or lists the host
(``["127.0.0.1:8765"]``: that host and port only; crawler/common/netpolicy.py). Redirects pass
through it again, so a public page redirecting to 169.254.169.254 is refused too. A name is
resolved once (crawler/common/netpolicy.py), and the download connects to the addresses that
were checked (crawler/fetch/resolver.py), so a name answering a public address first and a
private one next (DNS rebinding) reaches nothing private; the address each response came from
is checked again. A name that cannot be resolved fails the request with a DNS error (retried
as such). Stats: ``adwatch/blocked_private_network``, ``adwatch/refused_scheme`` (file:, ftp:,
data:... links are never fetched).
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawler.common.netpolicy import ADDRESSES, is_listed, permitted, private_network_policy
from crawler.fetch.resolver import install_pinned_resolver

__all__ = ["PrivateNetworkMiddleware"]


class PrivateNetworkMiddleware:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        allow = crawler.settings.get("ADWATCH_ALLOW_PRIVATE_NETWORK")
        if not isinstance(allow, list | tuple):
            allow = crawler.settings.getbool("ADWATCH_ALLOW_PRIVATE_NETWORK")
        self.allow, self.allowed_hosts = private_network_policy(allow)

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateNetworkMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> Deferred[None] | None:
        parsed = urlparse_cached(request)
        if parsed.scheme not in ("http", "https"):
            self._refuse(
                request, f"scheme {parsed.scheme!r} is not http(s)", "adwatch/refused_scheme"
            )
        if self.allow:
            return None
        host = parsed.hostname or ""
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if is_listed(self.allowed_hosts, host, port):
            return None
        # the download connects to the addresses checked here (crawler/fetch/resolver.py)
        from twisted.internet import reactor

        install_pinned_resolver(reactor)
        addresses = ADDRESSES.cached(host)
        if addresses is None:
            # resolved once per host, off the hot path of every later request
            return deferred_from_coro(self._check_new_host(request, host, port))
        self._check(request, host, port, addresses)
        return None

    async def _check_new_host(self, request: Request, host: str, port: int) -> None:
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(
                None, ADDRESSES.addresses, host
            )
        except (OSError, UnicodeError) as exc:
            raise DNSLookupError(f"{host}: {exc}") from None
        self._check(request, host, port, addresses)

    def _check(self, request: Request, host: str, port: int, addresses: tuple[str, ...]) -> None:
        if not permitted(False, self.allowed_hosts, host, port, addresses):
            self._refuse(request, f"{host} is a private, loopback or link-local address")

    def process_response(self, request: Request, response: Response) -> Response:
        """The address the response came from is checked too (a second line behind the
        resolver: the connection went to an address checked before the request)."""
        peer = response.ip_address
        if peer is None or self.allow:
            return response
        parsed = urlparse_cached(request)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if not permitted(False, self.allowed_hosts, parsed.hostname or "", port, [str(peer)]):
            self._refuse(request, f"answered from {peer}, a private or loopback address")
        return response

    def _refuse(
        self, request: Request, why: str, stat: str = "adwatch/blocked_private_network"
    ) -> None:
        self.crawler.stats.inc_value(stat)
        raise IgnoreRequest(f"refused {request.url}: {why}")
