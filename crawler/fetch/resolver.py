"""Name resolution that the private-network policy and the connection share.

A host name is resolved once per process (:data:`ADDRESSES`), and that answer is both what the
private-network policy checks and what every connection goes to: a name cannot answer a public
address to the check and a private one to the connection that follows (DNS rebinding).

- :class:`PinnedResolver` is the Twisted name resolver of the crawl (``TWISTED_DNS_RESOLVER``
  in crawler/settings.py; :class:`~crawler.fetch.middlewares.PrivateNetworkMiddleware` installs it
  on the reactor if another one is): Scrapy's downloads connect to the addresses of
  :data:`ADDRESSES`, which the middleware checked before the request went on.
- crawler/fetch/webfetch.py connects its one-off fetches, and the browser's requests
  (crawler/fetch/browser_guard.py), to the addresses of :data:`ADDRESSES` as well.

An answer is kept for the life of the process (as Scrapy's own DNS cache keeps it); a failed
lookup is not kept, and is tried again by the next request.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from twisted.internet.threads import deferToThreadPool
from zope.interface import implementer

#: ``allow_private_network``'s allow-list: ``(host, port)``, port ``None`` for any port
AllowedHosts = set[tuple[str, int | None]]


def is_public_address(address: str) -> bool:
    """Whether an IP address (``"203.0.113.9"``, ``"::1"``, ``"fe80::1%eth0"``) is public:
    not private, loopback, link-local, reserved or multicast (IPv4-mapped IPv6 as IPv4)."""
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
) -> tuple[bool, AllowedHosts]:
    """A source's ``allow_private_network`` -> (everything allowed, the ``(host, port)`` pairs
    allowed)."""
    if isinstance(allow, list | tuple):
        return False, {parse_host_port(entry) for entry in allow}
    return bool(allow), set()


def is_listed(allowed_hosts: AllowedHosts, host: str, port: int) -> bool:
    """Whether ``host:port`` is in the allow-list (an entry without a port allows any)."""
    return (host, port) in allowed_hosts or (host, None) in allowed_hosts


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


class AddressBook:
    """Host name -> its addresses, resolved once (``socket.getaddrinfo``) and kept.

    Thread-safe: the reactor's thread pool, the one-off fetches and the browser's fetch threads
    share it; concurrent first lookups of one name make one query.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hosts: dict[str, tuple[threading.Lock, list[tuple[str, ...]]]] = {}

    def cached(self, host: str) -> tuple[str, ...] | None:
        """The addresses kept for ``host``, or ``None`` when it was not resolved yet."""
        if is_address(host):
            return (host,)
        entry = self._hosts.get(host.lower())
        return entry[1][0] if entry and entry[1] else None

    def addresses(self, host: str) -> tuple[str, ...]:
        """The addresses of ``host`` (itself when it is an address), resolving it the first
        time; raises ``OSError`` (``socket.gaierror``) when it cannot be resolved."""
        if is_address(host):
            return (host,)
        key = host.lower()
        with self._lock:
            entry = self._hosts.setdefault(key, (threading.Lock(), []))
        lock, kept = entry
        with lock:
            if not kept:
                infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
                found = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
                if not found:
                    raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
                kept.append(found)
            return kept[0]


#: the one answer per host name of this process
ADDRESSES = AddressBook()


def permitted(
    allow_all: bool, allowed_hosts: AllowedHosts, host: str, port: int, addresses: Iterable[str]
) -> bool:
    """Whether a connection to ``host:port`` at ``addresses`` is allowed by a source's policy:
    everything allowed, the host listed, or every address public."""
    if allow_all or is_listed(allowed_hosts, host, port):
        return True
    return all(is_public_address(a) for a in addresses)


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
