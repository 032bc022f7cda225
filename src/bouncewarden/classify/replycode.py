"""SMTP reply codes (RFC 5321 section 4.2, RFC 7504, RFC 4954, RFC 3207) and what they imply.

A reply code is the three digits a server answers with. Its first digit says success (2),
transient failure (4) or permanent failure (5); the rest is coarse. Servers use 550 for an
unknown user, a blocklisted IP and a spam verdict alike, so most codes name no reason and
the classifier only falls back to them when neither the wording nor the enhanced status
said anything. The few that are specific are listed in `_REPLY_REASONS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bouncewarden.events import Reason

__all__ = ["REPLY_MEANINGS", "is_temporary", "reason_from_reply", "reply_in_text"]

REPLY_MEANINGS: Mapping[str, str] = {
    "211": "system status",
    "214": "help message",
    "220": "service ready",
    "221": "service closing transmission channel",
    "235": "authentication succeeded",
    "250": "requested mail action okay, completed",
    "251": "user not local; will forward",
    "252": "cannot verify user, but will accept message and attempt delivery",
    "334": "server challenge (AUTH)",
    "354": "start mail input",
    "421": "service not available, closing transmission channel",
    "432": "a password transition is needed",
    "450": "requested mail action not taken: mailbox unavailable (busy or blocked)",
    "451": "requested action aborted: local error in processing",
    "452": "requested action not taken: insufficient system storage",
    "454": "temporary authentication failure or TLS not available",
    "455": "server unable to accommodate parameters",
    "500": "syntax error, command unrecognized",
    "501": "syntax error in parameters or arguments",
    "502": "command not implemented",
    "503": "bad sequence of commands",
    "504": "command parameter not implemented",
    "521": "host does not accept mail (RFC 7504)",
    "523": "encryption needed",
    "530": "authentication required",
    "534": "authentication mechanism is too weak",
    "535": "authentication credentials invalid",
    "538": "encryption required for requested authentication mechanism",
    "550": "requested action not taken: mailbox unavailable (not found, no access, policy)",
    "551": "user not local; please try the forward path",
    "552": "requested mail action aborted: exceeded storage allocation",
    "553": "requested action not taken: mailbox name not allowed",
    "554": "transaction failed (or no SMTP service here, at connection time)",
    "555": "MAIL FROM/RCPT TO parameters not recognized or not implemented",
    "556": "domain does not accept mail (RFC 7504)",
}

# Only replies whose meaning is narrow enough to name a reason. 550, 553 and 554 are used
# for every kind of refusal and 421 for every kind of deferral, so they are absent.
_REPLY_REASONS: Mapping[str, Reason] = {
    "451": Reason.SYSTEMERROR,
    "452": Reason.SYSTEMFULL,
    "500": Reason.SYNTAXERROR,
    "501": Reason.SYNTAXERROR,
    "502": Reason.SYNTAXERROR,
    "503": Reason.SYNTAXERROR,
    "504": Reason.SYNTAXERROR,
    "523": Reason.SECURITYERROR,
    "530": Reason.SECURITYERROR,
    "534": Reason.SECURITYERROR,
    "535": Reason.SECURITYERROR,
    "538": Reason.SECURITYERROR,
    "551": Reason.HASMOVED,
    "552": Reason.MAILBOXFULL,
    "555": Reason.SYNTAXERROR,
    "556": Reason.NOTACCEPT,
}

_REPLY = re.compile(r"^\s*([245]\d\d)\b")


def reason_from_reply(reply_code: str | None) -> Reason | None:
    """The reason a reply code names on its own, or None when it is too broad to say."""
    if not reply_code:
        return None
    return _REPLY_REASONS.get(reply_code.strip()[:3])


def is_temporary(reply_code: str | None) -> bool:
    """True for a 4xx reply."""
    return bool(reply_code) and str(reply_code).strip().startswith("4")


def reply_in_text(text: str) -> str | None:
    """The reply code a diagnostic starts with ("550 5.1.1 ..."), or None."""
    found = _REPLY.match(text)
    return found.group(1) if found else None
