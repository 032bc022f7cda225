"""Local mailboxes for `scan_mailbox`: a Maildir folder or an mbox file on this machine.

A Maildir (see the qmail `maildir(5)` page) is read through Python's `mailbox.Maildir`: its
keys are the files' unique names, stable while a message moves from `new/` to `cur/`. After
the commit feedback is moved to the Maildir++ subfolder `move_to`, flagged (`S`, seen),
deleted, or kept; other mail stays, or goes to the subfolder `not_feedback_to`.

An mbox file is only read (another program appends to it, and rewriting it safely needs that
program's locking): a message is known by the SHA-256 of its bytes.

Messages left in place are remembered in `mailbox_seen` and skipped by the next scan.
"""

from __future__ import annotations

import hashlib
import mailbox
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from bouncewarden.config_mail import AfterScan, MailboxKind, MailboxSettings
from bouncewarden.errors import SourceError
from bouncewarden.sources.mail_intake import MailResult
from bouncewarden.sources.mailbox_client import MessageRef, wants_action
from bouncewarden.store.mail_sources import MailSourceLedger

__all__ = ["LocalMailbox"]


class LocalMailbox:
    """A Maildir or mbox opened for one scan."""

    def __init__(self, settings: MailboxSettings, box: mailbox.Maildir | mailbox.mbox) -> None:
        self._settings = settings
        self._box = box
        self._keys: dict[str, Any] = {}  # stable key -> the mailbox module's key (str or int)
        self._kept: list[str] = []

    @classmethod
    def open(cls, settings: MailboxSettings) -> LocalMailbox:
        """Open the Maildir or mbox the settings name (it must exist)."""
        path = settings.path
        if path is None or not path.exists():
            raise SourceError(f"mailbox {settings.name}: {path} does not exist")
        try:
            if settings.kind is MailboxKind.MAILDIR:
                return cls(settings, mailbox.Maildir(path, factory=None, create=False))
            return cls(settings, mailbox.mbox(path, factory=None, create=False))
        except mailbox.Error as err:
            raise SourceError(
                f"mailbox {settings.name}: {path} cannot be read as a {settings.kind}: {err}"
            ) from err

    def __enter__(self) -> LocalMailbox:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._box.close()

    def pending(self, ledger: MailSourceLedger) -> list[MessageRef]:
        """Messages not yet read and left in place."""
        try:
            for key in self._box.iterkeys():
                self._keys[self._stable_key(key)] = key
        except mailbox.Error as err:
            raise SourceError(f"mailbox {self._settings.name}: {err}") from err
        seen = ledger.seen(self._settings.name)
        ledger.forget_seen(self._settings.name, seen - set(self._keys))
        return [MessageRef(stable) for stable in self._keys if stable not in seen]

    def _stable_key(self, key: Any) -> str:
        if isinstance(self._box, mailbox.Maildir):
            return str(key)
        return hashlib.sha256(self._box.get_bytes(key)).hexdigest()

    def fetch(self, refs: Sequence[MessageRef]) -> list[bytes]:
        """The messages' bytes."""
        return [self._fetch_one(ref) for ref in refs]

    def _fetch_one(self, ref: MessageRef) -> bytes:
        try:
            return self._box.get_bytes(self._keys[ref.key])
        except (KeyError, OSError) as err:
            raise SourceError(f"mailbox {self._settings.name}: cannot read {ref.key}: {err}") from err

    def finish(self, ref: MessageRef, result: MailResult) -> None:
        """Move, flag, delete or keep (Maildir); keep (mbox)."""
        box, key = self._box, self._keys[ref.key]
        action = wants_action(self._settings, result)
        if not isinstance(box, mailbox.Maildir) or action is AfterScan.KEEP:
            self._kept.append(ref.key)
        elif action is AfterScan.MOVE:
            self._move(box, key, self._settings.move_to)
        elif action is AfterScan.FLAG:
            message = box.get_message(key)
            message.set_subdir("cur")
            message.add_flag("S")
            box[key] = message
            self._kept.append(ref.key)
        elif action is AfterScan.DELETE:
            box.remove(key)
        elif self._settings.not_feedback_to:
            self._move(box, key, self._settings.not_feedback_to)
        else:
            self._kept.append(ref.key)

    @staticmethod
    def _move(box: mailbox.Maildir, key: str, folder: str) -> None:
        target = box.get_folder(folder) if folder in box.list_folders() else box.add_folder(folder)
        target.add(box.get_message(key))
        box.remove(key)

    def save_position(self, ledger: MailSourceLedger, handled: Sequence[MessageRef], now: datetime) -> None:
        """Remember the messages left in place."""
        ledger.mark_seen(self._settings.name, self._kept, now)
        self._kept.clear()
