"""The outbox's exactly-once protocol (alerts/outbox.py), step by step, with a recording
sender in place of SMTP and the real SQLite state."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest

from alerts.channels import Channel, Message, OutboxChannel
from alerts.ledger import Alert, Decision
from alerts.outbox import DigestRecord, Outbox, Recovery
from alerts.transport import SendError
from crawler.stores.sqlite import SQLiteStore

NOW = datetime(2026, 11, 1, tzinfo=UTC).isoformat()


class Sender:
    def __init__(self, fail: SendError | None = None):
        self.sent: list[tuple[bytes, str]] = []
        self.fail = fail

    def __call__(self, data: bytes, record: DigestRecord) -> list[str]:
        if self.fail is not None:
            raise self.fail
        self.sent.append((data, record.id))
        return []


@pytest.fixture
def state(tmp_path):
    store = SQLiteStore(tmp_path / "adwatch.sqlite3")
    yield store.alerts
    store.close()


def queue_digests(state, outbox, groups=("labour", "escort")) -> dict[str, list[int]]:
    alerts = [
        Alert(f"r|ad:{i}", "r", "rule", "high", f"ad{i}", f"ad:{i}", list(groups), NOW, {"ad": {}})
        for i in range(2)
    ]
    state.commit_decision(Decision(alerts=alerts), [], [])
    ids = [a.id for a in alerts]
    for group in groups:
        record = DigestRecord(
            id=f"d-{group}",
            channel="email",
            group=group,
            addresses=[f"{group}@example.org"],
            subject="s",
            message_id=f"<d-{group}@x>",
            file=f"d-{group}.eml",
            created_at=NOW,
        )
        outbox.queue(record, f"Message-ID: <d-{group}@x>\r\n\r\n{group}\r\n".encode(), ids)
    return {g: ids for g in groups}


def statuses(state) -> dict[str, str]:
    return {d.id: d.status for d in state.digests()}


def test_alerts_are_sent_only_when_every_group_has_its_digest_accepted(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox)
    assert {a.status for a in state.list_alerts()} == {"queued"}
    assert sorted(p.name for p in (tmp_path / "outbox").glob("*.eml")) == [
        "d-escort.eml",
        "d-labour.eml",
    ]
    sender = Sender()
    done = outbox.deliver(sender)
    assert done.sent == 2 and sorted(r for _, r in sender.sent) == ["d-escort", "d-labour"]
    assert statuses(state) == {"d-labour": "sent", "d-escort": "sent"}
    assert {a.status for a in state.list_alerts()} == {"sent"}
    assert not list((tmp_path / "outbox").glob("*.eml"))
    assert len(list((tmp_path / "outbox" / "sent").glob("*.eml"))) == 2
    assert outbox.deliver(Sender()).sent == 0  # nothing twice


def test_an_unreachable_server_leaves_everything_for_the_next_run(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox)
    down = Sender(SendError("connection refused", connection=True))
    done = outbox.deliver(down)
    assert (done.sent, done.failed) == (0, 1)  # stops at the first connection failure
    assert statuses(state) == {"d-labour": "queued", "d-escort": "queued"}
    assert [d.attempts for d in state.digests()] == [1, 0]
    assert state.digests(["queued"])[0].last_error == "connection refused"
    sender = Sender()
    assert outbox.deliver(sender).sent == 2 and len(sender.sent) == 2


def test_a_refused_message_does_not_hold_up_the_others(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox)
    calls = []

    def picky(data, record):
        calls.append(record.id)
        if record.group == "labour":
            raise SendError("550 mailbox unavailable", temporary=False)
        return []

    done = outbox.deliver(picky)
    assert (done.sent, done.failed, sorted(calls)) == (1, 1, ["d-escort", "d-labour"])
    assert done.set_aside == 1 and "set aside" in done.errors[0]
    # refused for good: set aside, never sent again, never deleted
    assert statuses(state) == {"d-labour": "failed", "d-escort": "sent"}
    assert (tmp_path / "outbox" / "failed" / "d-labour.eml").exists()
    assert [d.last_error for d in outbox.set_aside_digests()] == ["550 mailbox unavailable"]
    assert outbox.waiting() == [] and outbox.recover() == Recovery()
    assert outbox.deliver(picky).failed == 0 and len(calls) == 2
    assert {a.status for a in state.list_alerts()} == {"set_aside"}  # labour's never went


def test_a_temporary_refusal_is_tried_again(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox, groups=("labour",))
    done = outbox.deliver(Sender(SendError("452 mailbox full", temporary=True)))
    assert (done.failed, done.set_aside) == (1, 0)
    assert statuses(state) == {"d-labour": "queued"}
    assert outbox.deliver(Sender()).sent == 1


def test_a_refused_login_is_not_the_messages_fault(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox)
    login = SendError("login refused (535)", temporary=False, connection=True)
    done = outbox.deliver(Sender(login))
    assert (done.failed, done.set_aside) == (1, 0)
    assert statuses(state) == {"d-labour": "queued", "d-escort": "queued"}


def test_crash_after_setting_aside_is_marked_failed(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox, groups=("labour",))
    state.set_digest_status("d-labour", "sending", attempt=True)
    (tmp_path / "outbox" / "failed").mkdir()
    (tmp_path / "outbox" / "d-labour.eml").rename(tmp_path / "outbox" / "failed" / "d-labour.eml")
    found = outbox.recover()
    assert (found.set_aside, found.forgotten, found.resend) == (1, 0, 0)
    assert statuses(state) == {"d-labour": "failed"}
    assert {a.status for a in state.list_alerts()} == {"set_aside"}
    sender = Sender()
    assert outbox.deliver(sender).sent == 0 and sender.sent == []


def test_alerts_of_a_set_aside_digest_are_listed_as_set_aside_until_it_is_sent(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox, groups=("labour",))
    done = outbox.deliver(Sender(SendError("552 too big", temporary=False)))
    assert (done.set_aside, done.set_aside_groups, done.sent_groups) == (1, ["labour"], [])
    assert [a.status for a in state.list_alerts()] == ["set_aside", "set_aside"]
    assert len(state.list_alerts(status="set_aside")) == 2
    assert state.list_alerts(status="queued") == []
    # moved back by hand: queued again, then sent
    failed = tmp_path / "outbox" / "failed" / "d-labour.eml"
    failed.rename(tmp_path / "outbox" / "d-labour.eml")
    assert outbox.recover().requeued == 1
    assert {a.status for a in state.list_alerts()} == {"queued"}
    done = outbox.deliver(Sender())
    assert (done.sent, done.sent_groups) == (1, ["labour"])
    assert {a.status for a in state.list_alerts()} == {"sent"}


def test_a_set_aside_digest_moved_back_is_sent_and_one_deleted_gives_its_alerts_back(
    state, tmp_path
):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox)
    outbox.deliver(Sender(SendError("552 too big", temporary=False)))
    assert statuses(state) == {"d-labour": "failed", "d-escort": "failed"}
    failed = tmp_path / "outbox" / "failed"
    (failed / "d-labour.eml").rename(tmp_path / "outbox" / "d-labour.eml")
    (failed / "d-escort.eml").unlink()
    found = outbox.recover()
    assert (found.requeued, found.forgotten) == (1, 1)
    sender = Sender()
    assert outbox.deliver(sender).sent == 1 and [r for _, r in sender.sent] == ["d-labour"]
    assert list(state.undelivered_alerts()) == ["escort"]


def test_crash_after_the_move_is_marked_sent_without_a_second_copy(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox, groups=("labour",))
    state.set_digest_status("d-labour", "sending", attempt=True)
    (tmp_path / "outbox" / "sent").mkdir()
    (tmp_path / "outbox" / "d-labour.eml").rename(tmp_path / "outbox" / "sent" / "d-labour.eml")
    found = outbox.recover()
    assert (found.marked_sent, found.resend) == (1, 0)
    assert statuses(state) == {"d-labour": "sent"}
    sender = Sender()
    assert outbox.deliver(sender).sent == 0 and sender.sent == []


def test_crash_during_or_right_after_the_smtp_transaction_sends_the_same_bytes_again(
    state, tmp_path
):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox, groups=("labour",))
    original = (tmp_path / "outbox" / "d-labour.eml").read_bytes()
    state.set_digest_status("d-labour", "sending", attempt=True)  # then the process died
    found = outbox.recover()
    assert found.resend == 1
    sender = Sender()
    assert outbox.deliver(sender).sent == 1
    assert sender.sent == [(original, "d-labour")]  # same Message-ID, same bytes
    assert statuses(state) == {"d-labour": "sent"}
    assert outbox.recover().resend == 0


def test_leftovers_of_an_interrupted_queue_are_cleared(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox, groups=("labour",))
    (tmp_path / "outbox" / ".tmp-d-x.eml").write_bytes(b"half")
    (tmp_path / "outbox" / "d-never-queued.eml").write_bytes(b"x")
    found = outbox.recover()
    assert found.orphaned == 1
    assert not (tmp_path / "outbox" / ".tmp-d-x.eml").exists()
    assert (tmp_path / "outbox" / "orphaned" / "d-never-queued.eml").exists()
    sender = Sender()
    outbox.deliver(sender)
    assert [r for _, r in sender.sent] == ["d-labour"]


def test_a_digest_whose_file_was_deleted_gives_its_alerts_back(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    queue_digests(state, outbox, groups=("labour",))
    (tmp_path / "outbox" / "d-labour.eml").unlink()
    assert outbox.recover().forgotten == 1
    assert state.digests() == []
    waiting = state.undelivered_alerts()
    assert list(waiting) == ["labour"] and len(waiting["labour"]) == 2
    assert {a.status for a in state.list_alerts()} == {"pending"}


class RecordingChannel(OutboxChannel):
    """A channel of its own: what a new way of reaching people implements."""

    name = "recording"
    suffix = ".msg"

    def __init__(self, answers: dict[str, SendError] | None = None, configured: bool = True):
        self.answers = answers or {}
        self.configured = configured
        self.delivered: list[str] = []

    def open(self) -> contextlib.AbstractContextManager | None:
        return contextlib.nullcontext(self) if self.configured else None

    def send(self, transport, data: bytes, record: DigestRecord) -> list[str]:
        if record.group in self.answers:
            raise self.answers[record.group]
        self.delivered.append(data.decode())
        return []


def test_a_channel_queues_and_delivers_with_the_outboxs_rules(state, tmp_path):
    outbox = Outbox(tmp_path / "outbox", state)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    channel: Channel = RecordingChannel(configured=False)
    for group in ("labour", "escort", "ops"):
        message = Message(f"m-{group}", group, [f"{group}@example.org"], "s", f"<{group}@x>", b"hi")
        channel.queue(outbox, message, now)
    assert sorted(p.name for p in (tmp_path / "outbox").glob("*.msg")) == [
        "m-escort.msg",
        "m-labour.msg",
        "m-ops.msg",
    ]
    assert channel.deliver(outbox) is None and len(outbox.waiting()) == 3  # no transport

    channel = RecordingChannel(
        {
            "labour": SendError("452 try later", temporary=True),
            "ops": SendError("554 refused", temporary=False),
        }
    )
    done = channel.deliver(outbox)
    assert done is not None and channel.delivered == ["hi"]
    assert (done.sent_groups, done.set_aside_groups, done.failed) == (["escort"], ["ops"], 2)
    assert statuses(state) == {"m-labour": "queued", "m-escort": "sent", "m-ops": "failed"}
    assert (tmp_path / "outbox" / "failed" / "m-ops.msg").exists()
    assert [d.channel for d in state.digests()] == ["recording"] * 3
