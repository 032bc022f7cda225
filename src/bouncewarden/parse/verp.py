"""VERP: the recipient encoded in the bounce address (variable envelope return path).

A sender that uses VERP sends each message with a return path naming its recipient, so
the bounce comes back to an address that says who bounced even when the report itself is
unreadable:

    bounces+user=example.org@return.example.com      (separator "+")
    bounce-user=example.org@return.example.com       (separator "-", qmail style)
    announce-bounces+user=example.org@lists.example.com   (Mailman: the list name before it)
    announce-return-417-user=example.org@lists.example.com (ezmlm: message number(s) before it)

The recipient is `user@example.org`; the un-encoded return path `bounces@return.example.com`
is the sender. Where the prefix ends in a role word (bounces, return, errors, owner), the
prefix is the shortest one that does, so a list name may hold hyphens.

SRS (`SRS0=hash=tt=domain=user@forwarder`, `SRS1=hash=forwarder==hash=tt=domain=user@...`)
and BATV (`prvs=tag=user@domain`, Sender Address Signing) look alike but encode a *sender*:
they are never decoded as a recipient; `unwrap_sender` gives the address they stand for, so
that a bounce's own sender is recognised under its signed or rewritten form.

A sender that puts more in the return path describes its local part with a template
(`VerpTemplate`): `b.{campaign}.{message_id}.{local}={domain}` reads
`b.spring.m42.user=example.org@return.example.com` as recipient `user@example.org`, campaign
`spring`, message `m42`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bouncewarden.events import FeedbackEvent
from bouncewarden.parse.addresses import addresses_in, is_address

__all__ = [
    "VerpAddress",
    "VerpTemplate",
    "apply_verp",
    "decode_envelope_recipient",
    "decode_verp",
    "encode_verp",
    "unwrap_sender",
    "verp_from_headers",
]

_VERP = re.compile(
    r"^(?P<prefix>[A-Za-z0-9._]+?)(?P<separator>[+-])(?P<local>[^=@]+)="
    r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9])@(?P<host>[^@\s]+)$"
)
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]"
# ezmlm's "list-return-417-user=example.org@host" (ezmlm-idx adds a second number).
_EZMLM = re.compile(
    r"^(?P<prefix>[A-Za-z0-9._-]+?-return(?:-\d+)+)-(?P<local>[^=@]+)=(?P<domain>"
    + _DOMAIN
    + r")@(?P<host>[^@\s]+)$"
)
# A prefix ending in a role word: "announce-bounces+user=example.org@host".
_ROLE = re.compile(
    r"^(?P<prefix>[A-Za-z0-9._-]*?(?:bounces?|errors?|owner|return))[+-](?P<local>[^=@]+)=(?P<domain>"
    + _DOMAIN
    + r")@(?P<host>[^@\s]+)$",
    re.IGNORECASE,
)
_SRS = re.compile(r"^SRS[01][=+-]", re.IGNORECASE)
# What each placeholder of a template may match; the ids stop at the usual separators.
_PLACEHOLDERS = {
    "local": r"(?P<local>[^=@]+)",
    "domain": f"(?P<domain>{_DOMAIN})",
    "message_id": r"(?P<message_id>[A-Za-z0-9_]+)",
    "campaign": r"(?P<campaign>[A-Za-z0-9_]+)",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# SRS0=hash=tt=domain=local@forwarder; SRS1=hash=forwarder==hash=tt=domain=local@forwarder.
_SRS_PARTS = re.compile(r"=(?P<domain>[^=@]+)=(?P<local>[^=@]+)@[^@]+$")
# BATV: prvs=tag=local@domain (the tag a key digit, a day number and a hash), or the older
# prvs=local=tag@domain; btv1==tag==local@domain.
_BATV = re.compile(
    r"^(?:prvs|btv1|msprvs\d?)=+(?P<first>[^=@]+)=+(?P<second>[^=@]*)@(?P<domain>[^@]+)$", re.I
)
_BATV_TAG = re.compile(r"^[0-9][0-9a-f]{3,}$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class VerpAddress:
    """A decoded VERP address: who bounced, and the sender's own return path."""

    recipient: str
    return_path: str
    message_id: str | None = None
    campaign: str | None = None


def encode_verp(recipient: str, return_path: str, separator: str = "+") -> str:
    """The VERP form of return_path for recipient ("bounces@h", "u@d" -> "bounces+u=d@h")."""
    local, _, domain = recipient.rpartition("@")
    prefix, _, host = return_path.rpartition("@")
    return f"{prefix}{separator}{local}={domain}@{host}"


