"""RFC 3463 enhanced status codes: what each class, subject and detail means, and the reason it implies.

An enhanced status is `class.subject.detail` (RFC 3463 section 2): the class says whether the
failure is permanent (5), transient (4) or not a failure (2); the subject names the area
(addressing, mailbox, mail system, network, protocol, content, security); the detail narrows it.
RFC 5248 keeps the registry, and RFC 7372, 7505, 7504 and 8601 added codes since (X.7.20 to
X.7.29 for DKIM, SPF, reverse DNS and ARC, X.1.10 for a null MX).

Only some codes are precise enough to name a reason: X.1.1 is an unknown mailbox and X.2.2 a full
one, but X.7.1 ("delivery not authorized, message refused") covers everything from a blocklisted
IP to a filtered word, and X.0.0 says nothing at all. `reason_from_status` answers only for the
precise ones; `is_generic` tells the classifier when the diagnostic text should decide instead.

Vendors extend the registry: Microsoft's Exchange Online uses details above 100 (5.7.606 to
5.7.649 for a banned sending IP, 5.7.509 for a DMARC rejection, 5.1.351 for an unknown remote
recipient, 5.4.316 for an expired message), so the tables below list those seen in the wild.

When a report carries no status at all, `pseudo_status` gives a placeholder `X.0.9NN` code
that names the reason. Those placeholders are
not registered codes: they are the convention of the Sisimai project, whose results DESIGN.md
compares ours with, and they appear only where the report itself has no status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from bouncewarden.events import Reason

__all__ = [
    "CLASS_MEANINGS",
    "DETAIL_MEANINGS",
    "SUBJECT_MEANINGS",
    "EnhancedStatus",
    "find_status",
    "is_generic",
    "parse_status",
    "pseudo_status",
    "reason_from_status",
    "reason_from_subject",
]

CLASS_MEANINGS: Mapping[str, str] = {
    "2": "success",
    "4": "persistent transient failure",
    "5": "permanent failure",
}

SUBJECT_MEANINGS: Mapping[str, str] = {
    "0": "other or undefined status",
    "1": "addressing status",
    "2": "mailbox status",
    "3": "mail system status",
    "4": "network and routing status",
    "5": "mail delivery protocol status",
    "6": "message content or media status",
    "7": "security or policy status",
}

# subject.detail -> meaning (RFC 3463 section 3, RFC 5248 registry and later RFCs).
DETAIL_MEANINGS: Mapping[str, str] = {
    "0.0": "other undefined status",
    "1.0": "other address status",
    "1.1": "bad destination mailbox address",
    "1.2": "bad destination system address",
    "1.3": "bad destination mailbox address syntax",
    "1.4": "destination mailbox address ambiguous",
    "1.5": "destination address valid",
    "1.6": "destination mailbox has moved, no forwarding address",
    "1.7": "bad sender's mailbox address syntax",
    "1.8": "bad sender's system address",
    "1.9": "message relayed to non-compliant mailer",
    "1.10": "recipient address has null MX",
    "2.0": "other or undefined mailbox status",
    "2.1": "mailbox disabled, not accepting messages",
    "2.2": "mailbox full",
    "2.3": "message length exceeds administrative limit",
    "2.4": "mailing list expansion problem",
    "3.0": "other or undefined mail system status",
    "3.1": "mail system full",
    "3.2": "system not accepting network messages",
    "3.3": "system not capable of selected features",
    "3.4": "message too big for system",
    "3.5": "system incorrectly configured",
    "3.6": "requested priority was changed",
    "4.0": "other or undefined network or routing status",
    "4.1": "no answer from host",
    "4.2": "bad connection",
    "4.3": "directory server failure",
    "4.4": "unable to route",
    "4.5": "mail system congestion",
    "4.6": "routing loop detected",
    "4.7": "delivery time expired",
    "4.8": "RRVS test cannot be completed",
    "5.0": "other or undefined protocol status",
    "5.1": "invalid command",
    "5.2": "syntax error",
    "5.3": "too many recipients",
    "5.4": "invalid command arguments",
    "5.5": "wrong protocol version",
    "5.6": "authentication exchange line is too long",
    "6.0": "other or undefined media error",
    "6.1": "media not supported",
    "6.2": "conversion required and prohibited",
    "6.3": "conversion required but not supported",
    "6.4": "conversion with loss performed",
    "6.5": "conversion failed",
    "6.6": "message content not available",
    "6.7": "non-ASCII addresses not permitted for that sender or recipient",
    "6.8": "UTF-8 string reply is required, but not permitted by the client",
    "6.9": "UTF-8 header message cannot be transferred to one or more recipients",
    "7.0": "other or undefined security status",
    "7.1": "delivery not authorized, message refused",
    "7.2": "mailing list expansion prohibited",
    "7.3": "security conversion required but not possible",
    "7.4": "security features not supported",
    "7.5": "cryptographic failure",
    "7.6": "cryptographic algorithm not supported",
    "7.7": "message integrity failure",
    "7.8": "authentication credentials invalid",
    "7.9": "authentication mechanism is too weak",
    "7.10": "encryption needed",
    "7.11": "encryption required for requested authentication mechanism",
    "7.12": "a password transition is needed",
    "7.13": "user account disabled",
    "7.14": "trust relationship required",
    "7.15": "priority level is too low",
    "7.16": "message is too big for the specified priority",
    "7.17": "mailbox owner has changed",
    "7.18": "domain owner has changed",
    "7.19": "RRVS test cannot be completed",
    "7.20": "no passing DKIM signature found",
    "7.21": "no acceptable DKIM signature found",
    "7.22": "no valid author-matched DKIM signature found",
    "7.23": "SPF validation failed",
    "7.24": "SPF validation error",
    "7.25": "reverse DNS validation failed",
    "7.26": "multiple authentication checks failed",
    "7.27": "sender address has null MX",
    "7.28": "mail flood detected",
    "7.29": "ARC validation failure",
    "7.30": "REQUIRETLS support required",
}

# subject.detail -> reason, for the codes precise enough to name one. Codes whose meaning
# depends on wording (X.0.0, X.2.0, X.3.0, X.5.0, X.7.0, X.7.1 ...) are absent on purpose.
_DETAIL_REASONS: Mapping[str, Reason] = {
    "1.1": Reason.USERUNKNOWN,
    "1.2": Reason.HOSTUNKNOWN,
    "1.3": Reason.USERUNKNOWN,
    "1.4": Reason.USERUNKNOWN,
    "1.6": Reason.HASMOVED,
    "1.7": Reason.REJECTED,
    "1.8": Reason.REJECTED,
    "1.10": Reason.NOTACCEPT,  # RFC 7505 null MX (Exchange Online's "not found" is read by its words)
    "2.1": Reason.SUSPEND,
    "2.2": Reason.MAILBOXFULL,
    "2.3": Reason.EXCEEDLIMIT,
    "3.1": Reason.SYSTEMFULL,
    "3.2": Reason.SYSTEMERROR,
    "3.3": Reason.SYSTEMERROR,
    "3.4": Reason.MESGTOOBIG,
    "3.5": Reason.SYSTEMERROR,
    "4.1": Reason.NETWORKERROR,
    "4.2": Reason.NETWORKERROR,
    "4.3": Reason.SYSTEMERROR,
    "4.4": Reason.HOSTUNKNOWN,
    "4.5": Reason.SYSTEMERROR,
    "4.6": Reason.NETWORKERROR,
    "4.7": Reason.EXPIRED,
    "5.1": Reason.SYNTAXERROR,
    "5.2": Reason.SYNTAXERROR,
    "5.3": Reason.TOOMANYCONN,
    "5.4": Reason.SYNTAXERROR,
    "5.5": Reason.SYNTAXERROR,
    "6.0": Reason.CONTENTERROR,
    "6.1": Reason.CONTENTERROR,
    "6.2": Reason.CONTENTERROR,
    "6.3": Reason.CONTENTERROR,
    "6.5": Reason.CONTENTERROR,
    "6.6": Reason.CONTENTERROR,
    "6.7": Reason.CONTENTERROR,
    "6.8": Reason.CONTENTERROR,
    "6.9": Reason.CONTENTERROR,
    "7.2": Reason.SECURITYERROR,
    "7.3": Reason.SECURITYERROR,
    "7.4": Reason.SECURITYERROR,
    "7.5": Reason.SECURITYERROR,
    "7.6": Reason.SECURITYERROR,
    "7.7": Reason.SECURITYERROR,
    "7.8": Reason.SECURITYERROR,
    "7.9": Reason.SECURITYERROR,
    "7.10": Reason.SECURITYERROR,
    "7.11": Reason.SECURITYERROR,
    "7.12": Reason.SECURITYERROR,
    "7.13": Reason.SUSPEND,
    "7.14": Reason.SECURITYERROR,
    "7.17": Reason.HASMOVED,  # RFC 7293: the mailbox has another owner than the one intended
    "7.20": Reason.AUTHFAILURE,
    "7.21": Reason.AUTHFAILURE,
    "7.22": Reason.AUTHFAILURE,
    "7.23": Reason.AUTHFAILURE,
    "7.24": Reason.AUTHFAILURE,
    "7.25": Reason.REQUIREPTR,
    "7.26": Reason.AUTHFAILURE,
    "7.27": Reason.REJECTED,
    "7.28": Reason.SPEEDING,
    "7.29": Reason.AUTHFAILURE,
    "7.30": Reason.SECURITYERROR,
    # Exchange Online extensions (learn.microsoft.com, "Email non-delivery reports").
    "1.351": Reason.USERUNKNOWN,
    "2.121": Reason.SPEEDING,  # the recipient's per-hour limit of messages from one sender
    "2.122": Reason.SPEEDING,  # the recipient's per-hour limit of messages from all senders
    "4.310": Reason.HOSTUNKNOWN,
    "4.312": Reason.NETWORKERROR,
    "4.316": Reason.EXPIRED,
    "7.501": Reason.SPAMDETECTED,
    "7.502": Reason.SPAMDETECTED,
    "7.503": Reason.SPAMDETECTED,
    "7.509": Reason.AUTHFAILURE,
    "7.511": Reason.BLOCKED,
    "7.512": Reason.NOTCOMPLIANTRFC,
    "7.515": Reason.AUTHFAILURE,
}

# Exchange Online: 5.7.606 to 5.7.649, "Access denied, banned sending IP".
_BANNED_IP_DETAILS = range(606, 650)

_STATUS = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})$")
# A status inside text: "550 5.1.1 ...", "550-5.7.26 ...", "(#5.1.1)", "#5.1.0".
_STATUS_IN_TEXT = re.compile(r"(?<![\w.])#?([245]\.\d{1,3}\.\d{1,3})(?![\w]|\.\d)")
_REPLY_THEN_STATUS = re.compile(r"(?<![\w.])[245]\d\d[ -]#?([245]\.\d{1,3}\.\d{1,3})(?![\w]|\.\d)")


@dataclass(frozen=True, slots=True)
class EnhancedStatus:
    """A parsed `class.subject.detail` code."""

    klass: str
    subject: str
    detail: str

    @property
    def key(self) -> str:
        """The `subject.detail` part, the same for either failure class."""
        return f"{self.subject}.{self.detail}"

    @property
    def is_temporary(self) -> bool:
        """True for a persistent transient failure (class 4)."""
        return self.klass == "4"

    def __str__(self) -> str:
        return f"{self.klass}.{self.subject}.{self.detail}"


# Statuses are a small vocabulary ("5.1.1", "4.4.7", ...) read several times per finding.
@lru_cache(maxsize=1024)
def parse_status(status: str | None) -> EnhancedStatus | None:
    """The code in `status` ("5.1.1", " 5.1.1 (bad mailbox)"), or None when there is none."""
    if not status:
        return None
    first = status.strip().split(None, 1)
    found = _STATUS.match(first[0]) if first else None
    if found is None:
        return None
    klass, subject, detail = found.groups()
    return EnhancedStatus(klass, str(int(subject)), str(int(detail)))


def reason_from_status(status: str | None) -> Reason | None:
    """The reason a precise status names, or None for generic, success or malformed codes."""
    parsed = parse_status(status)
    if parsed is None or parsed.klass == "2":
        return None
    if parsed.subject == "7" and int(parsed.detail) in _BANNED_IP_DETAILS:
        return Reason.BLOCKED
    return _DETAIL_REASONS.get(parsed.key)


# subject -> the reason a permanent status names by its subject alone, when its detail names none
# (X.7.0 and X.7.1 refuse the sender or the message on the receiver's security or policy
# grounds, X.3.0 is a failure of the receiving mail system, X.6.x one of the message's content
# or media).
# Used only after the wording, a precise status and the parser's hint said nothing.
_SUBJECT_REASONS: Mapping[str, Reason] = {
    "3": Reason.SYSTEMERROR,
    "6": Reason.CONTENTERROR,
    "7": Reason.SECURITYERROR,
}


def reason_from_subject(status: str | None) -> Reason | None:
    """The reason the subject of a permanent failure names on its own (5.7.x: securityerror ...).

    A temporary status (4.7.x) is left to the reply code and the wording: deferrals are often
    a receiver's load ("451 4.7.500 Server busy") rather than a refusal.
    """
    parsed = parse_status(status)
    if parsed is None or parsed.klass != "5":
        return None
    return _SUBJECT_REASONS.get(parsed.subject)


def is_generic(status: str | None) -> bool:
    """True when the status names no reason of its own (absent, X.0.0, X.7.1, ...)."""
    return reason_from_status(status) is None


def find_status(text: str) -> str | None:
    """The enhanced status written in a diagnostic; the one after the reply code wins."""
    after_reply = _REPLY_THEN_STATUS.search(text)
    if after_reply:
        return after_reply.group(1)
    anywhere = _STATUS_IN_TEXT.search(text)
    return anywhere.group(1) if anywhere else None


# The detail of the placeholder code per reason (Sisimai's convention; see the docstring).
_PSEUDO_DETAILS: Mapping[Reason, str] = {
    Reason.UNDEFINED: "900",
    Reason.ONHOLD: "901",
    Reason.SYNTAXERROR: "902",
    Reason.NORELAYING: "909",
    Reason.FILTERED: "910",
    Reason.USERUNKNOWN: "911",
    Reason.HOSTUNKNOWN: "912",
    Reason.HASMOVED: "916",
    Reason.REJECTED: "918",
    Reason.SUSPEND: "921",
    Reason.MAILBOXFULL: "922",
    Reason.EXCEEDLIMIT: "923",
    Reason.SYSTEMERROR: "930",
    Reason.SYSTEMFULL: "931",
    Reason.NOTACCEPT: "932",
    Reason.MESGTOOBIG: "934",
    Reason.MAILERERROR: "939",
    Reason.NETWORKERROR: "944",
    Reason.EXPIRED: "947",
    Reason.CONTENTERROR: "960",
    Reason.SECURITYERROR: "970",
    Reason.BLOCKED: "971",
    Reason.POLICYVIOLATION: "972",
    Reason.REQUIREPTR: "973",
    Reason.SPAMDETECTED: "980",
    Reason.TOOMANYCONN: "985",
}


def pseudo_status(reason: Reason, temporary: bool = False) -> str | None:
    """A placeholder `X.0.9NN` status naming `reason`, for reports that carry no status.

    None for reasons that have no placeholder (feedback, vacation, delivered, ...).
    """
    detail = _PSEUDO_DETAILS.get(reason)
    if detail is None:
        return None
    return f"{'4' if temporary else '5'}.0.{detail}"
