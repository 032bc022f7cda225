"""Exim's main log (`mainlog`) -> one event per delivery line about a recipient.

Each line starts with the local time, optionally a time zone (`log_timezone`) and a process
id (`log_selector = +pid`), then the message id and a flag (Exim specification, "Log
files", "Format of log lines"):

    2026-12-05 21:50:01 1tJqJN-000Bc1-2A <= news@example.com H=localhost [127.0.0.1]
        P=esmtp S=812 id=m1@example.com
    2026-12-05 21:50:02 1tJqJN-000Bc1-2A => alice@example.org R=dnslookup T=remote_smtp
        H=mx.example.org [192.0.2.10] C="250 2.0.0 OK"
    2026-12-05 21:50:02 1tJqJN-000Bc1-2A ** nobody@example.org R=dnslookup T=remote_smtp
        H=mx.example.org [192.0.2.10]: SMTP error from remote mail server after
        RCPT TO:<nobody@example.org>: 550 5.1.1 User unknown
    2026-12-05 21:50:02 1tJqJN-000Bc1-2A == dave@example.com R=dnslookup T=remote_smtp
        defer (-44) H=mx.example.com [192.0.2.20]: SMTP error from remote mail server after
        RCPT TO:<dave@example.com>: 452 4.2.2 Mailbox full

(each one line). `=>` and `->` (another address of the same delivery) are deliveries, `**`
a failure (a bounce), `==` a deferral (a delay: Exim tries again), unless it only says that
the "retry time [is] not reached" (no attempt was made). A failure that only says "retry
timeout exceeded" gets the reply of that recipient's last deferral in front, as Exim's own
bounce message shows it. `<=` names the sender
(`<>` for a bounce) and `id=` the Message-ID; `Completed` forgets them. `*>` (delivery
suppressed by -N) and everything else are skipped. An address may be followed by the
address it was routed from, in angle brackets; the event is about the first, unless it is a
bare local part (a local delivery), when it is about the address in brackets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from bouncewarden.classify import OperatorRule
from bouncewarden.events import Kind, Reason
from bouncewarden.intake import NotFeedback, Reading, Unreadable
from bouncewarden.parse.mtalog._common import LineFacts, line_event, status_in
from bouncewarden.parse.mtalog.memory import LogMemory, QueueMemory
from bouncewarden.parse.records import feedback

__all__ = ["FORMAT_NAME", "EximLogReader"]

FORMAT_NAME = "exim-log"
SOURCE = "exim-log"

_LINE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)"
    r"(?: ([+-][0-9]{4}))?(?: \[[0-9]+\])? "
    r"([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) (<=|=>|->|\*\*|==|\*>|Completed)(.*)",
    re.DOTALL,
)
_ADDRESS = re.compile(r" ?(\S+?)(?: <([^>]*)>)?(?::? |:$|$)")
_HOST = re.compile(r"\bH=(\S+)(?: \[([0-9a-fA-F:.]+)\])?")
_CONFIRMATION = re.compile(r'\bC="((?:[^"\\]|\\.)*)"')
_ROUTER = re.compile(r"\b([RT])=(\S+)")
_MESSAGE_ID = re.compile(r"\bid=(\S+)")
_GAVE_UP = re.compile(r"retry timeout exceeded\s*$", re.IGNORECASE)
_UNROUTEABLE = re.compile(r"unrouteable address\s*$", re.IGNORECASE)
_REMOTE_REPLY = re.compile(r"(?:^|: )([245][0-9]{2})[ -]")
_KINDS = {"=>": Kind.DELIVERY, "->": Kind.DELIVERY, "**": Kind.BOUNCE, "==": Kind.DELAY}


def _time(stamp: str, zone_text: str | None, zone: tzinfo) -> datetime | None:
    try:
        at = datetime.fromisoformat(stamp + (zone_text or ""))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)


def _diagnostic(details: str) -> str | None:
    """The error text after the routing fields: what follows the first ': ' that ends them."""
    marker = details.find(": ")
    if marker < 0:
        return None
    return details[marker + 2 :].strip() or None


def _unrouteable_hint(recipient: str, sender: str | None, diagnostic: str | None) -> Reason | None:
    """ "Unrouteable address" at a domain Exim delivers itself (the sender's, localhost): no such user.

    The same reading as the bounce email's (`parse.mta.exim`): no router accepted the address,
    and for a domain of this host that means the local part does not exist.
    """
    if not _UNROUTEABLE.match(diagnostic or ""):
        return None
    domain = recipient.rpartition("@")[2].lower()
    own = {"localhost", (sender or "").rpartition("@")[2].lower()} - {""}
    return Reason.USERUNKNOWN if domain in own else None


class EximLogReader:
    """Reads an Exim main log, line by line, in order."""

    format_name = FORMAT_NAME
    media_type = "text/plain; profile=exim-mainlog"

    def __init__(
        self,
        *,
        reference: datetime | None = None,
        zone: tzinfo = UTC,
        source: str = SOURCE,
        memory: LogMemory | None = None,
    ) -> None:
        self._zone = zone
        self._source = source
        memory = memory or LogMemory()
        self._senders: QueueMemory[str] = memory.queue("senders")
        self._message_ids: QueueMemory[str] = memory.queue("message_ids")
        # message id -> {recipient: the reply of its last deferral}, until the message completes
        self._last_errors: QueueMemory[dict[str, str]] = memory.queue("last_errors")

    def context(self) -> bytes:
        """Exim lines need nothing before them."""
        return b""

    def _note_last_error(
        self, message_id: str, recipient: str, kind: Kind, diagnostic: str | None
    ) -> str | None:
        """Keep a deferral's reply for its recipient; put it in front of a failure that only
        says "retry timeout exceeded" (Exim's bounce quotes it, the log line does not)."""
        errors = self._last_errors.recall(message_id) or {}
        if kind is Kind.DELAY:
            if diagnostic and _REMOTE_REPLY.search(diagnostic):
                self._last_errors.remember(message_id, {**errors, recipient: diagnostic})
            return diagnostic
        last = errors.get(recipient)
        if last is not None:
            rest = {other: reply for other, reply in errors.items() if other != recipient}
            if rest:
                self._last_errors.remember(message_id, rest)
            else:
                self._last_errors.forget(message_id)
        if kind is Kind.BOUNCE and last and _GAVE_UP.match(diagnostic or ""):
            return f"{last}: {diagnostic}"
        return diagnostic

    def read(self, record: bytes, *, rules: Sequence[OperatorRule] = ()) -> Reading:
        """The event of one line, or why it has none."""
        text = record.decode("utf-8", "replace")
        if text[:1].isspace():  # a multi-line entry goes on indented ("Suggested action: ...")
            return NotFeedback("continuation")
        found = _LINE.match(text)
        if found is None:
            if text[:4].isdigit() and text[4:5] == "-":
                return NotFeedback("line without message")
            return Unreadable("not an Exim log line (no time and message id in front)")
        stamp, zone_text, message_id, flag, rest = found.groups()
        at = _time(stamp, zone_text, self._zone)
        if at is None:
            return Unreadable(f"unreadable time {stamp!r}")
        if flag == "<=":
            sender = rest.split(None, 1)[0] if rest.strip() else ""
            self._senders.remember(message_id, "" if sender == "<>" else sender)
            header_id = _MESSAGE_ID.search(rest)
            if header_id is not None:
                self._message_ids.remember(message_id, header_id.group(1))
            return NotFeedback("arrival")
        if flag == "Completed":
            self._senders.forget(message_id)
            self._message_ids.forget(message_id)
            self._last_errors.forget(message_id)
            return NotFeedback("completed")
        kind = _KINDS.get(flag)
        if kind is None:
            return NotFeedback(f"flag {flag}")
        if kind is Kind.DELAY and "retry time not reached" in rest:
            return NotFeedback("retry time not reached")  # no attempt was made: nothing new
        return self._recipient_line(kind, flag, message_id, rest, at, record, rules)

    def _recipient_line(
        self,
        kind: Kind,
        flag: str,
        message_id: str,
        rest: str,
        at: datetime,
        record: bytes,
        rules: Sequence[OperatorRule],
    ) -> Reading:
        address = _ADDRESS.match(rest)
        if address is None or not address.group(1).strip(":"):
            return Unreadable(f"{flag} line names no recipient address")
        recipient = address.group(1).rstrip(":")
        if "@" not in recipient:
            # A local delivery names the local part it went to, then the address it came as:
            # "=> bwsender <bwsender@localhost> R=local_user T=maildir_home".
            if "@" not in (address.group(2) or ""):
                return NotFeedback("local recipient")
            recipient = address.group(2)
        details = rest[address.end() :]
        host = _HOST.search(details)
        if kind is Kind.DELIVERY:
            confirmation = _CONFIRMATION.search(details)
            diagnostic = confirmation.group(1).replace('\\"', '"') if confirmation else None
        else:
            diagnostic = _diagnostic(rest[address.end(1) :]) or details.strip() or None
        tags = {"message_id": message_id, **dict(_ROUTER.findall(details.split(": ", 1)[0]))}
        if address.group(2):
            tags["routed_from"] = address.group(2)
        diagnostic = self._note_last_error(message_id, recipient.lower(), kind, diagnostic)
        reply = _REMOTE_REPLY.search(diagnostic or "")
        sender = self._senders.recall(message_id)
        facts = LineFacts(
            kind=kind,
            recipient=recipient,
            status=status_in(diagnostic or ""),
            reply_code=reply.group(1) if reply else None,
            diagnostic=diagnostic,
            remote_mta=host.group(1) if host else None,
            sender=sender,
            message_id=self._message_ids.recall(message_id),
            label=flag,
            tags=tags,
            hint=_unrouteable_hint(recipient, sender, diagnostic),
        )
        event = line_event(
            facts, line=None, at=at, record=record, source=self._source, reporting_mta=None, rules=rules
        )
        return feedback(self.format_name, (event,))
