"""Source health: from one run of a source, and its earlier runs, which problems to flag.

Pure functions over plain numbers; the health pass (crawler/health/healthpass.py) reads the stats,
keeps the history in the local SQLite file and tells the operator.

A run of a source is summarised as a :class:`SourceRun` (pages, ads, errors, and the
counters the flags look at). :func:`assess` compares it with the source's earlier healthy
runs and returns its :class:`Flag` list:

``failing``
    not one page could be fetched (and the cause was not a block);
``blocked``
    most pages were answered by a bot wall (``adwatch/blocked/*`` stats), a 403 or a 429,
    or the source failed and such answers were among the reasons;
``selectors_failing``
    detail pages (or feed entries) were fetched but most held no ad, or every listing page
    was fetched without one ad link (skipped when the source is blocked: a bot wall holds
    no ad either);
``zero_yield``
    the source yielded ads before (the median over its last healthy runs) and none now.

A flag is raised on its first run and recovers on the first run of the source without it
(:func:`transitions`).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "BLOCKED",
    "FAILING",
    "FLAGS",
    "SELECTORS_FAILING",
    "ZERO_YIELD",
    "Flag",
    "HealthSettings",
    "HealthNotice",
    "SourceRun",
    "assess",
    "format_health",
    "transitions",
]

FAILING, BLOCKED, SELECTORS_FAILING, ZERO_YIELD = (
    "failing",
    "blocked",
    "selectors_failing",
    "zero_yield",
)
FLAGS = (FAILING, BLOCKED, SELECTORS_FAILING, ZERO_YIELD)

BLOCKED_PREFIX = "adwatch/blocked/"
_BLOCKING_STATUSES = (403, 429)
_FINISHED = ("finished", "closespider_pagecount")


@dataclass(frozen=True)
class HealthSettings:
    """Thresholds (crawler/settings.py, ``ADWATCH_HEALTH_*``)."""

    history_runs: int = 5
    min_median: float = 1.0
    min_pages: int = 3
    no_ad_share: float = 0.5
    blocked_share: float = 0.5


@dataclass(frozen=True)
class SourceRun:
    """What one run of one source did, as the flags see it."""

    source: str
    pages: int = 0  # responses to the spider (no robots.txt, no photos)
    answered: int = 0  # pages, and the answers dropped or retried as blocks before the spider
    ads: int = 0  # new + updated + unchanged + spooled + known (detail page skipped)
    errors: int = 0
    failed: bool = False  # not one page fetched, or the crawl did not finish
    reason: str = "finished"  # why the crawl ended (Scrapy's finish reason)
    listing_pages: int = 0
    listing_pages_empty: int = 0
    extracted_pages: int = 0  # detail pages and feed entries handed to extraction
    no_ad: int = 0  # of those, without an ad (or whose extraction failed)
    # of those with an ad, pages where a configured selector found nothing and automatic
    # extraction filled the field (crawler/extract/ads.py)
    fallback_pages: int = 0
    skipped_no_ad: int = 0  # ad links not followed: their page held no ad on an earlier run
    blocked: dict[str, int] = field(default_factory=dict)  # captcha, http_403, ... -> pages
    error_labels: dict[str, int] = field(default_factory=dict)

    @property
    def blocked_pages(self) -> int:
        return sum(self.blocked.values())

    @classmethod
    def from_stats(cls, summary: Mapping[str, Any], stats: Mapping[str, Any]) -> SourceRun:
        """From a source's run summary (crawler/run/summary.py) and its Scrapy stats."""

        def stat(key: str) -> int:
            return int(stats.get(key) or 0)

        # a bot wall (crawler/fetch/botwalls.py) is dropped before the spider sees it, a refusal
        # retried (429) is answered again: neither is among the pages, both were blocked;
        # a 403 or 429 that reached the spider (no wall detector) is among the pages
        blocked = {
            key[len(BLOCKED_PREFIX) :]: int(value)
            for key, value in stats.items()
            if key.startswith(BLOCKED_PREFIX) and value
        }
        unseen = sum(blocked.values())
        for status in _BLOCKING_STATUSES:
            retried = sum(
                int(v or 0)
                for k, v in stats.items()
                if k.startswith(f"retry/reason_count/{status} ")
            )
            reached = stat(f"httperror/response_ignored_status_count/{status}")
            unseen += retried
            label = f"http_{status}"
            if retried + reached:
                blocked[label] = blocked.get(label, 0) + retried + reached
        ads = sum(
            int(summary.get(k) or 0)
            for k in ("ads_new", "ads_updated", "ads_unchanged", "ads_spooled")
        )
        errors = dict(summary.get("errors") or {})
        return cls(
            source=str(summary["source"]),
            pages=int(summary.get("pages") or 0),
            answered=int(summary.get("pages") or 0) + unseen,
            ads=ads + int(summary.get("detail_skipped_known") or 0),
            errors=sum(int(v) for v in errors.values()),
            failed=bool(summary.get("failed")),
            reason=str(summary.get("reason") or "finished"),
            listing_pages=stat("adwatch/listing_pages"),
            listing_pages_empty=stat("adwatch/listing_pages_empty"),
            extracted_pages=stat("adwatch/detail_pages") + stat("adwatch/feed_entries"),
            no_ad=stat("adwatch/detail_no_ad") + stat("adwatch/ads_invalid"),
            fallback_pages=stat("adwatch/pages_with_fallback"),
            skipped_no_ad=stat("adwatch/detail_skipped_unavailable"),
            blocked=blocked,
            error_labels={k: int(v) for k, v in errors.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceRun:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Flag:
    """One problem of one source in one run, with the sentence that explains it."""

    source: str
    flag: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"flag": self.flag, "message": self.message}


@dataclass(frozen=True)
class HealthNotice:
    """A flag the operator is to hear about: raised (``recovered_at`` is None) or recovered."""

    id: int
    source: str
    flag: str
    message: str
    raised_at: str
    recovered_at: str | None = None

    @property
    def recovered(self) -> bool:
        return self.recovered_at is not None


def _labels(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))


