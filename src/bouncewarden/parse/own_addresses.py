"""Addresses a bounce names that are never its failed recipient.

A plain-text bounce names many addresses besides the one that failed: its own sender and
recipient (the list's or the sender's bounce address, often VERP-encoded, SRS-rewritten or
BATV-signed), postmaster and MAILER-DAEMON in its help text, the original's author and
envelope sender, and, for a mailing list, the list's own addresses in the returned message's
List-Post, List-Id, Sender and Errors-To (RFC 2369, RFC 2919). `OwnAddresses` gathers them
once per bounce so that the recipient finders can skip them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bouncewarden.parse.addresses import addresses_in
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.original import OriginalHeaders
from bouncewarden.parse.verp import decode_verp, unwrap_sender

__all__ = ["OwnAddresses", "is_list_software_address", "is_role_address", "list_addresses", "own_addresses"]

# Local parts of mail-system roles (RFC 2142) and of the software that writes bounces.
_ROLE_LOCAL = re.compile(
    r"^(?:mailer-?daemon|postmaster|double-bounce|root|abuse|hostmaster|mail-?daemon|majordomo"
    r"|listserv|mailman|mdaemon)@",
    re.IGNORECASE,
)
# A rewritten sender (SRS, BATV): names a sender, never a failed recipient.
_SIGNED = re.compile(r"^(?:SRS[01][=+-]|prvs=|btv1=|msprvs\d?=)", re.IGNORECASE)
# Headers of the bounce that name itself or whom it was sent to.
_BOUNCE_HEADERS = (
    "From",
    "To",
    "Sender",
    "Reply-To",
    "Return-Path",
    "X-Original-To",
    "Delivered-To",
    "Envelope-To",
)
# Headers of a list message that name the list (RFC 2369, RFC 2919) or its bounce address.
_LIST_HEADERS = (
    "list-post",
    "list-owner",
    "list-help",
    "list-unsubscribe",
    "list-subscribe",
    "sender",
    "errors-to",
)
# Bounce addresses of list software: Mailman's list-bounces, Sympa's list-owner, ezmlm's
# list-return-NNN, Majordomo's owner-list.
_LIST_ROLE = re.compile(
    r"^(?:(?P<name>[a-z0-9._]+(?:-[a-z0-9._]+)*?)-(?:bounces?|owner|errors|admin|return(?:-\d+)*)"
    r"|owner-(?P<name2>[a-z0-9._-]+))$"
)
_LIST_ID = re.compile(r"<([A-Za-z0-9_-][A-Za-z0-9._-]*)\.([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>")


def is_role_address(address: str) -> bool:
    """Whether the address is a mail-system role or a rewritten sender (never a recipient)."""
    return _ROLE_LOCAL.match(address) is not None or _SIGNED.match(address) is not None


@dataclass(frozen=True, slots=True)
class OwnAddresses:
    """The addresses of the bounce and of the returned message's sender side, lower case."""

    addresses: frozenset[str]
    is_list_message: bool
    list_prefixes: frozenset[tuple[str, str]] = frozenset()

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, str):
            return False
        key = address.lower()
        if key in self.addresses or unwrap_sender(key) in self.addresses or is_role_address(key):
            return True
        local, _, domain = key.rpartition("@")
        # the list's other addresses: announce-request@, announce-owner@, announce-bounces+...@
        return any(domain == host and local.startswith(name) for name, host in self.list_prefixes)


def _list_addresses(original: OriginalHeaders) -> tuple[set[str], bool]:
    """The list's addresses named in the original's headers, and whether it has a List-Id."""
    found: set[str] = set()
    has_list_id = False
    for name, value in original.headers:
        if name in _LIST_HEADERS:
            found.update(addresses_in(value))
        elif name == "list-id":
            has_list_id = True
            list_id = _LIST_ID.search(value)
            if list_id is not None:  # "<announce.lists.example.org>": announce@lists.example.org
                found.add(f"{list_id.group(1)}@{list_id.group(2)}")
    return found, has_list_id


def list_addresses(original: OriginalHeaders) -> frozenset[str]:
    """The list's own addresses (lower case) that the returned message's headers name."""
    block = original.block
    if "List-" not in block and "list-" not in block and "LIST-" not in block:
        return frozenset()
    return frozenset(a.lower() for a in _list_addresses(original)[0])


def _list_behind(address: str) -> str | None:
    """The list a list-software bounce address serves ("announce-bounces@h" -> "announce@h")."""
    local, _, host = address.lower().rpartition("@")
    found = _LIST_ROLE.match(local)
    if found is None:
        return None
    return f"{found.group('name') or found.group('name2')}@{host}"


def is_list_software_address(address: str) -> bool:
    """Whether the address is a list's bounce or owner address (list-bounces@, owner-list@...)."""
    return _list_behind(address) is not None


def own_addresses(message: BounceMessage, original: OriginalHeaders) -> OwnAddresses:
    """Every address the bounce and its original use for themselves (see the module docstring)."""
    found: set[str] = set()
    for name in _BOUNCE_HEADERS:
        for value in message.headers(name):
            found.update(addresses_in(value))
    found.update(a for a in (original.sender, original.return_path) if a)
    listed, has_list_id = _list_addresses(original)
    for address in list(found):
        behind = _list_behind(unwrap_sender(address))
        decoded = decode_verp(address)
        if decoded is not None:
            behind = _list_behind(decoded.return_path) or behind
        if behind is not None:  # the bounce went to a list's bounce address
            listed.add(behind)
    found |= listed
    for address in list(found):
        found.add(unwrap_sender(address))
        decoded = decode_verp(address)
        if decoded is not None:  # the bounce address's un-encoded form is the sender's too
            found.add(decoded.return_path)
    prefixes = frozenset((a.lower().rpartition("@")[0] + "-", a.lower().rpartition("@")[2]) for a in listed)
    return OwnAddresses(frozenset(a.lower() for a in found), bool(listed) or has_list_id, prefixes)
