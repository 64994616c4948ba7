"""The source-health pass at the end of every ``adwatch run``, after the alert pass.

1. Each source that ran becomes a :class:`crawler.health.checks.SourceRun` (from its summary and
   Scrapy stats) and is assessed against its earlier healthy runs; its flags go into its
   summary (``health``).
2. The runs and their flags are recorded in the local SQLite file
   (crawler/stores/health_state.py): flags new to a source are raised, flags it no longer
   has recover.
3. With ``ADWATCH_OPS_EMAIL`` set, flags raised and recovered that no e-mail told of yet go
   into one operator e-mail (alerts/opsmail.py), queued in the outbox with the alert
   digests and sent through the same transport: with ``ADWATCH_SMTP_URL`` unset it waits
   there as an ``.eml`` file; with the server down it waits and the next run (its alert
   pass, or this pass) sends it. A flag that stays does not e-mail again.

Nothing here fails a run or changes its exit status: problems are reported in the counts.
``doctor_checks`` gives ``adwatch doctor`` the flags still open.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

from alerts.alertpass import open_alert_state
from alerts.channels import EmailChannel
from alerts.opsmail import OPS_GROUP, build_health_email, health_email_id, ops_addresses
from alerts.outbox import DigestRecord, Outbox
from alerts.transport import SMTPTransport, smtp_config
from crawler import settings as defaults
from crawler.health.checks import HealthSettings, SourceRun, assess

logger = logging.getLogger(__name__)

# as the alert digests go out: CRLF line ends, headers folded only past RFC 5322's limit
_WIRE = policy.SMTP.clone(max_line_length=998)


def _setting(name: str, env: Mapping[str, str]) -> Any:
    value = env.get(name)
    return getattr(defaults, name) if value is None else value


def health_settings(env: Mapping[str, str] | None = None) -> HealthSettings:
    """The ``ADWATCH_HEALTH_*`` thresholds: the environment over crawler/settings.py."""
    env = os.environ if env is None else env
    return HealthSettings(
        history_runs=int(_setting("ADWATCH_HEALTH_HISTORY_RUNS", env)),
        min_median=float(_setting("ADWATCH_HEALTH_MIN_MEDIAN", env)),
        min_pages=int(_setting("ADWATCH_HEALTH_MIN_PAGES", env)),
        no_ad_share=float(_setting("ADWATCH_HEALTH_NO_AD_SHARE", env)),
        blocked_share=float(_setting("ADWATCH_HEALTH_BLOCKED_SHARE", env)),
    )


def health_pass(
    data_dir: str | os.PathLike[str],
    per_source: list[dict[str, Any]],
    stats: list[Mapping[str, Any]],
    started: datetime,
    *,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Steps 1-3 (see the module doc) for the sources of one run: ``per_source`` are their
    summaries (each gets its ``health`` list), ``stats`` their Scrapy stats, in the same
    order. Returns the counts for the run summary; never raises."""
    env = os.environ if env is None else env
    now = now or datetime.now(UTC)
    out: dict[str, Any] = {"flagged": {}, "recovered": [], "ops_email": {}, "errors": []}
    try:
        settings = health_settings(env)
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
            out["ops_email"] = notify_operators(state, Path(data_dir), env, now)
        finally:
            state.close()
    except Exception as exc:
        logger.exception("the source-health pass failed")
        out["errors"].append(f"source health pass failed: {exc}")
    return out


def notify_operators(
    state: Any, data_dir: Path, env: Mapping[str, str], now: datetime
) -> dict[str, Any]:
    """Queue one e-mail to ``ADWATCH_OPS_EMAIL`` with the notices due, then send what the
    outbox holds for operators (step 3)."""
    addresses = ops_addresses(env)
    mail: dict[str, Any] = {
        "to": addresses,
        "built": 0,
        "notices": 0,
        "sent": 0,
        "waiting": 0,
        "outbox": str(data_dir / "outbox"),
        "smtp": None,
        "errors": [],
    }
    if not addresses:
        return {"disabled": "ADWATCH_OPS_EMAIL not set"}
    try:
        smtp = smtp_config(env, timeout=float(_setting("ADWATCH_SMTP_TIMEOUT", env)))
    except ValueError as exc:
        smtp = None
        mail["errors"].append(str(exc))
    mail["smtp"] = smtp.where if smtp else None
    mail_from = smtp.mail_from if smtp else (env.get("ADWATCH_MAIL_FROM") or "adwatch@localhost")
    outbox = Outbox(data_dir / "outbox", state.alerts)
    notices = state.health.health_notices_due()
    if notices:
        digest_id = health_email_id(notices)
        # queued by a run that stopped before marking its notices: not built twice
        if digest_id not in {d.id for d in state.alerts.digests()}:
            msg = build_health_email(
                notices, addresses=addresses, digest_id=digest_id, mail_from=mail_from, now=now
            )
            record = DigestRecord(
                id=digest_id,
                channel=EmailChannel.name,
                group=OPS_GROUP,
                addresses=addresses,
                subject=str(msg["Subject"]),
                message_id=str(msg["Message-ID"]),
                file=digest_id + EmailChannel.suffix,
                created_at=now.isoformat(timespec="seconds"),
            )
            outbox.queue(record, msg.as_bytes(policy=_WIRE), [])
            mail["built"] = 1
        state.health.mark_health_notified(notices, digest_id)
        mail["notices"] = len(notices)
    waiting = {d.id for d in outbox.waiting() if d.group == OPS_GROUP}
    if smtp is not None and waiting:
        with SMTPTransport(smtp) as transport:
            delivery = outbox.deliver(lambda data, rec: EmailChannel.send(transport, data, rec))
        mail["errors"].extend(delivery.errors)
    still = {d.id for d in outbox.waiting() if d.group == OPS_GROUP}
    mail["sent"] = len(waiting - still)
    mail["waiting"] = len(still)
    return mail


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
