"""Mailbox scanning: bounces read from where they land (IMAP, POP3, a Maildir, an mbox).

`scan_mailbox` is the one loop every kind of mailbox runs; a `MailboxClient` knows only its
transport (`imap.py`, `pop3.py`, `local_mailbox.py`):

1. the client lists the messages not handled yet (IMAP: UIDs above the stored cursor under
   the same UIDVALIDITY; the others: keys not in the "seen" set);
2. a batch of them is fetched (IMAP: one `UID FETCH` with `BODY.PEEK[]`, so nothing is
   marked read) and handed to the `MailRecorder`;
3. only for a committed message does the client act: feedback is moved, flagged, deleted
   or kept as the mailbox says; anything else (not feedback, quarantined) stays where it is,
   or goes to `not_feedback_to`, and is never deleted;
4. the actions are carried out (IMAP: one `UID MOVE`/`STORE` per batch) and the position is
   saved (cursor, or the keys left in place), so the next scan starts after it.

A scan stopped anywhere (SIGKILL included) loses nothing and doubles nothing: a message is
acted on only after its commit, and one read again is a duplicate the store ignores. When the
store is unavailable the scan stops at that message and leaves it for the next scan.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config_mail import MailboxKind, MailboxSettings
from bouncewarden.errors import BouncewardenError
from bouncewarden.sources.mail_intake import MailRecorder, ReceivedMail
from bouncewarden.sources.mailbox_client import MailboxClient, MessageRef
from bouncewarden.store.mail_sources import MailSourceLedger, SourceState

__all__ = ["MAILBOX_KIND", "ScanReport", "open_client", "scan_mailbox"]

MAILBOX_KIND = "mailbox"
_BATCH = 25
_log = logging.getLogger(__name__)


@dataclass(slots=True)
class ScanReport:
    """What one scan did."""

    mailbox: str
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def count(self, name: str, amount: int = 1) -> None:
        """Add to a named count."""
        self.counts[name] = self.counts.get(name, 0) + amount

    def line(self) -> str:
        """One line for people."""
        parts = ", ".join(f"{name} {value}" for name, value in sorted(self.counts.items())) or "nothing new"
        return f"{self.mailbox}: {parts}" + (f" (stopped: {self.error})" if self.error else "")


def open_client(settings: MailboxSettings) -> AbstractContextManager[MailboxClient]:
    """A connected client for the mailbox (closed when the `with` block ends)."""
    if settings.kind is MailboxKind.IMAP:
        from bouncewarden.sources.imap import ImapClient

        return ImapClient.connect(settings)
    if settings.kind is MailboxKind.POP3:
        from bouncewarden.sources.pop3 import Pop3Client

        return Pop3Client.connect(settings)
    from bouncewarden.sources.local_mailbox import LocalMailbox

    return LocalMailbox.open(settings)


def _batches(refs: Sequence[MessageRef]) -> Iterator[Sequence[MessageRef]]:
    for start in range(0, len(refs), _BATCH):
        yield refs[start : start + _BATCH]


def scan_mailbox(
    settings: MailboxSettings,
    recorder: MailRecorder,
    ledger: MailSourceLedger,
    *,
    clock: Clock = system_clock,
) -> ScanReport:
    """Read every new message of the mailbox once (see the module docstring)."""
    report = ScanReport(settings.name)
    source = f"{MAILBOX_KIND}:{settings.name}"
    last_seen: datetime | None = None
    try:
        with open_client(settings) as client:
            for batch in _batches(client.pending(ledger)):
                mails = [
                    ReceivedMail(data, f"{settings.kind}:{settings.name}/{ref.key}", source, clock())
                    for ref, data in zip(batch, client.fetch(batch), strict=True)
                ]
                results = recorder.record_mail(mails)
                handled: list[MessageRef] = []
                for ref, result in zip(batch, results, strict=True):
                    if not result.committed:
                        report.error = f"store unavailable: {result.detail}"
                        break
                    client.finish(ref, result)
                    report.count(result.outcome.value)
                    handled.append(ref)
                    last_seen = clock()
                client.save_position(ledger, handled, clock())
                if report.error:
                    break
    except (OSError, BouncewardenError) as err:  # unreachable, refused, misconfigured: said, not raised
        report.error = (
            str(err) if isinstance(err, BouncewardenError) else f"{settings.kind} {settings.name}: {err}"
        )
        _log.warning("mailbox %s: %s", settings.name, err)
    _save_status(ledger, settings, report, last_seen, clock())
    return report


def _save_status(
    ledger: MailSourceLedger,
    settings: MailboxSettings,
    report: ScanReport,
    last_seen: datetime | None,
    now: datetime,
) -> None:
    name = f"{MAILBOX_KIND}:{settings.name}"
    try:
        previous = {state.name: state for state in ledger.states(MAILBOX_KIND)}.get(name)
        counts = dict(previous.counts) if previous else {}
        for key, value in report.counts.items():
            counts[key] = counts.get(key, 0) + value
        counts["scans"] = counts.get("scans", 0) + 1
        ledger.save_state(
            SourceState(
                name=name,
                kind=MAILBOX_KIND,
                counts=counts,
                started_at=previous.started_at if previous else now,
                last_seen_at=last_seen or (previous.last_seen_at if previous else None),
                last_error=report.error if report.error else (previous.last_error if previous else None),
                last_error_at=now if report.error else (previous.last_error_at if previous else None),
                updated_at=now,
            )
        )
    except Exception as err:  # the store may be down: the scan's own result still stands
        _log.warning("mailbox %s: could not save its status: %s", settings.name, err)
