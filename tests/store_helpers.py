"""Helpers for tests that record events directly, without a reader in front."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bouncewarden.events import FeedbackEvent
from bouncewarden.intake import EventCounts, Feedback, Outcome, RawInput, ReadInput
from bouncewarden.parse.report import ParsedReport
from bouncewarden.service import Service

__all__ = ["record", "suppressed_addresses"]

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
