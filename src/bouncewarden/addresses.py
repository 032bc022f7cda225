"""One identity per mailbox: which strings can be an address, and the form they are compared in.

Every door that stores or looks up an address (SES JSON, bounce emails, logs, `import`,
`suppress`, `check`, `clean`, the API) goes through these two functions:

- `address_problem` says why a string cannot be an email address at all, or None. It refuses
  only what no mail system can carry (RFC 5321 section 4.1.2 and 4.5.3.1, RFC 5322 section
  3.4.1, RFC 6531 section 3.3): an empty or missing local part or domain, control characters
  (NUL, tab, CR, LF, DEL, C1), white space or line separators outside a quoted local part,
  the delimiters `< > " \\ , ;` in an unquoted local part, a local part over 64 octets, an
  address over 254 octets, and a domain that is neither a host name valid under IDNA 2008
  (UTS 46 mapping) nor an address literal. Quirks real mailboxes have (doubled or trailing
  dots in the local part, as some Japanese carriers allow) are kept: they are odd, not
  impossible.
- `normalise_address` gives the comparable form: trimmed, angle brackets dropped, lower case,
  and an internationalised domain in its one ASCII form (A-labels, UTS 46 processing), so
  `user@bücher.example` and `user@XN--BCHER-KVA.example` are one identity. The address as
  reported is kept beside it for display (`FeedbackEvent.recipient`, `check`'s echo).
"""

from __future__ import annotations

import re
import unicodedata

import idna

from bouncewarden.errors import InvalidAddress
from bouncewarden.logsafe import shown

__all__ = [
    "MAX_ADDRESS_OCTETS",
    "MAX_LOCAL_OCTETS",
    "address_problem",
    "normalise_address",
    "normalise_domain",
    "valid_address",
]

MAX_LOCAL_OCTETS = 64
MAX_ADDRESS_OCTETS = 254
_MAX_DOMAIN_OCTETS = 253
_MAX_LABEL_OCTETS = 63
# Delimiters that end or quote an address in an SMTP path or a header address list.
_UNQUOTED_REFUSED = frozenset('<>"\\,;')
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# Unicode categories no address may hold outside quotes: controls, surrogates (bytes that were
# not UTF-8), unassigned code points, and every kind of space and line/paragraph separator.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Cn", "Zs", "Zl", "Zp"})
# The common case, checked in one match: printable ASCII local part, LDH domain, no A-labels.
_PLAIN_ASCII = re.compile(
    r'[^\x00-\x20\x7f<>"\\,;]{1,64}@'
    r"(?!.*xn--)(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
    re.IGNORECASE | re.DOTALL,
)


def _trimmed(address: str) -> str:
    return address.strip().strip("<>").strip()


def normalise_domain(domain: str) -> str:
    """The one comparable form of a domain: lower case, IDNA A-labels; unchanged case-folded if invalid."""
    lowered = domain.lower()
    if lowered.isascii():
        return lowered
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return lowered


def normalise_address(address: str) -> str:
    """The form addresses are compared and stored in: trimmed, no angle brackets, lower case, IDNA domain."""
    trimmed = _trimmed(address)
    lowered = trimmed.lower()
    if lowered.isascii():
        return lowered
    local, at, domain = trimmed.rpartition("@")
    if not at:
        return lowered
    return f"{local.lower()}@{normalise_domain(domain)}"


def address_problem(address: str) -> str | None:
    """Why `address` (as given; trimmed first) cannot be an email address, or None when it can."""
    trimmed = _trimmed(address)
    if len(trimmed) <= MAX_ADDRESS_OCTETS and trimmed.isascii() and _PLAIN_ASCII.fullmatch(trimmed):
        return None
    if not trimmed:
        return "empty address"
    local, at, domain = trimmed.rpartition("@")
    if not at:
        return "no @"
    if not local:
        return "empty local part"
    if not domain:
        return "empty domain"
    problem = _local_problem(local) or _domain_problem(domain)
    if problem is not None:
        return problem
    if len(local.encode("utf-8", "surrogatepass")) + 1 + len(normalise_domain(domain)) > MAX_ADDRESS_OCTETS:
        return f"longer than {MAX_ADDRESS_OCTETS} octets"
    return None


def valid_address(address: str) -> str:
    """`address` normalised; InvalidAddress (saying why) when it cannot be an email address."""
    problem = address_problem(address)
    if problem is not None:
        raise InvalidAddress(f"not an email address ({problem}): {shown(address, 80)}")
    return normalise_address(address)


def _refused_character(text: str, *, extra: frozenset[str] = frozenset()) -> str | None:
    for character in text:
        if character in extra or unicodedata.category(character) in _REFUSED_CATEGORIES:
            return f"character {character!r} not allowed"
    return None


def _local_problem(local: str) -> str | None:
    if len(local.encode("utf-8", "surrogatepass")) > MAX_LOCAL_OCTETS:
        return f"local part longer than {MAX_LOCAL_OCTETS} octets"
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        return _quoted_problem(local[1:-1])
    return _refused_character(local, extra=_UNQUOTED_REFUSED)


def _quoted_problem(inner: str) -> str | None:
    """RFC 5321 Quoted-string: qtextSMTP (space included) or a backslash pair; UTF-8 per RFC 6531."""
    escaped = False
    for character in inner:
        category = unicodedata.category(character)
        if category in {"Cc", "Cs", "Cn", "Zl", "Zp"}:
            return f"character {character!r} not allowed"
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == '"':
            return "unescaped quote inside the quoted local part"
    return "quoted local part ends in a lone backslash" if escaped else None


def _domain_problem(domain: str) -> str | None:
    if domain.startswith("[") and domain.endswith("]"):
        return _refused_character(domain[1:-1], extra=frozenset("[]\\"))
    problem = _refused_character(domain)
    if problem is not None:
        return problem
    if domain.isascii():
        return _ascii_domain_problem(domain.lower())
    try:
        encoded = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError) as err:
        return f"domain is not a valid internationalised name: {err}"
    return _ascii_domain_problem(encoded)


def _ascii_domain_problem(domain: str) -> str | None:
    if len(domain) > _MAX_DOMAIN_OCTETS:
        return f"domain longer than {_MAX_DOMAIN_OCTETS} octets"
    for label in domain.split("."):
        if not label:
            return "empty label in the domain"
        if len(label) > _MAX_LABEL_OCTETS:
            return f"domain label longer than {_MAX_LABEL_OCTETS} octets"
        if not _LDH.issuperset(label):
            return (
                f"domain label {label[:_MAX_LABEL_OCTETS]!r} holds characters other than letters, digits, '-'"
            )
        if label.startswith("-") or label.endswith("-"):
            return f"domain label {label!r} starts or ends with '-'"
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError, ValueError):
                return f"domain label {label!r} is not a valid A-label"
    return None
