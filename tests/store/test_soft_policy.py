"""The soft-bounce knobs through the recorder, on SQLite and PostgreSQL: `[policy]
soft_window_days` (old soft bounces stop counting) and `delivery_resets_soft`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bouncewarden.config import PolicySettings, Settings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.policy import AddressState, AddressStatus, SuppressionReason
from bouncewarden.service import Service
from store_helpers import record

DAY0 = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
ADDRESS = "flaky@example.com"


@pytest.fixture
def open_service(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    opened: list[Service] = []

    def make(**policy: object) -> Service:
        settings = Settings(
            database_url=database_url, data_dir=tmp_path / "data", policy=PolicySettings(**policy)
        )
        service = Service.open(settings)
        opened.append(service)
        return service

    yield make
    for service in opened:
        service.close()


def soft(day: float) -> FeedbackEvent:
    at = DAY0 + timedelta(days=day)
    return FeedbackEvent(Kind.BOUNCE, ADDRESS, Severity.SOFT, Reason.MAILBOXFULL, f"soft-{day}", at, "test")


def delivery(day: float) -> FeedbackEvent:
    at = DAY0 + timedelta(days=day)
    return FeedbackEvent(
        Kind.DELIVERY, ADDRESS, Severity.NONE, Reason.DELIVERED, f"delivery-{day}", at, "test"
    )


def state(service: Service) -> AddressState:
    return service.admin.lookup([ADDRESS])[ADDRESS]


def test_soft_bounces_older_than_the_window_stop_counting(open_service: Callable[..., Service]) -> None:
    service = open_service(max_attempts=3, soft_window_days=7)
    for day in (0, 1):
        record(service, [soft(day)])
    assert state(service).soft_count == 2
    record(service, [soft(10)])  # days 0 and 1 are more than 7 days before day 10
    after = state(service)
    assert (after.status, after.soft_count, after.first_soft_at) == (
        AddressStatus.SOFT,
        1,
        DAY0 + timedelta(days=10),
    )
    record(service, [soft(11)])
    assert state(service).soft_count == 2
    record(service, [soft(12)])
    assert (state(service).status, state(service).suppression_reason) == (
        AddressStatus.SUPPRESSED,
        SuppressionReason.SOFT_EXPIRED,
    )


def test_without_a_window_every_soft_bounce_counts(open_service: Callable[..., Service]) -> None:
    service = open_service(max_attempts=3)
    for day in (0, 1):
        record(service, [soft(day)])
    record(service, [soft(10)])
    assert state(service).status is AddressStatus.SUPPRESSED


def test_the_window_in_one_batch(open_service: Callable[..., Service]) -> None:
    service = open_service(max_attempts=3, soft_window_days=2)
    record(service, [soft(5), soft(0), soft(4), soft(1)])  # taken in time order: 0, 1 | 4, 5
    assert (state(service).status, state(service).soft_count) == (AddressStatus.SOFT, 2)


@pytest.mark.parametrize(
    ("resets", "status", "count"), [(True, AddressStatus.SOFT, 1), (False, AddressStatus.SUPPRESSED, 3)]
)
def test_a_delivery_resets_the_count_unless_told_not_to(
    open_service: Callable[..., Service],
    resets: bool,
    status: AddressStatus,
    count: int,
) -> None:
    service = open_service(max_attempts=3, delivery_resets_soft=resets)
    record(service, [soft(0), soft(1)])
    record(service, [delivery(2)])
    cleared = state(service)
    assert cleared.status is AddressStatus.ACTIVE
    assert cleared.soft_count == (0 if resets else 2)
    assert cleared.next_retry_at is None
    record(service, [soft(3)])
    assert (state(service).status, state(service).soft_count) == (status, count)