def decode_verp(address: str) -> VerpAddress | None:
    """The recipient and return path encoded in a VERP address, or None if it is not one."""
    address = address.strip()
    if _SRS.match(address) or _BATV.match(address):
        return None
    found = _EZMLM.match(address) or _ROLE.match(address) or _VERP.match(address)
    if found is None:
        return None
    recipient = f"{found.group('local')}@{found.group('domain')}"
    if not is_address(recipient):
        return None
    return VerpAddress(recipient, f"{found.group('prefix')}@{found.group('host')}")


def unwrap_sender(address: str) -> str:
    """The address an SRS- or BATV-rewritten sender stands for; any other address unchanged."""
    if _SRS.match(address):
        parts = _SRS_PARTS.search(address)
        if parts is not None:
            return f"{parts.group('local')}@{parts.group('domain')}"
    batv = _BATV.match(address)
    if batv is not None:
        first, second = batv.group("first"), batv.group("second")
        local = second if _BATV_TAG.match(first) or not second else first
        return f"{local}@{batv.group('domain')}"
    return address


def verp_from_headers(values: list[str]) -> VerpAddress | None:
    """The first VERP address among header values (To, X-Original-To, Delivered-To ...)."""
    for value in values:
        for address in addresses_in(value):
            decoded = decode_verp(address)
            if decoded is not None:
                return decoded
    return None


class VerpTemplate:
    """A sender's own VERP form, written as its local part with placeholders.

    `{local}` and `{domain}` (the recipient) are required; `{message_id}` and `{campaign}`
    are optional and match letters, digits and `_`. Anything else is literal text.
    """

    def __init__(self, template: str) -> None:
        names = _PLACEHOLDER.findall(template)
        unknown = sorted(set(names) - set(_PLACEHOLDERS))
        if unknown:
            raise ValueError(f"VERP template {template!r}: unknown placeholder {{{unknown[0]}}}")
        if "local" not in names or "domain" not in names:
            raise ValueError(f"VERP template {template!r} needs {{local}} and {{domain}}")
        if len(names) != len(set(names)):
            raise ValueError(f"VERP template {template!r} repeats a placeholder")
        pieces = _PLACEHOLDER.split(template)
        # split() alternates literal text and placeholder names.
        pattern = "".join(
            _PLACEHOLDERS[piece] if index % 2 else re.escape(piece) for index, piece in enumerate(pieces)
        )
        self.template = template
        self._pattern = re.compile(f"^{pattern}@(?P<host>[^@\\s]+)$", re.IGNORECASE)
        self._prefix = pieces[0].rstrip(".+-_=") or "bounces"

    def encode(
        self, recipient: str, host: str, *, message_id: str | None = None, campaign: str | None = None
    ) -> str:
        """The address of this form for `recipient` at `host`, with the ids the template names."""
        local, _, domain = recipient.rpartition("@")
        values = {
            "local": local,
            "domain": domain,
            "message_id": message_id or "",
            "campaign": campaign or "",
        }
        return _PLACEHOLDER.sub(lambda found: values[found.group(1)], self.template) + f"@{host}"

    def decode(self, address: str) -> VerpAddress | None:
        """The recipient, ids and return path in `address`, or None if it is not of this form."""
        found = self._pattern.match(address.strip())
        if found is None:
            return None
        recipient = f"{found.group('local')}@{found.group('domain')}"
        if not is_address(recipient):
            return None
        groups = found.groupdict()
        return VerpAddress(
            recipient,
            f"{self._prefix}@{found.group('host')}",
            message_id=groups.get("message_id"),
            campaign=groups.get("campaign"),
        )


def decode_envelope_recipient(address: str, templates: Sequence[VerpTemplate] = ()) -> VerpAddress | None:
    """An envelope recipient read by the first template that fits, else as plain VERP."""
    for template in templates:
        decoded = template.decode(address)
        if decoded is not None:
            return decoded
    return decode_verp(address)


def apply_verp(events: Sequence[FeedbackEvent], verp: VerpAddress) -> list[FeedbackEvent]:
    """The events with what the VERP address says filled in where the report said nothing.

    The report's own recipient stays: a VERP address says whom the *original* message was
    for, and a report may name a forwarded or rewritten address; the message and campaign
    ids and the sender are only added when the report lacks them.
    """
    return [
        replace(
            event,
            sender=event.sender or verp.return_path,
            message_id=event.message_id or verp.message_id,
            campaign=event.campaign or verp.campaign,
        )
        for event in events
    ]
