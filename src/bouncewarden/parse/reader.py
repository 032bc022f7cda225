"""The reader: one raw input, from any source, becomes events, "not feedback" or "unreadable".

    reading = read_input(RawInput(data, origin, received_at, source), rules)

Every way feedback arrives (`parse`, `ingest`, the SNS endpoint, the SQS worker, later SMTP
and mailboxes) calls this one function, so two of them can never read the same bytes
differently. What the bytes are is decided by their content, never by where they came from:

- JSON (the first non-blank byte is `{`): Amazon SES feedback, bare, in an SNS envelope or as
  an SQS body (`parse.ses`);
- anything else is an email message. One that is no message at all (binary data, no header
  section, truncated: `parse.email_checks`) is unreadable. An SES notification that SNS
  delivered by email (`parse.mta.amazonses`) is handed to the SES parser whole, so it gives the
  same events and dedupe keys as the same notification by SQS or HTTP. Every other message
  goes through the bounce pipeline (`parse.pipeline`) and becomes one event per recipient
  (`parse.events`).

The types it reads and answers with (`RawInput`, `Feedback`, `NotFeedback`, `Unreadable`)
live in `bouncewarden.intake`, which commands that never read can import cheaply.

The reader never raises for bad input: a parser that fails is a bug, but the input is kept
(`Unreadable`, with the exception named) so that a later fix can replay it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from datetime import datetime

from bouncewarden.classify import OperatorRule
from bouncewarden.intake import EMAIL, JSON, Feedback, NotFeedback, RawInput, Reading, Unreadable, is_json
from bouncewarden.parse.email_checks import email_problem, truncation_problem
from bouncewarden.parse.events import report_to_events
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta import amazonses
from bouncewarden.parse.pipeline import parse_bounce_message
from bouncewarden.parse.report import NotABounce, Unparseable
from bouncewarden.parse.ses import read_ses
from bouncewarden.parse.ses_schema import SesPayloadError

__all__ = [
    "EMAIL",
    "JSON",
    "Feedback",
    "NotFeedback",
    "RawInput",
    "Reading",
    "Unreadable",
    "is_json",
    "read_input",
]

_log = logging.getLogger(__name__)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|antw|vs)\s*:", re.IGNORECASE)


def read_input(raw: RawInput, rules: Sequence[OperatorRule] = ()) -> Reading:
    """What one input holds; never raises for bad input."""
    if raw.problem is not None:
        return Unreadable(raw.problem)
    if not raw.data.strip():
        return Unreadable("empty input")
    try:
        if is_json(raw.data):
            return _read_json(raw.data, rules, raw.received_at)
        return _read_email(raw, rules)
    except Exception as err:  # the reader's boundary: a parser bug must not lose the input
        _log.exception("parser failed on %s", raw.origin)
        return Unreadable(f"parser failed: {type(err).__name__}: {err}")


def _read_json(data: bytes | str, rules: Sequence[OperatorRule], received_at: datetime) -> Reading:
    try:
        reading = read_ses(data, rules=rules, received_at=received_at)
    except SesPayloadError as err:
        return Unreadable(f"not a readable SES payload: {err}")
    # Every SES notification and event concerns recipients; one that names none is damaged.
    if not reading.events:
        return Unreadable("SES payload names no recipient")
    return Feedback(reading.report, reading.events)


def _read_email(raw: RawInput, rules: Sequence[OperatorRule]) -> Reading:
    problem = email_problem(raw.data)
    if problem is not None:
        return Unreadable(problem)
    message = BounceMessage(raw.data)
    if amazonses.detect(message):
        notification = amazonses.notification_json(message)
        if notification is not None:
            reading = _read_json(notification, rules, raw.received_at)
            if isinstance(reading, Feedback):
                return reading
    parsed = parse_bounce_message(message, rules)
    if isinstance(parsed, NotABounce):
        truncated = truncation_problem(message.defects)
        if truncated is not None:
            return Unreadable(truncated)
        return NotFeedback(_what(message), parsed.reason)
    if isinstance(parsed, Unparseable):
        return Unreadable(parsed.reason)
    if not parsed.recipients:
        return Unreadable(f"{parsed.parser} report names no recipient")
    sha256 = hashlib.sha256(raw.data).hexdigest()
    events = report_to_events(parsed, source=raw.source, raw_sha256=sha256, received_at=raw.received_at)
    return Feedback(parsed, tuple(events))


def _what(message: BounceMessage) -> str:
    """A label for a message that is no feedback: a person's reply, or some other message."""
    if message.has_header("In-Reply-To") or _REPLY_SUBJECT.match(message.subject):
        return "human reply"
    return "other message"
