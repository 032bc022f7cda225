"""Amazon SES notifications delivered by email (an SNS topic with an email subscription).

From "<topic> <no-reply@sns.amazonaws.com>", Subject "AWS Notification Message". The body
is the SES notification JSON on one line, then SNS's unsubscribe footer after "--":

    {"notificationType":"Bounce","bounce":{"bounceType":"Permanent",
     "bouncedRecipients":[{"emailAddress":"user@example.com","action":"failed",
     "status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],...},"mail":{...}}

Bounces, complaints and deliveries are read. A relay on the way may have split the JSON line
(longer than SMTP's 998 characters) sendmail-style, with "!", a line break and a space:
those splits are undone first. (SES's own bounce emails are RFC 3464
reports, read by the standard path; SES notifications from SQS or HTTP are read by the
SES source.)
"""

from __future__ import annotations

import json

from bouncewarden.events import Kind, Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "amazonses"


def detect(message: BounceMessage) -> bool:
    """SNS as sender and a notification JSON object opening the text."""
    return "sns.amazonaws.com" in message.sender and message.text.lstrip().startswith("{")


def _dict(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _bounces(bounce: dict[str, object]) -> list[RecipientFinding]:
    findings = []
    for item in map(_dict, _items(bounce.get("bouncedRecipients"))):
        diagnostic = _text(item.get("diagnosticCode")).partition(";")
        finding = make_finding(
            _text(item.get("emailAddress")),
            diagnostic[2] if diagnostic[1] else diagnostic[0],
            action=_text(item.get("action")) or "failed",
            status=_text(item.get("status")) or None,
        )
        findings.append(finding)
    return findings


def _complaints(complaint: dict[str, object]) -> list[RecipientFinding]:
    findings = []
    for item in map(_dict, _items(complaint.get("complainedRecipients"))):
        finding = make_finding(_text(item.get("emailAddress")), "", reason_hint=Reason.FEEDBACK)
        finding.kind = Kind.COMPLAINT
        finding.action = None
        finding.feedback_type = _text(complaint.get("complaintFeedbackType")) or None
        findings.append(finding)
    return findings


def _deliveries(delivery: dict[str, object]) -> list[RecipientFinding]:
    response = _text(delivery.get("smtpResponse"))
    findings = []
    for address in map(_text, _items(delivery.get("recipients"))):
        finding = make_finding(
            address,
            response,
            action="delivered",
            reason_hint=Reason.DELIVERED,
            reply_code=response[:3] if response[:3].isdigit() else None,
        )
        finding.kind = Kind.DELIVERY
        finding.remote_mta = _text(delivery.get("remoteMtaIp")) or None
        findings.append(finding)
    return findings


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """The findings of the notification JSON."""
    try:
        document, _ = json.JSONDecoder().raw_decode(message.text.lstrip().replace("!\n ", ""))
    except ValueError:
        return None
    notification = _dict(document)
    kind = _text(notification.get("notificationType") or notification.get("eventType")).lower()
    readers = {"bounce": _bounces, "complaint": _complaints, "delivery": _deliveries}
    reader = readers.get(kind)
    findings = reader(_dict(notification.get(kind))) if reader else []
    return [f for f in findings if f.address] or None
