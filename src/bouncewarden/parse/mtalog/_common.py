"""What the MTA log readers share: the line prefix, the time, the event of one recipient.

Syslog writes each line as `Dec  5 21:40:50 host program[pid]: text` (RFC 3164 style, no
year, the host's local time) or, with high-precision timestamps (rsyslog's RFC 3339 form),
`2026-12-05T21:40:50.123456+00:00 host program[pid]: text`. Postfix's own log file
(`maillog_file`) uses the first form. A year-less time is placed in the year that puts it
at most a day after the reference time (the file's modification time, else now): a log read
in January still dates December's lines in the old year. Times without a zone are taken as
UTC unless the reader is given another zone.

Queue ids tie a message's sender line to its recipient lines; a reader keeps what it needs
of earlier lines in the `LogMemory` it is given (`memory.py`), which outlives the reader.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from bouncewarden.classify import OperatorRule, classify
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.intake import Feedback
from bouncewarden.parse.mtalog.memory import LogMemory, QueueMemory
from bouncewarden.parse.records import feedback
from bouncewarden.parse.report import RecipientFinding

__all__ = [
    "LineFacts",
    "SyslogLine",
    "SyslogLogReader",
    "facts_from_json",
    "facts_json",
    "line_event",
    "parse_syslog_line",
    "reply_code_of",
    "status_in",
]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_PROGRAM = r" (\S+) ([^\s\[:]+)(?:\[([0-9]+)\])?: (.*)"  # host, program, process id, message
_BSD = re.compile(
    r"([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})" + _PROGRAM,
    re.DOTALL,
)
_RFC3339 = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9]{2}:?[0-9]{2})?)" + _PROGRAM,
    re.DOTALL,
)
_STATUS = re.compile(r"(?<![0-9.])([245]\.[0-9]{1,3}\.[0-9]{1,3})(?![0-9.])")
_REPLY = re.compile(r"(?<![0-9.])([245][0-9]{2})(?:[ -]|$)")


@dataclass(frozen=True, slots=True)
class SyslogLine:
    """The parts of one syslog line."""

    at: datetime
    host: str
    program: str
    text: str


def _year_for(month: int, day: int, reference: datetime) -> int:
    year = reference.year
    try:
        if datetime(year, month, day, tzinfo=reference.tzinfo) > reference + timedelta(days=1):
            return year - 1
    except ValueError:  # 29 February of a year that has none: the previous leap year had one
        return year - 1
    return year


@lru_cache(maxsize=4096)  # the lines of a busy log share their second
def _bsd_time(
    month_name: str, day: str, hour: str, minute: str, second: str, reference: datetime, zone: tzinfo
) -> datetime | None:
    """A year-less syslog time, placed in the year `_year_for` gives; None if it is no time."""
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    year = _year_for(month, int(day), reference.astimezone(zone))
    try:
        return datetime(year, month, int(day), int(hour), int(minute), int(second), tzinfo=zone)
    except ValueError:
        return None


def parse_syslog_line(text: str, reference: datetime, zone: tzinfo = UTC) -> SyslogLine | None:
    """The time, host, program and message of a syslog line; None when it has no such prefix."""
    found = _BSD.match(text)
    if found is not None:
        month_name, day, hour, minute, second, host, program, _pid, rest = found.groups()
        at = _bsd_time(month_name, day, hour, minute, second, reference, zone)
        return SyslogLine(at, host, program, rest) if at is not None else None
    found = _RFC3339.match(text)
    if found is None:
        return None
    stamp, host, program, _pid, rest = found.groups()
    try:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return SyslogLine(at if at.tzinfo else at.replace(tzinfo=zone), host, program, rest)


class SyslogLogReader:
    """What the readers of syslog-written logs (Postfix, sendmail) share: the time frame their
    year-less timestamps are read in, the event source (the format's name unless given), and
    the sender and Message-ID of recent queue ids, kept in `memory` (a new one unless given).
    A subclass names its format and reads one line in `read`."""

    format_name: str
    media_type: str

    def __init__(
        self,
        *,
        reference: datetime | None = None,
        zone: tzinfo = UTC,
        source: str | None = None,
        memory: LogMemory | None = None,
    ) -> None:
        self._reference = reference or datetime.now(UTC)
        self._zone = zone
        self._source = source or self.format_name
        self._memory = memory or LogMemory()
        self._senders: QueueMemory[str] = self._memory.queue("senders")
        self._message_ids: QueueMemory[str] = self._memory.queue("message_ids")

    def context(self) -> bytes:
        """Syslog lines need nothing before them."""
        return b""

    def _events(
        self,
        facts: Iterable[LineFacts],
        parsed: SyslogLine,
        record: bytes,
        rules: Sequence[OperatorRule],
    ) -> Feedback:
        """The events of one syslog line, one per recipient's facts."""
        events = tuple(
            line_event(
                each,
                line=parsed,
                at=parsed.at,
                record=record,
                source=self._source,
                reporting_mta=parsed.host,
                rules=rules,
            )
            for each in facts
        )
        return feedback(self.format_name, events)

    def _syslog_line(self, record: bytes) -> SyslogLine | None:
        """The record as a syslog line, or None when it is none."""
        return parse_syslog_line(record.decode("utf-8", "replace"), self._reference, self._zone)


def status_in(text: str) -> str | None:
    """The first RFC 3463 status written in `text`."""
    found = _STATUS.search(text)
    return found.group(1) if found else None


def reply_code_of(text: str) -> str | None:
    """The SMTP reply code at the start of a remote reply."""
    found = _REPLY.match(text.lstrip())
    return found.group(1) if found else None


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What one log line says about one recipient, before classification."""

    kind: Kind
    recipient: str
    status: str | None = None
    reply_code: str | None = None
    diagnostic: str | None = None
    remote_mta: str | None = None
    sender: str | None = None
    message_id: str | None = None
    label: str | None = None
    tags: Mapping[str, str] | None = None
    text_classifies: bool = True  # False: the text is the MTA's name for a code, not a reply
    hint: Reason | None = None  # what the MTA's own wording states plainly (classify.classify)
    gave_up: bool = False  # a failure that grew out of deferrals (the MTA stopped retrying)


_FACT_FIELDS = tuple(field.name for field in fields(LineFacts))


def facts_json(facts: LineFacts) -> dict[str, Any]:
    """`facts` as a JSON object, to be kept in a `LogMemory` (`facts_from_json` reads it)."""
    values = {name: getattr(facts, name) for name in _FACT_FIELDS}
    values["tags"] = dict(facts.tags) if facts.tags is not None else None
    return values


def facts_from_json(values: Mapping[str, Any]) -> LineFacts:
    """The `LineFacts` that `facts_json` wrote (fields it does not know are left out)."""
    known = {name: values[name] for name in _FACT_FIELDS if name in values}
    known["kind"] = Kind(known["kind"])
    known["hint"] = Reason(known["hint"]) if known.get("hint") else None
    return LineFacts(**known)


def line_event(
    facts: LineFacts,
    *,
    line: SyslogLine | None,
    at: datetime,
    record: bytes,
    source: str,
    reporting_mta: str | None,
    rules: Sequence[OperatorRule],
) -> FeedbackEvent:
    """The classified event of one recipient of one log line; the key is the line's hash."""
    if facts.kind is Kind.DELIVERY:
        reason, severity = Reason.DELIVERED, Severity.NONE
    else:
        finding = RecipientFinding(
            address=facts.recipient,
            status=facts.status,
            reply_code=facts.reply_code,
            diagnostic=facts.diagnostic if facts.text_classifies else None,
            remote_mta=facts.remote_mta,
            reporting_mta=reporting_mta,
            kind=facts.kind,
            temporary=facts.kind is Kind.DELAY or facts.gave_up or None,
            reason_hint=facts.hint,
        )
        result = classify(finding, rules)
        reason, severity = result.reason, result.severity
    digest = hashlib.sha256(record).hexdigest()[:32]
    recipient_key = facts.recipient.lower()
    return FeedbackEvent(
        kind=facts.kind,
        recipient=facts.recipient,
        severity=severity,
        reason=reason,
        dedupe_key=f"{source}:{digest}:{recipient_key}",
        occurred_at=at,
        source=source,
        status=facts.status,
        reply_code=facts.reply_code,
        diagnostic=facts.diagnostic,
        remote_mta=facts.remote_mta,
        reporting_mta=reporting_mta or (line.host if line else None),
        sender=facts.sender,
        message_id=facts.message_id,
        provider_label=facts.label,
        tags=dict(facts.tags or {}),
    )
