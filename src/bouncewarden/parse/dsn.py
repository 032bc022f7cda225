"""RFC 3464 delivery status notifications: the `message/delivery-status` part.

The part is a block of per-message fields (Reporting-MTA, Arrival-Date, ...) followed by one
block per recipient, blocks separated by blank lines (RFC 3464 section 2):

    Reporting-MTA: dns; mx.example.net
    Arrival-Date: Wed, 16 Oct 2013 14:15:34 +0900

    Original-Recipient: rfc822; alias@example.com
    Final-Recipient: rfc822; user@example.com
    Action: failed
    Status: 5.1.1
    Remote-MTA: dns; mx.example.com
    Diagnostic-Code: smtp; 550 5.1.1 <user@example.com>... User unknown
    Last-Attempt-Date: Wed, 16 Oct 2013 14:15:35 +0900

Quirks seen in real reports: missing blank lines between blocks (a new block is then opened
by a repeated recipient field), lower-case or odd-case field names, a Final-Recipient without
a domain beside a usable X-Actual-Recipient (Sendmail) or Original-Recipient, a Status with a
comment after it ("5.1.1 (bad destination mailbox)"), a Diagnostic-Code in ISO-2022-JP
escape sequences (Japanese servers), a generic Status (5.0.0) while the
Diagnostic-Code carries the specific one, and the Action `expired` (some Exchange versions).

Sendmail names a pipe alias's program in X-Actual-Recipient ("|exec /usr/bin/procmail ...");
a failed delivery to it is the program's failure, so the hint is `mailererror`.

PowerMTA adds its own per-recipient `X-PowerMTA-BounceCategory` (its documentation lists
bad-mailbox, bad-domain, quota-issues, spam-related, ...); the categories that plainly name a
reason become the finding's reason hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bouncewarden.events import Kind, Reason
from bouncewarden.parse.addresses import clean_address
from bouncewarden.parse.dates import parse_date
from bouncewarden.parse.report import RecipientFinding

__all__ = [
    "DeliveryStatus",
    "findings_from_status",
    "parse_date",
    "parse_delivery_status",
    "reply_and_status",
    "strip_type",
]

# Every line, read in one call: a continuation (it starts with a blank), a field, or other text.
_LINE = re.compile(r"^(?:([ \t].*)|([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)|(.*))$", re.MULTILINE)
_RECIPIENT_FIELDS = frozenset({"final-recipient", "original-recipient"})
_MESSAGE_FIELDS = frozenset(
    {"reporting-mta", "arrival-date", "received-from-mta", "dsn-gateway", "original-envelope-id"}
)
_STATUS_CODE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d])")
_REPLY_CODE = re.compile(r"^\s*([2-5][0-5]\d)(?:[\s\-:]|$)")
_ANY_REPLY_CODE = re.compile(r"(?<![\w.\-#/=\[])([45][0-5]\d)(?=[\s\-:,]|$)")
# "550 5.1.1", "550-5.1.1", "550-'5.2.2": a reply code with its enhanced status right after it.
_REPLY_WITH_STATUS = re.compile(
    r"(?<![\w.\-#/=\[])([245][0-5]\d)[\s\-:']{1,3}([245]\.\d{1,3}\.\d{1,3})(?![\d])"
)
_TYPE_PREFIX = re.compile(r"^\s*[A-Za-z][A-Za-z0-9_.-]*\s*;\s*")

# PowerMTA's bounce categories that name a reason plainly; the others ("other",
# "bad-configuration", "protocol-errors", ...) say nothing the diagnostic does not.
_POWERMTA_CATEGORIES = {
    "bad-mailbox": Reason.USERUNKNOWN,
    "bad-domain": Reason.HOSTUNKNOWN,
    "inactive-mailbox": Reason.SUSPEND,
    "quota-issues": Reason.MAILBOXFULL,
    "message-expired": Reason.EXPIRED,
    "spam-related": Reason.SPAMDETECTED,
    "virus-related": Reason.VIRUSDETECTED,
    "relaying-issues": Reason.NORELAYING,
}

# Actions after which the message was not (yet) refused.
_ACTION_KINDS = {
    "delayed": Kind.DELAY,
    "delivered": Kind.DELIVERY,
    "relayed": Kind.DELIVERY,
    "expanded": Kind.DELIVERY,
}


@dataclass(slots=True)
class DeliveryStatus:
    """The fields of a delivery-status part: per message, and one dict per recipient."""

    message_fields: dict[str, str] = field(default_factory=dict)
    recipients: list[dict[str, str]] = field(default_factory=list)


def _fields(text: str) -> list[tuple[str, str]]:
    """(lower-case name, unfolded value) pairs, in order; unreadable lines are skipped."""
    pairs: list[tuple[str, str]] = []
    for continued, name, value, other in _LINE.findall(text):
        if continued:
            if pairs and continued.strip():
                last_name, last_value = pairs[-1]
                pairs[-1] = (last_name, (last_value + " " + continued.strip()).strip())
        elif name:
            pairs.append((name.lower(), value.strip()))
        elif not other.strip():
            pairs.append(("", ""))
    return pairs


def _blocks(text: str) -> list[list[tuple[str, str]]]:
    blocks: list[list[tuple[str, str]]] = [[]]
    for name, value in _fields(text):
        if name:
            blocks[-1].append((name, value))
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _split_block(block: list[tuple[str, str]], status: DeliveryStatus) -> None:
    """Add one blank-line-separated block's recipient groups (or per-message fields) to status."""
    current: dict[str, str] = {}
    groups = [current]
    described = False  # an Action or Status has followed the group's recipient field
    for name, value in block:
        has_recipient = not _RECIPIENT_FIELDS.isdisjoint(current)
        # Without a blank line between recipients, a repeated recipient field, or one after
        # the group's recipient was described, opens the next group.
        if name in _RECIPIENT_FIELDS and (name in current or described):
            current, described, has_recipient = {}, False, False
            groups.append(current)
        described = described or (has_recipient and name in ("action", "status"))
        if name in _MESSAGE_FIELDS and not has_recipient:
            status.message_fields.setdefault(name, value)
        else:
            current.setdefault(name, value)
    for group in groups:
        if not _RECIPIENT_FIELDS.isdisjoint(group):
            status.recipients.append(group)
        else:
            for name, value in group.items():
                status.message_fields.setdefault(name, value)


