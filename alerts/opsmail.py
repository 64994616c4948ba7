"""The operator e-mail about source health: flags raised and recovered -> one ``EmailMessage``.

:func:`build_health_email` is pure, like the alert digests (alerts/digest.py): plain-text
and HTML parts from the templates ``alerts/templates/ops_health.*.j2``, the HTML
autoescaped, control characters removed from the text. :func:`ops_addresses` reads
``ADWATCH_OPS_EMAIL`` (comma-separated addresses).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from typing import Protocol

from alerts.digest import template_environment
from crawler.common.options import current_options

__all__ = ["OPS_GROUP", "HealthNotice", "build_health_email", "health_email_id", "ops_addresses"]

#: The recipient group of operator e-mails in the outbox.
OPS_GROUP = "ops"


class HealthNotice(Protocol):
    """What the e-mail tells of one flag (crawler/health/checks.py's ``HealthNotice``):
    raised, or recovered when ``recovered_at`` is set."""

    @property
    def id(self) -> int: ...

    @property
    def source(self) -> str: ...

    @property
    def flag(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def raised_at(self) -> str: ...

    @property
    def recovered_at(self) -> str | None: ...

    @property
    def recovered(self) -> bool: ...


FLAG_TITLES = {
    "failing": "failing",
    "blocked": "blocked",
    "selectors_failing": "selectors failing",
    "zero_yield": "yield dropped to zero",
}


def ops_addresses(env: Mapping[str, str] | None = None) -> list[str]:
    """The addresses in ``ADWATCH_OPS_EMAIL`` (``a@x, Name <b@y>``), duplicates dropped."""
    env = current_options() if env is None else env
    out: list[str] = []
    for _, addr in getaddresses([env.get("ADWATCH_OPS_EMAIL") or ""]):
        if "@" in addr and addr not in out:
            out.append(addr)
    return out


def health_email_id(notices: list[HealthNotice]) -> str:
    """A name for the e-mail that tells of ``notices``: the same notices give the same
    name, so an e-mail queued before a crash is recognised instead of built twice (each
    flag is raised once and recovers once, so a name is never reused)."""
    keys = ",".join(f"{n.id}:{'recovered' if n.recovered else 'raised'}" for n in notices)
    return f"{OPS_GROUP}-health-{hashlib.sha1(keys.encode()).hexdigest()[:16]}"


def health_subject(notices: list[HealthNotice]) -> str:
    """``[adwatch] source health: 2 problems on 1 source, 1 recovered``."""
    raised = [n for n in notices if not n.recovered]
    recovered = len(notices) - len(raised)
    parts = []
    if raised:
        sources = len({n.source for n in raised})
        parts.append(
            f"{len(raised)} problem{'s' if len(raised) != 1 else ''} on {sources} "
            f"source{'s' if sources != 1 else ''}"
        )
    if recovered:
        parts.append(f"{recovered} recovered")
    return "[adwatch] source health: " + ", ".join(parts)


_HTML = template_environment(autoescape=True)
_TEXT = template_environment(autoescape=False)


def build_health_email(
    notices: list[HealthNotice],
    *,
    addresses: list[str],
    digest_id: str,
    mail_from: str = "adwatch@localhost",
    now: datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """The operator e-mail for ``notices`` (flags raised, and flags recovered), grouped by
    source. Returns ``multipart/alternative``: text/plain, then text/html."""
    if not notices:
        raise ValueError("an operator e-mail needs at least one notice")
    now = now or datetime.now(UTC)
    domain = mail_from.rsplit("@", 1)[-1].strip("> ") or "adwatch.local"
    by_source: dict[str, dict[str, list[dict[str, str]]]] = {}
    for n in notices:
        entry = by_source.setdefault(n.source, {"raised": [], "recovered": []})
        entry["recovered" if n.recovered else "raised"].append(
            {
                "flag": n.flag,
                "title": FLAG_TITLES.get(n.flag, n.flag),
                "message": n.message,
                "since": n.raised_at,
                "at": n.recovered_at or n.raised_at,
            }
        )
    subject = health_subject(notices)
    context = {
        "subject": subject,
        "sources": [{"name": name, **entry} for name, entry in sorted(by_source.items())],
        "generated": now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "digest_id": digest_id,
    }
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = mail_from
    msg["To"] = ", ".join(addresses)
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = message_id or make_msgid(idstring=digest_id, domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Adwatch-Digest"] = digest_id
    msg.set_content(_TEXT.get_template("ops_health.txt.j2").render(context))
    msg.add_alternative(_HTML.get_template("ops_health.html.j2").render(context), subtype="html")
    return msg
