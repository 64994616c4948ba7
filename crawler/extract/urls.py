"""URLs of an ad: one canonical spelling per page, the ad id made from it, and the
page's own canonical link and image addresses resolved against it."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from crawler.extract.text import as_list, as_text

_TRACKING_PARAMS = frozenset(
    "fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id igshid igsh "
    "mc_cid mc_eid _ga _gl _hsenc _hsmi mkt_tok ref ref_src ref_url referrer srsltid spm scm "
    "trk trkinfo s_cid cmpid".split()
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def canonical_url(url: str) -> str:
    """One spelling per page: w3lib's canonical form without fragment or tracking.

    Drops ``utm_*``, ``fbclid``, ``gclid``, ``ref`` and similar parameters and
    the default port, and lower-cases the host. Unparseable input comes back
    stripped; None gives "".
    """
    url = as_text(url).strip()
    if not url:
        return ""
    try:
        canon = canonicalize_url(url, keep_fragments=False)
        parts = urlsplit(canon)
    except ValueError:
        return url
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _is_tracking(pair.split("=", 1)[0])
    )
    userinfo, at, hostport = parts.netloc.rpartition("@")
    hostport = hostport.lower()
    default_port = _DEFAULT_PORTS.get(parts.scheme.lower())
    if default_port and hostport.endswith(":" + default_port):
        hostport = hostport[: -len(default_port) - 1]
    netloc = userinfo + at + hostport
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, query, ""))


def _is_tracking(name: str) -> bool:
    name = unquote(name).lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


def ad_id(canonical_url: str) -> str:
    """Stable ad id: the first 20 hex digits of the SHA-1 of the canonical URL."""
    return hashlib.sha1(as_text(canonical_url).encode("utf-8", "replace")).hexdigest()[:20]


def url_host(url: str) -> str:
    """The host of ``url`` without "www."; "" when it has none or cannot be read."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def pick_canonical(url: str, declared: Any) -> str:
    """The canonical URL of the page at ``url``: the one it declares when that is on its
    own host, else its own."""
    declared = as_text(declared).strip()
    if declared and url:
        declared = urljoin(url, declared)
        # A page may only speak for itself: a canonical on another host is ignored.
        if url_host(declared) and url_host(declared) == url_host(url):
            return canonical_url(declared)
    return canonical_url(url)


def image_urls(values: Any, base: str) -> list[str]:
    """The http(s) image addresses among ``values``, made absolute against ``base``, unique."""
    urls: list[str] = []
    for value in as_list(values):
        if not isinstance(value, str) or not value.strip():
            continue
        absolute = urljoin(base, value.strip()) if base else value.strip()
        if urlsplit(absolute).scheme in ("http", "https") and absolute not in urls:
            urls.append(absolute)
    return urls
