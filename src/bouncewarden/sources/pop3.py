"""POP3 mailboxes (RFC 1939) for `scan_mailbox`, over TLS or STLS (RFC 2595).

POP3 has no folders and no flags: a message is either deleted after its commit
(`after = "delete"`) or kept (`after = "keep"`). Messages are known by their `UIDL` (RFC 1939
section 7); the ones left on the server are remembered in `mailbox_seen`, so a second scan
skips them, and forgotten once they are gone. `DELE` takes effect only at `QUIT`: a scan
killed before it leaves every message on the server, and the next scan finds them
duplicates and deletes them then.
"""

from __future__ import annotations

import poplib
import ssl
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType

from bouncewarden.config_mail import AfterScan, MailboxSecurity, MailboxSettings
from bouncewarden.errors import SourceError
from bouncewarden.sources.mail_intake import MailResult
from bouncewarden.sources.mailbox_client import MessageRef, wants_action
from bouncewarden.store.mail_sources import MailSourceLedger

__all__ = ["Pop3Client"]

_TIMEOUT = 60.0


class Pop3Client:
    """One logged-in POP3 session."""

    def __init__(self, settings: MailboxSettings, connection: poplib.POP3) -> None:
        self._settings = settings
        self._pop = connection
        self._numbers: dict[str, int] = {}
        self._kept: list[str] = []
        self._on_server: set[str] = set()

    @classmethod
    def connect(cls, settings: MailboxSettings) -> Pop3Client:
        """Connect and log in."""
        host, port = str(settings.host), settings.resolved_port
        password = settings.password()  # before connecting: a missing password is a settings error
        context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
        try:
            if settings.security is MailboxSecurity.TLS:
                connection: poplib.POP3 = poplib.POP3_SSL(host, port, context=context, timeout=_TIMEOUT)
            else:
                connection = poplib.POP3(host, port, timeout=_TIMEOUT)
        except poplib.error_proto as err:
            raise SourceError(f"POP3 {host}:{port}: {err}") from err
        try:
            if settings.security is MailboxSecurity.STARTTLS:
                connection.stls(context=context)
            connection.user(str(settings.username))
            connection.pass_(password)
        except (poplib.error_proto, OSError) as err:
            connection.close()
            raise SourceError(f"POP3 {host}:{port}: {err}") from err
        return cls(settings, connection)

    def __enter__(self) -> Pop3Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            self._pop.quit()  # commits the DELEs
        except (poplib.error_proto, OSError):
            self._pop.close()

    def pending(self, ledger: MailSourceLedger) -> list[MessageRef]:
        """Messages whose UIDL is not among those already read and kept."""
        try:
            _, lines, _ = self._pop.uidl()
        except poplib.error_proto as err:
            raise SourceError(f"POP3 UIDL: {err}") from err
        for line in lines:
            number, _, uid = line.decode("ascii", "replace").partition(" ")
            self._numbers[uid] = int(number)
        self._on_server = set(self._numbers)
        seen = ledger.seen(self._settings.name)
        ledger.forget_seen(self._settings.name, seen - self._on_server)
        return [MessageRef(uid) for uid in self._numbers if uid not in seen]

    def fetch(self, refs: Sequence[MessageRef]) -> list[bytes]:
        """The messages (RETR each)."""
        return [self._fetch_one(ref) for ref in refs]

    def _fetch_one(self, ref: MessageRef) -> bytes:
        try:
            _, lines, _ = self._pop.retr(self._numbers[ref.key])
        except poplib.error_proto as err:
            raise SourceError(f"POP3 RETR {ref.key}: {err}") from err
        return b"\r\n".join(lines) + b"\r\n"

    def finish(self, ref: MessageRef, result: MailResult) -> None:
        """Delete committed feedback when configured; keep (and remember) everything else."""
        if wants_action(self._settings, result) is AfterScan.DELETE:
            try:
                self._pop.dele(self._numbers[ref.key])
            except poplib.error_proto as err:
                raise SourceError(f"POP3 DELE {ref.key}: {err}") from err
        else:
            self._kept.append(ref.key)

    def save_position(self, ledger: MailSourceLedger, handled: Sequence[MessageRef], now: datetime) -> None:
        """Remember the messages kept on the server."""
        ledger.mark_seen(self._settings.name, self._kept, now)
        self._kept.clear()
