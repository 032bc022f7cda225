"""VERP: the recipient encoded in the bounce address (variable envelope return path).

A sender that uses VERP sends each message with a return path naming its recipient, so
the bounce comes back to an address that says who bounced even when the report itself is
unreadable:

    bounces+user=example.org@return.example.com      (separator "+")
    bounce-user=example.org@return.example.com       (separator "-", qmail style)

The recipient is `user@example.org`; the un-encoded return path `bounces@return.example.com`
is the sender. SRS addresses (`SRS0=hash=tt=domain=user@...`) look alike but encode a
forwarded *sender*, so they are not decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bouncewarden.parse.addresses import addresses_in, is_address

__all__ = ["VerpAddress", "decode_verp", "encode_verp", "verp_from_headers"]

_VERP = re.compile(
    r"^(?P<prefix>[A-Za-z0-9._]+?)(?P<separator>[+-])(?P<local>[^=@]+)="
    r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9])@(?P<host>[^@\s]+)$"
)
_SRS = re.compile(r"^SRS[01][=+-]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class VerpAddress:
    """A decoded VERP address: who bounced, and the sender's own return path."""

    recipient: str
    return_path: str


def encode_verp(recipient: str, return_path: str, separator: str = "+") -> str:
    """The VERP form of return_path for recipient ("bounces@h", "u@d" -> "bounces+u=d@h")."""
    local, _, domain = recipient.rpartition("@")
    prefix, _, host = return_path.rpartition("@")
    return f"{prefix}{separator}{local}={domain}@{host}"


def decode_verp(address: str) -> VerpAddress | None:
    """The recipient and return path encoded in a VERP address, or None if it is not one."""
    if _SRS.match(address):
        return None
    found = _VERP.match(address.strip())
    if found is None:
        return None
    recipient = f"{found.group('local')}@{found.group('domain')}"
    if not is_address(recipient):
        return None
    return VerpAddress(recipient, f"{found.group('prefix')}@{found.group('host')}")


def verp_from_headers(values: list[str]) -> VerpAddress | None:
    """The first VERP address among header values (To, X-Original-To, Delivered-To ...)."""
    for value in values:
        for address in addresses_in(value):
            decoded = decode_verp(address)
            if decoded is not None:
                return decoded
    return None
