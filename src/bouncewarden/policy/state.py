"""What bouncewarden knows about one recipient address, and the words for its states.

An address is `active` (mail goes out), `soft` (recent temporary failures: mail goes out on
the retry schedule) or `suppressed` (no mail until an operator lifts it). A suppression says
why: a hard bounce, a complaint, soft bounces that never cleared (`soft_expired`), an
operator's decision (`manual`) or a list brought in from elsewhere (`imported`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["AddressState", "AddressStatus", "SuppressionReason", "Transition", "TransitionReason"]


class AddressStatus(StrEnum):
    """Whether mail may go to an address."""

    ACTIVE = "active"
    SOFT = "soft"
    SUPPRESSED = "suppressed"


class SuppressionReason(StrEnum):
    """Why an address is suppressed."""

    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"
    SOFT_EXPIRED = "soft_expired"
    MANUAL = "manual"
    IMPORTED = "imported"


class TransitionReason(StrEnum):
    """Why an address changed state: a suppression reason, or one of the ways back."""

    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"
    SOFT_EXPIRED = "soft_expired"
    MANUAL = "manual"
    IMPORTED = "imported"
    SOFT_BOUNCE = "soft_bounce"
    DELIVERY = "delivery"
    LIFTED = "lifted"


@dataclass(frozen=True, slots=True)
class AddressState:
    """One address as the policy sees it (all times timezone-aware UTC).

    `lifted_at` is when an operator last lifted a suppression: feedback that happened
    before it no longer counts. `retry_announced` says the current `next_retry_at` has
    been reported by the scheduled jobs. `soft_times` are the times of the soft bounces
    counted in `soft_count`, oldest first (empty for rows written before they were kept).
    """

    address: str
    status: AddressStatus = AddressStatus.ACTIVE
    suppression_reason: SuppressionReason | None = None
    suppressed_at: datetime | None = None
    soft_count: int = 0
    first_soft_at: datetime | None = None
    last_soft_at: datetime | None = None
    next_retry_at: datetime | None = None
    retry_announced: bool = False
    last_delivery_at: datetime | None = None
    lifted_at: datetime | None = None
    soft_times: tuple[datetime, ...] = ()

    @property
    def is_suppressed(self) -> bool:
        """True while no mail may go to the address."""
        return self.status is AddressStatus.SUPPRESSED


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of an address's status, for the audit trail."""

    from_status: AddressStatus
    to_status: AddressStatus
    reason: TransitionReason
