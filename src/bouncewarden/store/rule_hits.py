"""Counting how often each operator rule decided, as events are recorded (`rules list`).

An operator rule decides whenever its pattern is found in a failure's diagnostic: the
classifier tries the rules before anything else (`classify.classify`). So the recorder asks
the same question of every new event that is not a delivery, with the rules in force: the
first rule that matches, and whose severity (and reason, if it names one) the event carries,
decided it. Each such rule's `hits` grows and `last_hit_at` becomes the recording time, in
the transaction that stores the events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Connection

from bouncewarden.events import FeedbackEvent, Kind
from bouncewarden.store.models import OperatorRule as RuleRow

if TYPE_CHECKING:  # the classifier is loaded only when there are rules to match
    from bouncewarden.classify import OperatorRule

__all__ = ["count_rule_hits", "deciding_rule"]


def deciding_rule(event: FeedbackEvent, rules: Sequence[OperatorRule]) -> OperatorRule | None:
    """The operator rule that decided `event`'s classification, if one did."""
    if not rules or event.kind is Kind.DELIVERY:
        return None
    from bouncewarden.classify import match_rule

    rule = match_rule(rules, event.diagnostic, reply_code=event.reply_code, status=event.status)
    if rule is None or rule.severity is not event.severity:
        return None
    if rule.reason is not None and rule.reason is not event.reason:
        return None
    return rule


def count_rule_hits(
    connection: Connection, events: Iterable[FeedbackEvent], rules: Sequence[OperatorRule], *, now: datetime
) -> None:
    """Add the new `events` decided by a rule to that rule's count."""
    if not rules:
        return
    hits = Counter(rule for event in events if (rule := deciding_rule(event, rules)) is not None)
    for rule, count in sorted(hits.items(), key=lambda item: item[0].pattern):
        reason = rule.reason.value if rule.reason else None
        same_reason = RuleRow.reason.is_(None) if reason is None else RuleRow.reason == reason
        connection.execute(
            update(RuleRow)
            .where(
                and_(
                    RuleRow.pattern == rule.pattern, RuleRow.severity == rule.severity.value, or_(same_reason)
                )
            )
            .values(hits=RuleRow.hits + count, last_hit_at=now)
        )
