"""Postfix's mail log -> one event per delivery-agent line about a recipient.

Postfix logs every delivery attempt of every recipient on one line of its delivery agent
(`postfix/smtp`, `lmtp`, `local`, `virtual`, `pipe`, `error`, `retry`; Postfix's
`postlog(1)`/syslog format, see `postconf(5)` `maillog_file` and the Postfix logging pages):

    Dec  5 21:50:02 mta postfix/smtp[4242]: 4Y2q1L0fVxz9vX: to=<nobody@example.org>,
      relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=5.1.1,
      status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 <nobody@example.org>:
      Recipient address rejected: User unknown (in reply to RCPT TO command))

(one line in the log). `status=sent` is a delivery, `status=deferred` a delay (Postfix tries
again: soft evidence, not a bounce), `status=bounced` and `status=expired` are bounces.
The queue manager's `QID: from=<sender>, size=..., nrcpt=...` line names the envelope
sender, `cleanup`'s `QID: message-id=<...>` the message, and `QID: removed` ends both.
Address-verification probes (`status=deliverable`/`undeliverable`) and discarded mail are
skipped; so is everything else Postfix logs (connections, smtpd, the queue manager).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bouncewarden.classify import OperatorRule
from bouncewarden.events import Kind
from bouncewarden.intake import NotFeedback, Reading, Unreadable
from bouncewarden.parse.mtalog._common import (
    LineFacts,
    SyslogLine,
    SyslogLogReader,
    line_event,
    reply_code_of,
    status_in,
)
from bouncewarden.parse.records import feedback

__all__ = ["FORMAT_NAME", "PostfixLogReader"]

FORMAT_NAME = "postfix-log"

_QUEUE_LINE = re.compile(r"([0-9A-Za-z]{5,}): (.*)", re.DOTALL)
_RECIPIENT = re.compile(r"to=<([^>]*)>, (.*)", re.DOTALL)
_FIELD = re.compile(r"(orig_to|relay|dsn)=([^,\s]*)")
_STATUS = re.compile(r"status=([a-z]+)(.*)$", re.DOTALL)
_SAID = re.compile(r"\bsaid: *([245][0-9][0-9])\b")
_RELAY_HOST = re.compile(r"^([^\[:]+)")
_KINDS = {"sent": Kind.DELIVERY, "deferred": Kind.DELAY, "bounced": Kind.BOUNCE, "expired": Kind.BOUNCE}
_AGENTS = frozenset({"smtp", "lmtp", "local", "virtual", "pipe", "error", "retry"})


def _in_parentheses(rest: str) -> str | None:
    text = rest.strip().lstrip(",").strip()
    start = text.find("(")
    if start < 0 or not text.endswith(")"):
        return None
    return text[start + 1 : -1].strip() or None


class PostfixLogReader(SyslogLogReader):
    """Reads a Postfix log, line by line, in order."""

    format_name = FORMAT_NAME
    media_type = "text/plain; profile=postfix-log"

    def read(self, record: bytes, *, rules: Sequence[OperatorRule] = ()) -> Reading:
        """The event of one line, or why it has none."""
        parsed = self._syslog_line(record)
        if parsed is None:
            return Unreadable("not a syslog line (no time, host and program in front)")
        program, _, agent = parsed.program.partition("/")
        if not program.startswith("postfix") or not agent:
            return NotFeedback("other program")
        queued = _QUEUE_LINE.match(parsed.text)
        if queued is None:
            return NotFeedback(f"{agent} without queue id")
        queue_id, message = queued.groups()
        if message.startswith("from=<"):
            self._senders.remember(queue_id, message[6 : message.find(">")])
            return NotFeedback("sender")
        if message.startswith("message-id="):
            self._message_ids.remember(queue_id, message[11:].strip().strip("<>"))
            return NotFeedback("message id")
        if message.strip() == "removed":
            self._senders.forget(queue_id)
            self._message_ids.forget(queue_id)
            return NotFeedback("removed")
        recipient = _RECIPIENT.match(message)
        if recipient is None or agent not in _AGENTS:
            return NotFeedback(f"{agent} line")
        return self._recipient_line(parsed, queue_id, recipient.group(1), recipient.group(2), record, rules)

    def _recipient_line(
        self,
        parsed: SyslogLine,
        queue_id: str,
        address: str,
        rest: str,
        record: bytes,
        rules: Sequence[OperatorRule],
    ) -> Reading:
        status = _STATUS.search(rest)
        if status is None:
            return Unreadable("recipient line without status=")
        kind = _KINDS.get(status.group(1))
        if kind is None:
            return NotFeedback(f"status={status.group(1)}")
        if "@" not in address:
            return Unreadable(f"recipient {address!r} is no address")
        fields = dict(_FIELD.findall(rest[: status.start()]))
        diagnostic = _in_parentheses(status.group(2))
        said = _SAID.search(diagnostic or "")
        relay = _RELAY_HOST.match(fields.get("relay", ""))
        remote = relay.group(1) if relay and relay.group(1) != "none" else None
        tags = {"queue_id": queue_id, "agent": parsed.program}
        if fields.get("orig_to"):
            tags["original_recipient"] = fields["orig_to"].strip("<>")
        facts = LineFacts(
            kind=kind,
            recipient=address,
            status=fields.get("dsn") or status_in(diagnostic or ""),
            reply_code=said.group(1) if said else reply_code_of(diagnostic or ""),
            diagnostic=diagnostic,
            remote_mta=remote,
            sender=self._senders.sender(queue_id),
            message_id=self._message_ids.sender(queue_id),
            label=f"status={status.group(1)}",
            tags=tags,
        )
        event = line_event(
            facts,
            line=parsed,
            at=parsed.at,
            record=record,
            source=self._source,
            reporting_mta=parsed.host,
            rules=rules,
        )
        return feedback(self.format_name, (event,))
