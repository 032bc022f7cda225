"""What a mailbox client is (`imap.py`, `pop3.py`, `local_mailbox.py`), for `mailbox.scan_mailbox`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bouncewarden.config_mail import AfterScan, MailboxSettings
from bouncewarden.sources.mail_intake import MailResult
from bouncewarden.store.mail_sources import MailSourceLedger

__all__ = ["MailboxClient", "MessageRef", "wants_action"]


@dataclass(frozen=True, slots=True)
class MessageRef:
    """One message in a mailbox: a key stable across sessions, and its IMAP UID if any."""

    key: str
    uid: int | None = None


class MailboxClient(Protocol):
    """One open mailbox (see `sources.mailbox` for how a scan uses it)."""

    def pending(self, ledger: MailSourceLedger) -> list[MessageRef]:
        """The messages not handled yet, oldest first."""
        ...

    def fetch(self, refs: Sequence[MessageRef]) -> list[bytes]:
        """The raw messages, in the order of `refs`."""
        ...

    def finish(self, ref: MessageRef, result: MailResult) -> None:
        """Act on a committed message: the configured action for feedback, else leave or file it."""
        ...

    def save_position(self, ledger: MailSourceLedger, handled: Sequence[MessageRef], now: datetime) -> None:
        """Carry out the actions `finish` noted, then remember that `handled` (a prefix of
        `pending()`) is done."""
        ...


def wants_action(settings: MailboxSettings, result: MailResult) -> AfterScan | None:
    """What to do with a committed message: the mailbox's action for feedback, None otherwise."""
    return settings.after if result.is_feedback else None