def _is_blocked(run: SourceRun, settings: HealthSettings) -> bool:
    blocked = run.blocked_pages
    if not blocked:
        return False
    return run.failed or blocked >= settings.blocked_share * max(run.answered, run.pages, 1)


def _selectors_message(
    run: SourceRun, settings: HealthSettings, active: Iterable[str] = ()
) -> str | None:
    seen, empty = run.extracted_pages, run.no_ad + run.fallback_pages
    if seen >= settings.min_pages and empty >= max(settings.min_pages, settings.no_ad_share * seen):
        return (
            f"selectors stopped matching: {empty} of {seen} ad pages held no ad "
            f"(title or text missing) or needed automatic extraction ({run.fallback_pages})"
        )
    if SELECTORS_FAILING in active and seen < settings.min_pages and run.skipped_no_ad:
        # the pages that held no ad are not fetched again for a while (a site's few broken
        # pages must not flag it on every run): too few pages now to say it recovered
        return (
            "selectors stopped matching on an earlier run; too few ad pages fetched since "
            f"to tell ({seen}, {run.skipped_no_ad} skipped for holding no ad before)"
        )
    if (
        run.listing_pages
        and run.listing_pages_empty >= run.listing_pages
        and run.extracted_pages == 0
        and run.ads == 0
    ):
        n = run.listing_pages
        pages = f"none of the {n} listing pages" if n > 1 else "the listing page"
        return f"selectors stopped matching: {pages} fetched had no ad link"
    return None


def baseline(history: Iterable[SourceRun], settings: HealthSettings) -> tuple[float, int]:
    """The median yield over the last ``history_runs`` healthy runs (newest first), and how
    many runs that is."""
    recent = list(history)[: settings.history_runs]
    if not recent:
        return 0.0, 0
    return float(statistics.median(r.ads for r in recent)), len(recent)


