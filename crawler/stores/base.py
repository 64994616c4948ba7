"""The store interface every backend implements (embedded SQLite, Elasticsearch).

Stores hold ads, per-source run state and run summaries. ``upsert_ads`` is idempotent: the
same ad written twice is one ad whose ``last_seen`` and ``seen_count`` moved on.

Every store also carries the crawler host's own state, kept in the data directory's SQLite
file whichever store holds the ads, as one typed object per kind: ``alerts`` (the alert
ledger and the outbox), ``photos`` (photos, clusters, repost sightings), ``health`` (source
health) and ``evidence`` (where each ad's evidence is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from crawler.items import Ad

if TYPE_CHECKING:
    from crawler.stores.alert_state import AlertState
    from crawler.stores.evidence_state import EvidenceState
    from crawler.stores.health_state import HealthState
    from crawler.stores.photo_state import PhotoState

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
#: the store could not take the ad now; it waits in the spool for the next run
SPOOLED = "spooled"


@dataclass
class SearchQuery:
    text: str | None = None
    phones: list[str] = field(default_factory=list)
    phone_digits: str | None = None
    source: str | None = None
    since: datetime | None = None
    limit: int = 50


@dataclass
class SearchHit:
    ad: Ad
    first_seen: str
    last_seen: str
    seen_count: int
    score: float = 0.0
    snippet: str = ""


class Store(Protocol):
    """What the crawl, the CLI and the alert pass use of a store (SQLite or Elasticsearch)."""

    #: "sqlite" or "elasticsearch" (the batch size of writes depends on it)
    backend: str
    alerts: AlertState
    photos: PhotoState
    health: HealthState
    evidence: EvidenceState

    def upsert_ads(self, ads: list[Ad], seen_at: str) -> list[str]:
        """Write ads; return one of NEW / UPDATED / UNCHANGED / SPOOLED per ad."""
        ...

    def touch(self, canonical_urls: list[str], seen_at: str) -> int:
        """Mark already-stored ads as seen again (listing sighting); return how many."""
        ...

    def known(self, canonical_urls: list[str]) -> set[str]:
        """The subset of canonical URLs already stored."""
        ...

    def mark_unavailable(self, canonical_url: str, reason: str, at: str) -> None: ...

    def unavailable_since(self, canonical_urls: list[str], since: str) -> set[str]: ...

    def search(self, query: SearchQuery) -> list[SearchHit]: ...

    def count_ads(self, source: str | None = None) -> int: ...

    def source_state(self, source: str) -> dict[str, Any]: ...

    def save_source_state(self, source: str, state: dict[str, Any]) -> None: ...

    def record_run(self, summary: dict[str, Any]) -> None: ...

    def runs(self, limit: int = 20) -> list[dict[str, Any]]: ...

    def all_ads(self, source: str | None = None) -> list[dict[str, Any]]: ...

    def get_ad(self, ad_id: str) -> Ad | None: ...

    def prepare_run(self) -> dict[str, int]:
        """Before a run crawls: replay what an earlier run spooled; ``{"replayed": n}``."""
        ...

    def spool_pending(self) -> int:
        """Writes waiting in the spool for the store."""
        ...

    def prune(self, before: str) -> tuple[int, set[str]]:
        """Delete ads last seen before ``before`` (ISO time); return how many, and the image
        URLs that no remaining ad uses."""
        ...

    def doctor_checks(self) -> list[tuple[str, bool, str]]:
        """``adwatch doctor``'s ``(name, ok, detail)`` lines about the store itself."""
        ...

    def flush(self) -> None: ...

    def close(self) -> None: ...
