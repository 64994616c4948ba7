"""The private-network policy: which addresses are public, which hosts a source allows, and the
one answer per host name that the policy checks and every connection goes to.

- :func:`is_public_address`: not private, loopback, link-local, reserved or multicast.
- :func:`host_is_public`: every address a URL's host resolves to is public (the one-off
  fetches, ``adwatch sources add``, digest thumbnails).
- :func:`private_network_policy`, :func:`parse_host_port`, :func:`is_listed`,
  :func:`permitted`: a source's ``allow_private_network`` (``true``, or a list of
  ``host[:port]``) and whether a connection to ``host:port`` at some addresses is allowed.
- :data:`ADDRESSES`: a host name is resolved once per process and kept, so a name cannot
  answer a public address to the check and a private one to the connection that follows
  (DNS rebinding; crawler/fetch/resolver.py connects Scrapy's downloads, crawler/fetch/webfetch.py
  the one-off fetches, to these addresses).

Standard library only: no settings, no Scrapy, no Twisted.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = [
    "ADDRESSES",
    "AddressBook",
    "AllowedHosts",
    "all_public",
    "host_is_public",
    "is_address",
    "is_listed",
    "is_public_address",
    "parse_host_port",
    "permitted",
    "private_network_policy",
]

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
    """Whether ``host`` is an IP address (a zone index, ``%eth0``, allowed) rather than a name."""
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
    return all_public(addresses)


def all_public(addresses: Iterable[str]) -> bool:
    """Whether every one of ``addresses`` is public (:func:`is_public_address`)."""
    return all(is_public_address(a) for a in addresses)


def host_is_public(url: str) -> bool:
    """True when every address the URL's host resolves to (:data:`ADDRESSES`) is public;
    False too when it cannot be resolved."""
    try:
        addresses = ADDRESSES.addresses(urlsplit(url).hostname or "")
    except (OSError, UnicodeError):
        return False
    return all_public(addresses)
