"""What one feedback event does to one address (DESIGN.md, Policy).

Pure: takes the address's current state, the event and the policy settings, returns the
new state and the transition, if any. Time comes from the event (`occurred_at`, the
report's own time), never from the wall clock, so late or replayed feedback lands where it
belongs:

- a hard bounce suppresses at once (`hard_bounce`), unless a delivery to the address
  happened after it (the mailbox evidently works again);
- a complaint suppresses at once (`complaint`), except feedback type `not-spam`;
- a soft bounce counts and schedules the next retry at
  `last soft bounce + base * factor ** (attempts - 1)`; the `max_attempts`-th soft bounce,
  or soft bouncing for longer than the grace period without a delivery, suppresses with
  `soft_expired`; a soft bounce older than the last delivery does not count;
- a delivery after the first soft bounce clears the soft state; an older one does not;
- severities `sender` and `none`, and kinds other than bounce, complaint and delivery
  (delays, sends, rejects, autoreplies...), never change the address;
- a suppressed address stays suppressed until an operator lifts it; feedback that
  happened before the lift is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bouncewarden.config import PolicySettings
from bouncewarden.events import FeedbackEvent, Kind, Severity
from bouncewarden.policy.state import (
    AddressState,
    AddressStatus,
    SuppressionReason,
    Transition,
    TransitionReason,
)

__all__ = [
    "Decision",
    "apply_event",
    "can_change_address",
    "expire_soft",
    "grace_period",
    "lift",
    "retry_delay",
    "suppress",
]

# Kinds whose severity can count against the address; deliveries are handled apart.
_FAILURE_KINDS = frozenset({Kind.BOUNCE, Kind.COMPLAINT})
_ADDRESS_SEVERITIES = frozenset({Severity.HARD, Severity.SOFT, Severity.COMPLAINT})


@dataclass(frozen=True, slots=True)
class Decision:
    """The address after an event: its new state, and the transition when its status changed."""

    state: AddressState
    transition: Transition | None = None


def can_change_address(event: FeedbackEvent) -> bool:
    """True when `event` may change its address (so the store must load and lock the row)."""
    if event.kind is Kind.DELIVERY:
        return True
    return event.kind in _FAILURE_KINDS and event.severity in _ADDRESS_SEVERITIES


def retry_delay(attempts: int, policy: PolicySettings) -> timedelta:
    """How long after the `attempts`-th soft bounce the next attempt is due."""
    minutes = policy.retry_base_minutes * policy.retry_factor ** max(attempts - 1, 0)
    return timedelta(minutes=minutes)


def grace_period(policy: PolicySettings) -> timedelta:
    """How long an address may soft-bounce without a delivery before it is suppressed."""
    return timedelta(days=policy.grace_days)


def apply_event(state: AddressState, event: FeedbackEvent, policy: PolicySettings) -> Decision:
    """The address after `event`, per the policy."""
    at = event.occurred_at
    if state.lifted_at is not None and at < state.lifted_at:
        return Decision(state)
    if event.kind is Kind.DELIVERY:
        return _on_delivery(state, at)
    if event.kind not in _FAILURE_KINDS or state.is_suppressed:
        return Decision(state)
    if event.severity is Severity.HARD:
        if state.last_delivery_at is not None and state.last_delivery_at > at:
            return Decision(state)
        return suppress(state, SuppressionReason.HARD_BOUNCE, at)
    if event.severity is Severity.COMPLAINT:
        if not policy.suppress_complaints or (event.feedback_type or "").lower() == "not-spam":
            return Decision(state)
        return suppress(state, SuppressionReason.COMPLAINT, at)
    if event.severity is Severity.SOFT:
        return _on_soft(state, at, policy)
    return Decision(state)


def suppress(state: AddressState, reason: SuppressionReason, at: datetime) -> Decision:
    """Suppress the address at `at` for `reason`; an already suppressed address keeps its reason."""
    if state.is_suppressed:
        return Decision(state)
    new = replace(
        state,
        status=AddressStatus.SUPPRESSED,
        suppression_reason=reason,
        suppressed_at=at,
        next_retry_at=None,
        retry_announced=False,
    )
    return Decision(new, Transition(state.status, AddressStatus.SUPPRESSED, TransitionReason(reason.value)))


def lift(state: AddressState, at: datetime) -> Decision:
    """An operator lifts the suppression (or clears the soft state): back to active, counters cleared."""
    new = AddressState(address=state.address, last_delivery_at=state.last_delivery_at, lifted_at=at)
    if state.status is AddressStatus.ACTIVE:
        return Decision(new)
    return Decision(new, Transition(state.status, AddressStatus.ACTIVE, TransitionReason.LIFTED))


def expire_soft(state: AddressState, now: datetime, policy: PolicySettings) -> Decision:
    """The scheduled check: a soft address past the grace period becomes `soft_expired`."""
    if state.status is not AddressStatus.SOFT or state.first_soft_at is None:
        return Decision(state)
    if state.first_soft_at + grace_period(policy) >= now:
        return Decision(state)
    return suppress(state, SuppressionReason.SOFT_EXPIRED, now)


def _on_delivery(state: AddressState, at: datetime) -> Decision:
    last_delivery = at if state.last_delivery_at is None else max(state.last_delivery_at, at)
    clears = (
        state.status is AddressStatus.SOFT and state.first_soft_at is not None and at > state.first_soft_at
    )
    if not clears:
        return Decision(replace(state, last_delivery_at=last_delivery))
    new = replace(
        state,
        status=AddressStatus.ACTIVE,
        soft_count=0,
        first_soft_at=None,
        last_soft_at=None,
        next_retry_at=None,
        retry_announced=False,
        last_delivery_at=last_delivery,
    )
    return Decision(new, Transition(AddressStatus.SOFT, AddressStatus.ACTIVE, TransitionReason.DELIVERY))


def _on_soft(state: AddressState, at: datetime, policy: PolicySettings) -> Decision:
    if state.last_delivery_at is not None and at <= state.last_delivery_at:
        return Decision(state)
    attempts = state.soft_count + 1
    first = at if state.first_soft_at is None else min(state.first_soft_at, at)
    last = at if state.last_soft_at is None else max(state.last_soft_at, at)
    counted = replace(state, soft_count=attempts, first_soft_at=first, last_soft_at=last)
    if attempts >= policy.max_attempts or last - first > grace_period(policy):
        return suppress(counted, SuppressionReason.SOFT_EXPIRED, at)
    new = replace(
        counted,
        status=AddressStatus.SOFT,
        next_retry_at=last + retry_delay(attempts, policy),
        retry_announced=False,
    )
    if state.status is AddressStatus.SOFT:
        return Decision(new)
    return Decision(new, Transition(state.status, AddressStatus.SOFT, TransitionReason.SOFT_BOUNCE))
