"""Operator rules matched through one screened table choose as the rule-by-rule loop does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.classify import classify
from bouncewarden.classify.patterns import (
    OperatorRule,
    OperatorRules,
    RuleSyntaxError,
    match_rule,
    parse_rules,
)
from bouncewarden.events import Severity
from bouncewarden.parse import RecipientFinding

_PATTERNS = st.sampled_from(
    [
        "user unknown",
        "550 5.1.1",
        r"quota\s+exceeded",
        "^5",
        "(",
        "[a-z]+@example",
        "Mailbox",
        r"\bfull\b",
        "x*",
    ]
)
_TEXTS = st.sampled_from(
    ["550 5.1.1 User Unknown", "mailbox full", "quota  exceeded", "", "(x)", "a@example.com"]
)


def _one_by_one(rules: list[OperatorRule], diagnostic: str, reply_code: str | None) -> OperatorRule | None:
    text = " ".join(diagnostic.split())
    prefixed = " ".join(part for part in (reply_code, None, text) if part)
    return next((rule for rule in rules if rule.matches(text) or rule.matches(prefixed)), None)


@settings(max_examples=300)
@given(st.lists(_PATTERNS, max_size=6), _TEXTS, st.sampled_from([None, "550", "452"]))
def test_table_matches_rule_by_rule(patterns: list[str], diagnostic: str, reply_code: str | None) -> None:
    rules = [OperatorRule(pattern, Severity.HARD) for pattern in patterns]
    assert match_rule(rules, diagnostic, reply_code=reply_code) == _one_by_one(rules, diagnostic, reply_code)


def test_a_changed_rule_list_is_read_again() -> None:
    rules = [OperatorRule("user unknown", Severity.HARD)]
    assert match_rule(rules, "user unknown") == rules[0]
    rules[0] = OperatorRule("mailbox full", Severity.SOFT)
    assert match_rule(rules, "user unknown") is None
    rules.append(OperatorRule("unknown", Severity.SOFT))
    assert match_rule(rules, "user unknown") == rules[1]


def test_loaded_rules_build_their_table_once() -> None:
    rules = parse_rules("# ours\nuser unknown ==> hard\n\nmailbox full ==> soft mailboxfull\n")
    assert isinstance(rules, OperatorRules) and len(rules) == 2
    assert rules.table is rules.table
    assert match_rule(rules, "550 mailbox FULL") == rules[1]
    assert match_rule(rules, "550 5.1.1", reply_code="550") is None


def test_a_bad_rules_file_names_the_line() -> None:
    with pytest.raises(RuleSyntaxError, match="line 2: "):
        parse_rules("ok ==> hard\nbroken [ ==> hard\n")


def test_the_classification_names_the_rule_that_decided() -> None:
    rules = parse_rules("over quota ==> hard userunknown")
    finding = RecipientFinding("a@example.com", diagnostic="552 5.2.2 user is over quota", reply_code="552")
    assert classify(finding, rules).rule == rules[0]
    assert classify(finding).rule is None
