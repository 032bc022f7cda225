"""IMAP mailboxes (RFC 3501 / RFC 9051) for `scan_mailbox`, over TLS or STARTTLS.

- The folder is SELECTed and its UIDVALIDITY read; `UID SEARCH UID n:*` lists what is newer
  than the stored cursor (the server always answers `n:*` with at least the highest UID, so
  UIDs at or below the cursor are dropped here). A changed UIDVALIDITY restarts the folder.
- Messages are fetched with `BODY.PEEK[]`: scanning marks nothing `\\Seen`.
- After the batch's commit: `UID MOVE` (RFC 6851) where the server offers it, else `UID COPY`
  and `\\Deleted` with `UID EXPUNGE` (RFC 4315); a flag is added with `UID STORE +FLAGS`;
  delete is `\\Deleted` and an expunge of those UIDs only; one command per action and batch.
  A target folder missing is created.
- `wait_for_mail` IDLEs (RFC 2177) where the server has it, so `serve` hears of new mail at
  once; without IDLE it simply waits for the polling interval.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import select
import ssl
import threading
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType

from bouncewarden.config_mail import AfterScan, MailboxSecurity, MailboxSettings
from bouncewarden.errors import SourceError
from bouncewarden.sources.mail_intake import MailResult
from bouncewarden.sources.mailbox_client import MessageRef, wants_action
from bouncewarden.store.mail_sources import MailSourceLedger

__all__ = ["ImapClient", "wait_for_mail"]

_TIMEOUT = 60.0
_FETCHED_UID = re.compile(rb"\bUID (\d+)")


def _tls_context(settings: MailboxSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)


def _login(settings: MailboxSettings) -> imaplib.IMAP4:
    host, port = str(settings.host), settings.resolved_port
    password = settings.password()  # before connecting: a missing password is a settings error
    context = _tls_context(settings)
    try:
        if settings.security is MailboxSecurity.TLS:
            connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=_TIMEOUT)
        else:
            connection = imaplib.IMAP4(host, port, timeout=_TIMEOUT)
    except imaplib.IMAP4.error as err:
        raise SourceError(f"IMAP {host}:{port}: {err}") from err
    try:
        if settings.security is MailboxSecurity.STARTTLS:
            connection.starttls(ssl_context=context)
        connection.login(str(settings.username), password)
    except (imaplib.IMAP4.error, OSError) as err:
        connection.shutdown()
        raise SourceError(f"IMAP {host}:{port}: {err}") from err
    return connection


def _check(response: tuple[str, Sequence[object]], what: str) -> list[object]:
    status, data = response
    if status != "OK":
        raise SourceError(f"IMAP {what} failed: {data!r}")
    return list(data)


class ImapClient:
    """One logged-in IMAP connection with the folder selected."""

    def __init__(self, settings: MailboxSettings, connection: imaplib.IMAP4) -> None:
        self._settings = settings
        self._imap = connection
        self._created: set[str] = set()
        # Actions noted by finish() and carried out together by save_position().
        self._moves: dict[str, list[int]] = {}
        self._flags: list[int] = []
        self._deletes: list[int] = []
        try:
            _check(connection.select(_quoted(settings.folder)), f"SELECT {settings.folder}")
        except imaplib.IMAP4.error as err:
            raise SourceError(f"IMAP SELECT {settings.folder}: {err}") from err
        validity = connection.untagged_responses.get("UIDVALIDITY", [b"0"])[-1]
        self.uidvalidity = int(validity if isinstance(validity, bytes) else b"0")
        self._capabilities = _capabilities(connection)

    @classmethod
    def connect(cls, settings: MailboxSettings) -> ImapClient:
        """Log in and select the mailbox's folder."""
        connection = _login(settings)
        try:
            return cls(settings, connection)
        except BaseException:
            connection.logout()
            raise

    def __enter__(self) -> ImapClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            self._imap.close()
        except (imaplib.IMAP4.error, OSError):
            pass  # the logout below still ends the session
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                self._imap.logout()

    def pending(self, ledger: MailSourceLedger) -> list[MessageRef]:
        """UIDs above the cursor (all of them when UIDVALIDITY changed)."""
        cursor = ledger.cursor(self._settings.name, self._settings.folder)
        last = cursor[1] if cursor is not None and cursor[0] == self.uidvalidity else 0
        data = self._uid("SEARCH", f"UID {last + 1}:*")
        uids = sorted(int(uid) for chunk in data if isinstance(chunk, bytes) for uid in chunk.split())
        return [MessageRef(str(uid), uid) for uid in uids if uid > last]

    def fetch(self, refs: Sequence[MessageRef]) -> list[bytes]:
        """The messages, in one `UID FETCH`, without setting `\\Seen`."""
        if not refs:
            return []
        data = self._uid("FETCH", ",".join(str(ref.uid) for ref in refs), "(UID BODY.PEEK[])")
        found: dict[int, bytes] = {}
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                uid = _FETCHED_UID.search(item[0]) if isinstance(item[0], bytes) else None
                if uid is not None:
                    found[int(uid.group(1))] = item[1]
        missing = [ref.uid for ref in refs if ref.uid not in found]
        if missing:
            raise SourceError(f"IMAP FETCH returned no message for UIDs {missing}")
        return [found[ref.uid or 0] for ref in refs]

    def finish(self, ref: MessageRef, result: MailResult) -> None:
        """Note the configured action for feedback; other mail stays, or goes to `not_feedback_to`."""
        action = wants_action(self._settings, result)
        uid = ref.uid or 0
        if action is AfterScan.MOVE:
            self._moves.setdefault(self._settings.move_to, []).append(uid)
        elif action is AfterScan.FLAG:
            self._flags.append(uid)
        elif action is AfterScan.DELETE:
            self._deletes.append(uid)
        elif action is None and self._settings.not_feedback_to:
            self._moves.setdefault(self._settings.not_feedback_to, []).append(uid)

    def save_position(self, ledger: MailSourceLedger, handled: Sequence[MessageRef], now: datetime) -> None:
        """Carry out the noted actions, then store the highest UID handled."""
        self._carry_out()
        if handled:
            last = max(ref.uid or 0 for ref in handled)
            ledger.save_cursor(self._settings.name, self._settings.folder, self.uidvalidity, last, now)

    def _carry_out(self) -> None:
        if self._flags:
            self._uid("STORE", _uid_set(self._flags), "+FLAGS", f"({self._settings.flag})")
            self._flags.clear()
        for folder, uids in sorted(self._moves.items()):
            self._ensure_folder(folder)
            if "MOVE" in self._capabilities:
                self._uid("MOVE", _uid_set(uids), _quoted(folder))
            else:
                self._uid("COPY", _uid_set(uids), _quoted(folder))
                self._deletes.extend(uids)
        self._moves.clear()
        if self._deletes:
            self._uid("STORE", _uid_set(self._deletes), "+FLAGS", "(\\Deleted)")
            if "UIDPLUS" in self._capabilities:
                self._uid("EXPUNGE", _uid_set(self._deletes))
            else:
                _check(self._imap.expunge(), "EXPUNGE")
            self._deletes.clear()

    def _ensure_folder(self, folder: str) -> None:
        if folder in self._created:
            return
        try:
            self._imap.create(_quoted(folder))  # "NO [ALREADYEXISTS]" is fine: MOVE says if it is not
        except imaplib.IMAP4.error as err:
            raise SourceError(f"IMAP CREATE {folder}: {err}") from err
        self._created.add(folder)

    def _uid(self, command: str, *arguments: str) -> list[object]:
        try:
            return _check(self._imap.uid(command, *arguments), f"UID {command}")
        except imaplib.IMAP4.error as err:
            raise SourceError(f"IMAP UID {command}: {err}") from err


