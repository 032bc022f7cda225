"""PowerMTA accounting files (CSV) -> `FeedbackEvent`s, one per row.

PowerMTA writes one row per recipient and event to its accounting file (`<acct-file>`), in
CSV as RFC 4180 describes it, with a header row naming the columns: the fields chosen for
each record type by `record-fields`. The first column is always the record type; when one
file holds several record types its columns are the union of their fields, and a field a
type does not carry is left empty (PowerMTA User's Guide, "Accounting"). The header changes
whenever the configuration does, so every file is read by its own header; a header row met
in the middle of a file (files joined with `cat`) replaces the one before.

Record types read here, by their short or long name:

    d   delivery        delivered: kind delivery (a counter, and it clears soft state)
    b   bounce          PowerMTA gave up on the recipient: kind bounce
    rb  remoteBounce    a DSN that came back after PowerMTA relayed the message: kind bounce
    t   transient       a temporary failure, PowerMTA retries: kind delay (soft evidence)
    f   feedbackLoop    a feedback-loop complaint PowerMTA processed: kind complaint

Other types (`r` received, `tq` transient-queue, `rs` remote status, ...) are skipped and
counted by type. Fields used: `timeLogged` (a time_t, or `2026-12-05 21:40:50-0500` /
ISO 8601), `orig`, `rcpt`, `orcpt`, `dsnAction`, `dsnStatus`, `dsnDiag` (`smtp;550 5.1.1
...`), `dsnMta`, `bounceCat`, `vmta`, `jobId`, `envId`, `dlvSourceIp`, `header_*` (a
header's value, e.g. `header_Message-Id`), and for complaints `format`, `feedbackType`
and `reportedDomain`.

PowerMTA's `bounceCat` (bad-mailbox, bad-domain, policy-related, ...) is its own first
opinion: our classifier decides from `dsnStatus` and `dsnDiag`, and the category is only a
hint when they say nothing classifiable (DESIGN.md: the status code and diagnostic decide).
The event keeps the category as its `provider_label`.

The dedupe key is the row's time (`timeLogged`, in seconds since the epoch), the record type
and a hash of the row's bytes: a row read twice (a restart, the same file rotated and
compressed) is one event, and PowerMTA writes no id of its own per row. The time comes first
so that keys arrive in nearly ascending order: the store's unique index on them then grows at
its end, instead of taking each of a million rows at a random page (which made a commit write
most of the index again).
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from bouncewarden.classify import OperatorRule, classify
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.intake import NotFeedback, Reading, Unreadable
from bouncewarden.parse.records import feedback
from bouncewarden.parse.report import RecipientFinding

__all__ = [
    "BOUNCE_CATEGORIES",
    "FORMAT_NAME",
    "MEDIA_TYPE",
    "SOURCE",
    "AccountingReader",
    "dedupe_key",
    "parse_time",
]

SOURCE = "pmta"
FORMAT_NAME = "pmta"
MEDIA_TYPE = "text/csv; profile=powermta-accounting"

_TYPES: Mapping[str, Kind] = {
    "d": Kind.DELIVERY,
    "delivery": Kind.DELIVERY,
    "b": Kind.BOUNCE,
    "bounce": Kind.BOUNCE,
    "rb": Kind.BOUNCE,
    "remotebounce": Kind.BOUNCE,
    "t": Kind.DELAY,
    "transient": Kind.DELAY,
    "f": Kind.COMPLAINT,
    "feedbackloop": Kind.COMPLAINT,
    "feedback": Kind.COMPLAINT,
}
_SHORT_TYPES: Mapping[str, str] = {
    "delivery": "d",
    "bounce": "b",
    "remotebounce": "rb",
    "transient": "t",
    "feedbackloop": "f",
    "feedback": "f",
}

BOUNCE_CATEGORIES: Mapping[str, Reason] = {
    "bad-mailbox": Reason.USERUNKNOWN,
    "bad-domain": Reason.HOSTUNKNOWN,
    "inactive-mailbox": Reason.SUSPEND,
    "quota-issues": Reason.MAILBOXFULL,
    "policy-related": Reason.POLICYVIOLATION,
    "spam-related": Reason.SPAMDETECTED,
    "virus-related": Reason.VIRUSDETECTED,
    "content-related": Reason.CONTENTERROR,
    "relaying-issues": Reason.NORELAYING,
    "routing-errors": Reason.SYSTEMERROR,
    "bad-configuration": Reason.SYSTEMERROR,
    "bad-connection": Reason.NETWORKERROR,
    "no-answer-from-host": Reason.NETWORKERROR,
    "message-expired": Reason.EXPIRED,
    "protocol-errors": Reason.SYNTAXERROR,
    "invalid-sender": Reason.REJECTED,
}
"""PowerMTA's bounce categories as reasons, used only as a hint; `other` and unknown ones say nothing."""

