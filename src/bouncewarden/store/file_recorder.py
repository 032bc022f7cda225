"""The recorder of followed files: `sources.logs.FileStream` hands it one batch at a time.

    recorder = FileRecorder(engine, policy, rules=rule_book.classification_rules)
    outcome = recorder.record_rows(batch)      # events, policy, counters, quarantine, position
    positions = recorder.file_positions("pmta")
    parts = recorder.stream_memory("postfix")  # a log reader's memory, as last committed

Each batch is one transaction (`store.batches.record_row_batch`). The address policy is the
one every other input goes through (`store.address_batch.apply_policy`, audit trail and
outbox included), so this module holds only the file side: positions and batches of
records. Like the recorder of other inputs, a batch that races another writer creating the
same address rows runs again in a savepoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config import PolicySettings
from bouncewarden.events import FeedbackEvent
from bouncewarden.store.address_batch import NewEvent, apply_policy
from bouncewarden.store.batches import (
    BatchOutcome,
    RowBatch,
    StoredPosition,
    record_row_batch,
    stored_memory,
    stored_positions,
)
from bouncewarden.store.engine import WRITE
from bouncewarden.store.types import as_utc

if TYPE_CHECKING:
    from bouncewarden.classify import OperatorRule

__all__ = ["FileRecorder"]

_RACE_RETRIES = 3


class FileRecorder:
    """Records batches of records of followed files (the `sources.logs.RowRecorder` protocol)."""

    def __init__(
        self,
        engine: Engine,
        policy: PolicySettings,
        *,
        rules: Callable[[], Sequence[OperatorRule]],
        clock: Clock = system_clock,
    ) -> None:
        self._engine = engine
        self._policy = policy
        self._rules = rules
        self._clock = clock

    def _apply_policy(
        self, connection: Connection, new: Sequence[tuple[int, FeedbackEvent]], now: datetime
    ) -> int:
        found = apply_policy(
            connection, [NewEvent(event_id, event, 0) for event_id, event in new], self._policy, now
        )
        return sum(found.values())

    def classification_rules(self) -> Sequence[OperatorRule]:
        """The operator rules in force (re-read now and then by the rule store)."""
        return self._rules()

    def record_rows(self, batch: RowBatch) -> BatchOutcome:
        """Store a batch of records read from one file and the position reached, in one transaction."""
        now = self._clock()
        events = [
            event
            if event.occurred_at.tzinfo is UTC
            else replace(event, occurred_at=as_utc(event.occurred_at))
            for event in batch.events
        ]
        rules = self._rules()
        with self._engine.execution_options(**WRITE).begin() as connection:
            return record_row_batch(
                connection,
                replace(batch, events=events),
                now=now,
                apply_policy=self._apply_policy,
                rules=rules,
            )

    def file_positions(self, stream: str) -> list[StoredPosition]:
        """The committed positions of the files of one followed stream."""
        with self._engine.connect() as connection:
            return stored_positions(connection, stream)

    def stream_memory(self, stream: str) -> list[bytes]:
        """What the log reader of `stream` remembered at its last committed batch, in parts."""
        with self._engine.connect() as connection:
            return stored_memory(connection, stream)
