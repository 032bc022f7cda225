"""Email addresses as bounces write them: finding, cleaning and checking them.

Bounces print recipients in many shapes: `rfc822; user@example.com`, `<user@example.com>`,
`"User" <user@example.com>`, `user@example.com (expanded from ...)`, sometimes with a trailing
dot or quotes, or an address type glued on (`SMTP=user@example.com`, `RFC822;user@...`,
`mailto:user@...`, `550-'user@...`). These helpers turn such text into a bare
`local@domain`, or None when there is no plausible address in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["ADDRESS_PATTERN", "addresses_in", "clean_address", "is_address", "strip_noise", "tidy_address"]

# A bare address: dot-atom or quoted local part (`%` for source routes, `=` for VERP), a domain
# of at least one label; an IPv4 literal is accepted too ("user@[192.0.2.1]"). Lengths are
# bounded (RFC 5321: 64 for the local part, 63 per label) so that scanning a long run of
# atom characters without an "@" stays linear.
ADDRESS_PATTERN = re.compile(
    r"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])"
    r"(?:\"[^\"\s@<>]{1,64}\"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64})@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){0,30}"
    r"|\[[0-9.]{7,15}\])"
)
_WHOLE = re.compile(r"\A" + ADDRESS_PATTERN.pattern + r"\Z")
# "@relay.example.net:user@example.com": an RFC 821 source route before the address.
_SOURCE_ROUTE = re.compile(r"^(?:@[^:,@\s]+[,:])+")
_ANGLED = re.compile(r"<\s*([^<>\s]+@[^<>\s]+?)\s*>")
# What bounces glue to the front of an address: an address type ("SMTP=", "SMTP:", "RFC822;",
# "rfc822:", "mailto:", Exchange's "EX:"), or a reply code and a quote ("550-'user@...").
# Atom characters all, so the address pattern takes them in; a local part never starts so.
_PAIRS = frozenset({("<", ">"), ("(", ")"), ('"', '"'), ("'", "'"), ("[", "]")})
_OPENER = {">": "<", ")": "("}
_CLOSER = {"<": ">", "(": ")"}
_NOISE_PREFIX = re.compile(r"^(?:(?:smtp|rfc822|x400|mailto|ex)[=:;]\s*)+|^[^A-Za-z\"]*'+", re.IGNORECASE)


def is_address(text: str) -> bool:
    """Whether text is exactly one bare address."""
    return _WHOLE.match(text) is not None


def clean_address(text: str | None) -> str | None:
    """The bare address in a header value or DSN field, or None when there is none.

    A type prefix (`rfc822;`), angle brackets, a source route, a display name and
    trailing punctuation are dropped; a quoted local part keeps its quotes.
    """
    if not text:
        return None
    value = text.strip()
    if ";" in value and value.split(";", 1)[0].strip().isalnum():
        value = value.split(";", 1)[1].strip()
    angled = _ANGLED.search(value) if "<" in value else None  # (plain tests first: cheaper)
    if angled:
        value = angled.group(1)
    value = value.strip().strip("<>").strip()
    if value.startswith("@"):
        value = _SOURCE_ROUTE.sub("", value)
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if _WHOLE.match(value):
        return strip_noise(value)
    found = ADDRESS_PATTERN.search(value)
    return strip_noise(found.group(0).rstrip(".")) if found else None


def addresses_in(text: str) -> Iterator[str]:
    """Every bare address in text, in order, each with trailing dots removed."""
    for found in ADDRESS_PATTERN.finditer(text):
        yield strip_noise(found.group(0).rstrip("."))


def _unwrapped_once(value: str) -> str:
    """value with one layer of wrapping removed (unchanged when there is none)."""
    first, last = value[0], value[-1]
    if (first, last) in _PAIRS:
        return value[1:-1].strip()
    if last in ".,;:" or (last in ">)" and _OPENER[last] not in value):
        return value[:-1].rstrip()
    if (first in "<(" and _CLOSER[first] not in value) or (first in "\"'" and value.count(first) == 1):
        return value[1:].lstrip()
    if last in "\"'" and value.count(last) == 1:
        return value[:-1].rstrip()
    return value


def tidy_address(address: str) -> str:
    """A found address without the wrapping a bounce left on it: brackets, parentheses, quotes
    around it, trailing dots and commas, a type prefix (see `strip_noise`). Never shortens an
    address it cannot read (an internationalised one stays as it is)."""
    value = address.strip()
    while len(value) >= 3:
        unwrapped = _unwrapped_once(value)
        if unwrapped == value:
            return strip_noise(value)
        value = unwrapped
    return address


def strip_noise(address: str) -> str:
    """An address without the type prefix or quote a bounce glued to it ("SMTP=u@h" -> "u@h")."""
    if "=" not in address and ":" not in address and ";" not in address and "'" not in address:
        return address
    cleaned = _NOISE_PREFIX.sub("", address)
    return cleaned if _WHOLE.match(cleaned) else address