# What the classifier answers when status and text name no cause: the category may then.
_UNDECIDED = frozenset({Reason.UNDEFINED, Reason.ONHOLD})

# Columns copied into the event's tags under these names.
_TAG_FIELDS: Mapping[str, str] = {
    "vmta": "vmta",
    "jobid": "job_id",
    "envid": "env_id",
    "dlvsourceip": "source_ip",
    "dlvdestinationip": "destination_ip",
    "bouncecat": "bounce_category",
    "format": "feedback_format",
    "reporteddomain": "reported_domain",
    "orcpt": "original_recipient",
}
_REPLY_CODE = re.compile(r"^\s*(?:smtp\s*;\s*)?([245][0-9][0-9])(?:[ -]|$)", re.IGNORECASE)
_STATUS = re.compile(r"^[245]\.[0-9]{1,3}\.[0-9]{1,3}$")
_STATUS_IN_TEXT = re.compile(r"\b([245]\.[0-9]{1,3}\.[0-9]{1,3})\b")
_COMPACT_ZONE = re.compile(r"([+-][0-9]{2})([0-9]{2})$")


@lru_cache(maxsize=4096)  # rows of one second share their time
def parse_time(value: str) -> datetime | None:
    """`timeLogged` as PowerMTA writes it (time_t, or a date and time with zone); None if neither."""
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        try:
            return datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        moment = datetime.fromisoformat(_COMPACT_ZONE.sub(r"\1:\2", text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def dedupe_key(occurred_at: datetime, type_name: str, record: bytes) -> str:
    """`pmta:SECONDS:TYPE:HASH` (see the module docstring; migration 0017 wrote the older keys so)."""
    seconds = max(0, math.floor(occurred_at.timestamp()))
    return f"pmta:{seconds:011d}:{type_name}:{hashlib.sha256(record).hexdigest()[:32]}"


@lru_cache(maxsize=4096)
def _logged_at(value: str) -> datetime | None:
    """`parse_time` in UTC, as the store keeps times (so no event is rebuilt to convert it)."""
    moment = parse_time(value)
    return moment.astimezone(UTC) if moment is not None else None


def _split(record: bytes) -> list[str] | None:
    text = record.decode("utf-8", "replace")
    if '"' not in text:
        return text.split(",")
    try:
        rows = list(csv.reader([text.replace("\r\n", "\n")], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


@dataclass(frozen=True, slots=True)
class _Header:
    names: tuple[str, ...]  # lower-cased column names
    tag_columns: tuple[tuple[str, str], ...]  # (column, tag name) of the columns kept as tags
    raw: bytes


def _header(values: Sequence[str], raw: bytes) -> _Header:
    names = tuple(value.strip().lower() for value in values)
    tags = [(field, tag) for field, tag in _TAG_FIELDS.items() if field in names]
    tags += [
        (name, value.strip()) for name, value in zip(names, values, strict=True) if name.startswith("header_")
    ]
    return _Header(names, tuple(tags), raw)


class AccountingReader:
    """Reads the rows of one accounting file, in order (see the module docstring)."""

    format_name = FORMAT_NAME
    media_type = MEDIA_TYPE

    def __init__(self, *, source: str = SOURCE) -> None:
        self._source = source
        self._header: _Header | None = None

    def context(self) -> bytes:
        """The header row in force (a re-reader of a later row needs it first)."""
        return self._header.raw if self._header is not None else b""

    def read(self, record: bytes, *, rules: Sequence[OperatorRule] = ()) -> Reading:
        """The event of one row, or why it has none."""
        if not record.strip():
            return NotFeedback("empty")
        values = _split(record)
        if values is None:
            return Unreadable("row is not valid CSV (a quote is not closed properly)")
        first = values[0].strip().lower()
        if first == "type":
            self._header = _header(values, record)
            return NotFeedback("header")
        if self._header is None:
            return Unreadable("row before any header row (the first column must be named 'type')")
        kind = _TYPES.get(first)
        if kind is None:
            return NotFeedback(f"type {first or '(empty)'}")
        if len(values) > len(self._header.names):
            return Unreadable(f"row has {len(values)} fields, the header names {len(self._header.names)}")
        row = dict(zip(self._header.names, values, strict=False))
        return self._event(row, kind, _SHORT_TYPES.get(first, first), record, rules)

    def _event(
        self,
        row: Mapping[str, str],
        kind: Kind,
        type_name: str,
        record: bytes,
        rules: Sequence[OperatorRule],
    ) -> Reading:
        recipient = row.get("rcpt", "").strip().strip("<>").strip()
        if "@" not in recipient:
            return Unreadable(f"{type_name} row has no recipient address in 'rcpt'")
        occurred_at = _logged_at(row.get("timelogged", ""))
        if occurred_at is None:
            return Unreadable(f"{type_name} row has no readable 'timeLogged' ({row.get('timelogged', '')!r})")
        status, reply_code, diagnostic = _dsn(row)
        remote_mta = row.get("dsnmta", "").strip() or None
        category = row.get("bouncecat", "").strip().lower() or None
        feedback_type = None
        if kind is Kind.DELIVERY:  # most rows of a real file: no rule or pattern applies to them
            reason, severity = Reason.DELIVERED, Severity.NONE
        else:
            if kind is Kind.COMPLAINT:
                feedback_type = row.get("feedbacktype", "").strip().lower() or "abuse"
            finding = RecipientFinding(
                address=recipient,
                action=row.get("dsnaction", "").strip().lower() or None,
                status=status,
                reply_code=reply_code,
                diagnostic=diagnostic,
                remote_mta=remote_mta,
                original_recipient=row.get("orcpt", "").strip() or None,
                feedback_type=feedback_type,
                kind=kind,
            )
            reason, severity = _judge(finding, category, kind, rules)
        event = FeedbackEvent(
            kind=kind,
            recipient=recipient,
            severity=severity,
            reason=reason,
            dedupe_key=dedupe_key(occurred_at, type_name, record),
            occurred_at=occurred_at,
            source=self._source,
            status=status,
            reply_code=reply_code,
            diagnostic=diagnostic,
            remote_mta=remote_mta,
            sender=row.get("orig", "").strip().strip("<>") or None,
            message_id=_header_value(row, "message-id"),
            campaign=row.get("jobid") or None,
            feedback_type=feedback_type,
            provider_label=category,
            tags=self._tags(row, type_name),
        )
        return feedback(self.format_name, (event,))

    def _tags(self, row: Mapping[str, str], type_name: str) -> dict[str, str]:
        tags = {"record_type": type_name}
        assert self._header is not None
        for column, tag in self._header.tag_columns:
            if value := row.get(column, "").strip():
                tags[tag] = value
        return tags


def _header_value(row: Mapping[str, str], header: str) -> str | None:
    value = row.get(f"header_{header}", "").strip().strip("<>").strip()
    return value or None


@lru_cache(maxsize=4096)  # deliveries repeat a few diagnostics ("smtp;250 2.0.0 OK")
def _dsn_of(status_field: str, diagnostic_field: str) -> tuple[str | None, str | None, str | None]:
    diagnostic = diagnostic_field.strip() or None
    status = status_field.strip()
    status = status.split(" ", 1)[0] if status else ""
    if not _STATUS.match(status):
        in_text = _STATUS_IN_TEXT.search(diagnostic or "")
        status = in_text.group(1) if in_text else ""
    code = _REPLY_CODE.match(diagnostic or "")
    return status or None, code.group(1) if code else None, diagnostic


def _dsn(row: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """The row's RFC 3463 status (from `dsnStatus`, else its diagnostic), reply code and diagnostic."""
    return _dsn_of(row.get("dsnstatus", ""), row.get("dsndiag", ""))


def _judge(
    finding: RecipientFinding, category: str | None, kind: Kind, rules: Sequence[OperatorRule]
) -> tuple[Reason, Severity]:
    """Reason and severity of a failure: the DSN first, PowerMTA's bounce category as a hint."""
    result = classify(finding, rules)
    hint = BOUNCE_CATEGORIES.get(category or "")
    if kind in (Kind.BOUNCE, Kind.DELAY) and result.reason in _UNDECIDED and hint is not None:
        finding.reason_hint = hint
        result = classify(finding, rules)
    return result.reason, result.severity
