"""Find the SES JSON inside whatever carried it: an SNS envelope, an SQS body, or nothing.

SES feedback reaches us in a few wrappings (AWS, "Fanout to Amazon SQS queues" and "Amazon SNS
raw message delivery"):

- an SNS envelope (`Type: Notification`), as POSTed to HTTP endpoints and as the SQS `Body` of a
  subscription *without* raw delivery; the SES JSON is a *string* in `Message` (double-encoded);
- the SES JSON itself, as the SQS `Body` of a subscription *with* `RawMessageDelivery=true`;
- an EventBridge event (`source: aws.ses`) whose `detail` is the event-publishing JSON.

Shapes are told apart by their keys (`Type` + `Message` versus `notificationType` / `eventType`),
never by layout: moto pretty-prints envelopes with sorted keys, SNS does not. moto also delivers
its own SES notifications with `Message` as a JSON object rather than a string; both are accepted.
This module only unwraps; checking an envelope's signature is `sources/sns.py`'s job (on SQS the
queue's access policy is what authenticates the sender).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "BodyShape",
    "JsonObject",
    "UnreadableBody",
    "UnwrappedBody",
    "decode_json_object",
    "unwrap_body",
]

JsonObject = Mapping[str, object]
"""A decoded JSON object whose values have not been checked yet."""


class UnreadableBody(ValueError):
    """A body that is not JSON, or JSON of no shape we know."""


class BodyShape(StrEnum):
    """How the SES JSON was wrapped."""

    SNS_ENVELOPE = "sns-envelope"
    RAW = "raw"
    EVENTBRIDGE = "eventbridge"


@dataclass(frozen=True, slots=True)
class UnwrappedBody:
    """The SES document found in a body, and what the wrapper said about it."""

    shape: BodyShape
    document: JsonObject
    sns_message_id: str | None = None
    topic_arn: str | None = None


def decode_json_object(data: bytes | str, what: str) -> JsonObject:
    """Decode `data` as one JSON object; `what` names it in error messages."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as err:
        raise UnreadableBody(f"{what} is not UTF-8: {err}") from err
    if not text.strip():
        raise UnreadableBody(f"{what} is empty")
    try:
        value: object = json.loads(text)
    except json.JSONDecodeError as err:
        raise UnreadableBody(
            f"{what} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    except RecursionError as err:
        raise UnreadableBody(f"{what} is JSON nested too deeply") from err
    if not isinstance(value, dict):
        raise UnreadableBody(f"{what} is JSON but not an object (got {type(value).__name__})")
    return value


def _is_ses_document(document: JsonObject) -> bool:
    return "notificationType" in document or "eventType" in document


def _optional_text(document: JsonObject, key: str) -> str | None:
    value = document.get(key)
    return value if isinstance(value, str) else None


def _unwrap_envelope(envelope: JsonObject) -> UnwrappedBody:
    kind = envelope.get("Type")
    if kind != "Notification":
        raise UnreadableBody(f"SNS {kind} message carries no SES feedback (only Notification does)")
    message = envelope.get("Message")
    if isinstance(message, str):
        document = decode_json_object(message, "SNS Message")
    elif isinstance(message, dict):
        document = message  # moto publishes its own SES notifications as an object
    else:
        raise UnreadableBody("SNS Notification has no Message")
    if not _is_ses_document(document):
        raise UnreadableBody("SNS Message is JSON but has neither notificationType nor eventType")
    return UnwrappedBody(
        BodyShape.SNS_ENVELOPE,
        document,
        sns_message_id=_optional_text(envelope, "MessageId"),
        topic_arn=_optional_text(envelope, "TopicArn"),
    )


def unwrap_body(data: bytes | str) -> UnwrappedBody:
    """The SES document in an SNS envelope, an SQS body (enveloped or raw) or bare SES JSON."""
    document = decode_json_object(data, "body")
    if "Type" in document and "Message" in document:
        return _unwrap_envelope(document)
    if _is_ses_document(document):
        return UnwrappedBody(BodyShape.RAW, document)
    detail = document.get("detail")
    if document.get("source") == "aws.ses" and isinstance(detail, dict) and _is_ses_document(detail):
        return UnwrappedBody(BodyShape.EVENTBRIDGE, detail)
    if "Type" in document:
        raise UnreadableBody(f"SNS {document.get('Type')} message has no Message")
    raise UnreadableBody(
        "JSON object is neither an SNS envelope nor SES feedback (no notificationType/eventType)"
    )
