"""URL shapes: the registrable site of a host, and addresses folded to the shape a
list of ads shares (ids and slugs folded; an id or a long slug names one thing).

Pure functions, cached: a page's hundreds of links share a few hosts and segments.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@lru_cache(maxsize=1)
def _extractor() -> Any:
    try:
        import tldextract
    except ImportError:  # pragma: no cover - Scrapy depends on it
        return None
    # offline: the public suffix list shipped with tldextract, nothing fetched or cached
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable domain of a host (``sp.olx.com.br`` -> ``olx.com.br``)."""
    host = (host or "").lower().split(":")[0].strip(".")
    if not host:
        return ""
    ex = _extractor()
    if ex is not None:
        parts = ex(host)
        domain = getattr(parts, "top_domain_under_public_suffix", None)
        if domain is None:
            domain = getattr(parts, "registered_domain", "")
        if domain:
            return domain
    if host.startswith("www."):
        host = host[4:]
    return host


_EXT = re.compile(r"^(.*?)\.([a-z0-9]{1,5})$", re.I)
_LONG_DIGITS = re.compile(r"\d{5,}")
_TOKEN = re.compile(r"[A-Za-z0-9_=+]{10,}")
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
_TRACKING_KEYS = re.compile(r"^(utm_|itl_|gclid|fbclid|ref$|source$|origin$|from$)", re.I)


def split_url(url: str) -> Any:
    """``urlsplit`` that takes a malformed address for an empty one."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


@lru_cache(maxsize=8192)
def _is_token(s: str) -> bool:
    """An opaque id: a UUID, a long number, or a long token mixing letters and digits."""
    if _UUID.search(s) or _LONG_DIGITS.search(s):
        return True
    for tok in _TOKEN.findall(s):
        digits = sum(c.isdigit() for c in tok)
        if 2 <= digits < len(tok):
            return True
    return False


@lru_cache(maxsize=8192)
def _seg_class(seg: str) -> str:
    """One path segment folded: ``#`` number, ``*`` carries an id, ``~`` a slug, else the word."""
    m = _EXT.match(seg)
    stem, ext = (m.group(1), "." + m.group(2).lower()) if m else (seg, "")
    if stem.isdigit():
        return ("#" if len(stem) >= 4 else "n") + ext
    if _is_token(stem) or re.search(r"(^|[-_])\d{4,}($|[-_.])", stem):
        return "*" + ext
    if len(re.split(r"[-_+]", stem)) >= 3:
        return "~" + ext
    if re.search(r"\d", stem):
        return "*" + ext
    return stem.lower() + ext


def page_shape(path: str) -> str:
    """``/classifieds/ad/car-480934.html`` -> ``/classifieds/ad/*.html``: ids and slugs folded."""
    segs = [s for s in path.split("/") if s]
    if not segs:
        return "/"
    return "/" + "/".join(re.sub(r"^[#n]", "*", _seg_class(s)) for s in segs)


# query keys that name one thing by a number, however short (``ver.php?id=12``, ``?jk=...``)
_ID_KEYS = re.compile(
    r"^(id|\w*_id|\w*Id|ad|aid|item|job|jk|listing|offer|oferta|aviso|anuncio|codigo|cod|"
    r"post|pid|vid|adid|ref_id)$",
    re.I,
)


@lru_cache(maxsize=4096)
def _query_ids(query: str) -> tuple[str, ...]:
    """The query keys whose values name one thing: an opaque token, or a number under a key
    that says id."""
    return tuple(
        sorted(
            k
            for k, v in parse_qsl(query)
            if not _TRACKING_KEYS.match(k) and (_is_token(v) or (v.isdigit() and _ID_KEYS.match(k)))
        )
    )


def loose_shape(parts: Any) -> tuple:
    """The shape links of one list share: depth, the last segment's kind, id-carrying keys."""
    segs = [s for s in parts.path.split("/") if s]
    last = _seg_class(segs[-1]) if segs else "/"
    # an id or a slug in the last segment names the ad whatever the category path before it
    if last[:1] in ("#", "*", "~"):
        return (-1, "*" + last[1:], _query_ids(parts.query))
    return (len(segs), last, _query_ids(parts.query))


def is_id_like(parts: Any) -> bool:
    """Whether a URL names one thing: an id in its path or query, or a long slug."""
    segs = [s for s in parts.path.split("/") if s]
    for seg in segs:
        stem = _EXT.sub(r"\1", seg)
        if stem.isdigit() and len(stem) >= 4:
            return True
        if _is_token(stem) or re.search(r"(^|[-_])\d{4,}($|[-_.])", stem):
            return True
    if segs and len(re.split(r"[-_+]", _EXT.sub(r"\1", segs[-1]))) >= 4:
        return True
    return bool(_query_ids(parts.query))
