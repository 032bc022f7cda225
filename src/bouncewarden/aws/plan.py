"""What `aws setup` is asked to build (`SetupPlan`) and the steps it reports (`Step`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bouncewarden.errors import BouncewardenError

__all__ = [
    "DEFAULT_EVENT_TYPES",
    "DEFAULT_NOTIFICATION_TYPES",
    "SetupError",
    "SetupPlan",
    "Step",
    "StepAction",
]

DEFAULT_NOTIFICATION_TYPES = ("Bounce", "Complaint", "Delivery")
# SES v1 event type names. Opens and clicks are left out: many, and no use to list hygiene.
DEFAULT_EVENT_TYPES = (
    "send",
    "reject",
    "bounce",
    "complaint",
    "delivery",
    "deliveryDelay",
    "renderingFailure",
)
FOURTEEN_DAYS = 14 * 24 * 3600
FOUR_DAYS = 4 * 24 * 3600


class SetupError(BouncewardenError):
    """AWS refused a step of `aws setup`; the message names the step."""


class StepAction(StrEnum):
    """What a step did to its resource."""

    FOUND = "found"
    CREATE = "create"
    UPDATE = "update"
    SET = "set"


@dataclass(frozen=True, slots=True)
class Step:
    """One thing `aws setup` looked at, and what it did about it."""

    action: StepAction
    what: str
    detail: str = ""

    @property
    def changed(self) -> bool:
        """True when the step creates or changes something."""
        return self.action is not StepAction.FOUND

    def describe(self, dry_run: bool) -> str:
        """One line for the operator: `created SNS topic ...`, `would create ...`, `ok: ...`."""
        if not self.changed:
            text = f"ok       {self.what} (already in place)"
        else:
            verb = {StepAction.CREATE: "create", StepAction.UPDATE: "update", StepAction.SET: "set"}[
                self.action
            ]
            past = {StepAction.CREATE: "created", StepAction.UPDATE: "updated", StepAction.SET: "set"}[
                self.action
            ]
            text = f"would {verb} {self.what}" if dry_run else f"{past:<8} {self.what}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass(frozen=True, slots=True)
class SetupPlan:
    """Names and settings of what `aws setup` makes; the defaults suit one SES region."""

    identity: str
    configuration_set: str | None = None
    topic_name: str = "bouncewarden-ses-feedback"
    queue_name: str = "bouncewarden-ses-feedback"
    dead_letter_queue_name: str | None = None
    raw_delivery: bool = False
    max_receive_count: int = 5
    visibility_timeout: int = 60
    retention_seconds: int = FOUR_DAYS
    dead_letter_retention_seconds: int = FOURTEEN_DAYS
    include_headers: bool = True
    notification_types: tuple[str, ...] = DEFAULT_NOTIFICATION_TYPES
    event_types: tuple[str, ...] = DEFAULT_EVENT_TYPES
    event_destination_name: str = "bouncewarden-sns"

    @property
    def dead_letter_name(self) -> str:
        """The dead-letter queue's name: given, or the queue's name with `-dlq`."""
        return self.dead_letter_queue_name or f"{self.queue_name}-dlq"
