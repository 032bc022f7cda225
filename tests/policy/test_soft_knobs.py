"""The soft-bounce knobs in the pure policy: the window over counted soft bounces (with rows
counted before their times were kept), and a delivery that keeps the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bouncewarden.config import PolicySettings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.policy import AddressState, AddressStatus, apply_event

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def soft(at: datetime) -> FeedbackEvent:
    return FeedbackEvent(
        Kind.BOUNCE, "a@example.com", Severity.SOFT, Reason.MAILBOXFULL, f"k{at}", at, "test"
    )


def test_a_row_counted_before_times_were_kept_takes_them_as_its_first_soft_bounce() -> None:
    legacy = AddressState(
        "a@example.com", AddressStatus.SOFT, soft_count=2, first_soft_at=T0, last_soft_at=T0 + DAY
    )
    inside = apply_event(legacy, soft(T0 + 3 * DAY), PolicySettings(soft_window_days=7, max_attempts=5))
    assert inside.state.soft_count == 3
    outside = apply_event(legacy, soft(T0 + 10 * DAY), PolicySettings(soft_window_days=7, max_attempts=5))
    assert (outside.state.soft_count, outside.state.first_soft_at) == (1, T0 + 10 * DAY)
    unlimited = apply_event(legacy, soft(T0 + 10 * DAY), PolicySettings(max_attempts=5))
    assert (unlimited.state.soft_count, unlimited.state.first_soft_at) == (3, T0)


@given(st.lists(st.integers(min_value=0, max_value=20 * 24), min_size=1, max_size=12))
def test_the_count_is_the_soft_bounces_within_the_window_of_the_newest(hours: list[int]) -> None:
    policy = PolicySettings(soft_window_days=2, max_attempts=100, grace_days=30)
    state = AddressState("a@example.com")
    times = sorted(T0 + timedelta(hours=hour, seconds=index) for index, hour in enumerate(hours))
    for moment in times:
        state = apply_event(state, soft(moment), policy).state
    newest = times[-1]
    assert state.soft_count == sum(1 for moment in times if moment > newest - 2 * DAY)
    assert state.status is AddressStatus.SOFT
