"""Alert channels: one module per way of reaching people (``email`` for now).

A channel turns a recipient group's due alerts into one message (:meth:`render`), and
delivers the stored bytes of that message (:meth:`open`, then ``send``). The outbox
(alerts/outbox.py) keeps the messages between the two and makes delivery exactly-once,
whatever the channel.
"""

from alerts.channels.email import EmailChannel

CHANNELS = {EmailChannel.name: EmailChannel}

__all__ = ["CHANNELS", "EmailChannel"]
