"""Operator rules: an operator's own patterns, matched against the diagnostic, which win over ours.

DESIGN.md lets an operator override any classification with a line such as

    550 5.7.1 Unfortunately, messages from ==> hard
    Mailbox quota exceeded ==> soft mailboxfull

that is, a regular expression (searched case-insensitively), `==>`, a severity and optionally a
reason. The pattern is searched in the diagnostic text, and also in the same text prefixed
with the reply code and the status, so that a rule written as "550 5.7.1 ..." matches a
diagnostic that states the codes elsewhere or not at all. The first matching rule wins.

A pattern that is not a valid regular expression is refused by `parse_rule` (bad
configuration); one that reaches `match_rule` anyway is matched as literal text, so that a
broken rule can never make classification fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from bouncewarden.events import Reason, Severity
from bouncewarden.textscan.screen import ScreenedPattern, ScreenedTable

__all__ = ["OperatorRule", "OperatorRules", "RuleSyntaxError", "match_rule", "parse_rule", "parse_rules"]

_ARROW = "==>"


class RuleSyntaxError(ValueError):
    """An operator rule line that cannot be read."""


@dataclass(frozen=True, slots=True)
class OperatorRule:
    """`pattern` (a regular expression, case-insensitive) found in the diagnostic decides."""

    pattern: str
    severity: Severity
    reason: Reason | None = None

    def matches(self, text: str, folded: str | None = None) -> bool:
        """Whether the pattern occurs in text (`folded`: `screen.folded_for_screen(text)`)."""
        return _compiled(self.pattern).search(text, folded) is not None


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> ScreenedPattern:
    """The rule's expression, screened (`textscan.screen`): most rules match no given text."""
    try:
        return ScreenedPattern.compile(pattern, re.IGNORECASE)
    except re.error:
        return ScreenedPattern.compile(re.escape(pattern), re.IGNORECASE)


def parse_rule(line: str) -> OperatorRule:
    """One rule from `PATTERN ==> SEVERITY [REASON]`; raises RuleSyntaxError when malformed."""
    pattern, arrow, outcome = line.rpartition(_ARROW)
    pattern = pattern.strip()
    words = outcome.split()
    if not arrow or not pattern or not 1 <= len(words) <= 2:
        raise RuleSyntaxError(f"operator rule {line!r}: expected 'PATTERN ==> SEVERITY [REASON]'")
    try:
        re.compile(pattern)
    except re.error as err:
        raise RuleSyntaxError(f"operator rule {line!r}: bad regular expression: {err}") from err
    try:
        severity = Severity(words[0].lower())
        reason = Reason(words[1].lower()) if len(words) == 2 else None
    except ValueError as err:
        raise RuleSyntaxError(f"operator rule {line!r}: unknown severity or reason") from err
    return OperatorRule(pattern, severity, reason)


def parse_rules(text: str) -> OperatorRules:
    """Rules from text with one rule per line; blank lines and `#` comments are skipped.

    A malformed line raises RuleSyntaxError naming its line number.
    """
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                rules.append(parse_rule(line))
            except RuleSyntaxError as err:
                raise RuleSyntaxError(f"line {number}: {err}") from None
    return OperatorRules(rules)


class OperatorRules(tuple[OperatorRule, ...]):
    """An operator's rules, in the order they are tried, matched as one screened table.

    Made once where the rules are loaded (`parse_rules`, `Service.operator_rules`) and passed
    down to the classifier: the table is built on first use and kept with the rules. A plain
    sequence given to `match_rule` instead is wrapped, and its table built, on every call.
    """

    @cached_property
    def table(self) -> ScreenedTable[OperatorRule]:
        """The rules as one screened table (`textscan.screen`)."""
        return ScreenedTable((rule, (_compiled(rule.pattern).regex,)) for rule in self)


def match_rule(
    rules: Sequence[OperatorRule],
    diagnostic: str | None,
    *,
    reply_code: str | None = None,
    status: str | None = None,
) -> OperatorRule | None:
    """The first rule whose pattern occurs in the diagnostic (with or without its codes)."""
    if not rules:
        return None
    text = " ".join((diagnostic or "").split())
    prefixed = " ".join(part for part in (reply_code, status, text) if part)
    table = (rules if isinstance(rules, OperatorRules) else OperatorRules(rules)).table
    return table.first_in_any((text, prefixed))
