"""The address policy: what feedback does to a recipient address (DESIGN.md, Policy).

Pure functions over `AddressState`: no database, no wall clock. The store loads the state,
calls `apply_event` for each new event in time order, and writes back the result with the
audited transition.
"""

from bouncewarden.policy.address import (
    Decision,
    apply_event,
    can_change_address,
    expire_soft,
    grace_period,
    lift,
    retry_delay,
    suppress,
)
from bouncewarden.policy.state import (
    AddressState,
    AddressStatus,
    SuppressionReason,
    Transition,
    TransitionReason,
)
from bouncewarden.policy.unreadable import UNREADABLE_REASONS, apply_unreadable, unreadable_note

__all__ = [
    "UNREADABLE_REASONS",
    "AddressState",
    "AddressStatus",
    "Decision",
    "SuppressionReason",
    "Transition",
    "TransitionReason",
    "apply_event",
    "apply_unreadable",
    "can_change_address",
    "expire_soft",
    "grace_period",
    "lift",
    "retry_delay",
    "suppress",
    "unreadable_note",
]