def assess(
    run: SourceRun,
    history: Iterable[SourceRun],
    settings: HealthSettings | None = None,
    active: Iterable[str] = (),
) -> list[Flag]:
    """The flags of ``run``. ``history``: the source's earlier runs that raised no flag,
    newest first (a long outage keeps being compared with the yield before it); ``active``:
    the source's flags still open (one that this run cannot judge stays)."""
    settings = settings or HealthSettings()
    flags: list[Flag] = []
    blocked = _is_blocked(run, settings)
    if blocked:
        flags.append(
            Flag(
                run.source,
                BLOCKED,
                f"blocked: {run.blocked_pages} of "
                f"{max(run.answered, run.pages, run.blocked_pages)} pages "
                f"answered with a bot wall or a refusal ({_labels(run.blocked)})",
            )
        )
    elif run.failed:
        why = f" ({_labels(run.error_labels)})" if run.error_labels else ""
        if run.reason in _FINISHED:
            message = f"failing: no page could be fetched{why}"
        else:
            message = f"failing: the crawl ended early ({run.reason}){why}"
        flags.append(Flag(run.source, FAILING, message))
    if not blocked:
        message = _selectors_message(run, settings, set(active))
        if message:
            flags.append(Flag(run.source, SELECTORS_FAILING, message))
    median, n = baseline(history, settings)
    if run.ads == 0 and n and median >= settings.min_median:
        fetched = f"{run.pages} page(s) fetched" if run.pages else "no page fetched"
        flags.append(
            Flag(
                run.source,
                ZERO_YIELD,
                f"yield dropped to zero (median {median:g} ads over the last {n} "
                f"run{'s' if n != 1 else ''}; {fetched})",
            )
        )
    return flags


def transitions(
    active: Iterable[str], current: Iterable[Flag]
) -> tuple[list[Flag], list[Flag], list[str]]:
    """A source's flags still open (``active``, by name) and those of its latest run ->
    (raised now, still there, recovered now)."""
    active = set(active)
    now = {f.flag: f for f in current}
    raised = [f for name, f in now.items() if name not in active]
    kept = [f for name, f in now.items() if name in active]
    recovered = sorted(active - set(now))
    return raised, kept, recovered


def format_health(summary: Mapping[str, Any]) -> list[str]:
    """The run summary's health lines: one per flag, recoveries, the operator e-mail."""
    lines = []
    for s in summary.get("sources") or []:
        for flag in s.get("health") or []:
            lines.append(f"HEALTH: source {s['source']}: {flag['message']}")
    health = summary.get("health") or {}
    for item in health.get("recovered") or []:
        lines.append(f"health: source {item['source']} is healthy again ({item['flag']})")
    mail = health.get("ops_email") or {}
    to = ", ".join(mail.get("to") or [])
    if mail.get("notices") or mail.get("sent") or mail.get("set_aside"):
        if mail.get("sent"):
            lines.append(f"health: operator e-mail sent to {to}")
        elif mail.get("set_aside"):
            lines.append(
                f"HEALTH: operator e-mail for {to} refused for good by the mail server, set "
                f"aside in {mail['outbox']}/failed/ (move it back to the outbox to send it again)"
            )
        elif mail.get("smtp"):
            lines.append(
                f"health: operator e-mail waiting in {mail['outbox']} (not sent; the next run "
                "tries again)"
            )
        else:
            lines.append(
                f"health: operator e-mail for {to} written to {mail['outbox']} "
                "(ADWATCH_SMTP_URL not set: not sent)"
            )
    if health.get("flagged") and mail.get("disabled"):
        lines.append(f"health: no operator e-mail ({mail['disabled']})")
    for error in mail.get("errors") or []:
        lines.append(f"HEALTH: operator e-mail: {error}")
    for error in health.get("errors") or []:
        lines.append(f"HEALTH: {error}")
    return lines
