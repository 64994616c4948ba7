"""The alert pass: ledger -> digests -> outbox -> SMTP, at the end of every ``adwatch run``
(and alone with ``adwatch alerts send``).

1. Recover the outbox after a crash (alerts/outbox.py says what each leftover means).
2. The ledger decides which alerts are due from the sightings the crawl recorded
   (alerts/ledger.py) and stores them, in one transaction.
3. One digest per recipient group with alerts not yet sent to it (alerts/digest.py), queued
   by the e-mail channel (alerts/channels/) in ``<data dir>/outbox/``. Thumbnails come from
   the photos the crawl kept, else are fetched here (politely, with a size cap); a photo
   that cannot be had is left out.
4. The channel delivers every digest waiting in the outbox to ``ADWATCH_SMTP_URL``; without
   it they wait. One the server refuses for good (5xx) is set aside in ``outbox/failed/``
   (its alerts are listed as ``set_aside``); the rest go.
5. Alerts new or changed are copied to the ``adwatch-alerts`` index when the store is
   Elasticsearch.

Nothing here fails a run: problems (an SMTP outage, a bad address) are counted and
reported in the run summary, and the next run tries again. The one exception is a data
directory that is full or read-only (crawler/health/datadir.py): the run ends with status 3.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts.channels import Channel, EmailChannel
from alerts.digest import DigestOptions
from alerts.ledger import Alert, EntityPolicy, decide
from alerts.outbox import Outbox
from alerts.rules import RuleSet, parse_duration
from alerts.thumbnails import DigestPhotos
from alerts.transport import smtp_config
from crawler.common.options import Options, as_options, current_options
from crawler.health import datadir
from crawler.stores.alert_state import AlertState
from crawler.stores.sqlite import SQLiteStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertSettings:
    """The alert settings, from the settings object (crawler/common/options.py)."""

    enabled: bool = True
    entity: EntityPolicy = field(default_factory=EntityPolicy)
    blur_thumbnails: bool = True
    thumbnails_per_ad: int = 1
    max_thumbnails: int = 40
    thumbnail_max_bytes: int = 5 * 1024 * 1024
    thumbnail_timeout: float = 10.0
    smtp_timeout: float = 30.0
    digest_max_bytes: int = 5_000_000
    kibana_url: str | None = None
    kibana_data_view: str = "adwatch-ads"

    @classmethod
    def from_env(cls, env: Options | Mapping[str, str] | None = None) -> AlertSettings:
        """The alert settings of ``env``: a settings object, a mapping of variables (checked
        likewise: SettingsError, a ValueError, names a bad one), or None for the current
        settings."""
        o = as_options(env)
        extra = o.ADWATCH_ENTITY_RECIPIENTS
        return cls(
            enabled=o.ADWATCH_ALERTS,
            entity=EntityPolicy(
                mode=o.ADWATCH_ENTITY_ALERTS,
                threshold=o.ADWATCH_PHONE_ADS_THRESHOLD,
                window=parse_duration(o.ADWATCH_PHONE_ADS_WINDOW),
                extra_recipients=tuple(g.strip() for g in extra.split(",") if g.strip()),
            ),
            blur_thumbnails=o.ADWATCH_BLUR_THUMBNAILS,
            thumbnails_per_ad=o.ADWATCH_DIGEST_THUMBNAILS,
            max_thumbnails=o.ADWATCH_DIGEST_MAX_THUMBNAILS,
            thumbnail_max_bytes=o.ADWATCH_THUMBNAIL_MAX_BYTES,
            thumbnail_timeout=o.ADWATCH_THUMBNAIL_TIMEOUT,
            smtp_timeout=o.ADWATCH_SMTP_TIMEOUT,
            digest_max_bytes=o.ADWATCH_DIGEST_MAX_BYTES,
            kibana_url=o.ADWATCH_KIBANA_URL,
            kibana_data_view=o.ADWATCH_KIBANA_DATA_VIEW,
        )


def open_alert_state(directory: str | os.PathLike[str]) -> SQLiteStore:
    """The local SQLite file that holds the ledger and the outbox state, in every mode."""
    return SQLiteStore(Path(directory) / "adwatch.sqlite3")


def set_aside_report(directory: str | os.PathLike[str], limit: int = 20) -> list[str]:
    """``adwatch doctor``'s lines about digests a mail server refused for good (in
    ``outbox/failed/``): a count, then one line per digest, newest ``limit`` of them."""
    directory = Path(directory)
    if not (directory / "adwatch.sqlite3").exists():
        return []
    state = open_alert_state(directory)
    try:
        failed = Outbox(directory / "outbox", state.alerts).set_aside_digests()
    finally:
        state.close()
    if not failed:
        return []
    lines = [
        f"{len(failed)} digest(s) refused for good by the mail server, set aside in "
        f"{directory / 'outbox' / 'failed'} (move one back to outbox/ to send it again)"
    ]
    for d in failed[-limit:]:
        lines.append(
            f"failed/{d.file}: {d.group}, {d.alert_count} alert(s), {d.created_at}: {d.last_error}"
        )
    if len(failed) > limit:
        lines.append(f"... and {len(failed) - limit} more")
    return lines


# ---------------------------------------------------------------- the pass


def _digest_id(group: str, alerts: list[Alert], now: datetime) -> str:
    ids = ",".join(str(a.id) for a in alerts)
    return f"{now:%Y%m%dT%H%M%SZ}-{group}-{hashlib.sha1(ids.encode()).hexdigest()[:8]}"


def run_alert_pass(
    data_dir: str | os.PathLike[str],
    ruleset: RuleSet | None,
    *,
    allow_private: Iterable[str] = (),
    settings: AlertSettings | None = None,
    ad_store: Any = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Run steps 1-5 (see the module doc); return the counts for the run summary.
    Raises only on a programming error; SMTP and fetch problems are in the counts."""
    settings = settings or AlertSettings.from_env()
    ruleset = ruleset if ruleset is not None else RuleSet()
    now = now or datetime.now(UTC)
    data_dir = Path(data_dir)
    out = _empty_counts(data_dir)
    channel = email_channel(settings, out)
    state = open_alert_state(data_dir)
    try:
        outbox = Outbox(data_dir / "outbox", state.alerts)
        recover_outbox(outbox, out)
        decide_alerts(state.alerts, ruleset, settings, now, out)
        photos = DigestPhotos(
            data_dir,
            per_ad=settings.thumbnails_per_ad,
            limit=settings.max_thumbnails,
            max_bytes=settings.thumbnail_max_bytes,
            timeout=settings.thumbnail_timeout,
            allow_private=allow_private,
        )
        queue_digests(state.alerts, ruleset, channel, outbox, photos, now, out)
        deliver_digests(channel, outbox, out)
        if ad_store is not None and ad_store.backend == "elasticsearch":
            try:
                out["alerts_indexed"] = mirror_alerts(state.alerts, ad_store)
            except Exception as exc:  # Elasticsearch down: the next pass copies them
                out["warnings"].append(f"alerts not copied to Elasticsearch: {exc}")
    finally:
        state.close()
    return out


