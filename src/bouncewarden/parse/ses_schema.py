"""Amazon SES feedback JSON as typed records: both identity notifications and published events.

Two formats share one schema (AWS SES developer guide, "Amazon SNS notification contents" and
"Contents of event data that Amazon SES publishes to Amazon SNS"): identity notifications name
their type in `notificationType` (Bounce, Complaint, Delivery); configuration-set events in
`eventType` (Send, Reject, Bounce, Complaint, Delivery, DeliveryDelay, Open, Click,
`Rendering Failure` with payload key `failure`, Subscription). Each carries a `mail` object and
one payload object named after the type.

Quirks handled: SES "reserves the right to add fields" (unknown keys are ignored); timestamps
appear as `2018-10-08T14:05:45 +0000` as well as ISO 8601 with `Z`; DSN fields of bounced
recipients are present only when a DSN was attached; `mail.source` may be in display-name form.
Anything missing that we need raises `SesPayloadError` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bouncewarden.errors import BouncewardenError
from bouncewarden.parse.sns_envelope import JsonObject

__all__ = [
    "PAYLOAD_KEYS",
    "SesBounce",
    "SesComplaint",
    "SesDelay",
    "SesDelivery",
    "SesDocument",
    "SesMail",
    "SesOtherPayload",
    "SesPayloadError",
    "SesRecipient",
    "parse_timestamp",
    "read_document",
]


class SesPayloadError(BouncewardenError, ValueError):
    """SES feedback that cannot be read: not JSON, not SES, or missing what we need."""


# The payload key of each type; `Rendering Failure` is the one whose key is not its name.
PAYLOAD_KEYS: Mapping[str, str] = {
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Delivery": "delivery",
    "Send": "send",
    "Reject": "reject",
    "Open": "open",
    "Click": "click",
    "Rendering Failure": "failure",
    "RenderingFailure": "failure",
    "DeliveryDelay": "deliveryDelay",
    "Subscription": "subscription",
}

_SPACED_OFFSET = re.compile(r"^(\S+)\s+([+-]\d{2}:?\d{2})$")


def parse_timestamp(text: str) -> datetime:
    """An SES timestamp as an aware UTC datetime (naive values are taken as UTC)."""
    cleaned = text.strip()
    spaced = _SPACED_OFFSET.match(cleaned)
    if spaced:
        cleaned = spaced.group(1) + spaced.group(2)
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class _Reader:
    """Typed access to one JSON object, with the path used in error messages."""

    __slots__ = ("data", "path")

    def __init__(self, data: JsonObject, path: str) -> None:
        self.data = data
        self.path = path

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return str(value)
        raise SesPayloadError(f"{self.path}.{key} should be a string, got {type(value).__name__}")

    def required_text(self, key: str) -> str:
        value = self.text(key)
        if value is None or not value.strip():
            raise SesPayloadError(f"{self.path}.{key} is missing")
        return value

    def time(self, key: str) -> datetime | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return parse_timestamp(value)
        except ValueError as err:
            raise SesPayloadError(f"{self.path}.{key} is not a timestamp: {value!r}") from err

    def child(self, key: str) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise SesPayloadError(f"{self.path}.{key} should be an object, got {type(value).__name__}")
        return _Reader(value, f"{self.path}.{key}")

    def items(self, key: str) -> list[object]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise SesPayloadError(f"{self.path}.{key} should be a list, got {type(value).__name__}")
        return value

    def children(self, key: str) -> list[_Reader]:
        readers = []
        for index, item in enumerate(self.items(key)):
            if not isinstance(item, dict):
                raise SesPayloadError(f"{self.path}.{key}[{index}] should be an object")
            readers.append(_Reader(item, f"{self.path}.{key}[{index}]"))
        return readers

    def texts(self, key: str) -> tuple[str, ...]:
        return tuple(str(item) for item in self.items(key) if isinstance(item, str | int | float))


@dataclass(frozen=True, slots=True)
class SesRecipient:
    """One bounced, complained, delayed or delivered recipient."""

    email_address: str
    action: str | None = None
    status: str | None = None
    diagnostic_code: str | None = None


@dataclass(frozen=True, slots=True)
class SesMail:
    """The `mail` object: the original message as SES sent it."""

    message_id: str
    timestamp: datetime | None
    source: str | None
    destination: tuple[str, ...]
    headers: tuple[tuple[str, str], ...] = ()
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def header(self, *names: str) -> str | None:
        """The first original header called one of `names` (case-insensitive), if headers were included.

        Of several names the first that the headers hold with a value is taken, and of that name
        its first header (read in one pass: a mail carries dozens of headers).
        """
        wanted = {name.lower() for name in names}
        first: dict[str, str] = {}
        for key, value in self.headers:
            lowered = key.lower()
            if lowered in wanted and lowered not in first:
                first[lowered] = value
        return next((found for name in names if (found := first.get(name.lower()))), None)


@dataclass(frozen=True, slots=True)
class SesBounce:
    """The `bounce` payload."""

    bounce_type: str
    bounce_sub_type: str
    recipients: tuple[SesRecipient, ...]
    timestamp: datetime | None
    feedback_id: str | None
    remote_mta_ip: str | None
    reporting_mta: str | None


@dataclass(frozen=True, slots=True)
class SesComplaint:
    """The `complaint` payload."""

    recipients: tuple[str, ...]
    timestamp: datetime | None
    feedback_id: str | None
    sub_type: str | None
    feedback_type: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class SesDelivery:
    """The `delivery` payload."""

    recipients: tuple[str, ...]
    timestamp: datetime | None
    smtp_response: str | None
    reporting_mta: str | None
    remote_mta_ip: str | None


@dataclass(frozen=True, slots=True)
class SesDelay:
    """The `deliveryDelay` payload (event publishing only)."""

    delay_type: str | None
    recipients: tuple[SesRecipient, ...]
    timestamp: datetime | None
    expiration_time: datetime | None
    reporting_mta: str | None


@dataclass(frozen=True, slots=True)
class SesOtherPayload:
    """Send, Reject, Open, Click, Rendering Failure, Subscription and types we do not know yet."""

    timestamp: datetime | None
    details: Mapping[str, str] = field(default_factory=dict)


SesPayload = SesBounce | SesComplaint | SesDelivery | SesDelay | SesOtherPayload


@dataclass(frozen=True, slots=True)
class SesDocument:
    """One SES notification or event, read."""

    type_name: str
    is_event: bool
    mail: SesMail
    payload: SesPayload


def _read_headers(reader: _Reader) -> tuple[tuple[str, str], ...]:
    """`mail.headers` as (name, value) pairs; those without a name or a value are left out."""
    # The usual list, objects of two strings, read directly; anything else the careful way,
    # which gives the same pairs and says what is wrong where.
    plain = []
    for item in reader.items("headers"):
        if type(item) is not dict:
            break
        name, value = item.get("name"), item.get("value")
        if type(name) is not str or type(value) is not str:
            break
        plain.append((name, value))
    else:
        return tuple(plain)
    return tuple(
        (name, value)
        for item in reader.children("headers")
        if (name := item.text("name")) is not None and (value := item.text("value")) is not None
    )


def _read_mail(reader: _Reader) -> SesMail:
    headers = _read_headers(reader)
    tags: dict[str, tuple[str, ...]] = {}
    tag_reader = reader.child("tags")
    if tag_reader is not None:
        for key in tag_reader.data:
            tags[key] = tag_reader.texts(key) if isinstance(tag_reader.data[key], list) else ()
    return SesMail(
        message_id=reader.required_text("messageId"),
        timestamp=reader.time("timestamp"),
        source=reader.text("source"),
        destination=reader.texts("destination"),
        headers=headers,
        tags=tags,
    )


def _read_recipients(reader: _Reader, key: str) -> tuple[SesRecipient, ...]:
    return tuple(
        SesRecipient(
            email_address=item.required_text("emailAddress"),
            action=item.text("action"),
            status=item.text("status"),
            diagnostic_code=item.text("diagnosticCode"),
        )
        for item in reader.children(key)
    )


def _read_bounce(reader: _Reader) -> SesBounce:
    return SesBounce(
        bounce_type=reader.text("bounceType") or "Undetermined",
        bounce_sub_type=reader.text("bounceSubType") or "Undetermined",
        recipients=_read_recipients(reader, "bouncedRecipients"),
        timestamp=reader.time("timestamp"),
        feedback_id=reader.text("feedbackId"),
        remote_mta_ip=reader.text("remoteMtaIp"),
        reporting_mta=reader.text("reportingMTA"),
    )


def _read_complaint(reader: _Reader) -> SesComplaint:
    return SesComplaint(
        recipients=tuple(item.email_address for item in _read_recipients(reader, "complainedRecipients")),
        timestamp=reader.time("timestamp"),
        feedback_id=reader.text("feedbackId"),
        sub_type=reader.text("complaintSubType"),
        feedback_type=reader.text("complaintFeedbackType"),
        user_agent=reader.text("userAgent"),
    )


def _read_delivery(reader: _Reader) -> SesDelivery:
    return SesDelivery(
        recipients=reader.texts("recipients"),
        timestamp=reader.time("timestamp"),
        smtp_response=reader.text("smtpResponse"),
        reporting_mta=reader.text("reportingMTA"),
        remote_mta_ip=reader.text("remoteMtaIp"),
    )


def _read_delay(reader: _Reader) -> SesDelay:
    return SesDelay(
        delay_type=reader.text("delayType"),
        recipients=_read_recipients(reader, "delayedRecipients"),
        timestamp=reader.time("timestamp"),
        expiration_time=reader.time("expirationTime"),
        reporting_mta=reader.text("reportingMTA"),
    )


def _read_other(reader: _Reader | None) -> SesOtherPayload:
    if reader is None:
        return SesOtherPayload(timestamp=None)
    # Scalar fields only (reason, link, templateName, errorMessage, contactList, source, ...).
    details = {key: text for key in reader.data if (text := _scalar(reader.data[key])) is not None}
    try:
        timestamp = reader.time("timestamp")
    except SesPayloadError:
        timestamp = None
    return SesOtherPayload(timestamp=timestamp, details=details)


def _scalar(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


_PAYLOAD_READERS: Mapping[str, Callable[[_Reader], SesPayload]] = {
    "bounce": _read_bounce,
    "complaint": _read_complaint,
    "delivery": _read_delivery,
    "deliveryDelay": _read_delay,
}


def read_document(document: JsonObject) -> SesDocument:
    """Read one SES notification or event document into typed records."""
    root = _Reader(document, "$")
    event_type = root.text("eventType")
    type_name = event_type or root.text("notificationType")
    if not type_name:
        raise SesPayloadError("neither notificationType nor eventType is set")
    mail_reader = root.child("mail")
    if mail_reader is None:
        raise SesPayloadError(f"{type_name} has no mail object")
    mail = _read_mail(mail_reader)
    payload_key = PAYLOAD_KEYS.get(type_name, type_name[:1].lower() + type_name[1:].replace(" ", ""))
    payload_reader = root.child(payload_key)
    read = _PAYLOAD_READERS.get(payload_key)
    if read is None:
        return SesDocument(type_name, event_type is not None, mail, _read_other(payload_reader))
    if payload_reader is None:
        raise SesPayloadError(f"{type_name} has no {payload_key} object")
    return SesDocument(type_name, event_type is not None, mail, read(payload_reader))
