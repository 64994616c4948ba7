"""The outbox: each digest is on disk until a mail server has accepted it, and is sent once.

Files live in ``<data dir>/outbox/``: ``<id>.eml`` waits to be sent, ``sent/<id>.eml`` was
accepted, ``failed/<id>.eml`` was refused for good. Their state is the ``digests`` table of
the local SQLite file (crawler/stores/alert_state.py): ``queued`` -> ``sending`` -> ``sent``,
or ``failed``. Without
``ADWATCH_SMTP_URL`` digests simply stay in the outbox as ``.eml`` files (any mail program
opens them), and the first run with a server configured sends them.

**How a digest goes out.** Every step is durable before the next one starts.

1. *Queue*: the message is written to ``outbox/.tmp-<id>``, fsync'ed, renamed to
   ``outbox/<id>.eml`` and the directory fsync'ed; then one transaction records the digest
   as ``queued`` with the alerts it carries. A write or a commit that fails (disk full)
   removes the file again: its alerts wait for the next pass.
2. *Send*: one transaction records ``sending`` (and counts the attempt); then the SMTP
   transaction. The server unreachable, or a temporary refusal (4xx): back to ``queued``
   with the error, the file stays, and the next run tries again. A permanent refusal of
   the message (5xx: too big, content refused, every recipient unknown) is **set aside**:
   the file is renamed to ``outbox/failed/<id>.eml`` (directories fsync'ed), then the
   digest is marked ``failed`` with the server's answer. It is never sent again by itself
   and never deleted; the run summary counts it and ``adwatch doctor`` lists it. To try
   it again (the cause fixed), move the file back to ``outbox/``; deleting it makes its
   alerts due again (in the next digest). A refused login is not the message's fault:
   the digest waits, as in an outage. Accepted: the file is renamed to
   ``outbox/sent/<id>.eml`` (directory fsync'ed), then one transaction marks the digest
   and its alerts ``sent``. Alerts are never marked sent before a server accepted them.
3. *Recover*, at the start of every pass, looks at what a crash left behind:

   * ``outbox/.tmp-*``: a write that did not finish. Deleted.
   * ``outbox/<id>.eml`` with no digest row: written, never queued. Moved to
     ``outbox/orphaned/``; its alerts are still due and go into the next digest. Nothing
     had been sent.
   * ``sending`` with the file in ``sent/``: accepted, moved, not yet marked. Marked sent;
     no second copy.
   * ``sending`` with the file still in ``outbox/``: the crash came during the SMTP
     transaction, or after the server accepted and before the rename. SMTP has no way to
     ask a server which it was, so the digest is **sent again**, byte for byte, with the
     same ``Message-ID``. This is the only case in which a recipient can get a second copy:
     at most one extra copy per crash inside that window, which is as wide as one rename and
     one commit. Mail systems that drop repeated Message-IDs (Gmail, Sieve's
     ``duplicate`` test) show it once. Never resending would lose the digest whenever the
     crash came before the server accepted it; for alerts about trafficking a rare,
     recognisable duplicate is the lesser harm.
   * ``sending`` with the file in ``failed/``: refused for good, moved, not yet marked.
     Marked ``failed``.
   * ``failed`` with the file back in ``outbox/`` (moved there by hand): queued again.
   * ``queued``, ``sending`` or ``failed`` with the file gone from every place (deleted by
     hand): the digest is forgotten and its alerts are due again.

Fault injection: with ``ADWATCH_TEST_KILL_AFTER_SMTP=1`` in the environment the process
kills itself (SIGKILL) right after the first message a server accepts, before the rename
and the mark: the test suite uses it to prove the recovery above.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from alerts.transport import SendError
from crawler.common.clock import utc_text
from crawler.common.options import current_options

__all__ = ["Delivery", "DigestRecord", "Outbox", "OutboxState", "Recovery"]

KILL_AFTER_SMTP = "ADWATCH_TEST_KILL_AFTER_SMTP"


@dataclass
class DigestRecord:
    """One digest of the outbox (a row of the ``digests`` table)."""

    id: str
    channel: str
    group: str
    addresses: list[str]
    subject: str
    message_id: str
    file: str
    created_at: str
    status: str = "queued"
    attempts: int = 0
    last_error: str | None = None
    sent_at: str | None = None
    alert_count: int = 0


class OutboxState(Protocol):
    """Where the outbox keeps its state (the SQLite store implements it)."""

    def add_digest(self, record: DigestRecord, alert_ids: list[int]) -> None: ...

    def digests(self, statuses: Iterable[str] | None = None) -> list[DigestRecord]: ...

    def set_digest_status(
        self, digest_id: str, status: str, *, error: str | None = None, attempt: bool = False
    ) -> None: ...

    def mark_digest_sent(self, digest_id: str, at: str) -> None: ...

    def drop_digest(self, digest_id: str) -> None: ...


@dataclass
class Recovery:
    """What :meth:`Outbox.recover` found."""

    marked_sent: int = 0  # accepted before a crash, marked now
    resend: int = 0  # interrupted while sending: sent again (same Message-ID)
    orphaned: int = 0  # files never queued, moved to outbox/orphaned/
    forgotten: int = 0  # digests whose file was deleted: alerts due again
    set_aside: int = 0  # refused for good before a crash, marked failed now
    requeued: int = 0  # set-aside digests moved back to outbox/ by hand


@dataclass
class Delivery:
    """What :meth:`Outbox.deliver` did."""

    sent: int = 0
    failed: int = 0  # not accepted this time (set aside or to be tried again)
    set_aside: int = 0  # of those, refused for good: moved to outbox/failed/
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # recipients a server refused
    sent_groups: list[str] = field(default_factory=list)  # the group of each one sent
    set_aside_groups: list[str] = field(default_factory=list)  # of each one set aside


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Outbox:
    """Digest files in ``directory`` and their state in ``state``."""

    def __init__(self, directory: str | os.PathLike[str], state: OutboxState):
        self.dir = Path(directory)
        self.sent_dir = self.dir / "sent"
        self.failed_dir = self.dir / "failed"
        self.state = state

    def path(self, record: DigestRecord) -> Path:
        return self.dir / record.file

    def sent_path(self, record: DigestRecord) -> Path:
        return self.sent_dir / record.file

    def failed_path(self, record: DigestRecord) -> Path:
        return self.failed_dir / record.file

    def queue(self, record: DigestRecord, data: bytes, alert_ids: list[int]) -> Path:
        """Write the digest durably, then record it as queued (step 1)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".tmp-{record.file}"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            tmp.unlink(missing_ok=True)  # disk full: no partial file is left behind
            raise
        final = self.path(record)
        os.replace(tmp, final)
        _fsync_dir(self.dir)
        try:
            self.state.add_digest(record, alert_ids)
        except Exception:
            final.unlink(missing_ok=True)  # never queued: its alerts go into the next digest
            raise
        return final

    def recover(self) -> Recovery:
        """Put the outbox back in order after a crash (step 3)."""
        found = Recovery()
        if not self.dir.is_dir():
            return found
        for tmp in self.dir.glob(".tmp-*"):
            tmp.unlink(missing_ok=True)
        known: set[str] = set()
        for record in self.state.digests():
            known.add(record.file)
            if record.status == "sent":
                continue
            waiting, sent = self.path(record).exists(), self.sent_path(record).exists()
            refused = self.failed_path(record).exists()
            if record.status == "failed":
                if waiting:
                    self.state.set_digest_status(record.id, "queued")
                    found.requeued += 1
                elif not refused:
                    self.state.drop_digest(record.id)
                    found.forgotten += 1
                continue
            if sent and not waiting:
                self.state.mark_digest_sent(record.id, utc_text())
                found.marked_sent += 1
            elif refused and not waiting:
                self.state.set_digest_status(record.id, "failed")
                found.set_aside += 1
            elif not waiting:
                self.state.drop_digest(record.id)
                found.forgotten += 1
            elif record.status == "sending":
                self.state.set_digest_status(
                    record.id,
                    "queued",
                    error="interrupted while sending; sent again with the same Message-ID",
                )
                found.resend += 1
        for path in self.dir.glob("*.eml"):
            if path.name not in known:
                orphans = self.dir / "orphaned"
                orphans.mkdir(exist_ok=True)
                os.replace(path, orphans / path.name)
                found.orphaned += 1
        return found

    def deliver(self, send: Callable[[bytes, DigestRecord], list[str]]) -> Delivery:
        """Send every queued digest, oldest first (step 2). ``send(data, record)`` returns
        the recipients the server refused, or raises
        :class:`alerts.transport.SendError`. Stops at the first connection failure: the
        server is down, the rest waits for the next run. A permanent refusal of a message
        sets it aside (:meth:`set_aside`); the others still go."""
        done = Delivery()
        for record in self.state.digests(["queued"]):
            path = self.path(record)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue  # recover() deals with it on the next pass
            self.state.set_digest_status(record.id, "sending", attempt=True)
            try:
                refused = send(data, record)
            except SendError as exc:
                done.failed += 1
                if exc.temporary or exc.connection:
                    self.state.set_digest_status(record.id, "queued", error=str(exc))
                    done.errors.append(f"{record.file}: {exc}")
                else:
                    self.set_aside(record, str(exc))
                    done.set_aside += 1
                    done.set_aside_groups.append(record.group)
                    done.errors.append(f"{record.file}: {exc}; set aside in outbox/failed/")
                if exc.connection:
                    break
                continue
            if current_options().get(KILL_AFTER_SMTP) == "1":
                os.kill(os.getpid(), signal.SIGKILL)
            self.sent_dir.mkdir(parents=True, exist_ok=True)
            os.replace(path, self.sent_path(record))
            _fsync_dir(self.sent_dir)
            _fsync_dir(self.dir)
            self.state.mark_digest_sent(record.id, utc_text())
            done.sent += 1
            done.sent_groups.append(record.group)
            done.refused.extend(refused)
        return done

    def set_aside(self, record: DigestRecord, error: str) -> None:
        """A message refused for good: moved to ``outbox/failed/``, then marked ``failed``."""
        self.failed_dir.mkdir(parents=True, exist_ok=True)
        os.replace(self.path(record), self.failed_path(record))
        _fsync_dir(self.failed_dir)
        _fsync_dir(self.dir)
        self.state.set_digest_status(record.id, "failed", error=error)

    def waiting(self) -> list[DigestRecord]:
        """Digests in the outbox not yet accepted by a server."""
        return self.state.digests(["queued", "sending"])

    def set_aside_digests(self) -> list[DigestRecord]:
        """Digests a server refused for good, in ``outbox/failed/``."""
        return self.state.digests(["failed"])