def _empty_counts(data_dir: Path) -> dict[str, Any]:
    return {
        "alerts_due": 0,
        "by_severity": {},
        "digests_built": 0,
        "digests_sent": 0,
        "digests_queued": 0,
        "send_failures": 0,
        "digests_set_aside": 0,
        "digests_failed": 0,
        "resent_after_interruption": 0,
        "outbox": str(data_dir / "outbox"),
        "smtp": None,
        "errors": [],
        "warnings": [],
    }


def email_channel(settings: AlertSettings, out: dict[str, Any]) -> EmailChannel:
    """The e-mail channel for the digests: SMTP from the settings (a malformed
    ``ADWATCH_SMTP_URL`` is an error in ``out``, and the digests then wait)."""
    try:
        smtp = smtp_config(timeout=settings.smtp_timeout)
        out["smtp"] = smtp.where if smtp else None
    except ValueError as exc:
        smtp = None
        out["errors"].append(str(exc))
    return EmailChannel(
        DigestOptions(
            mail_from=smtp.mail_from
            if smtp
            else (current_options().ADWATCH_MAIL_FROM or "adwatch@localhost"),
            kibana_url=settings.kibana_url,
            kibana_data_view=settings.kibana_data_view,
            blur_thumbnails=settings.blur_thumbnails,
            thumbnails_per_ad=settings.thumbnails_per_ad,
            max_bytes=settings.digest_max_bytes,
        ),
        smtp,
    )


def recover_outbox(outbox: Outbox, out: dict[str, Any]) -> None:
    """Step 1: put the outbox back in order after a crash; say what was found."""
    recovery = outbox.recover()
    out["resent_after_interruption"] = recovery.resend
    if recovery.requeued:
        out["warnings"].append(
            f"{recovery.requeued} digest(s) moved back from outbox/failed/: sent again"
        )
    if recovery.orphaned:
        out["warnings"].append(
            f"{recovery.orphaned} digest file(s) never queued moved to outbox/orphaned/"
        )


def decide_alerts(
    ledger: AlertState,
    ruleset: RuleSet,
    settings: AlertSettings,
    now: datetime,
    out: dict[str, Any],
) -> None:
    """Step 2: the ledger decides which alerts the recorded sightings make due, and they
    are stored in one transaction."""
    rule_sightings, phone_sightings = ledger.pending_sightings()
    decision = decide(rule_sightings, phone_sightings, ruleset, ledger, now, settings.entity)
    new_alerts = ledger.commit_decision(decision, rule_sightings, phone_sightings)
    out["alerts_due"] = len(new_alerts)
    for alert in new_alerts:
        out["by_severity"][alert.severity] = out["by_severity"].get(alert.severity, 0) + 1
    if decision.unknown_rules:
        out["warnings"].append(
            "matches of rules no longer in the rules file ignored: "
            + ", ".join(sorted(decision.unknown_rules))
        )


