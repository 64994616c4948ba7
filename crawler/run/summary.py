"""Run summaries built from Scrapy's stats: per source, and for the whole run."""

from __future__ import annotations

from typing import Any

from crawler.health.checks import format_health

# bot walls (crawler/fetch/botwalls.py), by reason
BLOCKED_PREFIX = "adwatch/blocked/"
FALLBACK_PREFIX = "adwatch/fallback/"
ERROR_PREFIXES = (
    "downloader/exception_type_count/",
    "httperror/response_ignored_status_count/",
    "spider_exceptions/",
)


def error_counts(stats: dict[str, Any]) -> dict[str, int]:
    """One source's errors by kind: download exceptions, HTTP statuses, spider exceptions,
    pages without an ad, invalid or refused ads, private-network refusals, hostile pages."""
    errors: dict[str, int] = {}
    for key, value in stats.items():
        for prefix in ERROR_PREFIXES:
            if key.startswith(prefix):
                label = key[len(prefix) :].rsplit(".", 1)[-1]
                if label == "IgnoreRequest":
                    continue  # robots.txt and private-network refusals, counted on their own
                if prefix.startswith("httperror"):
                    label = f"http_{label}"
                errors[label] = errors.get(label, 0) + int(value)
    if stats.get("adwatch/pages_malformed"):
        errors["malformed"] = int(stats["adwatch/pages_malformed"])
    if stats.get("adwatch/ads_invalid"):
        errors["invalid_ad"] = int(stats["adwatch/ads_invalid"])
    if stats.get("adwatch/ads_rejected"):  # the store refused them for good (kept aside)
        errors["rejected_by_store"] = int(stats["adwatch/ads_rejected"])
    if stats.get("adwatch/blocked_private_network"):
        errors["blocked_private_network"] = int(stats["adwatch/blocked_private_network"])
    errors.update(hostile_page_counts(stats, errors.pop("DownloadCancelledError", 0)))
    return errors


def _prefixed(stats: dict[str, Any], prefix: str, nonzero: bool = False) -> dict[str, int]:
    """The counters under ``prefix``, by the rest of their name (only those above zero with
    ``nonzero``)."""
    return {
        k[len(prefix) :]: int(v)
        for k, v in stats.items()
        if k.startswith(prefix) and (v or not nonzero)
    }


def _warnings(stats: dict[str, Any], fetched: int, ads: int, blocked: dict[str, int]) -> list[str]:
    """What the operator should look at: pages fetched but no ads, bot walls."""
    warnings = []
    if fetched and not (ads + int(stats.get("adwatch/detail_skipped_known", 0))):
        warnings.append("no ads found (selectors stopped matching, or the site needs a browser?)")
    if blocked:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(blocked.items()))
        warnings.append(
            f"blocked: {sum(blocked.values())} page(s) were bot walls, not parsed ({detail})"
        )
    return warnings


_RENDER_KEYS = ("static_pages", "browser_pages", "fallbacks", "back_to_static", "browser_crashes")


