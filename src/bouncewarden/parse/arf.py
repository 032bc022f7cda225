"""Complaints: RFC 5965 feedback reports (ARF) and the older formats still in use.

An ARF report is a `multipart/report; report-type=feedback-report` with a human-readable
part, a `message/feedback-report` part and the complained-about message (or its headers):

    Feedback-Type: abuse
    User-Agent: SomeGenerator/1.0
    Version: 1
    Original-Mail-From: <bounces@example.net>
    Original-Rcpt-To: <user@example.com>
    Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT

The complaining recipient is Original-Rcpt-To (several are allowed), else Removal-Recipient
(pre-standard opt-out reports), else a provider's own header in the attached message
(Hotmail's X-HmXmrOriginalRecipient), else the attached message's To. Formats without the
report part: Microsoft's JMRP ("complaint about message from 192.0.2.1" with the message
attached) and one-click unsubscribe requests (RFC 8058 style mails flagged by the client,
e.g. X-Apple-Unsubscribe), which are `opt-out` feedback from the sender of the request.
A report whose recipient is hidden everywhere is kept, under `UNDISCLOSED_RECIPIENT`, so
that it still counts toward the complaint rate.
"""

from __future__ import annotations

import re

from bouncewarden.events import Kind, Reason
from bouncewarden.parse.addresses import addresses_in, clean_address
from bouncewarden.parse.dsn import parse_date, parse_delivery_status
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.original import OriginalHeaders, original_headers
from bouncewarden.parse.report import RecipientFinding

__all__ = ["UNDISCLOSED_RECIPIENT", "is_feedback", "parse_feedback"]

# The placeholder the reference data (Sisimai's results) uses for "no recipient named": a
# complaint whose report and returned headers name no recipient gets it, so that results
# compare. `.invalid` is reserved (RFC 2606) and can never be a real mailbox.
UNDISCLOSED_RECIPIENT = "undisclosed-recipient-in-headers@libsisimai.org.invalid"

_JMRP_SUBJECT = re.compile(r"^\s*complaint about message from\b", re.IGNORECASE)
_UNSUBSCRIBE_FLAGS = ("x-apple-unsubscribe",)
_UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*unsubscribe\s*$", re.IGNORECASE)
_PROVIDER_RECIPIENT_HEADERS = ("x-hmxmroriginalrecipient",)
_PLACEHOLDER_LOCAL = re.compile(r"^undisclosed|^unknown|^recipient", re.IGNORECASE)


def _is_unsubscribe(message: BounceMessage) -> bool:
    flagged = any(message.header(name).strip().lower() == "true" for name in _UNSUBSCRIBE_FLAGS)
    return flagged or (
        bool(message.header("Auto-Submitted")) and _UNSUBSCRIBE_SUBJECT.match(message.subject) is not None
    )


def is_feedback(message: BounceMessage) -> bool:
    """Whether the message is a complaint or opt-out report in any format we read."""
    if message.feedback_report is not None:
        return True
    if message.original and _JMRP_SUBJECT.match(message.subject):
        return True
    return _is_unsubscribe(message)


def _original_recipients(original: OriginalHeaders) -> list[str]:
    for name in _PROVIDER_RECIPIENT_HEADERS:
        address = clean_address(original.get(name))
        if address:
            return [address]
    return [a for a in original.recipients if not _PLACEHOLDER_LOCAL.match(a)]


def _report_recipients(fields: dict[str, list[str]]) -> list[str]:
    for name in ("original-rcpt-to", "removal-recipient"):
        found = [a for value in fields.get(name, []) if (a := clean_address(value))]
        if found:
            return list(dict.fromkeys(found))
    return []


def _report_fields(text: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    status = parse_delivery_status(text)
    # Repeated fields (Original-Rcpt-To, Reported-Domain) are legal here: read every line.
    for line in text.split("\n"):
        name, sep, value = line.partition(":")
        if sep and name and " " not in name.strip():
            fields.setdefault(name.strip().lower(), []).append(value.strip())
    for name, value in status.message_fields.items():
        fields.setdefault(name, [value])
    return fields


def parse_feedback(message: BounceMessage) -> list[RecipientFinding]:
    """One complaint finding per complaining recipient (at least one)."""
    original = original_headers(message)
    if message.feedback_report is not None:
        fields = _report_fields(message.feedback_report)
        feedback_type = (fields.get("feedback-type") or ["other"])[0].lower().strip() or "other"
        recipients = _report_recipients(fields) or _original_recipients(original)
        when = parse_date((fields.get("arrival-date") or fields.get("received-date") or [""])[0])
        agent = next(iter(fields.get("user-agent", [])), None)
    elif _is_unsubscribe(message):
        feedback_type, when, agent = "opt-out", None, None
        recipients = [a for a in addresses_in(message.sender)][:1]
    else:
        feedback_type, when, agent = "abuse", None, None
        recipients = _original_recipients(original)
    return [
        RecipientFinding(
            address=address,
            action=None,
            reporting_mta=agent,
            reason_hint=Reason.FEEDBACK,
            feedback_type=feedback_type,
            kind=Kind.COMPLAINT,
            arrival_date=when,
        )
        for address in recipients or [UNDISCLOSED_RECIPIENT]
    ]
