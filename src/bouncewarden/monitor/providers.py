"""Receiving providers: recipient domains grouped by the mailbox provider that receives them.

Reputation is judged per receiving provider (Gmail's Postmaster Tools, Microsoft's SNDS,
Yahoo's feedback), and a block at one provider shows as refusals across all of its domains, so
sender health counts per provider rather than per domain. The families below are the
consumer domains each provider publishes or hosts under its own MX hosts (Google's
`*.google.com`, Microsoft's `*.olc.protection.outlook.com`, Yahoo's `*.yahoodns.net`, which
also takes AOL's and Verizon's mail, Apple's `*.mail.icloud.com`, United Internet's
`*.gmx.net` / `*.web.de`). Country forms (`hotmail.co.uk`, `yahoo.fr`, `gmx.at`) are matched
by the name before the public suffix. Any other domain is `other`: bouncewarden does no MX
look-ups on the write path.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

__all__ = ["OTHER", "provider_of"]

OTHER = "other"

# Exact domains whose name alone does not say the provider.
_DOMAINS: Mapping[str, str] = {
    "gmail.com": "gmail",
    "googlemail.com": "gmail",
    "msn.com": "microsoft",
    "passport.com": "microsoft",
    "windowslive.com": "microsoft",
    "ymail.com": "yahoo",
    "rocketmail.com": "yahoo",
    "aol.com": "yahoo",
    "aim.com": "yahoo",
    "verizon.net": "yahoo",
    "icloud.com": "apple",
    "me.com": "apple",
    "mac.com": "apple",
    "web.de": "gmx",
    "protonmail.com": "proton",
    "protonmail.ch": "proton",
    "proton.me": "proton",
    "pm.me": "proton",
    "comcast.net": "comcast",
    "mail.ru": "mailru",
    "inbox.ru": "mailru",
    "list.ru": "mailru",
    "bk.ru": "mailru",
    "ya.ru": "yandex",
    "zoho.com": "zoho",
    "zohomail.com": "zoho",
}

# Names used under many country suffixes (`NAME.TLD`, `NAME.co.TLD`, `NAME.com.TLD`).
_NAMES: Mapping[str, str] = {
    "hotmail": "microsoft",
    "outlook": "microsoft",
    "live": "microsoft",
    "yahoo": "yahoo",
    "gmx": "gmx",
    "yandex": "yandex",
    "orange": "orange",
    "wanadoo": "orange",
}

_SECOND_LEVELS = frozenset({"co", "com", "net", "org"})


@lru_cache(maxsize=65536)
def provider_of(domain: str) -> str:
    """The provider family that receives mail for `domain` (lower-case), or `other`."""
    domain = domain.strip().lower().rstrip(".")
    known = _DOMAINS.get(domain)
    if known is not None:
        return known
    labels = domain.split(".")
    if len(labels) == 2:
        return _NAMES.get(labels[0], OTHER)
    if len(labels) == 3 and labels[1] in _SECOND_LEVELS and len(labels[2]) == 2:
        return _NAMES.get(labels[0], OTHER)
    return OTHER
