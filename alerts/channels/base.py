"""The channel protocol: how a message reaches people through the outbox.

Every way of reaching people is one module with one class that implements :class:`Channel`
(``email`` for now). ``queue`` puts a rendered :class:`Message` in the outbox, durably, and
``deliver`` sends everything the outbox holds, with the outbox's rules (alerts/outbox.py):
a server that is down or answers 4xx leaves the message waiting for the next run, one that
refuses it for good (5xx) has it set aside in ``outbox/failed/``. Alert digests
(alerts/alertpass.py) and the operator e-mail (crawler/health/healthpass.py) both go this
way, so both report a message that was set aside as such.

:class:`OutboxChannel` implements the protocol over :class:`alerts.outbox.Outbox`; a
channel supplies only its transport (``open``) and how one stored message goes out
(``send``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

from alerts.outbox import Delivery, DigestRecord, Outbox

__all__ = ["Channel", "Message", "OutboxChannel"]


@dataclass
class Message:
    """One message for one recipient group, rendered, as the outbox stores it."""

    id: str  # the file's name in the outbox, without the channel's suffix
    group: str
    addresses: list[str]
    subject: str
    message_id: str
    data: bytes
    alert_ids: list[int] = field(default_factory=list)  # the alerts it carries


class Channel(Protocol):
    """A way of reaching people, queued in and delivered from the outbox."""

    @property
    def name(self) -> str:
        """The channel's name in the outbox's records (``email``)."""
        ...

    def queue(self, outbox: Outbox, message: Message, now: datetime) -> Path:
        """Write ``message`` to the outbox and record it as queued; its path."""
        ...

    def deliver(self, outbox: Outbox) -> Delivery | None:
        """Send every message the outbox holds; None when the channel has no transport
        configured (the messages then wait)."""
        ...


class OutboxChannel:
    """:class:`Channel` over the outbox: a subclass gives ``name``, ``suffix`` (its files'
    extension), ``open`` and ``send``."""

    name: ClassVar[str]
    suffix: ClassVar[str]

    def open(self) -> AbstractContextManager[Any] | None:
        """A transport for this run (a context manager), or None when none is configured."""
        raise NotImplementedError

    def send(self, transport: Any, data: bytes, record: DigestRecord) -> list[str]:
        """Send one stored message; the recipients refused, or raises
        :class:`alerts.transport.SendError`."""
        raise NotImplementedError

    def record(self, message: Message, now: datetime) -> DigestRecord:
        """The outbox's row for ``message``."""
        return DigestRecord(
            id=message.id,
            channel=self.name,
            group=message.group,
            addresses=message.addresses,
            subject=message.subject,
            message_id=message.message_id,
            file=message.id + self.suffix,
            created_at=now.isoformat(timespec="seconds"),
        )

    def queue(self, outbox: Outbox, message: Message, now: datetime) -> Path:
        return outbox.queue(self.record(message, now), message.data, message.alert_ids)

    def deliver(self, outbox: Outbox) -> Delivery | None:
        transport = self.open()
        if transport is None:
            return None
        with transport:
            return outbox.deliver(lambda data, record: self.send(transport, data, record))