def source_summary(name: str, stats: dict[str, Any], reason: str) -> dict[str, Any]:
    """Counters of one source's crawl; ``failed`` when not one page could be fetched."""
    errors = error_counts(stats)
    blocked = _prefixed(stats, BLOCKED_PREFIX)
    ok_pages = int(stats.get("downloader/response_status_count/200", 0))
    # photo downloads (crawler/photos/pipeline.py) are not pages
    pages = int(stats.get("response_received_count", 0)) - int(
        stats.get("adwatch/image_responses", 0)
    )
    robots = int(stats.get("robotstxt/request_count", 0))
    fetched = max(ok_pages - robots, 0)
    new = int(stats.get("adwatch/ads_new", 0))
    updated = int(stats.get("adwatch/ads_updated", 0))
    unchanged = int(stats.get("adwatch/ads_unchanged", 0))
    spooled = int(stats.get("adwatch/ads_spooled", 0))
    start, finish = stats.get("start_time"), stats.get("finish_time")
    duration = (finish - start).total_seconds() if start and finish else None
    return {
        "source": name,
        "reason": reason,
        "pages": max(pages - robots, 0),
        "listing_pages": int(stats.get("adwatch/listing_pages", 0)),
        "detail_pages": int(stats.get("adwatch/detail_pages", 0)),
        "detail_skipped_known": int(stats.get("adwatch/detail_skipped_known", 0)),
        "robots_forbidden": int(stats.get("robotstxt/forbidden", 0)),
        "ads_new": new,
        "ads_updated": updated,
        "ads_unchanged": unchanged,
        "ads_spooled": spooled,
        "ads_repost": int(stats.get("adwatch/ads_repost", 0)),
        "images": photo_counts(stats),
        "render": {key: int(stats.get(f"adwatch/render/{key}", 0)) for key in _RENDER_KEYS},
        "browser_launched": int(stats.get("playwright/browser_count", 0)),
        # configured selectors that found nothing, the field filled by automatic extraction
        "fallback": _prefixed(stats, FALLBACK_PREFIX, nonzero=True),
        "errors": errors,
        "blocked": blocked,
        "warnings": _warnings(stats, fetched, new + updated + unchanged + spooled, blocked),
        "duration_s": round(duration, 2) if duration is not None else None,
        "failed": fetched == 0 or reason not in ("finished", "closespider_pagecount"),
    }


def hostile_page_counts(stats: dict[str, Any], cancelled: int = 0) -> dict[str, int]:
    """Pages skipped as hostile (crawler/fetch/limits.py, crawler/fetch/retries.py,
    crawler/fetch/private_network.py), by kind; ``cancelled`` downloads beyond those over the
    size cap keep their own label."""
    sent = int(stats.get("adwatch/pages_too_large/sent", 0))
    counts = {
        "pages_too_large": sent + int(stats.get("adwatch/pages_too_large/decompressed", 0)),
        "DownloadCancelledError": int(cancelled) - sent,
        "redirect_loop": int(stats.get("adwatch/redirect_loop", 0)),
        "redirects_too_many": int(stats.get("adwatch/redirects_too_many", 0)),
        "refused_scheme": int(stats.get("adwatch/refused_scheme", 0)),
        "refused_websocket": int(stats.get("adwatch/refused_websocket", 0)),
        "retry_after_too_long": sum(
            int(v) for k, v in stats.items() if k.startswith("adwatch/retry_after_too_long/")
        ),
    }
    return {k: v for k, v in counts.items() if v > 0}


def photo_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """Photos kept (fetched now or known from an earlier fetch), skipped by reason, and
    failed downloads, from crawler/photos/pipeline.py's stats."""

    def by_prefix(prefix: str) -> dict[str, int]:
        return {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}

    return {
        "kept": int(stats.get("adwatch/images_kept", 0)),
        "uptodate": int(stats.get("adwatch/images_uptodate", 0)),
        "rejected": by_prefix("adwatch/images_rejected/"),
        "failed": by_prefix("adwatch/images_failed/"),
    }


def run_totals(sources: list[dict[str, Any]]) -> dict[str, Any]:
    keys = (
        "pages",
        "detail_pages",
        "detail_skipped_known",
        "ads_new",
        "ads_updated",
        "ads_unchanged",
        "ads_spooled",
        "ads_repost",
    )
    totals = {k: sum(s.get(k, 0) or 0 for s in sources) for k in keys}
    totals["errors"] = sum(sum(s["errors"].values()) for s in sources)
    totals["failed_sources"] = [s["source"] for s in sources if s["failed"]]
    return totals