def _capabilities(connection: imaplib.IMAP4) -> set[str]:
    """What the server offers now: asked again, since logging in may add to it (MOVE, UIDPLUS)."""
    status, data = connection.capability()
    words = b" ".join(item for item in data if isinstance(item, bytes)).decode("ascii", "replace")
    return {word.upper() for word in words.split()} if status == "OK" else set()


def _uid_set(uids: Sequence[int]) -> str:
    return ",".join(str(uid) for uid in sorted(uids))


def _quoted(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def wait_for_mail(settings: MailboxSettings, stop: threading.Event) -> None:
    """Return when new mail may have come (IMAP IDLE), after `poll_seconds`, or on `stop`."""
    if not settings.idle:
        stop.wait(settings.poll_seconds)
        return
    connection = _login(settings)
    try:
        _check(connection.select(_quoted(settings.folder)), f"SELECT {settings.folder}")
        if "IDLE" not in _capabilities(connection):
            stop.wait(settings.poll_seconds)
            return
        _idle(connection, settings.poll_seconds, stop)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            connection.logout()


def _idle(connection: imaplib.IMAP4, seconds: float, stop: threading.Event) -> None:
    tag = connection._new_tag().decode("ascii")  # imaplib before 3.14 has no IDLE of its own
    connection.send(f"{tag} IDLE\r\n".encode("ascii"))
    if not connection.readline().startswith(b"+"):
        return
    waited = 0.0
    sock = connection.socket()
    while waited < seconds and not stop.is_set():
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
        if pending or select.select([sock], [], [], 1.0)[0]:
            line = connection.readline()
            if not line or b"EXISTS" in line or b"RECENT" in line:
                break
            continue
        waited += 1.0
    connection.send(b"DONE\r\n")
    while True:
        line = connection.readline()
        if not line or line.startswith(tag.encode("ascii")):
            return
