"""The e-mail channel: digests built by alerts/digest.py, sent by alerts/transport.py.

Addresses come from the recipient groups of ``rules.yaml``; an entry ``${VAR}`` is read
from the environment when the digest is built (several addresses may be separated by
commas). Without ``ADWATCH_SMTP_URL`` the channel has no transport and digests wait in the
outbox as ``.eml`` files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses

from alerts.digest import DigestOptions, build_digests
from alerts.ledger import Alert
from alerts.outbox import DigestRecord
from alerts.rules import RecipientGroup
from alerts.transport import SMTPConfig, SMTPTransport

_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass
class Rendered:
    """One message of a digest, as the outbox stores it."""

    digest_id: str
    data: bytes
    subject: str
    message_id: str
    alerts: list[Alert]


class EmailChannel:
    name = "email"
    suffix = ".eml"

    def __init__(self, options: DigestOptions, smtp: SMTPConfig | None):
        self.options = options
        self.smtp = smtp

    @staticmethod
    def addresses(group: RecipientGroup, env: Mapping[str, str] | None = None) -> list[str]:
        """The group's addresses, ``${VAR}`` entries resolved (unset variables give none)."""
        env = os.environ if env is None else env
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
    ) -> list[Rendered]:
        """The digest as bytes (CRLF line ends): one message, or several when it is larger
        than ``options.max_bytes`` (alerts/digest.py, :func:`build_digests`)."""
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
            Rendered(
                p.digest_id,
                p.wire_bytes(),
                str(p.message["Subject"]),
                str(p.message["Message-ID"]),
                p.alerts,
            )
            for p in parts
        ]

    def open(self) -> SMTPTransport | None:
        """A transport for this run, or None when no server is configured."""
        return SMTPTransport(self.smtp) if self.smtp is not None else None

    @staticmethod
    def send(transport: SMTPTransport, data: bytes, record: DigestRecord) -> list[str]:
        return sorted(transport.send(data, record.addresses))