def parse_delivery_status(text: str) -> DeliveryStatus:
    """Group the fields of a delivery-status text into per-message and per-recipient sets.

    Fields may come in any order inside a block (some MTAs put Status and Diagnostic-Code
    before Final-Recipient).
    """
    status = DeliveryStatus()
    for block in _blocks(text):
        _split_block(block, status)
    return status


def strip_type(value: str | None) -> str | None:
    """A typed field's value without its type: "smtp; 550 ..." -> "550 ...", None if empty."""
    if not value:
        return None
    return _TYPE_PREFIX.sub("", value, count=1).strip() or None


def reply_and_status(diagnostic: str | None) -> tuple[str | None, str | None]:
    """(SMTP reply code, RFC 3463 status) written in a diagnostic, each None when absent."""
    if not diagnostic:
        return None, None
    paired = _REPLY_WITH_STATUS.search(diagnostic)
    if paired:
        return paired.group(1), paired.group(2)
    found = _REPLY_CODE.match(diagnostic) or _ANY_REPLY_CODE.search(diagnostic)
    code = _STATUS_CODE.search(diagnostic)
    return (found.group(1) if found else None), (code.group(0) if code else None)


def _decoded(text: str | None) -> str | None:
    """A field written in ISO-2022-JP (Japanese servers' 7-bit escape sequences), decoded."""
    if not text or "\x1b$" not in text:
        return text
    try:
        return text.encode("ascii").decode("iso-2022-jp")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


_PIPE = re.compile(r"^\s*(?:rfc822\s*;\s*)?\"?\|", re.IGNORECASE)


def _reason_hint(fields: dict[str, str]) -> Reason | None:
    """What the fields state plainly: a pipe recipient, or PowerMTA's bounce category."""
    if _PIPE.match(fields.get("x-actual-recipient") or ""):
        return Reason.MAILERERROR
    return _POWERMTA_CATEGORIES.get((fields.get("x-powermta-bouncecategory") or "").strip().lower())


def _status_code(value: str | None) -> str | None:
    found = _STATUS_CODE.search(value or "")
    return found.group(0) if found else None


def _is_generic(status: str) -> bool:
    return status.endswith(".0.0")


def _is_qualified(address: str) -> bool:
    """Whether the domain is a dotted name or an address literal (not "user@server")."""
    domain = address.rpartition("@")[2]
    return "." in domain


def _recipient_address(fields: dict[str, str]) -> tuple[str | None, str | None]:
    """(address, original address) of one recipient block."""
    final = clean_address(fields.get("final-recipient"))
    original = clean_address(fields.get("original-recipient"))
    actual = clean_address(fields.get("x-actual-recipient"))
    address = final if final and "@" in final else actual or original or final
    if address and original and not _is_qualified(address) and _is_qualified(original):
        address = original
    if address and "@" not in address:
        address = None
    alias = original if original and original != address else None
    if alias is None and actual and actual != address:
        alias = actual
    return address, alias


def _finding(fields: dict[str, str], message_fields: dict[str, str]) -> RecipientFinding | None:
    address, alias = _recipient_address(fields)
    if address is None:
        return None
    action = (fields.get("action") or "").split()[0].lower() if fields.get("action") else None
    diagnostic = _decoded(strip_type(fields.get("diagnostic-code")))
    reply, diagnostic_status = reply_and_status(diagnostic)
    status = _status_code(fields.get("status"))
    # The remote server's own reply says why; the Status field often only says how the
    # reporting MTA gave up (4.4.7 after a 4.7.1 refusal, 5.1.0 over a 5.2.2 "mailbox full").
    if diagnostic_status and (status is None or reply is not None or _is_generic(status)):
        status = diagnostic_status
    remote = strip_type(fields.get("remote-mta"))
    return RecipientFinding(
        address=address,
        action=action,
        status=status,
        reply_code=reply,
        diagnostic=diagnostic,
        remote_mta=remote.split()[0].strip("[]") if remote else None,
        reporting_mta=strip_type(message_fields.get("reporting-mta")),
        original_recipient=alias,
        kind=_ACTION_KINDS.get(action or "", Kind.BOUNCE),
        reason_hint=_reason_hint(fields),
        arrival_date=parse_date(fields.get("last-attempt-date") or message_fields.get("arrival-date")),
    )


def findings_from_status(text: str) -> list[RecipientFinding]:
    """One finding per recipient block of a delivery-status text that names an address."""
    status = parse_delivery_status(text)
    findings = []
    for fields in status.recipients:
        finding = _finding(fields, status.message_fields)
        if finding is not None:
            findings.append(finding)
    return findings
