"""Amazon SES notifications delivered by email (an SNS topic with an email-json subscription).

From "<topic> <no-reply@sns.amazonaws.com>", Subject "AWS Notification Message". The body
is the SES notification JSON on one line, then SNS's unsubscribe footer after "--":

    {"notificationType":"Bounce","bounce":{"bounceType":"Permanent",
     "bouncedRecipients":[{"emailAddress":"user@example.com","action":"failed",
     "status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],...},"mail":{...}}

A relay on the way may have split the JSON line (longer than SMTP's 998 characters)
sendmail-style, with "!", a line break and a space: those splits are undone first. The JSON
itself is read by the one SES parser (`bouncewarden.parse.ses`): the reader hands it the
whole notification, so an email gives the same events and dedupe keys as the JSON would by
SQS or HTTP. (SES's own bounce emails are RFC 3464 reports, read by the standard path.)
"""

from __future__ import annotations

import json

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.parse.ses import ses_findings
from bouncewarden.parse.ses_schema import SesPayloadError

__all__ = ["NAME", "detect", "notification_json", "parse"]

NAME = "amazonses"


def detect(message: BounceMessage) -> bool:
    """SNS as sender and a notification JSON object opening the text."""
    return "sns.amazonaws.com" in message.sender and message.text.lstrip().startswith("{")


def notification_json(message: BounceMessage) -> str | None:
    """The notification JSON object the text opens with (relay splits undone), or None."""
    try:
        document, _ = json.JSONDecoder().raw_decode(message.text.lstrip().replace("!\n ", ""))
    except (ValueError, RecursionError):
        return None
    return json.dumps(document) if isinstance(document, dict) else None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """The findings of the notification JSON."""
    text = notification_json(message)
    if text is None:
        return None
    try:
        findings = ses_findings(json.loads(text))
    except (SesPayloadError, RecursionError):
        return None
    return [f for f in findings if f.address] or None
