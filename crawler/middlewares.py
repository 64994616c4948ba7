"""Downloader and spider middlewares.

- :class:`PrivateNetworkMiddleware` (downloader, always on): refuses non-http(s) URLs and
  requests whose host is or resolves to a private, loopback, link-local, reserved or
  multicast address, unless the source sets ``allow_private_network: true``
  (``ADWATCH_ALLOW_PRIVATE_NETWORK``), or lists the host (``["127.0.0.1:8765"]``: that host
  and port only). Redirects pass through it again, so a public page redirecting to
  169.254.169.254 is refused too. Stats: ``adwatch/blocked_private_network``,
  ``adwatch/refused_scheme`` (file:, ftp:, data:... links are never fetched).
- :class:`IncrementalMiddleware` (spider, ``ADWATCH_INCREMENTAL``): drops requests for detail
  pages of ads already in the store and records the listing sighting instead (``last_seen``,
  ``seen_count``); also skips ad pages found gone (404/410) or without an ad within
  ``ADWATCH_RECHECK_UNAVAILABLE``. Stats: ``adwatch/detail_skipped_known``,
  ``adwatch/detail_skipped_unavailable``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.config import parse_duration
from crawler.normalize import canonical_url
from crawler.pipelines import utc_now
from crawler.stores import acquire_store, release_store
from spiders.base import AD_META


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def parse_host_port(entry: str) -> tuple[str, int | None]:
    """``"127.0.0.1:8765"`` -> ``("127.0.0.1", 8765)``; ``"db"`` -> ``("db", None)`` (any port)."""
    parsed = urlsplit(f"//{entry.strip()}")
    return (parsed.hostname or "", parsed.port)


def private_network_policy(
    allow: bool | list[str] | tuple[str, ...],
) -> tuple[bool, set[tuple[str, int | None]]]:
    """A source's ``allow_private_network`` -> (everything allowed, the ``(host, port)`` pairs
    allowed)."""
    if isinstance(allow, list | tuple):
        return False, {parse_host_port(entry) for entry in allow}
    return bool(allow), set()


def is_listed(allowed_hosts: set[tuple[str, int | None]], host: str, port: int) -> bool:
    """Whether ``host:port`` is in the allow-list (an entry without a port allows any)."""
    return (host, port) in allowed_hosts or (host, None) in allowed_hosts


async def host_is_public(host: str, port: int | None) -> bool:
    """Whether ``host`` (an address, or a name resolved with the event loop's resolver) is
    public: every address it resolves to must be. An unresolvable name counts as public, its
    download fails on its own with a DNS error."""
    try:
        return is_public_address(host)
    except ValueError:
        pass  # a name, not an address
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port or 80, type=socket.SOCK_STREAM
        )
    except OSError:
        return True
    return all(is_public_address(info[4][0]) for info in infos)


class PrivateNetworkMiddleware:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        allow = crawler.settings.get("ADWATCH_ALLOW_PRIVATE_NETWORK")
        self.allowed_hosts: set[tuple[str, int | None]] = set()
        if isinstance(allow, list | tuple):
            self.allowed_hosts = private_network_policy(allow)[1]
            self.allow = False
        else:
            self.allow = crawler.settings.getbool("ADWATCH_ALLOW_PRIVATE_NETWORK")
        self.cache: dict[str, bool] = {}

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
        if self.allowed_hosts:
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
            if is_listed(self.allowed_hosts, host, port):
                return None
        public = self.cache.get(host)
        if public is None:
            # resolve once per host, off the hot path of every later request
            return deferred_from_coro(self._check_new_host(request, host, parsed.port))
        if not public:
            self._refuse(request, f"{host} is a private, loopback or link-local address")
        return None

    async def _check_new_host(self, request: Request, host: str, port: int | None) -> None:
        public = await host_is_public(host, port)
        self.cache[host] = public
        if not public:
            self._refuse(request, f"{host} is a private, loopback or link-local address")

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
