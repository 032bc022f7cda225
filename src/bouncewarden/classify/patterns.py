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
from functools import lru_cache
from operator import is_

from bouncewarden.classify.screen import ScreenedPattern, ScreenedTable
from bouncewarden.events import Reason, Severity

__all__ = ["OperatorRule", "RuleSyntaxError", "match_rule", "parse_rule", "parse_rules"]

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
    """The rule's expression, screened (`classify.screen`): most rules match no given text."""
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


def parse_rules(text: str) -> list[OperatorRule]:
    """Rules from text with one rule per line; blank lines and `#` comments are skipped."""
    lines = (line.strip() for line in text.splitlines())
    return [parse_rule(line) for line in lines if line and not line.startswith("#")]


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
    return _table(rules).first_in_any((text, prefixed))


# The table of the rule list last used, found by the list's identity while it holds the same
# (frozen) rule objects: hashing every rule on every call would cost more than matching.
_LAST_TABLE: dict[
    int, tuple[Sequence[OperatorRule], tuple[OperatorRule, ...], ScreenedTable[OperatorRule]]
] = {}


def _table(rules: Sequence[OperatorRule]) -> ScreenedTable[OperatorRule]:
    held = _LAST_TABLE.get(id(rules))
    if held is not None and held[0] is rules and len(rules) == len(held[1]) and all(map(is_, rules, held[1])):
        return held[2]
    snapshot = tuple(rules)
    table = _table_of(snapshot)
    _LAST_TABLE.clear()
    _LAST_TABLE[id(rules)] = (rules, snapshot, table)
    return table


@lru_cache(maxsize=16)
def _table_of(rules: tuple[OperatorRule, ...]) -> ScreenedTable[OperatorRule]:
    """The rules as one screened table (`classify.screen`), made once per set of rules."""
    return ScreenedTable((rule, (_compiled(rule.pattern).regex,)) for rule in rules)
