"""Bulk import of a suppression list, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.policy import AddressStatus, SuppressionReason
from bouncewarden.service import Service
from bouncewarden.store.queries import Suppression
from bouncewarden.store.suppressions import import_suppressions
from store_helpers import connect, engine_of, record, suppressed_addresses

T0 = datetime(2025, 2, 1, tzinfo=UTC)


def bounce(recipient: str, key: str, severity: Severity, reason: Reason) -> FeedbackEvent:
    return FeedbackEvent(Kind.BOUNCE, recipient, severity, reason, key, T0, "ses")


def transitions(service: Service) -> list[tuple[str, str | None, str, str, str, str | None]]:
    with connect(service) as connection:
        rows = connection.execute(
            sa.text("SELECT address, from_state, to_state, reason, actor, note FROM transitions ORDER BY id")
        ).all()
    return [tuple(row) for row in rows]


def test_import_suppresses_audits_and_keeps_existing_suppressions(service: Service) -> None:
    record(
        service,
        [
            bounce("hard@example.com", "k1", Severity.HARD, Reason.USERUNKNOWN),
            bounce("soft@example.com", "k2", Severity.SOFT, Reason.MAILBOXFULL),
        ],
        raw=None,
        source="ses",
    )
    before = len(transitions(service))
    rows = [
        Suppression("hard@example.com", "complaint", T0, "from the old system", "legacy"),
        Suppression("soft@example.com", "imported", None, None, None),
        Suppression("new@example.com", "manual", T0 + timedelta(days=1), "asked", "legacy"),
        Suppression("new@example.com", "complaint", T0, "second row of the same address", "legacy"),
    ]
    report = service.admin.import_suppressions(rows, label="import of old.csv", actor="cli:ops")
    assert (report.rows, report.addresses, report.suppressed, report.already_suppressed) == (4, 3, 2, 1)
    states = service.admin.lookup(["hard@example.com", "soft@example.com", "new@example.com"])
    assert states["hard@example.com"].suppression_reason is SuppressionReason.HARD_BOUNCE
    assert states["soft@example.com"].suppression_reason is SuppressionReason.IMPORTED
    assert states["soft@example.com"].next_retry_at is None
    assert states["new@example.com"].suppression_reason is SuppressionReason.MANUAL
    # One audit row per address whose state changed (row order within the import is unspecified).
    assert sorted(transitions(service)[before:]) == [
        ("new@example.com", "active", "suppressed", "imported", "cli:ops", "import of old.csv"),
        ("soft@example.com", "soft", "suppressed", "imported", "cli:ops", "import of old.csv"),
    ]
    listed = {row.address: row for row in service.admin.iter_suppressions()}
    assert listed["new@example.com"] == Suppression(
        "new@example.com", "manual", T0 + timedelta(days=1), "asked", "legacy"
    )
    assert listed["soft@example.com"].source == "import"
    assert listed["hard@example.com"].source == "ses"


def test_import_in_many_batches(service: Service) -> None:
    rows = [Suppression(f"user{n}@example.com", "imported", T0, None, "bulk") for n in range(25)]
    report = import_suppressions(
        engine_of(service), rows, now=T0, actor="test", label="batches", batch_size=4
    )
    assert (report.rows, report.suppressed) == (25, 25)
    assert len(list(suppressed_addresses(service))) == 25


def test_import_is_all_or_nothing(service: Service) -> None:
    def rows() -> Iterator[Suppression]:
        yield Suppression("first@example.com", "imported", T0, None, None)
        raise ValueError("line 2 is broken")

    with pytest.raises(ValueError, match="line 2"):
        service.admin.import_suppressions(rows(), label="broken", actor="test")
    assert list(suppressed_addresses(service)) == []
    assert service.admin.import_suppressions([], label="empty", actor="test").rows == 0


def test_imported_addresses_can_be_lifted(service: Service) -> None:
    service.admin.import_suppressions(
        [Suppression("a@example.com", "imported", T0, None, None)], label="l", actor="test"
    )
    assert service.admin.unsuppress(["A@example.com"], note="wrong list", actor="ops") == ["a@example.com"]
    assert service.admin.lookup(["a@example.com"])["a@example.com"].status is AddressStatus.ACTIVE
