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
which can repeat, add their own timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity, normalise_address
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.sources.ses_reasons import Judgement, judge_bounce, judge_delay
from bouncewarden.sources.ses_schema import (
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
from bouncewarden.sources.sns_envelope import JsonObject, UnreadableBody, unwrap_body

__all__ = ["SOURCE", "SesPayloadError", "events_from_document", "parse_ses_payload"]

SOURCE = "ses"

_REPLY_CODE = re.compile(r"^\s*(?:smtp\s*;\s*)?([245]\d\d)\b", re.I)
_STATUS_IN_TEXT = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_CAMPAIGN_HEADERS = ("X-Campaign-Id", "X-Campaign", "X-Campaign-ID")

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


def parse_ses_payload(data: bytes | str, *, rules: Sequence[OperatorRule] = ()) -> list[FeedbackEvent]:
    """Every recipient event in one SES payload (bare, SNS-enveloped or an SQS body)."""
    try:
        document = unwrap_body(data).document
    except UnreadableBody as err:
        raise SesPayloadError(str(err)) from err
    return events_from_document(document, rules=rules)


def events_from_document(document: JsonObject, *, rules: Sequence[OperatorRule] = ()) -> list[FeedbackEvent]:
    """Every recipient event in one decoded SES notification or event document."""
    ses = read_document(document)
    return list(_events(ses, rules))


def _events(ses: SesDocument, rules: Sequence[OperatorRule]) -> Iterator[FeedbackEvent]:
    payload = ses.payload
    if isinstance(payload, SesBounce):
        yield from _bounce_events(ses, payload, rules)
    elif isinstance(payload, SesComplaint):
        yield from _complaint_events(ses, payload)
    elif isinstance(payload, SesDelivery):
        yield from _delivery_events(ses, payload)
    elif isinstance(payload, SesDelay):
        yield from _delay_events(ses, payload, rules)
    else:
        yield from _plain_events(ses, payload)


def _common(ses: SesDocument, timestamp: datetime | None, label: str) -> _Common:
    mail = ses.mail
    occurred_at = timestamp or mail.timestamp
    if occurred_at is None:
        raise SesPayloadError(f"{ses.type_name} for message {mail.message_id} has no timestamp")
    sender = parseaddr(mail.source)[1] or None if mail.source else None
    campaign = next(iter(mail.tags.get("campaign", ())), None)
    if campaign is None:
        campaign = next((value.strip() for name in _CAMPAIGN_HEADERS if (value := mail.header(name))), None)
    tags = {name: ",".join(values) for name, values in mail.tags.items()}
    return _Common(mail, occurred_at, sender, campaign, tags, label)


def _dedupe_key(common: _Common, recipient: str, kind: Kind) -> str:
    key = f"ses:{common.mail.message_id}:{normalise_address(recipient)}:{kind.value}"
    if kind in _REPEATING_KINDS:
        key += f":{common.occurred_at.isoformat()}"
    return key


def _event(
    common: _Common, recipient: str, judgement: Judgement, finding: RecipientFinding | None = None
) -> FeedbackEvent:
    return FeedbackEvent(
        kind=judgement.kind,
        recipient=recipient.strip(),
        severity=judgement.severity,
        reason=judgement.reason,
        dedupe_key=_dedupe_key(common, recipient, judgement.kind),
        occurred_at=common.occurred_at,
        source=SOURCE,
        status=finding.status if finding else None,
        reply_code=finding.reply_code if finding else None,
        diagnostic=finding.diagnostic if finding else None,
        remote_mta=finding.remote_mta if finding else None,
        reporting_mta=finding.reporting_mta if finding else None,
        sender=common.sender,
        message_id=common.mail.message_id,
        campaign=common.campaign,
        feedback_type=finding.feedback_type if finding else None,
        provider_label=common.label,
        counts_toward_rate=judgement.counts_toward_rate,
        tags=common.tags,
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


def _bounce_events(
    ses: SesDocument, bounce: SesBounce, rules: Sequence[OperatorRule]
) -> Iterator[FeedbackEvent]:
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
        yield _event(common, recipient.email_address, judgement, finding)


def _complaint_events(ses: SesDocument, complaint: SesComplaint) -> Iterator[FeedbackEvent]:
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
        yield _event(common, address, judgement, finding)


def _delivery_events(ses: SesDocument, delivery: SesDelivery) -> Iterator[FeedbackEvent]:
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
        yield _event(common, address, judgement, finding)


def _delay_events(
    ses: SesDocument, delay: SesDelay, rules: Sequence[OperatorRule]
) -> Iterator[FeedbackEvent]:
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
        yield _event(common, recipient.email_address, judge_delay(delay.delay_type, finding, rules), finding)


def _plain_events(ses: SesDocument, payload: SesOtherPayload) -> Iterator[FeedbackEvent]:
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
        yield _event(common, address, judgement, finding)
