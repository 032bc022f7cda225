"""sendmail's log (syslog, program `sm-mta` or `sendmail`) -> one event per `to=` line.

sendmail logs each delivery attempt as one line naming the recipients, the mailer, the
relay, the DSN status and the outcome (`stat=`); the envelope sender is on the queue id's
`from=` line (sendmail Installation and Operation Guide, "Log information"):

    Dec  5 21:50:01 mta sm-mta[4242]: 4B5LO1xx012345: from=<news@example.com>, size=812,
      class=0, nrcpts=1, msgid=<m1@example.com>, proto=ESMTP, daemon=MTA-v4, relay=localhost [127.0.0.1]
    Dec  5 21:50:02 mta sm-mta[4243]: 4B5LO1xx012345: to=<nobody@example.org>, delay=00:00:01,
      xdelay=00:00:01, mailer=esmtp, pri=120812, relay=mx.example.org. [192.0.2.10], dsn=5.1.1,
      stat=User unknown

(each one line). `stat=Sent` is a delivery, `stat=Deferred...` a delay (sendmail retries),
any other outcome with a 5.x.x status a bounce. Such an outcome is sendmail's own
short name for what happened ("User unknown", "Service unavailable"), so the DSN status
classifies it; the text of a deferral and a quoted remote reply are classified as written.
A `to=` may list several recipients; each gets an event (their keys differ by address).
sendmail 8.15 and later add the remote's reply (`reply=550 5.1.1 ...`), which is then the
diagnostic. `stat=queued` and all other lines (the queue id's DSN line, connections, the MSP's own
`sendmail` relay to the daemon) are skipped, except that `from=` and `msgid=` are
remembered.

A message that stays deferred until the queue's return timeout (`Timeout.queuereturn`,
five days by default) is given up on without another `to=` line: sendmail logs only the
notification it sends back, on the message's queue id, naming the notification's own id
(savemail.c, `returntosender`):

    Dec  5 23:09:02 mta sm-mta[26848]: 6B5N5r3M023945: 6B5N92lx026848: sender notify:
      Cannot send message for 3 minutes

The recipients given up on are those whose last `to=` line was a deferral, so the reader
keeps each queue id's deferred recipients (bounded, like the senders) and reads such a line
as one bounce per recipient: the deferral's reply and relay, with the status sendmail's DSN
gives, 4.4.7 ("delivery time expired", RFC 3463), and marked as grown out of temporary
failures, so the classifier says why (expired, a network error, ...) and never hard. A
"Warning: could not send message for past ..." notification is only a delay notice, and a
postmaster's copy of a notification repeats what the sender's said: both are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from bouncewarden.classify import OperatorRule
from bouncewarden.events import Kind
from bouncewarden.intake import NotFeedback, Reading, Unreadable
from bouncewarden.parse.mtalog._common import (
    LineFacts,
    SyslogLine,
    SyslogLogReader,
    facts_from_json,
    facts_json,
    reply_code_of,
    status_in,
)
from bouncewarden.parse.mtalog.memory import LogMemory, QueueMemory

__all__ = ["FORMAT_NAME", "SendmailLogReader"]

FORMAT_NAME = "sendmail-log"

_PROGRAMS = ("sm-mta", "sendmail", "sm-msp-queue")
_QUEUE_LINE = re.compile(r"([0-9A-Za-z]{8,20}): (.*)", re.DOTALL)
# Fields are "name=value" separated by ", "; a value may itself hold ", " (a list of
# recipients, a relay with its address), so a field ends only where the next name begins.
_FIELD = re.compile(r"([a-z]+)=(.*?)(?=, [a-z]+=|$)", re.DOTALL)
_ADDRESS_LIST = re.compile(r"<([^>]*)>|([^\s,<>]+@[^\s,<>]+)")
_RELAY = re.compile(r"^\[?([^\s\]]+?)\.?\]?(?: \[|$)")
_DELIVERED = re.compile(r"^sent\b", re.IGNORECASE)
_DEFERRED = re.compile(r"^deferred\b", re.IGNORECASE)
# "<notification's queue id>: <who is told>: <why>" after the message's own queue id.
_NOTIFY = re.compile(
    r"[0-9A-Za-z]{8,20}: (DSN|return to sender|sender notify|postmaster notify): (.*)", re.DOTALL
)
_GAVE_UP = re.compile(r"^cannot send message for\b", re.IGNORECASE)
EXPIRED_STATUS = "4.4.7"


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in _FIELD.findall(text):
        if name == "stat":  # the last field: the rest of the line is its value
            fields[name] = text[text.find("stat=") + 5 :].strip()
            break
        fields.setdefault(name, value.strip())
    return fields


def _kind(stat: str, status: str | None) -> Kind | None:
    if _DELIVERED.match(stat):
        return Kind.DELIVERY
    if _DEFERRED.match(stat) or (status or "").startswith("4"):
        return Kind.DELAY
    if (status or "").startswith("5"):
        return Kind.BOUNCE
    return None


class SendmailLogReader(SyslogLogReader):
    """Reads a sendmail log, line by line, in order."""

    format_name = FORMAT_NAME
    media_type = "text/plain; profile=sendmail-log"

    def __init__(
        self,
        *,
        reference: datetime | None = None,
        zone: tzinfo = UTC,
        source: str | None = None,
        memory: LogMemory | None = None,
    ) -> None:
        super().__init__(reference=reference, zone=zone, source=source, memory=memory)
        # queue id -> its recipients whose last attempt was deferred, with what it said
        # (`facts_json`), kept for days: sendmail gives up after `Timeout.queuereturn`
        self._deferred: QueueMemory[dict[str, dict[str, Any]]] = self._memory.queue("deferred")

    def read(self, record: bytes, *, rules: Sequence[OperatorRule] = ()) -> Reading:
        """The events of one line, or why it has none."""
        parsed = self._syslog_line(record)
        if parsed is None:
            return Unreadable("not a syslog line (no time, host and program in front)")
        if parsed.program not in _PROGRAMS:
            return NotFeedback("other program")
        queued = _QUEUE_LINE.match(parsed.text)
        if queued is None:
            return NotFeedback("line without queue id")
        queue_id, message = queued.groups()
        if message.startswith("from="):
            fields = _fields(message)
            self._senders.remember(queue_id, fields.get("from", "").strip("<>"))
            if fields.get("msgid"):
                self._message_ids.remember(queue_id, fields["msgid"].strip("<>"))
            return NotFeedback("sender")
        if not message.startswith("to="):
            notify = _NOTIFY.match(message)
            if notify is not None:
                return self._notification(parsed, queue_id, notify, record, rules)
            return NotFeedback("other line")
        return self._recipient_line(parsed, queue_id, _fields(message), record, rules)

    def _notification(
        self,
        parsed: SyslogLine,
        queue_id: str,
        notify: re.Match[str],
        record: bytes,
        rules: Sequence[OperatorRule],
    ) -> Reading:
        """A notification sendmail sends about the message: a bounce per deferred recipient when
        it gave up on them (the queue's return timeout), else nothing new."""
        told, why = notify.groups()
        if not _GAVE_UP.match(why):
            return NotFeedback("delay warning" if why.lower().startswith("warning") else "notification")
        if told == "postmaster notify":
            return NotFeedback("postmaster copy")
        deferred = self._deferred.forget(queue_id)
        if not deferred:
            return NotFeedback("expiry without deferred recipients")
        given_up = [
            replace(facts_from_json(facts), kind=Kind.BOUNCE, status=EXPIRED_STATUS, gave_up=True)
            for facts in deferred.values()
        ]
        return self._events(given_up, parsed, record, rules)

    def _recipient_line(
        self,
        parsed: SyslogLine,
        queue_id: str,
        fields: dict[str, str],
        record: bytes,
        rules: Sequence[OperatorRule],
    ) -> Reading:
        stat = fields.get("stat")
        if not stat:
            return Unreadable("to= line without stat=")
        status = fields.get("dsn") or status_in(stat)
        kind = _kind(stat, status)
        if kind is None:
            return NotFeedback(f"stat={stat.split()[0].lower()}")
        recipients = [angle or bare for angle, bare in _ADDRESS_LIST.findall(fields.get("to", ""))]
        recipients = [address for address in recipients if "@" in address]
        if not recipients:
            return NotFeedback("local recipient")
        relay = _RELAY.match(fields.get("relay", ""))
        detail = stat.split(":", 1)[1].strip() if _DEFERRED.match(stat) and ":" in stat else stat
        reply = fields.get("reply")  # sendmail 8.15+: the remote's own reply, whole
        if reply:
            detail = reply
        reply_code = reply_code_of(detail)
        # "User unknown", "Service unavailable": sendmail's own names for the outcome, which the
        # DSN status says better; a deferral's detail or a quoted reply is the remote's text.
        text_classifies = reply_code is not None or detail is not stat
        facts = [
            LineFacts(
                kind=kind,
                recipient=address,
                status=status,
                reply_code=reply_code,
                diagnostic=reply or stat,
                remote_mta=relay.group(1) if relay else None,
                sender=self._senders.recall(queue_id),
                message_id=self._message_ids.recall(queue_id),
                label=f"mailer={fields.get('mailer', '')}",
                tags={"queue_id": queue_id, "mailer": fields.get("mailer", "")},
                text_classifies=text_classifies,
            )
            for address in recipients
        ]
        self._note_deferrals(queue_id, facts)
        return self._events(facts, parsed, record, rules)

    def _note_deferrals(self, queue_id: str, facts: Sequence[LineFacts]) -> None:
        """Keep the queue id's recipients still deferred after this attempt (and their last words)."""
        deferred = dict(self._deferred.recall(queue_id) or {})
        for each in facts:
            if each.kind is Kind.DELAY:
                deferred[each.recipient.lower()] = facts_json(each)
            else:
                deferred.pop(each.recipient.lower(), None)
        if deferred:
            self._deferred.remember(queue_id, deferred)
        else:
            self._deferred.forget(queue_id)
