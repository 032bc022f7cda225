"""Amazon WorkMail: the bounce its outbound servers (amazonses.com hosts) send.

From MAILER-DAEMON@<region>.amazonses.com, Subject "Delivery Status Notification
(Failure)". The delivery-status fields are printed in the text/plain part, not in a
message/delivery-status part:

    An error occurred while trying to deliver the mail to the following recipients:
    user@example.com

    Technical report:

    Reporting-MTA: dsn; a27-85.smtp-out.us-west-2.amazonses.com

    Action: failed
    Final-Recipient: rfc822; user@example.com
    Diagnostic-Code: smtp; 550 5.1.1 <user@example.com>... User Unknown
    Status: 5.1.1

When WorkMail gives up it writes its own reply with the last remote reply in angle
brackets: "554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2
Connection timed out>"; the bracketed reply is the remote server's.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import field_value, head, inline_fields, make_finding, smtp_codes
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "amazonworkmail"

_SIGNATURE = "An error occurred while trying to deliver the mail to the following recipients"
_NESTED_REPLY = re.compile(r"<([45]\d\d [245]\.\d+\.\d+ [^<>]*)>\s*$")


def detect(message: BounceMessage) -> bool:
    """WorkMail's opening sentence with the fields in the text."""
    return _SIGNATURE in head(message, 300) and "Technical report:" in message.text


def _finding(fields: dict[str, str]) -> RecipientFinding:
    diagnostic = field_value(fields, "diagnostic-code") or ""
    nested = _NESTED_REPLY.search(diagnostic)
    reply, status = smtp_codes(nested.group(1) if nested else diagnostic)
    return make_finding(
        field_value(fields, "final-recipient") or "",
        diagnostic,
        action=(fields.get("action") or "failed").lower(),
        status=status or fields.get("status") or None,
        reply_code=reply,
        remote_mta=field_value(fields, "remote-mta"),
    )


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per Final-Recipient group of the technical report."""
    report = message.text.partition("Technical report:")[2]
    findings = [_finding(fields) for fields in inline_fields(report)]
    return [f for f in findings if f.address] or None
