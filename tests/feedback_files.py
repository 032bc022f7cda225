"""Feedback inputs for ingest tests: SES notifications built on the project's samples, and DSNs.

The SES builders load a sample from tests/samples/ses/notification and change the
recipient, the ids and the timestamps, so each call is a distinct report (SES dedupe keys are
made of `mail.messageId`, the recipient and the kind). The DSN builder writes a plain
RFC 3464 report (multipart/report with a message/delivery-status part).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from shared_files import SES_SAMPLES

SES_NOTIFICATIONS = SES_SAMPLES / "notification"


def stamp(moment: datetime) -> str:
    """An SES timestamp: ISO 8601 UTC with milliseconds and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _sample(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SES_NOTIFICATIONS / name).read_text())
    return document


def _new_mail(document: dict[str, Any], address: str, at: datetime, message_id: str | None) -> None:
    mail = document["mail"]
    mail["messageId"] = message_id or f"0100{uuid.uuid4().hex[:12]}-{uuid.uuid4()}-000000"
    mail["timestamp"] = stamp(at)
    mail["destination"] = [address]
    for header in mail.get("headers", []):
        if header["name"] == "To":
            header["value"] = address
    if "commonHeaders" in mail:
        mail["commonHeaders"]["to"] = [address]


def _feedback_id() -> str:
    return f"0100{uuid.uuid4().hex[:12]}-{uuid.uuid4()}-000000"


def ses_bounce(
    address: str,
    at: datetime,
    *,
    permanent: bool = True,
    message_id: str | None = None,
) -> bytes:
    """An SES bounce notification: permanent user unknown, or transient mailbox full."""
    name = "bounce-permanent-noemail.json" if permanent else "bounce-transient-mailboxfull.json"
    document = _sample(name)
    bounce = document["bounce"]
    bounce["feedbackId"] = _feedback_id()
    bounce["timestamp"] = stamp(at)
    [recipient] = bounce["bouncedRecipients"]
    old = recipient["emailAddress"]
    recipient["emailAddress"] = address
    recipient["diagnosticCode"] = recipient["diagnosticCode"].replace(old, address)
    _new_mail(document, address, at, message_id)
    return json.dumps(document, indent=2).encode()


def ses_blocklisted(address: str, at: datetime) -> bytes:
    """An SES Permanent bounce that is really a DNS-blocklist refusal of the sender (5.7.1)."""
    document = _sample("bounce-permanent-general-blocklisted.json")
    bounce = document["bounce"]
    bounce["feedbackId"] = _feedback_id()
    bounce["timestamp"] = stamp(at)
    [recipient] = bounce["bouncedRecipients"]
    recipient["emailAddress"] = address
    _new_mail(document, address, at, None)
    return json.dumps(document).encode()


def ses_complaint(address: str, at: datetime) -> bytes:
    """An SES abuse complaint with a feedback report."""
    document = _sample("complaint-abuse-with-feedback.json")
    complaint = document["complaint"]
    complaint["feedbackId"] = _feedback_id()
    complaint["timestamp"] = stamp(at)
    complaint["arrivalDate"] = stamp(at)
    complaint["complainedRecipients"] = [{"emailAddress": address}]
    _new_mail(document, address, at, None)
    return json.dumps(document).encode()


def ses_delivery(address: str, at: datetime) -> bytes:
    """An SES delivery notification."""
    document = _sample("delivery.json")
    document["delivery"]["timestamp"] = stamp(at)
    document["delivery"]["recipients"] = [address]
    _new_mail(document, address, at, None)
    return json.dumps(document).encode()


def dsn(address: str, at: datetime, *, status: str = "5.1.1", diagnostic: str | None = None) -> bytes:
    """A plain RFC 3464 delivery status notification for one recipient."""
    date = at.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    code = "550" if status.startswith("5") else "450"
    diagnostic = diagnostic or f"{code} {status} <{address}>: Recipient address rejected: User unknown"
    original_id = f"<{uuid.uuid4().hex}@news.example.com>"
    boundary = uuid.uuid4().hex
    return f"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: bounces@news.example.com
Subject: Undelivered Mail Returned to Sender
Date: {date}
Message-ID: <{uuid.uuid4().hex}@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Arrival-Date: {date}

Final-Recipient: rfc822; {address}
Original-Recipient: rfc822; {address}
Action: failed
Status: {status}
Remote-MTA: dns; mail.example.net
Diagnostic-Code: smtp; {diagnostic}

--{boundary}
Content-Type: text/rfc822-headers

From: digest@news.example.com
To: {address}
Subject: Your digest
Message-ID: {original_id}

--{boundary}--
""".encode()


NEWSLETTER = b"""\
From: Example Shop <offers@shop.example.net>
To: bounces@news.example.com
Subject: This week's offers
Date: Mon, 03 Nov 2025 10:00:00 +0000
Message-ID: <offer-1@shop.example.net>
Content-Type: text/plain; charset=utf-8

Fresh offers, just for you.
"""
