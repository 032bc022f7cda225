"""Messages sent, told by the sender itself: `POST /v1/sends` and `bouncewarden record-sends FILE`.

Senders whose sends bouncewarden cannot see (no SES Send events, no MTA log) say what they
sent, so the bounce rate has its denominator. One send is one message to one recipient:

    recipient (required), sender, message_id, campaign, configuration_set, sent_at (ISO 8601)

A file is CSV with a header row naming those columns, or JSON Lines (one object per line),
told apart by its first non-blank character (`{` for JSON Lines). Each send becomes a `send`
event keyed on its message id and recipient (or, without a message id, on all its fields),
so the same send told twice counts once; give the message id so that its delivery or bounce
is matched to it and not counted as a second send (`store.counters`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from bouncewarden.errors import BouncewardenError
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.field_types import AddressText, Text
from bouncewarden.store.listfile import csv_problem

__all__ = ["InvalidSendsFile", "SendLine", "SendRecord", "read_sends", "send_event"]

CONFIGURATION_SET_TAG = "ses:configuration-set"
SOURCE = "sends"


class SendRecord(BaseModel):
    """One message sent to one recipient."""

    recipient: AddressText = Field(min_length=3, max_length=320)
    sender: Text | None = Field(None, max_length=320)
    message_id: Text | None = Field(None, max_length=1000)
    campaign: Text | None = Field(None, max_length=500)
    configuration_set: Text | None = Field(None, max_length=200)
    sent_at: datetime | None = None


def send_event(send: SendRecord, now: datetime, *, source: str) -> FeedbackEvent:
    """The `send` event of `send` (sent now when it does not say when)."""
    values = send.model_dump()
    if values["configuration_set"] is None:
        del values["configuration_set"]  # the key of a send without one is what it always was
    identity = send.message_id or json.dumps(values, sort_keys=True, default=str)
    key = "send:" + hashlib.sha256(f"{identity}\n{send.recipient.lower()}".encode()).hexdigest()
    tags = {CONFIGURATION_SET_TAG: send.configuration_set} if send.configuration_set else {}
    return FeedbackEvent(
        kind=Kind.SEND,
        recipient=send.recipient,
        severity=Severity.NONE,
        reason=Reason.UNDEFINED,
        dedupe_key=key,
        occurred_at=send.sent_at or now,
        source=source,
        sender=send.sender,
        message_id=send.message_id,
        campaign=send.campaign,
        received_at=now,
        tags=tags,
    )


@dataclass(frozen=True, slots=True)
class SendLine:
    """One line of a sends file: its text, and the send it holds or why it holds none."""

    number: int
    text: str
    send: SendRecord | None = None
    problem: str | None = None


def _problem(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])


def _checked(number: int, text: str, values: Any) -> SendLine:
    if not isinstance(values, dict):
        return SendLine(number, text, problem="not a JSON object")
    cleaned = {key: value for key, value in values.items() if value not in ("", None)}
    try:
        return SendLine(number, text, send=SendRecord.model_validate(cleaned))
    except ValidationError as err:
        return SendLine(number, text, problem=_problem(err))


class InvalidSendsFile(BouncewardenError, ValueError):
    """A sends file that cannot be read as CSV past some line (the message starts with its number)."""


def read_sends(text: str) -> Iterator[SendLine]:
    """Each line of a sends file (CSV with a header, or JSON Lines), read and checked.

    A line that is not JSON, or is nested too deeply for the parser, is a line with a problem;
    CSV that cannot be read on (a field over the limit, a quote never closed) is InvalidSendsFile.
    """
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                values = json.loads(line)
            except ValueError as err:
                yield SendLine(number, line, problem=f"not JSON: {err}")
                continue
            except RecursionError:
                yield SendLine(number, line, problem="not JSON: nested too deeply")
                continue
            yield _checked(number, line, values)
        return
    reader = csv.DictReader(io.StringIO(text))
    for row in _csv_rows(reader):
        line = ",".join(value or "" for value in row.values() if isinstance(value, str))
        if None in row:
            yield SendLine(reader.line_num, line, problem="more cells than the header names")
            continue
        yield _checked(reader.line_num, line, {key.strip(): value for key, value in row.items()})


def _csv_rows(reader: csv.DictReader[str]) -> Iterator[dict[str | Any, str | Any]]:
    while True:
        start = reader.line_num + 1
        try:
            if reader.fieldnames is None:  # an empty file; reading the header counts as line 1
                return
            start = reader.line_num + 1
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise InvalidSendsFile(f"{start}: {csv_problem(err)}") from err
