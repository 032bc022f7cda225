"""What every receiver module shares: the evidence it looks at and its rule-table helpers.

A receiver module recognises a receiving provider by the remote host that answered, by the
recipient's domain, or by telltale text in the reply (a link to the provider's error page, its
private error codes), and maps the provider's wording to a reason through one ordered table of
`(pattern, reason)` pairs: the first pattern found in the diagnostic wins.

Every finding asks every provider whether it recognises the reply, so the searches here are
screened (`textscan.screen`): a provider's host, domain and telltale patterns are only
searched when the evidence holds a string each of their matches needs. Each provider module
builds its `Recogniser` (and so the screens) once, at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bouncewarden.events import Reason
from bouncewarden.textscan.screen import ScreenedPattern, folded_for_screen

__all__ = ["Evidence", "Recogniser", "RuleTable", "compile_rules", "first_reason"]

RuleTable = Sequence[tuple[ScreenedPattern, Reason]]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a receiver module may look at: all lower-case except `text`."""

    text: str
    host: str = ""
    domain: str = ""
    status: str | None = None
    command: str | None = None
    # `text` folded for screening caseless patterns (`textscan.screen.folded_for_screen`).
    folded: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", folded_for_screen(self.text))


def compile_rules(pairs: Iterable[tuple[str, Reason]]) -> RuleTable:
    """A rule table from (regular expression, reason) pairs, matched case-insensitively."""
    return tuple((ScreenedPattern.compile(pattern, re.IGNORECASE), reason) for pattern, reason in pairs)


def first_reason(rules: RuleTable, text: str) -> Reason | None:
    """The reason of the first rule whose pattern the text contains."""
    folded = folded_for_screen(text)
    return next((reason for pattern, reason in rules if pattern.search(text, folded)), None)


class Recogniser:
    """One provider's host, domain and telltale patterns, screened (see the module docstring).

    Each provider module makes its own once, at import.
    """

    __slots__ = ("domains", "hosts", "telltale")

    def __init__(
        self,
        *,
        hosts: re.Pattern[str] | None = None,
        domains: re.Pattern[str] | None = None,
        telltale: re.Pattern[str] | None = None,
    ) -> None:
        self.hosts = ScreenedPattern.screen(hosts) if hosts is not None else None
        self.domains = ScreenedPattern.screen(domains) if domains is not None else None
        self.telltale = ScreenedPattern.screen(telltale) if telltale is not None else None

    def recognises(self, evidence: Evidence) -> bool:
        """True when the remote host, the recipient's domain or the text points at the provider."""
        if self.hosts is not None and evidence.host and self.hosts.search(evidence.host):
            return True
        if self.domains is not None and evidence.domain and self.domains.search(evidence.domain):
            return True
        return self.telltale is not None and self.telltale.search(evidence.text, evidence.folded) is not None
