"""The source-health pass at the end of every ``adwatch run``, after the alert pass.

1. Each source that ran becomes a :class:`crawler.health.checks.SourceRun` (from its summary and
   Scrapy stats) and is assessed against its earlier healthy runs; its flags go into its
   summary (``health``).
2. The runs and their flags are recorded in the local SQLite file
   (crawler/stores/health_state.py): flags new to a source are raised, flags it no longer
   has recover.
3. With ``ADWATCH_OPS_EMAIL`` set, flags raised and recovered that no e-mail told of yet go
   into one operator e-mail (alerts/opsmail.py), queued in the outbox and delivered
   through the e-mail channel, as the alert digests are (alerts/channels/): with
   ``ADWATCH_SMTP_URL`` unset it waits there as an ``.eml`` file; with the server down it
   waits and the next run (its alert pass, or this pass) sends it; refused for good (5xx)
   it is set aside in ``outbox/failed/`` and counted as such. A flag that stays does not
   e-mail again.

Nothing here fails a run or changes its exit status: problems are reported in the counts.
``doctor_checks`` gives ``adwatch doctor`` the flags still open.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts.alertpass import open_alert_state
from alerts.channels import EmailChannel
from alerts.digest import DigestOptions
from alerts.opsmail import OPS_GROUP, build_health_email, health_email_id, ops_addresses
from alerts.outbox import Outbox
from alerts.transport import smtp_config
from crawler.common.options import Options, as_options
from crawler.health.checks import HealthSettings, SourceRun, assess

logger = logging.getLogger(__name__)


def health_settings(env: Options | Mapping[str, str] | None = None) -> HealthSettings:
    """The ``ADWATCH_HEALTH_*`` thresholds of ``env``: a settings object, a mapping of
    variables, or None for the current settings (crawler/common/options.py)."""
    o = as_options(env)
    return HealthSettings(
        history_runs=o.ADWATCH_HEALTH_HISTORY_RUNS,
        min_median=o.ADWATCH_HEALTH_MIN_MEDIAN,
        min_pages=o.ADWATCH_HEALTH_MIN_PAGES,
        no_ad_share=o.ADWATCH_HEALTH_NO_AD_SHARE,
        blocked_share=o.ADWATCH_HEALTH_BLOCKED_SHARE,
    )


def health_pass(
    data_dir: str | os.PathLike[str],
    per_source: list[dict[str, Any]],
    stats: list[Mapping[str, Any]],
    started: datetime,
    *,
    env: Options | Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Steps 1-3 (see the module doc) for the sources of one run: ``per_source`` are their
    summaries (each gets its ``health`` list), ``stats`` their Scrapy stats, in the same
    order; ``env`` the settings (default: the current ones). Returns the counts for the run
    summary; never raises."""
    now = now or datetime.now(UTC)
    out: dict[str, Any] = {"flagged": {}, "recovered": [], "ops_email": {}, "errors": []}
    try:
        options = as_options(env)
        settings = health_settings(options)
        state = open_alert_state(data_dir)
        try:
            records = []
            for summary, source_stats in zip(per_source, stats, strict=True):
                run = SourceRun.from_stats(summary, source_stats)
                history = state.health.healthy_runs(run.source, settings.history_runs)
                active = state.health.active_health_flags(run.source)
                flags = assess(run, history, settings, active)
                summary["health"] = [f.to_dict() for f in flags]
                if flags:
                    out["flagged"][run.source] = [f.flag for f in flags]
                records.append((run, flags))
            at = now.isoformat(timespec="seconds")
            recovered = state.health.record_source_runs(
                started.isoformat(timespec="seconds"), records, at
            )
            out["recovered"] = [{"source": s, "flag": f} for s, f in recovered]
            out["ops_email"] = notify_operators(state, Path(data_dir), options, now)
        finally:
            state.close()
    except Exception as exc:
        logger.exception("the source-health pass failed")
        out["errors"].append(f"source health pass failed: {exc}")
    return out


