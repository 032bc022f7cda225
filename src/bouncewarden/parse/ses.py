"""Amazon SES feedback JSON -> `FeedbackEvent`s, one per recipient.

Accepts SES identity notifications (`notificationType`) and configuration-set events
(`eventType`), bare or inside an SNS envelope or an SQS body (see `sns_envelope.py`), and an
EventBridge `aws.ses` event. Recipients come from the payload's own list (`bouncedRecipients`,
`complainedRecipients`, `delivery.recipients`, `deliveryDelay.delayedRecipients`), never from
`mail.destination`, which lists every recipient of the original mail (suppressing all of them
is the classic mistake). Send, Reject, Open, Click, Rendering Failure and Subscription carry no
list of their own, so they apply to the message's destination.

Dedupe keys: the same failure can arrive twice, as an identity notification and as a
configuration-set event (different `feedbackId`s are possible), so bounces, complaints,
deliveries, sends and rejects are keyed on SES's `mail.messageId`, the normalised recipient and
the kind (`ses:<messageId>:<recipient>:bounce`); delays, opens, clicks and subscription changes,
which can repeat, add their own timestamp. The key is the same whichever way the document came
(a file, an SNS POST, an SQS body, an email of SNS's email-json subscription), so one
notification that arrives twice is stored once.

`read_ses` gives both what the `parse` command prints (a `ParsedReport`, parser `amazonses`)
and the events; a diagnostic loses its RFC 3464 diagnostic-type prefix (`smtp;`), as in a DSN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from functools import lru_cache

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity, normalise_address
from bouncewarden.parse.report import ParsedReport, RecipientFinding, RecipientResult
from bouncewarden.parse.ses_reasons import Judgement, judge_bounce, judge_delay
from bouncewarden.parse.ses_schema import (
    SesBounce,
    SesComplaint,
    SesDelay,
    SesDelivery,
    SesDocument,
    SesMail,
    SesOtherPayload,
    SesPayloadError,
    read_document,
)
from bouncewarden.parse.sns_envelope import JsonObject, UnreadableBody, unwrap_body

__all__ = [
    "PARSER",
    "SOURCE",
    "SesPayloadError",
    "SesReading",
    "read_ses",
    "read_ses_document",
    "ses_findings",
]

SOURCE = "ses"
PARSER = "amazonses"
_DIAGNOSTIC_TYPE = re.compile(r"^\s*[A-Za-z][\w-]*\s*;\s*")

_REPLY_CODE = re.compile(r"^\s*(?:smtp\s*;\s*)?([245]\d\d)\b", re.I)
_STATUS_IN_TEXT = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_CAMPAIGN_HEADERS = ("X-Campaign-Id", "X-Campaign")

# Types without a recipient list of their own: their kind, reason and severity.
_PLAIN_TYPES: Mapping[str, Judgement] = {
    "Send": Judgement(Kind.SEND, Reason.UNDEFINED, Severity.NONE),
    "Reject": Judgement(Kind.REJECT, Reason.VIRUSDETECTED, Severity.SENDER, counts_toward_rate=False),
    "Open": Judgement(Kind.OPEN, Reason.UNDEFINED, Severity.NONE),
    "Click": Judgement(Kind.CLICK, Reason.UNDEFINED, Severity.NONE),
}
_OTHER = Judgement(Kind.OTHER, Reason.UNDEFINED, Severity.NONE, counts_toward_rate=False)
_REPEATING_KINDS = frozenset({Kind.DELAY, Kind.OPEN, Kind.CLICK, Kind.OTHER})


@dataclass(frozen=True, slots=True)
class _Common:
    """What every event of one document shares."""

    mail: SesMail
    occurred_at: datetime
    sender: str | None
    campaign: str | None
    tags: Mapping[str, str]
    label: str


@dataclass(frozen=True, slots=True)
class SesReading:
    """One SES document read: the classified rows (`parse` prints them) and the events."""

    report: ParsedReport
    events: tuple[FeedbackEvent, ...]


@dataclass(frozen=True, slots=True)
class _Row:
    """One recipient of a document: what it said and how it was judged."""

    common: _Common
    recipient: str
    judgement: Judgement
    finding: RecipientFinding


def read_ses(
    data: bytes | str, *, rules: Sequence[OperatorRule] = (), received_at: datetime | None = None
) -> SesReading:
    """Read one SES payload (bare, SNS-enveloped or an SQS body); raises `SesPayloadError`."""
    try:
        document = unwrap_body(data).document
    except UnreadableBody as err:
        raise SesPayloadError(str(err)) from err
    return read_ses_document(document, rules=rules, received_at=received_at)


def read_ses_document(
    document: JsonObject, *, rules: Sequence[OperatorRule] = (), received_at: datetime | None = None
) -> SesReading:
    """Read one decoded SES notification or event document."""
    ses = read_document(document)
    rows = list(_rows(ses, rules))
    events = tuple(_event(row, received_at) for row in rows)
    first = rows[0].common if rows else None
    report = ParsedReport(
        recipients=tuple(_result(row) for row in rows),
        parser=PARSER,
        original_message_id=ses.mail.message_id,
        original_sender=first.sender if first else None,
        campaign=first.campaign if first else None,
        occurred_at=first.occurred_at if first else None,
    )
    return SesReading(report, events)


def ses_findings(document: JsonObject) -> list[RecipientFinding]:
    """What one SES document says of each recipient, before classification (raises `SesPayloadError`)."""
    return [row.finding for row in _rows(read_document(document), ())]


def _rows(ses: SesDocument, rules: Sequence[OperatorRule]) -> Iterator[_Row]:
    payload = ses.payload
    if isinstance(payload, SesBounce):
        yield from _bounce_rows(ses, payload, rules)
    elif isinstance(payload, SesComplaint):
        yield from _complaint_rows(ses, payload)
    elif isinstance(payload, SesDelivery):
        yield from _delivery_rows(ses, payload)
    elif isinstance(payload, SesDelay):
        yield from _delay_rows(ses, payload, rules)
    else:
        yield from _plain_rows(ses, payload)


def _common(ses: SesDocument, timestamp: datetime | None, label: str) -> _Common:
    mail = ses.mail
    occurred_at = timestamp or mail.timestamp
    if occurred_at is None:
        raise SesPayloadError(f"{ses.type_name} for message {mail.message_id} has no timestamp")
    sender = _sender_address(mail.source) if mail.source else None
    campaign = next(iter(mail.tags.get("campaign", ())), None)
    if campaign is None:
        value = mail.header(*_CAMPAIGN_HEADERS)
        campaign = value.strip() if value else None
    tags = {name: ",".join(values) for name, values in mail.tags.items()}
    return _Common(mail, occurred_at, sender, campaign, tags, label)


@lru_cache(maxsize=1024)
def _sender_address(source: str) -> str | None:
    """The address of `mail.source` (`"Name" <a@example.com>` or bare); senders repeat, so cached."""
    return parseaddr(source)[1] or None


def _dedupe_key(common: _Common, recipient: str, kind: Kind) -> str:
    key = f"ses:{common.mail.message_id}:{normalise_address(recipient)}:{kind.value}"
    if kind in _REPEATING_KINDS:
        key += f":{common.occurred_at.isoformat()}"
    return key


def _event(row: _Row, received_at: datetime | None) -> FeedbackEvent:
    common, judgement, finding = row.common, row.judgement, row.finding
    return FeedbackEvent(
        kind=judgement.kind,
        recipient=row.recipient.strip(),
        severity=judgement.severity,
        reason=judgement.reason,
        dedupe_key=_dedupe_key(common, row.recipient, judgement.kind),
        occurred_at=common.occurred_at,
        source=SOURCE,
        status=finding.status,
        reply_code=finding.reply_code,
        diagnostic=finding.diagnostic,
        remote_mta=finding.remote_mta,
        reporting_mta=finding.reporting_mta,
        sender=common.sender,
        message_id=common.mail.message_id,
        campaign=common.campaign,
        feedback_type=finding.feedback_type,
        provider_label=common.label,
        counts_toward_rate=judgement.counts_toward_rate,
        received_at=received_at,
        tags=common.tags,
    )


def _result(row: _Row) -> RecipientResult:
    finding, judgement = row.finding, row.judgement
    return RecipientResult(
        address=row.recipient.strip(),
        action=finding.action,
        status=finding.status,
        reply_code=finding.reply_code,
        reason=judgement.reason,
        severity=judgement.severity,
        kind=judgement.kind,
        diagnostic=finding.diagnostic,
        remote_mta=finding.remote_mta,
        reporting_mta=finding.reporting_mta,
        feedback_type=finding.feedback_type,
    )


def _strip_mta_type(value: str | None) -> str | None:
    """`dsn; a8-42.smtp-out.amazonses.com` -> the host (RFC 3464 mta-name-type prefix dropped)."""
    if value is None:
        return None
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def _finding(
    address: str,
    *,
    action: str | None = None,
    status: str | None = None,
    diagnostic: str | None = None,
    remote_mta: str | None = None,
    reporting_mta: str | None = None,
    kind: Kind = Kind.BOUNCE,
) -> RecipientFinding:
    if diagnostic is not None:
        diagnostic = _DIAGNOSTIC_TYPE.sub("", diagnostic, count=1).strip() or None
    code = _REPLY_CODE.match(diagnostic or "")
    if status is None and diagnostic:
        in_text = _STATUS_IN_TEXT.search(diagnostic)
        status = in_text.group(1) if in_text else None
    return RecipientFinding(
        address=address,
        action=action,
        status=status,
        reply_code=code.group(1) if code else None,
        diagnostic=diagnostic,
        remote_mta=remote_mta,
        reporting_mta=_strip_mta_type(reporting_mta),
        kind=kind,
    )


def _bounce_rows(ses: SesDocument, bounce: SesBounce, rules: Sequence[OperatorRule]) -> Iterator[_Row]:
    common = _common(ses, bounce.timestamp, f"{bounce.bounce_type}/{bounce.bounce_sub_type}")
    for recipient in bounce.recipients:
        finding = _finding(
            recipient.email_address,
            action=recipient.action,
            status=recipient.status,
            diagnostic=recipient.diagnostic_code,
            remote_mta=bounce.remote_mta_ip,
            reporting_mta=bounce.reporting_mta,
        )
        judgement = judge_bounce(bounce.bounce_type, bounce.bounce_sub_type, finding, rules)
        yield _Row(common, recipient.email_address, judgement, finding)


def _complaint_rows(ses: SesDocument, complaint: SesComplaint) -> Iterator[_Row]:
    sub_type = complaint.sub_type or ""
    label = f"Complaint/{sub_type or complaint.feedback_type or 'none'}"
    common = _common(ses, complaint.timestamp, label)
    severity = Severity.NONE if (complaint.feedback_type or "").lower() == "not-spam" else Severity.COMPLAINT
    counted = sub_type not in ("OnAccountSuppressionList", "OnTenantSuppressionList")
    judgement = Judgement(Kind.COMPLAINT, Reason.FEEDBACK, severity, counts_toward_rate=counted)
    for address in complaint.recipients:
        finding = RecipientFinding(
            address=address, kind=Kind.COMPLAINT, feedback_type=complaint.feedback_type
        )
        yield _Row(common, address, judgement, finding)


def _delivery_rows(ses: SesDocument, delivery: SesDelivery) -> Iterator[_Row]:
    common = _common(ses, delivery.timestamp, "Delivery")
    judgement = Judgement(Kind.DELIVERY, Reason.DELIVERED, Severity.NONE)
    for address in delivery.recipients:
        finding = _finding(
            address,
            action="delivered",
            diagnostic=delivery.smtp_response,
            remote_mta=delivery.remote_mta_ip,
            reporting_mta=delivery.reporting_mta,
            kind=Kind.DELIVERY,
        )
        yield _Row(common, address, judgement, finding)


def _delay_rows(ses: SesDocument, delay: SesDelay, rules: Sequence[OperatorRule]) -> Iterator[_Row]:
    common = _common(ses, delay.timestamp, f"DeliveryDelay/{delay.delay_type or 'Undetermined'}")
    for recipient in delay.recipients:
        finding = _finding(
            recipient.email_address,
            action="delayed",
            status=recipient.status,
            diagnostic=recipient.diagnostic_code,
            reporting_mta=delay.reporting_mta,
            kind=Kind.DELAY,
        )
        yield _Row(common, recipient.email_address, judge_delay(delay.delay_type, finding, rules), finding)


def _plain_rows(ses: SesDocument, payload: SesOtherPayload) -> Iterator[_Row]:
    judgement = _PLAIN_TYPES.get(ses.type_name, _OTHER)
    details = payload.details
    diagnostic = details.get("reason") or details.get("errorMessage") or details.get("link")
    if "templateName" in details:
        diagnostic = f"template {details['templateName']}: {diagnostic or ''}".rstrip(": ")
    if ses.type_name == "Subscription":
        diagnostic = f"contact list {details.get('contactList', '?')} via {details.get('source', '?')}"
    common = _common(ses, payload.timestamp, ses.type_name)
    for address in ses.mail.destination:
        finding = RecipientFinding(address=address, kind=judgement.kind, diagnostic=diagnostic)
        yield _Row(common, address, judgement, finding)
