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

__all__ = [
    "AddressState",
    "AddressStatus",
    "Decision",
    "SuppressionReason",
    "Transition",
    "TransitionReason",
    "apply_event",
    "can_change_address",
    "expire_soft",
    "grace_period",
    "lift",
    "retry_delay",
    "suppress",
]