def notify_operators(state: Any, data_dir: Path, options: Options, now: datetime) -> dict[str, Any]:
    """Queue one e-mail to ``ADWATCH_OPS_EMAIL`` with the notices due, then deliver what the
    outbox holds (step 3) through the e-mail channel, as the alert digests go. The counts:
    ``sent``, ``set_aside`` (refused for good by the server) and ``waiting`` operator
    e-mails."""
    addresses = ops_addresses(options)
    mail: dict[str, Any] = {
        "to": addresses,
        "built": 0,
        "notices": 0,
        "sent": 0,
        "set_aside": 0,
        "waiting": 0,
        "outbox": str(data_dir / "outbox"),
        "smtp": None,
        "errors": [],
    }
    if not addresses:
        return {"disabled": "ADWATCH_OPS_EMAIL not set"}
    try:
        smtp = smtp_config(options, timeout=options.ADWATCH_SMTP_TIMEOUT)
    except ValueError as exc:
        smtp = None
        mail["errors"].append(str(exc))
    mail["smtp"] = smtp.where if smtp else None
    mail_from = smtp.mail_from if smtp else (options.ADWATCH_MAIL_FROM or "adwatch@localhost")
    channel = EmailChannel(DigestOptions(mail_from=mail_from), smtp)
    outbox = Outbox(data_dir / "outbox", state.alerts)
    mail["built"], mail["notices"] = queue_health_email(
        state, outbox, channel, addresses, mail_from, now
    )
    delivery = channel.deliver(outbox) if _ops_waiting(outbox) else None
    if delivery is not None:
        mail["sent"] = delivery.sent_groups.count(OPS_GROUP)
        mail["set_aside"] = delivery.set_aside_groups.count(OPS_GROUP)
        mail["errors"].extend(delivery.errors)
    mail["waiting"] = _ops_waiting(outbox)
    return mail


def queue_health_email(
    state: Any,
    outbox: Outbox,
    channel: EmailChannel,
    addresses: list[str],
    mail_from: str,
    now: datetime,
) -> tuple[int, int]:
    """Queue the operator e-mail for the notices due and mark them told; ``(e-mails
    built, notices)``."""
    notices = state.health.health_notices_due()
    if not notices:
        return 0, 0
    digest_id = health_email_id(notices)
    built = 0
    # queued by a run that stopped before marking its notices: not built twice
    if digest_id not in {d.id for d in state.alerts.digests()}:
        msg = build_health_email(
            notices, addresses=addresses, digest_id=digest_id, mail_from=mail_from, now=now
        )
        message = channel.message(msg, digest_id=digest_id, group=OPS_GROUP, addresses=addresses)
        channel.queue(outbox, message, now)
        built = 1
    state.health.mark_health_notified(notices, digest_id)
    return built, len(notices)


def _ops_waiting(outbox: Outbox) -> int:
    return sum(d.group == OPS_GROUP for d in outbox.waiting())


def doctor_checks(directory: Path, sources: list[str] | None) -> list[tuple[str, bool, str]]:
    """``adwatch doctor``'s lines for source health: one per source with flags still open
    (a failed check), else one line for all. ``sources``: the configured sources' names
    (None: every source with a recorded run)."""
    if not (directory / "adwatch.sqlite3").exists():
        return []
    state = open_alert_state(directory)
    try:
        flagged = state.health.open_health_flags()
        latest = state.health.latest_source_runs()
    finally:
        state.close()
    names = sorted(latest) if sources is None else sources
    out: list[tuple[str, bool, str]] = []
    for name in names:
        if flagged.get(name):
            since = min(n.raised_at for n in flagged[name])
            messages = "; ".join(n.message for n in flagged[name])
            out.append((f"source {name}", False, f"{messages} (since {since})"))
    if not out and names:
        ran = [n for n in names if n in latest]
        never = [n for n in names if n not in latest]
        detail = f"{len(ran)} source(s) healthy at their last run"
        if never:
            detail += f"; not run yet: {', '.join(never)}"
        out.append(("source health", True, detail))
    return out
