"""What a webhook receiver is sent: one JSON event per address change or notice.

An address change from the outbox becomes `address.suppressed` (into `suppressed`),
`address.unsuppressed` (out of `suppressed`), `address.soft` (into `soft`) or `address.active`
(a soft address cleared by a delivery or an operator). A notice keeps its topic (`retry.due`,
`alert.raised`, `alert.resolved`, `incident.opened`, ...). Every event has a unique `id`, made
once when the event is queued and sent unchanged at every attempt, so a receiver that remembers
the ids it handled sees each event once.

    {"id": "5b0c...", "topic": "address.suppressed", "occurred_at": "2026-12-06T03:04:05.123456Z",
     "data": {"address": "a@example.com", "from_state": "active", "to_state": "suppressed",
              "reason": "hard_bounce", "actor": "policy", "event_id": 42}}
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bouncewarden.config_webhooks import WebhookSettings
from bouncewarden.policy import AddressStatus
from bouncewarden.store.notices import Notice
from bouncewarden.store.outbox import OutboxEntry
from bouncewarden.store.webhook_queue import Change, QueuedEvent

__all__ = ["ADDRESS_TOPICS", "address_event", "events_for", "notice_event"]

ADDRESS_TOPICS = ("address.suppressed", "address.unsuppressed", "address.soft", "address.active")


def _topic_of(entry: OutboxEntry) -> str:
    if entry.to_state == AddressStatus.SUPPRESSED.value:
        return "address.suppressed"
    if entry.from_state == AddressStatus.SUPPRESSED.value:
        return "address.unsuppressed"
    if entry.to_state == AddressStatus.SOFT.value:
        return "address.soft"
    return "address.active"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _event(topic: str, key: str, at: datetime, data: Mapping[str, Any]) -> QueuedEvent:
    event_id = str(uuid.uuid4())
    body = {"id": event_id, "topic": topic, "occurred_at": _stamp(at), "data": dict(data)}
    return QueuedEvent(event_id, topic, key, json.dumps(body, separators=(",", ":"), sort_keys=True))


def address_event(entry: OutboxEntry) -> QueuedEvent:
    """The event of one address change."""
    data = {
        "address": entry.address,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "reason": entry.reason,
        "actor": entry.actor,
        "event_id": entry.event_id,
    }
    return _event(_topic_of(entry), entry.address, entry.at, data)


def notice_event(notice: Notice) -> QueuedEvent:
    """The event of one notice: its payload, with the subject it is about."""
    return _event(notice.topic, notice.subject, notice.at, {"subject": notice.subject, **notice.payload})


def events_for(webhook: WebhookSettings, changes: Sequence[Change]) -> list[QueuedEvent]:
    """The events of `changes` that `webhook` subscribes to, in order."""
    events = (
        address_event(change) if isinstance(change, OutboxEntry) else notice_event(change)
        for change in changes
    )
    return [event for event in events if webhook.wants(event.topic)]
