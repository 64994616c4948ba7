"""The typed Ad record: one definition for every ad that crosses a boundary.

Spiders yield raw fields; the normalize pipeline turns them into an :class:`Ad`;
stores persist it. ``RawAd`` is what extraction gets from a page before cleanup.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class RawAd:
    """What extraction found on one page, before normalization (strings as on the page)."""

    url: str
    source: str
    kind: str = "classified"
    title: str | None = None
    body: str | None = None
    price: str | None = None
    location: str | None = None
    posted: str | None = None
    contact: str | None = None
    employer: str | None = None
    image_urls: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    canonical: str | None = None
    language: str | None = None
    structured: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # the feed response the entry came from, kept as evidence (crawler/evidence/capture.py)
    capture: Capture | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class WarcRecords:
    """The WARC records of one capture, made ready to append (crawler/evidence/warc.py): the
    gzipped response and request records, the response's ``WARC-Record-ID`` and the
    SHA-256 of the body (hex)."""

    data: bytes
    record_id: str
    body_sha256: str
    body_bytes: int

    def __repr__(self) -> str:
        return f"<WarcRecords {self.record_id} ({len(self.data)} bytes)>"


@dataclass(repr=False)
class Capture:
    """An HTTP exchange as the crawler received it, kept as evidence (crawler/evidence/capture.py):
    the request line and headers, the status, the response headers and body (decoded, as
    Scrapy hands it over), when it arrived, and, for a page the browser rendered, a
    full-page screenshot (PNG). ``records``: its WARC records, when an extraction worker
    made them already."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    captured_at: str
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    protocol: str = "HTTP/1.1"
    rendered: bool = False
    screenshot: bytes | None = None
    records: WarcRecords | None = None

    def __repr__(self) -> str:
        return f"<Capture {self.status} {self.url} ({len(self.body)} bytes)>"


@dataclass(repr=False)
class Page:
    """A fetched detail page, handed from the spider to the extraction pipeline."""

    url: str
    source: str
    body: bytes
    encoding: str
    capture: Capture | None = None

    def __repr__(self) -> str:  # logs show the page, not its bytes
        return f"<Page {self.url} ({len(self.body)} bytes)>"


@dataclass
class Ad:
    """A normalized ad. ``id`` is stable: derived from the canonical URL."""

    id: str
    source: str
    kind: str
    url: str
    canonical_url: str
    title: str
    body: str
    price: float | None = None
    currency: str | None = None
    price_period: str | None = None
    location: str | None = None
    country: str | None = None
    language: str | None = None
    posted_at: str | None = None
    employer: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    whatsapp: list[str] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)
    content_hash: str = ""
    fetched_at: str = ""
    # rules that fired (alerts.matcher): [{rule, severity, score, terms: [{term, field,
    # start, end, text}]}], and the ad's risk score from them (0..100)
    matched_rules: list[dict[str, Any]] = field(default_factory=list)
    risk_score: float = 0.0
    # photos (crawler/photos/pipeline.py, crawler/photos/reposts.py; docs/IMAGES.md): one record
    # per photo kept, in page order: {url, path, sha256, phash, phash_mirror, dhash (16 hex digits),
    # width, height, format, bytes, cluster}; a cluster is a photo and its near-duplicates
    images: list[dict[str, Any]] = field(default_factory=list)
    image_clusters: list[int] = field(default_factory=list)
    # phone numbers on other ads and sightings that show one of this ad's photos
    shared_image_phones: list[str] = field(default_factory=list)
    # set on a repost: the id of the stored ad it copies (the repost is kept as a sighting)
    repost_of: str | None = None
    # the repost cluster (the id of the ad first stored) and how many pages it holds
    cluster_id: str | None = None
    cluster_size: int | None = None
    # the other pages this ad was seen on: [{url, source, phones, first_seen, last_seen,
    # seen_count}]
    repost_count: int = 0
    sightings: list[dict[str, Any]] = field(default_factory=list)
    # fields a source's selectors missed on the page, filled by automatic extraction
    # (counted as adwatch/fallback/<field>); never stored
    fallbacks: list[str] = field(
        default_factory=list, repr=False, compare=False, metadata={"transient": True}
    )
    # the response the ad was read from, on its way to the evidence WARC; never stored
    capture: Capture | None = field(
        default=None, repr=False, compare=False, metadata={"transient": True}
    )

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _STORED_AD_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ad:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


_STORED_AD_FIELDS = tuple(f.name for f in fields(Ad) if not f.metadata.get("transient"))
