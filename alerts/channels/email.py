"""The e-mail channel: digests built by alerts/digest.py, sent by alerts/transport.py.

An :class:`alerts.channels.base.OutboxChannel`: messages wait in the outbox as ``.eml``
files and go out over one SMTP session per run.

Addresses come from the recipient groups of ``rules.yaml``; an entry ``${VAR}`` is read
from the environment when the digest is built (several addresses may be separated by
commas). Without ``ADWATCH_SMTP_URL`` the channel has no transport and digests wait in the
outbox as ``.eml`` files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses

from alerts.channels.base import Message, OutboxChannel
from alerts.digest import WIRE_POLICY, DigestOptions, build_digests
from alerts.ledger import Alert
from alerts.outbox import DigestRecord
from alerts.ruleschema import RecipientGroup
from alerts.transport import SMTPConfig, SMTPTransport
from crawler.common.options import current_options

_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class EmailChannel(OutboxChannel):
    """E-mail over SMTP (``smtp``; None: the messages wait in the outbox)."""

    name = "email"
    suffix = ".eml"

    def __init__(self, options: DigestOptions, smtp: SMTPConfig | None):
        self.options = options
        self.smtp = smtp

    @staticmethod
    def addresses(group: RecipientGroup, env: Mapping[str, str] | None = None) -> list[str]:
        """The group's addresses, ``${VAR}`` entries resolved (unset variables give none)."""
        env = current_options() if env is None else env
        out: list[str] = []
        for entry in group.emails:
            m = _ENV_REF.match(entry)
            values = [env.get(m.group(1), "")] if m else [entry]
            for _, addr in getaddresses(values):
                if "@" in addr and addr not in out:
                    out.append(addr)
        return out

    def render(
        self,
        alerts: list[Alert],
        *,
        group: str,
        addresses: list[str],
        digest_id: str,
        images: Mapping[str, bytes],
        now: datetime,
    ) -> list[Message]:
        """The digest as messages for the outbox (CRLF line ends): one, or several when it
        is larger than ``options.max_bytes`` (alerts/digest.py, :func:`build_digests`)."""
        parts = build_digests(
            alerts,
            group=group,
            addresses=addresses,
            digest_id=digest_id,
            options=self.options,
            images=images,
            now=now,
        )
        return [
            self.message(
                p.message,
                digest_id=p.digest_id,
                group=group,
                addresses=addresses,
                alert_ids=[a.id for a in p.alerts if a.id is not None],
            )
            for p in parts
        ]

    @staticmethod
    def message(
        msg: EmailMessage,
        *,
        digest_id: str,
        group: str,
        addresses: list[str],
        alert_ids: list[int] | None = None,
    ) -> Message:
        """An e-mail as the outbox stores it: its bytes as they go out (CRLF line ends,
        headers folded only past RFC 5322's limit)."""
        return Message(
            id=digest_id,
            group=group,
            addresses=addresses,
            subject=str(msg["Subject"]),
            message_id=str(msg["Message-ID"]),
            data=msg.as_bytes(policy=WIRE_POLICY),
            alert_ids=alert_ids or [],
        )

    def open(self) -> SMTPTransport | None:
        """A transport for this run, or None when no server is configured."""
        return SMTPTransport(self.smtp) if self.smtp is not None else None

    def send(self, transport: SMTPTransport, data: bytes, record: DigestRecord) -> list[str]:
        return sorted(transport.send(data, record.addresses))