def queue_digests(
    ledger: AlertState,
    ruleset: RuleSet,
    channel: EmailChannel,
    outbox: Outbox,
    photos: DigestPhotos,
    now: datetime,
    out: dict[str, Any],
) -> None:
    """Step 3: one digest per recipient group with alerts not yet sent to it, queued in
    the outbox (several messages when it is over ``ADWATCH_DIGEST_MAX_BYTES``)."""
    for group, alerts in ledger.undelivered_alerts().items():
        addresses = _group_addresses(ruleset, channel, group, len(alerts), out)
        if not addresses:
            continue
        for message in channel.render(
            alerts,
            group=group,
            addresses=addresses,
            digest_id=_digest_id(group, alerts, now),
            images=photos.of(alerts),
            now=now,
        ):
            channel.queue(outbox, message, now)
            out["digests_built"] += 1


def _group_addresses(
    ruleset: RuleSet, channel: EmailChannel, group: str, waiting: int, out: dict[str, Any]
) -> list[str]:
    """The addresses of a recipient group; none (and a warning: its alerts wait) when the
    rules file no longer has the group, or its addresses are all unset variables."""
    recipients = ruleset.recipients.get(group)
    if recipients is None:
        out["warnings"].append(
            f"{waiting} alert(s) for recipient group {group!r}, which the rules "
            "file no longer has: they wait"
        )
        return []
    addresses = channel.addresses(recipients)
    if not addresses:
        out["warnings"].append(
            f"recipient group {group!r} has no address (an unset ${{VARIABLE}}?): "
            f"{waiting} alert(s) wait"
        )
    return addresses


def deliver_digests(channel: Channel, outbox: Outbox, out: dict[str, Any]) -> None:
    """Step 4: send what the outbox holds (without a server it waits); count what was
    sent, what waits and what was set aside, refused for good."""
    delivery = channel.deliver(outbox)
    if delivery is not None:
        out["digests_sent"] = delivery.sent
        out["send_failures"] = delivery.failed
        out["digests_set_aside"] = delivery.set_aside
        out["errors"].extend(delivery.errors)
        if delivery.refused:
            out["warnings"].append("recipients refused: " + ", ".join(delivery.refused))
    out["digests_queued"] = len(outbox.waiting())
    out["digests_failed"] = len(outbox.set_aside_digests())


def alert_document(alert: Alert) -> dict[str, Any]:
    """An alert as the ``adwatch-alerts`` index holds it (crawler/stores/es_schema.py)."""
    ad = alert.ad
    d = alert.detail
    terms = sorted({t.get("term") for t in d.get("terms") or [] if t.get("term")})
    return {
        "alert_id": str(alert.id),
        "rule_id": alert.rule,
        "rule_name": d.get("name") or alert.rule,
        "severity": alert.severity,
        "ad_id": alert.ad_id,
        "cluster_id": alert.cluster,
        "ad_url": ad.get("url"),
        "ad_title": ad.get("title"),
        "source": ad.get("source"),
        "matched_terms": terms,
        "phones": list(
            dict.fromkeys([*(ad.get("phones") or []), *(ad.get("whatsapp") or [])])
            or ([d["phone"]] if d.get("phone") else [])
        ),
        "recipients": alert.recipients,
        "risk_score": ad.get("risk_score"),
        "status": alert.status,
        "created_at": alert.created_at,
        "sent_at": alert.sent_at,
    }


def mirror_alerts(state: AlertState, store: Any) -> int:
    """Copy alerts new or changed since the last copy to the store's alerts index."""
    copied = 0
    while True:
        alerts = state.unmirrored_alerts()
        if not alerts:
            return copied
        store.index_documents("alerts", [(str(a.id), alert_document(a)) for a in alerts])
        state.mark_mirrored(alerts)
        copied += len(alerts)


def alert_pass(
    data_dir: str | os.PathLike[str],
    sources: Any = None,
    ad_store: Any = None,
    options: Options | None = None,
) -> dict[str, Any]:
    """The pass as ``adwatch run`` calls it, with its settings ``options`` (default: the
    current ones): rules from ``ADWATCH_RULES``; never raises (an error is reported in the
    returned counts)."""
    from crawler.extract.rules import load_ruleset
    from crawler.stores import es_config, open_store

    opened = None
    try:
        settings = AlertSettings.from_env(options)
        if not settings.enabled:
            return {"disabled": True}
        # a source listing its private hosts allows them in its crawl, not for thumbnails
        private = [s for s in sources.sources if s.allow_private_network is True] if sources else []
        allow = [s.name for s in private]
        if ad_store is None and es_config() is not None:
            ad_store = opened = open_store(data_dir)
        return run_alert_pass(
            data_dir,
            load_ruleset(as_options(options).rules_path),
            allow_private=allow,
            settings=settings,
            ad_store=ad_store,
        )
    except Exception as exc:
        if datadir.record(exc, data_dir):  # disk full or read-only: the run says so
            return {"errors": [f"alert pass failed: {datadir.fault()}"], "failed": True}
        logger.exception("the alert pass failed")
        return {"errors": [f"alert pass failed: {exc}"], "failed": True}
    finally:
        if opened is not None:
            opened.close()
