"""What tests need of the store beyond `Service`: recording events without a reader in front,
and the service's database for reading rows back (the one place tests reach the engine)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bouncewarden.events import FeedbackEvent
from bouncewarden.intake import EventCounts, Feedback, Outcome, RawInput, ReadInput
from bouncewarden.parse.report import ParsedReport
from bouncewarden.service import Service

__all__ = ["begin", "connect", "count", "engine_of", "record", "suppressed_addresses"]

_RECEIVED = datetime(2025, 1, 1, tzinfo=UTC)


def record(
    service: Service, events: Sequence[FeedbackEvent], *, raw: bytes | None = None, source: str = "test"
) -> EventCounts:
    """Record `events` as one input (with `raw` as its evidence); what the recorder counted."""
    data = raw or b""
    reading = Feedback(ParsedReport((), "test"), tuple(events))
    [outcome] = service.recorder.record([ReadInput(RawInput(data, "test", _RECEIVED, source), reading)])
    assert outcome.outcome in (Outcome.RECORDED, Outcome.DUPLICATE), outcome
    return outcome.counts


def suppressed_addresses(service: Service) -> list[str]:
    """Every suppressed address, in order."""
    return [entry.address for entry in service.admin.iter_suppressions()]


def engine_of(service: Service) -> Engine:
    """The service's engine, for a test of the store's own functions or its statements."""
    return service.engine


def connect(service: Service) -> Connection:
    """A connection to the service's database (`with connect(service) as connection:`)."""
    return engine_of(service).connect()


def begin(service: Service) -> AbstractContextManager[Connection]:
    """A transaction on the service's database, committed when the `with` block ends."""
    return engine_of(service).begin()


def count(service: Service, table: str) -> int:
    """How many rows `table` has."""
    with connect(service) as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
