"""Downloader and spider middlewares.

- :class:`PrivateNetworkMiddleware` (downloader, always on): refuses non-http(s) URLs and
  requests whose host is or resolves to a private, loopback, link-local, reserved or
  multicast address, unless the source sets ``allow_private_network: true``
  (``ADWATCH_ALLOW_PRIVATE_NETWORK``), or lists the host (``["127.0.0.1:8765"]``: that host
  and port only). Redirects pass through it again, so a public page redirecting to
  169.254.169.254 is refused too. A name is resolved once (crawler/fetch/resolver.py), and the
  download connects to the addresses that were checked, so a name answering a public address
  first and a private one next (DNS rebinding) reaches nothing private; the address each
  response came from is checked again. A name that cannot be resolved fails the request with
  a DNS error (retried as such). Stats: ``adwatch/blocked_private_network``,
  ``adwatch/refused_scheme`` (file:, ftp:, data:... links are never fetched).
- :class:`IncrementalMiddleware` (spider, ``ADWATCH_INCREMENTAL``): drops requests for detail
  pages of ads already in the store and records the listing sighting instead (``last_seen``,
  ``seen_count``); also skips ad pages found gone (404/410) or without an ad within
  ``ADWATCH_RECHECK_UNAVAILABLE``. Stats: ``adwatch/detail_skipped_known``,
  ``adwatch/detail_skipped_unavailable``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawler.config import parse_duration
from crawler.extract.normalize import canonical_url
from crawler.extract.pipeline import utc_now
from crawler.fetch.resolver import (
    ADDRESSES,
    install_pinned_resolver,
    is_listed,
    parse_host_port,
    permitted,
    private_network_policy,
)
from crawler.stores import acquire_store, release_store
from spiders.base import AD_META

# parse_host_port: the allow-list's parser, also imported from here
__all__ = ["IncrementalMiddleware", "PrivateNetworkMiddleware", "parse_host_port"]


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


class IncrementalMiddleware:
    def __init__(self, crawler: Any):
        if not crawler.settings.getbool("ADWATCH_INCREMENTAL"):
            raise NotConfigured
        self.crawler = crawler
        self.recheck = parse_duration(crawler.settings.get("ADWATCH_RECHECK_UNAVAILABLE"))
        self.store = acquire_store(crawler.settings.get("ADWATCH_DATA_DIR"))
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalMiddleware:
        return cls(crawler)

    def spider_closed(self) -> None:
        release_store(self.store)

    def response_received(self, response: Any, request: Request) -> None:
        if request.meta.get(AD_META) and response.status in (404, 410):
            self.store.mark_unavailable(
                canonical_url(request.url), f"http_{response.status}", utc_now()
            )

    def _filter(self, outputs: list[Any]) -> list[Any]:
        ad_requests = {}
        for obj in outputs:
            if isinstance(obj, Request) and obj.meta.get(AD_META):
                ad_requests[id(obj)] = canonical_url(obj.url)
        if not ad_requests:
            return outputs
        urls = list(set(ad_requests.values()))
        known = self.store.known(urls)
        if known:
            self.store.touch(sorted(known), utc_now())
        since = (datetime.now(UTC) - self.recheck).isoformat(timespec="seconds")
        gone = self.store.unavailable_since([u for u in urls if u not in known], since)
        if not known and not gone:
            return outputs
        stats = self.crawler.stats
        kept = []
        for obj in outputs:
            url = ad_requests.get(id(obj))
            if url in known:
                stats.inc_value("adwatch/detail_skipped_known")
            elif url in gone:
                stats.inc_value("adwatch/detail_skipped_unavailable")
            else:
                kept.append(obj)
        return kept

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterator[Any]:
        yield from self._filter(list(result))

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        outputs = [obj async for obj in result]
        for obj in self._filter(outputs):
            yield obj
