"""Operator rules in the database: the classifier's overrides, tried in the order they were added
(or the order an operator set with `reorder_operator_rules`).

`RuleBook.classification_rules` is what the intake reads with. Long-running ones (the SNS
endpoint, the SQS worker) see a rule another process added or removed within
`RULES_MAX_AGE` seconds, and the rules' screened table is rebuilt only when the stored rules
changed. The classifier is imported only when rules are read: `check` and friends do not pay
for its tables.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bouncewarden.clock import Clock
from bouncewarden.events import Reason, Severity
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import OperatorRule as RuleRow
from bouncewarden.store.types import as_utc

if TYPE_CHECKING:
    from bouncewarden.classify.patterns import OperatorRule, OperatorRules

__all__ = ["RULES_MAX_AGE", "RuleBook", "StoredRule"]

_log = logging.getLogger(__name__)

RULES_MAX_AGE = 30.0
"""Seconds a running service keeps the rules it loaded before it looks again."""


@dataclass(frozen=True, slots=True)
class StoredRule:
    """A rule as stored: its id (to remove it by), the note given and when it was added."""

    id: int
    rule: OperatorRule
    note: str | None
    created_at: datetime
    hits: int = 0
    last_hit_at: datetime | None = None


class RuleBook:
    """The operator's classification rules as stored, and the cached set the readers use."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._rules_cache: tuple[float, OperatorRules] | None = None

    def stored_rules(self) -> list[StoredRule]:
        """Every stored rule, oldest first (the classifier tries them in this order)."""
        from bouncewarden.classify.patterns import OperatorRule

        query = select(
            RuleRow.id,
            RuleRow.pattern,
            RuleRow.severity,
            RuleRow.reason,
            RuleRow.note,
            RuleRow.created_at,
            RuleRow.hits,
            RuleRow.last_hit_at,
        )
        with self._engine.connect() as connection:
            rows = connection.execute(
                query.order_by(RuleRow.position.is_(None), RuleRow.position, RuleRow.id)
            ).all()
        return [
            StoredRule(
                row.id,
                OperatorRule(row.pattern, Severity(row.severity), Reason(row.reason) if row.reason else None),
                row.note,
                as_utc(row.created_at),
                row.hits,
                as_utc(row.last_hit_at) if row.last_hit_at else None,
            )
            for row in rows
        ]

    def operator_rules(self) -> OperatorRules:
        """The rules, read now, in the order the classifier tries them."""
        from bouncewarden.classify.patterns import OperatorRules

        return OperatorRules(stored.rule for stored in self.stored_rules())

    def classification_rules(self) -> OperatorRules:
        """The rules for classifying, read again once `RULES_MAX_AGE` seconds have passed."""
        now = time.monotonic()
        cached = self._rules_cache
        if cached is not None and now - cached[0] < RULES_MAX_AGE:
            return cached[1]
        try:
            rules = self.operator_rules()
        except SQLAlchemyError as err:
            if cached is None:
                raise
            # The database is away: the rules read last are still the operator's best word.
            _log.info(
                "could not read the operator rules (%s); using the ones read before", type(err).__name__
            )
            self._rules_cache = (now, cached[1])
            return cached[1]
        if cached is not None and rules == cached[1]:
            rules = cached[1]  # unchanged: keep the one whose table is built
        self._rules_cache = (now, rules)
        return rules

    def add_operator_rule(self, rule: OperatorRule, *, note: str | None = None) -> int:
        """Store a rule after the others; its id."""
        values = {
            "pattern": rule.pattern,
            "severity": rule.severity.value,
            "reason": rule.reason.value if rule.reason else None,
            "note": note or None,
            "created_at": self._clock(),
        }
        with self._engine.execution_options(**WRITE).begin() as connection:
            rule_id = int(connection.execute(insert(RuleRow).returning(RuleRow.id), values).scalar_one())
        self._rules_cache = None
        return rule_id

    def reorder_operator_rules(self, rule_ids: Sequence[int]) -> bool:
        """Try the rules in the order of `rule_ids`, which must name every stored rule once.

        False (and nothing changed) when it does not. Rules added later go after these.
        """
        with self._engine.execution_options(**WRITE).begin() as connection:
            stored = set(connection.execute(select(RuleRow.id)).scalars())
            if len(rule_ids) != len(stored) or set(rule_ids) != stored:
                return False
            for position, rule_id in enumerate(rule_ids, 1):
                connection.execute(update(RuleRow).where(RuleRow.id == rule_id).values(position=position))
        self._rules_cache = None
        return True

    def remove_operator_rule(self, rule_id: int) -> bool:
        """Delete a rule by id; False when there is none with that id."""
        with self._engine.execution_options(**WRITE).begin() as connection:
            removed = connection.execute(delete(RuleRow).where(RuleRow.id == rule_id)).rowcount
        self._rules_cache = None
        return bool(removed)
