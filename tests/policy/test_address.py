"""The address policy, rule by rule, on a fixed timeline (no database, no wall clock)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.config import PolicySettings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity, default_severity
from bouncewarden.policy import (
    AddressState,
    AddressStatus,
    Decision,
    SuppressionReason,
    TransitionReason,
    apply_event,
    can_change_address,
    expire_soft,
    lift,
    retry_delay,
)

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
POLICY = PolicySettings()
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


def event(
    reason: Reason,
    at: datetime = T0,
    *,
    kind: Kind = Kind.BOUNCE,
    feedback_type: str | None = None,
    severity: Severity | None = None,
) -> FeedbackEvent:
    return FeedbackEvent(
        kind=kind,
        recipient="someone@example.com",
        severity=severity or default_severity(reason, feedback_type),
        reason=reason,
        dedupe_key=f"{reason}-{at.isoformat()}",
        occurred_at=at,
        source="test",
        feedback_type=feedback_type,
    )


def soft(at: datetime) -> FeedbackEvent:
    return event(Reason.MAILBOXFULL, at)


def delivery(at: datetime) -> FeedbackEvent:
    return event(Reason.DELIVERED, at, kind=Kind.DELIVERY)


def run(
    events: list[FeedbackEvent], state: AddressState | None = None, policy: PolicySettings = POLICY
) -> list[Decision]:
    current = state or AddressState("someone@example.com")
    decisions = []
    for item in events:
        decision = apply_event(current, item, policy)
        decisions.append(decision)
        current = decision.state
    return decisions


@pytest.mark.parametrize(
    "reason", [Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED, Reason.NOTACCEPT]
)
def test_hard_bounce_suppresses_at_once(reason: Reason) -> None:
    (decision,) = run([event(reason)])
    assert decision.state.status is AddressStatus.SUPPRESSED
    assert decision.state.suppression_reason is SuppressionReason.HARD_BOUNCE
    assert decision.state.suppressed_at == T0
    assert decision.transition is not None
    assert (decision.transition.from_status, decision.transition.reason) == (
        AddressStatus.ACTIVE,
        TransitionReason.HARD_BOUNCE,
    )


@pytest.mark.parametrize("feedback_type", ["abuse", "fraud", None, "other"])
def test_complaint_suppresses(feedback_type: str | None) -> None:
    (decision,) = run([event(Reason.FEEDBACK, kind=Kind.COMPLAINT, feedback_type=feedback_type)])
    assert decision.state.suppression_reason is SuppressionReason.COMPLAINT
    assert decision.transition is not None


def test_not_spam_and_disabled_complaints_do_not_suppress() -> None:
    not_spam = event(
        Reason.FEEDBACK, kind=Kind.COMPLAINT, feedback_type="not-spam", severity=Severity.COMPLAINT
    )
    assert run([not_spam])[0].transition is None
    complaint = event(Reason.FEEDBACK, kind=Kind.COMPLAINT)
    off = PolicySettings(suppress_complaints=False)
    assert run([complaint], policy=off)[0].state.status is AddressStatus.ACTIVE


@pytest.mark.parametrize(
    "reason",
    [
        Reason.BLOCKED,
        Reason.SPAMDETECTED,
        Reason.POLICYVIOLATION,
        Reason.AUTHFAILURE,
        Reason.VACATION,
        Reason.REJECTED,
    ],
)
def test_sender_side_and_none_never_change_the_address(reason: Reason) -> None:
    start = AddressState("someone@example.com")
    (decision,) = run([event(reason)], start)
    assert decision.state == start
    assert decision.transition is None
    assert not can_change_address(event(reason))


def test_delays_and_other_kinds_do_not_count() -> None:
    start = AddressState("someone@example.com")
    for kind in (Kind.DELAY, Kind.AUTOREPLY, Kind.SEND, Kind.REJECT):
        item = event(Reason.MAILBOXFULL, kind=kind)
        assert run([item], start)[0].state == start
        assert not can_change_address(item)


def test_soft_bounces_back_off_then_expire_on_the_fifth() -> None:
    times = [T0 + n * DAY for n in range(5)]
    decisions = run([soft(at) for at in times])
    first = decisions[0]
    assert first.state.status is AddressStatus.SOFT
    assert first.transition is not None and first.transition.reason is TransitionReason.SOFT_BOUNCE
    delays = [decision.state.next_retry_at - at for decision, at in zip(decisions[:4], times, strict=False)]  # type: ignore[operator]
    assert delays == [15 * MINUTE, 60 * MINUTE, 240 * MINUTE, 960 * MINUTE]
    assert [decision.state.soft_count for decision in decisions] == [1, 2, 3, 4, 5]
    assert [decision.transition is not None for decision in decisions] == [True, False, False, False, True]
    last = decisions[-1].state
    assert last.status is AddressStatus.SUPPRESSED
    assert last.suppression_reason is SuppressionReason.SOFT_EXPIRED
    assert last.suppressed_at == times[-1]
    assert last.next_retry_at is None


def test_retry_schedule_is_configurable() -> None:
    policy = PolicySettings(retry_base_minutes=10, retry_factor=2, max_attempts=3)
    assert [retry_delay(n, policy) for n in (1, 2, 3)] == [10 * MINUTE, 20 * MINUTE, 40 * MINUTE]
    decisions = run([soft(T0), soft(T0 + MINUTE), soft(T0 + 2 * MINUTE)], policy=policy)
    assert decisions[1].state.next_retry_at == T0 + MINUTE + 20 * MINUTE
    assert decisions[2].state.suppression_reason is SuppressionReason.SOFT_EXPIRED


def test_soft_bouncing_past_the_grace_period_expires() -> None:
    decisions = run([soft(T0), soft(T0 + 14 * DAY), soft(T0 + 14 * DAY + MINUTE)])
    assert decisions[1].state.status is AddressStatus.SOFT  # exactly 14 days is not longer than 14 days
    assert decisions[2].state.suppression_reason is SuppressionReason.SOFT_EXPIRED
    short = PolicySettings(grace_days=2)
    assert run([soft(T0), soft(T0 + 3 * DAY)], policy=short)[1].state.status is AddressStatus.SUPPRESSED


def test_grace_days_are_capped_at_thirty() -> None:
    with pytest.raises(ValueError):
        PolicySettings(grace_days=31)


def test_delivery_after_soft_bounces_clears_them() -> None:
    decisions = run([soft(T0), soft(T0 + DAY), delivery(T0 + 2 * DAY)])
    cleared = decisions[-1]
    assert cleared.state.status is AddressStatus.ACTIVE
    assert (cleared.state.soft_count, cleared.state.first_soft_at, cleared.state.next_retry_at) == (
        0,
        None,
        None,
    )
    assert cleared.state.last_delivery_at == T0 + 2 * DAY
    assert cleared.transition is not None and cleared.transition.reason is TransitionReason.DELIVERY


def test_late_delivery_before_the_first_soft_bounce_does_not_clear() -> None:
    decisions = run([soft(T0), delivery(T0 - MINUTE)])
    assert decisions[-1].state.status is AddressStatus.SOFT
    assert decisions[-1].state.soft_count == 1
    assert decisions[-1].state.last_delivery_at == T0 - MINUTE
    assert decisions[-1].transition is None


def test_late_soft_bounce_older_than_a_delivery_does_not_count() -> None:
    decisions = run([delivery(T0), soft(T0 - MINUTE)])
    assert decisions[-1].state.status is AddressStatus.ACTIVE
    assert decisions[-1].state.soft_count == 0


def test_late_soft_bounce_keeps_the_schedule_on_the_newest() -> None:
    decisions = run([soft(T0 + DAY), soft(T0)])
    state = decisions[-1].state
    assert (state.first_soft_at, state.last_soft_at, state.soft_count) == (T0, T0 + DAY, 2)
    assert state.next_retry_at == T0 + DAY + 60 * MINUTE


def test_hard_bounce_older_than_a_delivery_does_not_suppress_but_a_complaint_does() -> None:
    assert run([delivery(T0), event(Reason.USERUNKNOWN, T0 - DAY)])[-1].state.status is AddressStatus.ACTIVE
    complaint = event(Reason.FEEDBACK, T0 - DAY, kind=Kind.COMPLAINT)
    assert run([delivery(T0), complaint])[-1].state.status is AddressStatus.SUPPRESSED


def test_suppressed_stays_suppressed() -> None:
    decisions = run(
        [
            event(Reason.USERUNKNOWN),
            event(Reason.FEEDBACK, T0 + MINUTE, kind=Kind.COMPLAINT),
            soft(T0 + 2 * MINUTE),
            delivery(T0 + 3 * MINUTE),
        ]
    )
    assert all(decision.state.suppression_reason is SuppressionReason.HARD_BOUNCE for decision in decisions)
    assert [decision.transition is not None for decision in decisions] == [True, False, False, False]


def test_lift_clears_and_ignores_older_feedback() -> None:
    suppressed = run([soft(T0), event(Reason.USERUNKNOWN, T0 + MINUTE)])[-1].state
    lifted = lift(suppressed, T0 + DAY)
    assert lifted.transition is not None and lifted.transition.reason is TransitionReason.LIFTED
    assert lifted.state == AddressState("someone@example.com", lifted_at=T0 + DAY)
    assert run([event(Reason.USERUNKNOWN, T0 + 2 * MINUTE)], lifted.state)[0].transition is None
    assert run([event(Reason.USERUNKNOWN, T0 + 2 * DAY)], lifted.state)[0].state.is_suppressed
    assert lift(lifted.state, T0 + 3 * DAY).transition is None


def test_scheduled_expiry_uses_the_given_time() -> None:
    state = run([soft(T0)])[0].state
    assert expire_soft(state, T0 + 14 * DAY, POLICY).transition is None
    expired = expire_soft(state, T0 + 14 * DAY + MINUTE, POLICY)
    assert expired.state.suppression_reason is SuppressionReason.SOFT_EXPIRED
    assert expired.state.suppressed_at == T0 + 14 * DAY + MINUTE
    assert expire_soft(AddressState("x@example.com"), T0 + 100 * DAY, POLICY).transition is None


_LEGAL = {
    (AddressStatus.ACTIVE, AddressStatus.SOFT, TransitionReason.SOFT_BOUNCE),
    (AddressStatus.SOFT, AddressStatus.ACTIVE, TransitionReason.DELIVERY),
    *{
        (start, AddressStatus.SUPPRESSED, reason)
        for start in (AddressStatus.ACTIVE, AddressStatus.SOFT)
        for reason in (
            TransitionReason.HARD_BOUNCE,
            TransitionReason.COMPLAINT,
            TransitionReason.SOFT_EXPIRED,
        )
    },
}

_events = st.builds(
    lambda reason, kind, minutes: event(reason, T0 + timedelta(minutes=minutes), kind=kind),
    st.sampled_from(list(Reason)),
    st.sampled_from([Kind.BOUNCE, Kind.COMPLAINT, Kind.DELIVERY, Kind.DELAY]),
    st.integers(min_value=0, max_value=40 * 24 * 60),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_events, max_size=25))
def test_state_transitions_stay_legal(events: list[FeedbackEvent]) -> None:
    state = AddressState("someone@example.com")
    for item in events:
        decision = apply_event(state, item, POLICY)
        new = decision.state
        if decision.transition is None:
            assert new.status is state.status
        else:
            move = (
                decision.transition.from_status,
                decision.transition.to_status,
                decision.transition.reason,
            )
            assert move in _LEGAL
            assert decision.transition.from_status is state.status
        if state.is_suppressed:
            assert replace(new, last_delivery_at=None) == replace(state, last_delivery_at=None)
        assert new.soft_count <= POLICY.max_attempts
        assert (new.status is AddressStatus.SOFT) == (new.next_retry_at is not None)
        state = new
