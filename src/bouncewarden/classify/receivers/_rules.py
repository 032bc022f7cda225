"""What every receiver module shares: the evidence it looks at and its rule-table helpers.

A receiver module recognises a receiving provider by the remote host that answered, by the
recipient's domain, or by telltale text in the reply (a link to the provider's error page, its
private error codes), and maps the provider's wording to a reason through one ordered table of
`(pattern, reason)` pairs: the first pattern found in the diagnostic wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bouncewarden.events import Reason

__all__ = ["Evidence", "RuleTable", "compile_rules", "first_reason", "recognised"]

RuleTable = Sequence[tuple[re.Pattern[str], Reason]]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a receiver module may look at: all lower-case except `text`."""

    text: str
    host: str = ""
    domain: str = ""
    status: str | None = None
    command: str | None = None


def compile_rules(pairs: Iterable[tuple[str, Reason]]) -> RuleTable:
    """A rule table from (regular expression, reason) pairs, matched case-insensitively."""
    return tuple((re.compile(pattern, re.IGNORECASE), reason) for pattern, reason in pairs)


def first_reason(rules: RuleTable, text: str) -> Reason | None:
    """The reason of the first rule whose pattern the text contains."""
    return next((reason for pattern, reason in rules if pattern.search(text)), None)


def recognised(
    evidence: Evidence,
    *,
    hosts: re.Pattern[str] | None = None,
    domains: re.Pattern[str] | None = None,
    telltale: re.Pattern[str] | None = None,
) -> bool:
    """True when the remote host, the recipient's domain or the text points at the provider."""
    if hosts is not None and evidence.host and hosts.search(evidence.host):
        return True
    if domains is not None and evidence.domain and domains.search(evidence.domain):
        return True
    return telltale is not None and bool(telltale.search(evidence.text))
