"""The recorder: a batch of read inputs, one transaction, one outcome per input.

`BatchRecorder.record` commits the evidence, events, address transitions, counters, outbox rows
and quarantined inputs of a whole batch together (`store.batch_write`). Two kinds of failure
are told apart:

- the database is unavailable (connection refused or lost, PostgreSQL restarting, SQLite busy
  past its timeout, a schema that is not there): nothing of the batch is stored and every input is answered
  `store_unavailable`, so its source can retry later. Good input is never quarantined for it.
- an input the database refuses (a value it cannot store, a bug): the batch is first written
  in a plain transaction (no savepoint: two round trips fewer on PostgreSQL); when that fails,
  it is rolled back and written again in a new transaction, each input in a savepoint of its
  own, and the one that fails is quarantined with the database's reason. A poison input
  never blocks the rest of its batch.

Anything else that escapes (the quarantine itself failing) is broken infrastructure and raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, ProgrammingError

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config import PolicySettings
from bouncewarden.intake import InputOutcome, Outcome, ReadInput
from bouncewarden.store.address_batch import AddressRace
from bouncewarden.store.batch_write import quarantine_inputs, write_batch
from bouncewarden.store.engine import WRITE

if TYPE_CHECKING:
    from bouncewarden.classify import OperatorRule

__all__ = ["BatchRecorder", "is_unavailable"]

_log = logging.getLogger(__name__)
_RACE_RETRIES = 3


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` is the database's trouble rather than the input's (worth a retry later).

    Connection failures, restarts and lock timeouts (`OperationalError` and friends), and a
    schema that is not what this code expects (PostgreSQL's class 42: a missing table or
    column, a missing privilege; SQLite reports those as `OperationalError`) say nothing about
    the input, so it must not be quarantined.
    """
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, ProgrammingError):
        return str(getattr(error.orig, "sqlstate", "") or "").startswith("42")
    return isinstance(error, OperationalError | InterfaceError | DisconnectionError)


def _short(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


class BatchRecorder:
    """Records batches of read inputs (the `intake.Recorder` protocol)."""

    def __init__(
        self,
        engine: Engine,
        policy: PolicySettings,
        clock: Clock = system_clock,
        *,
        rules: Callable[[], Sequence[OperatorRule]] = tuple,
    ) -> None:
        self._engine = engine
        self._policy = policy
        self._clock = clock
        self._rules = rules  # the rules in force, whose hits the write counts

    def record(self, batch: Sequence[ReadInput]) -> list[InputOutcome]:
        """Store `batch` in one transaction (see the module docstring)."""
        if not batch:
            return []
        now = self._clock()
        try:
            return self._write(batch, now)
        except Exception as err:
            if not is_unavailable(err):
                raise
            reason = f"database unavailable: {_short(err)}"
            _log.info("%s; %d input(s) not stored", reason, len(batch))  # the source reports it
            return [InputOutcome(item.raw.origin, Outcome.STORE_UNAVAILABLE, reason=reason) for item in batch]

    def _write(self, batch: Sequence[ReadInput], now: datetime) -> list[InputOutcome]:
        # The whole batch in a plain transaction first: no savepoint to set and release (two
        # round trips on PostgreSQL). Only when the database refuses it is the batch written
        # again, in a new transaction, each input in a savepoint of its own.
        error: Exception | None = None
        for _ in range(_RACE_RETRIES):
            try:
                with self._engine.execution_options(**WRITE).begin() as connection:
                    return write_batch(connection, batch, self._policy, now, self._rules())
            except AddressRace as race:
                error = race  # the rows another writer created are found and locked next time
            except Exception as err:
                if is_unavailable(err):
                    raise
                error = err
                break
        assert error is not None  # the loop returns or keeps what went wrong
        if len(batch) > 1:
            _log.warning("batch of %d refused (%s); writing its inputs one by one", len(batch), _short(error))
        with self._engine.execution_options(**WRITE).begin() as connection:
            return [self._write_one(connection, item, now) for item in batch]

    def _write_one(self, connection: Connection, item: ReadInput, now: datetime) -> InputOutcome:
        try:
            [outcome] = self._in_savepoint(connection, [item], now)
        except Exception as err:
            if is_unavailable(err):
                raise
            return self._refused(connection, item, err, now)
        return outcome

    def _in_savepoint(
        self, connection: Connection, batch: Sequence[ReadInput], now: datetime
    ) -> list[InputOutcome]:
        for _ in range(_RACE_RETRIES - 1):
            try:
                with connection.begin_nested():
                    return write_batch(connection, batch, self._policy, now, self._rules())
            except AddressRace:
                continue  # the rows another writer created are found and locked this time
        with connection.begin_nested():
            return write_batch(connection, batch, self._policy, now, self._rules())

    def _refused(
        self, connection: Connection, item: ReadInput, error: Exception, now: datetime
    ) -> InputOutcome:
        _log.error("the database refused %s: %s", item.raw.origin, _short(error), exc_info=error)
        reason = f"store refused the events: {_short(error)}"
        [quarantine_id] = quarantine_inputs(connection, [(item.raw, reason)], now)
        return InputOutcome(item.raw.origin, Outcome.QUARANTINED, reason=reason, quarantine_id=quarantine_id)
