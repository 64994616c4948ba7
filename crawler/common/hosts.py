"""Host names and ``host:port`` text: whether they are valid, for the sources file's URLs and
allow-lists and the service URLs of the settings (crawler/common/values.py)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def valid_host(host: str) -> bool:
    """A DNS name (IDNA allowed) or an IP address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.removesuffix(".").split(".")
    return len(ascii_host) <= 253 and all(_LABEL.match(label) for label in labels)


def split_host(text: str) -> tuple[str | None, int | None]:
    """``host``, ``host:port`` or ``[v6]:port`` -> (host, port); (None, None) if malformed."""
    if not text or any(c.isspace() or not c.isprintable() for c in text):
        return None, None
    try:
        parts = urlsplit(f"//{text}")
        port = parts.port
    except ValueError:
        return None, None
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc or text.endswith(":"):
        return None, None
    host = parts.hostname
    if not host or not valid_host(host) or port == 0:
        return None, None
    return host, port


__all__ = ["split_host", "valid_host"]
