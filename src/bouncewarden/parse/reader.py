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
  (`parse.report_events`).

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
from dataclasses import fields, replace
from datetime import datetime
from functools import lru_cache
from operator import attrgetter

from bouncewarden.addresses import address_problem
from bouncewarden.classify import OperatorRule, OperatorRules
from bouncewarden.events import FeedbackEvent
from bouncewarden.intake import EMAIL, JSON, Feedback, NotFeedback, RawInput, Reading, Unreadable, is_json
from bouncewarden.logsafe import shown
from bouncewarden.parse.email_checks import email_problem, truncation_problem
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta import amazonses
from bouncewarden.parse.pipeline import parse_bounce_message
from bouncewarden.parse.report import NotABounce, Unparseable
from bouncewarden.parse.report_events import report_to_events
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
    "read_batch",
    "read_input",
]

_log = logging.getLogger(__name__)
# The fields a source fills in (not the address worked out from the recipient), enums and tags aside.
_TEXT_FIELDS = tuple(
    item.name
    for item in fields(FeedbackEvent)
    if item.init and item.name not in {"kind", "severity", "reason", "tags"}
)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|antw|vs)\s*:", re.IGNORECASE)


def read_input(raw: RawInput, rules: Sequence[OperatorRule] = ()) -> Reading:
    """What one input holds; never raises for bad input."""
    if raw.problem is not None:
        return Unreadable(raw.problem)
    if not raw.data.strip():
        return Unreadable("empty input")
    try:
        reading = (
            _read_json(raw.data, rules, raw.received_at) if is_json(raw.data) else _read_email(raw, rules)
        )
    except RecursionError:  # nesting deeper than any parser goes: hostile or broken, not a bug
        _log.warning("input %r is nested too deeply to read", raw.origin)
        return Unreadable("nested too deeply to read (JSON or MIME structure)")
    except Exception as err:  # the reader's boundary: a parser bug must not lose the input
        _log.exception("parser failed on %r", raw.origin)
        return Unreadable(f"parser failed: {type(err).__name__}: {err}")
    return _checked(reading)


def read_batch(inputs: Sequence[RawInput], rules: Sequence[OperatorRule] = ()) -> list[Reading]:
    """`read_input` of each input, in order (a plain function, so another process can run it)."""
    table = _operator_rules(tuple(rules))
    return [read_input(raw, table) for raw in inputs]


@lru_cache(maxsize=4)
def _operator_rules(rules: tuple[OperatorRule, ...]) -> OperatorRules:
    """The rules as one matching table, built once per set of rules."""
    return OperatorRules(rules)


def _checked(reading: Reading) -> Reading:
    """The reading fit to store: Unreadable when a recipient is no possible address, NUL replaced.

    An impossible address (`bouncewarden.addresses`) must never become a suppression: the
    whole input goes to quarantine with its evidence and the address named, so nothing is
    lost. NUL, which PostgreSQL text cannot hold, becomes U+FFFD in the events' text (the raw
    evidence keeps the bytes).
    """
    if not isinstance(reading, Feedback):
        return reading
    for event in reading.events:
        problem = address_problem(event.recipient)
        if problem is not None:
            return Unreadable(f"recipient {shown(event.recipient, 80)} is not an email address ({problem})")
    if any(_has_nul(event) for event in reading.events):
        return Feedback(reading.report, tuple(_without_nul(event) for event in reading.events))
    return reading


_field_values = attrgetter(*_TEXT_FIELDS)


def _has_nul(event: FeedbackEvent) -> bool:
    texts = [value for value in _field_values(event) if isinstance(value, str)]
    return "\x00" in "".join([*texts, *event.tags.keys(), *event.tags.values()])


def _without_nul(event: FeedbackEvent) -> FeedbackEvent:
    changes: dict[str, object] = {
        name: value.replace("\x00", "\ufffd")
        for name in _TEXT_FIELDS
        if isinstance(value := getattr(event, name), str) and "\x00" in value
    }
    changes["tags"] = {
        key.replace("\x00", "\ufffd"): item.replace("\x00", "\ufffd") for key, item in event.tags.items()
    }
    return replace(event, **changes)  # type: ignore[arg-type]  # field names from _TEXT_FIELDS


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
