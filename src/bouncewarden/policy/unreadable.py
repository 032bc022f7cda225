"""What a failure nobody could read means for its address: `[policy] unreadable`.

A bounce whose text says nothing the classifier understands gets reason `onhold` (a failure
with no cause stated) or `undefined`, and by default severity `soft` (DESIGN.md): counted,
retried, and suppressed only when the soft bounces run out. An operator who trusts their
receivers' bounces more (or less) says so once in the settings:

    [policy]
    unreadable = "soft"    # default: count it as a soft bounce
    unreadable = "hard"    # suppress the address at once
    unreadable = "ignore"  # leave the address alone (the event is kept, severity none)

The choice is applied when the event is recorded, to its severity, so that the stored
event carries it and `bouncewarden history` can say why (`unreadable_note`). Delays,
sender-side refusals and failures with a known cause are never touched.
"""

from __future__ import annotations

from dataclasses import replace

from bouncewarden.config import PolicySettings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity

__all__ = ["UNREADABLE_REASONS", "apply_unreadable", "unreadable_note"]

UNREADABLE_REASONS = frozenset({Reason.ONHOLD, Reason.UNDEFINED})
_SEVERITY = {"soft": Severity.SOFT, "hard": Severity.HARD, "ignore": Severity.NONE}
_SETTING = {severity.value: setting for setting, severity in _SEVERITY.items()}


def apply_unreadable(event: FeedbackEvent, policy: PolicySettings) -> FeedbackEvent:
    """The event with the severity `[policy] unreadable` gives an unreadable failure."""
    if event.kind is not Kind.BOUNCE or event.reason not in UNREADABLE_REASONS:
        return event
    if event.severity is not Severity.SOFT:  # an operator rule said otherwise: it wins
        return event
    wanted = _SEVERITY[policy.unreadable]
    if wanted is event.severity:
        return event
    return replace(event, severity=wanted, tags={**event.tags, "unreadable": policy.unreadable})


def unreadable_note(kind: str, severity: str, reason: str) -> str | None:
    """For a stored event: why an unreadable failure has its severity, or None for any other event."""
    if kind != Kind.BOUNCE.value or reason not in UNREADABLE_REASONS:
        return None
    setting = _SETTING.get(severity)
    if setting is None:
        return None
    return f"unreadable failure: [policy] unreadable = {setting}"
