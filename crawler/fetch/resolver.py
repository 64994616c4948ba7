"""Connections at the addresses the private-network policy checked.

A host name is resolved once per process (:data:`~crawler.common.netpolicy.ADDRESSES`), and
that answer is both what the private-network policy checks and what every connection goes to:
a name cannot answer a public address to the check and a private one to the connection that
follows (DNS rebinding).

- :class:`PinnedResolver` is the Twisted name resolver of the crawl (``TWISTED_DNS_RESOLVER``
  in crawler/settings.py; crawler/fetch/private_network.py's middleware installs it on the
  reactor if another one is): Scrapy's downloads connect to the addresses of ``ADDRESSES``,
  which the middleware checked before the request went on.
- :func:`connect_checked` connects crawler/fetch/webfetch.py's one-off fetches, and the
  browser's requests (crawler/fetch/browser_guard.py), to those addresses as well.

An answer is kept for the life of the process (as Scrapy's own DNS cache keeps it); a failed
lookup is not kept, and is tried again by the next request.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from twisted.internet.threads import deferToThreadPool
from zope.interface import implementer

from crawler.common.netpolicy import ADDRESSES, AllowedHosts, permitted


class PrivateAddressRefused(OSError):
    """A connection to a private, loopback or link-local address that the policy refuses."""


def connect_checked(
    host: str,
    port: int,
    allow_all: bool,
    allowed_hosts: AllowedHosts,
    timeout: Any,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """A TCP connection to ``host:port`` at the addresses :data:`ADDRESSES` keeps for it,
    when the policy allows them (else :class:`PrivateAddressRefused`); ``timeout`` as
    ``socket.create_connection`` takes it."""
    addresses = ADDRESSES.addresses(host)
    if not permitted(allow_all, allowed_hosts, host, port, addresses):
        raise PrivateAddressRefused(f"{host} is a private, loopback or link-local address")
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout, source_address)
        except OSError as exc:
            error = exc
    assert error is not None
    raise error


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str):
        self.name = name

    def cancel(self) -> None:
        pass  # the lookup finishes in its thread and is kept


@implementer(IHostnameResolver)
class PinnedResolver:
    """The reactor's name resolver: the addresses of :data:`ADDRESSES`, so a download connects
    to the answer the private-network check saw."""

    def __init__(self, reactor: Any):
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PinnedResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(
        self,
        resolutionReceiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)

        def answer(addresses: tuple[str, ...]) -> None:
            for address in addresses:
                kind = IPv6Address if ":" in address else IPv4Address
                if addressTypes is None or kind in addressTypes:
                    resolutionReceiver.addressResolved(kind("TCP", address, portNumber))
            resolutionReceiver.resolutionComplete()

        kept = ADDRESSES.cached(hostName)
        if kept is not None:
            answer(kept)
        else:
            d = deferToThreadPool(
                self.reactor, self.reactor.getThreadPool(), ADDRESSES.addresses, hostName
            )
            # a failed lookup: no address, the download fails with a DNS error
            d.addCallbacks(answer, lambda _: resolutionReceiver.resolutionComplete())
        return resolution


def install_pinned_resolver(reactor: Any) -> None:
    """Makes :class:`PinnedResolver` the reactor's name resolver, unless it is already."""
    if not isinstance(reactor.nameResolver, PinnedResolver):
        PinnedResolver(reactor).install_on_reactor()
