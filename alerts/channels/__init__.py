"""Alert channels: one module per way of reaching people (``email`` for now).

A channel turns a recipient group's due alerts into messages (``render``), queues them in
the outbox and delivers what the outbox holds (the :class:`Channel` protocol,
alerts/channels/base.py). The outbox (alerts/outbox.py) keeps each message between the two
and makes delivery exactly-once, whatever the channel.
"""

from alerts.channels.base import Channel, Message, OutboxChannel
from alerts.channels.email import EmailChannel

CHANNELS = {EmailChannel.name: EmailChannel}

__all__ = ["CHANNELS", "Channel", "EmailChannel", "Message", "OutboxChannel"]