def format_summary(summary: dict[str, Any]) -> str:
    """The run summary as the terminal and the log show it."""
    lines = [
        f"adwatch run {summary['started_at']} -> {summary['finished_at']} "
        f"({summary['duration_s']:.1f}s)"
    ]
    header = (
        f"{'source':<22} {'pages':>6} {'new':>6} {'upd':>5} {'same':>6} {'skip':>6} {'errors':>7}"
    )
    lines.append(header)
    for s in summary["sources"]:
        errs = sum(s["errors"].values())
        mark = "  FAILED" if s["failed"] else ""
        lines.append(
            f"{s['source']:<22} {s['pages']:>6} {s['ads_new']:>6} {s['ads_updated']:>5} "
            f"{s['ads_unchanged']:>6} {s['detail_skipped_known']:>6} {errs:>7}{mark}"
        )
        if s["errors"]:
            detail = ", ".join(f"{k}={v}" for k, v in sorted(s["errors"].items()))
            lines.append(f"{'':<22}   errors: {detail}")
        for w in s.get("warnings", []):
            lines.append(f"{'':<22}   warning: {w}")
        photos = s.get("images") or {}
        if photos.get("kept") or photos.get("rejected") or s.get("ads_repost"):
            skipped = sum(photos.get("rejected", {}).values()) + sum(
                photos.get("failed", {}).values()
            )
            lines.append(
                f"{'':<22}   photos: {photos.get('kept', 0)} kept "
                f"({photos.get('uptodate', 0)} known), {skipped} skipped; "
                f"reposts kept as sightings: {s.get('ads_repost', 0)}"
            )
    t = summary["totals"]
    lines.append(
        f"{'total':<22} {t['pages']:>6} {t['ads_new']:>6} {t['ads_updated']:>5} "
        f"{t['ads_unchanged']:>6} {t['detail_skipped_known']:>6} {t['errors']:>7}"
    )
    lines.append(f"ads in store: {summary['ads_in_store']}")
    if summary.get("replayed"):
        lines.append(f"replayed {summary['replayed']} write(s) spooled by an earlier run")
    if summary.get("spooled"):
        lines.append(
            f"SPOOLED {summary['spooled']} write(s): the store was unavailable; "
            "the next run replays them"
        )
    if summary.get("skipped_not_due"):
        lines.append("not due yet: " + ", ".join(summary["skipped_not_due"]))
    if t["failed_sources"]:
        lines.append("FAILED sources: " + ", ".join(t["failed_sources"]))
    if summary.get("alerts"):
        lines.extend(format_alerts(summary["alerts"]))
    lines.extend(format_health(summary))
    return "\n".join(lines)


def format_alerts(alerts: dict[str, Any]) -> list[str]:
    """The alert pass's line(s) of the run summary."""
    if alerts.get("disabled"):
        return ["alerts: off (ADWATCH_ALERTS)"]
    lines = []
    if not alerts.get("failed"):
        order = ("critical", "high", "medium", "low")
        severity = ", ".join(
            f"{alerts['by_severity'][s]} {s}" for s in order if alerts["by_severity"].get(s)
        )
        line = f"alerts: {alerts['alerts_due']} new" + (f" ({severity})" if severity else "")
        sent, queued = alerts["digests_sent"], alerts["digests_queued"]
        if alerts.get("smtp"):
            line += f"; digests: {sent} sent, {queued} waiting in the outbox"
            if alerts["send_failures"]:
                line += f", {alerts['send_failures']} send failure(s)"
            if alerts.get("digests_set_aside"):
                line += f", {alerts['digests_set_aside']} refused for good"
        elif alerts["digests_built"] or queued:
            line += (
                f"; digests: {queued} in {alerts['outbox']} "
                "(ADWATCH_SMTP_URL not set: written as .eml files, not sent)"
            )
        if alerts.get("resent_after_interruption"):
            line += f"; {alerts['resent_after_interruption']} resent after an interrupted send"
        lines.append(line)
        if alerts.get("digests_failed"):
            lines.append(
                f"ALERTS: {alerts['digests_failed']} digest(s) refused for good by the mail "
                f"server, set aside in {alerts['outbox']}/failed/ (adwatch doctor lists them)"
            )
    for error in alerts.get("errors", []):
        lines.append(f"ALERTS: {error}")
    for warning in alerts.get("warnings", []):
        lines.append(f"alerts: {warning}")
    return lines
