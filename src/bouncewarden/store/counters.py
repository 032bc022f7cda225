"""Hourly counters per sender identity, receiving provider, campaign and configuration set.

Each new event adds to the row of its hour (from `occurred_at`, UTC):

- the sender identity is the PowerMTA virtual MTA (`vmta:NAME`) when the record names one,
  otherwise the envelope sender / SES source, normalised (empty when unknown);
- the provider is the recipient domain's family (`monitor.providers`: gmail, microsoft, ...);
- the campaign, and the SES configuration set (tag `ses:configuration-set`), empty when unknown.

Sends: a message counts once per recipient, by the first of its events to arrive among its
Send event, its delivery, and a bounce or reject that counts toward the rates. So where a
sender's Send events are seen (SES `Send`, `POST /v1/sends`, `record-sends`), later outcomes
add nothing to `sends`; where none are, the first outcome (a PowerMTA `d` record, an MTA log
`sent` line, a bounce) counts as the send. Pairs are matched on (message id, recipient) in
`sent_messages` (`INSERT ... ON CONFLICT DO NOTHING RETURNING`, so two writers agree); an event
without a message id cannot be matched and counts as a send of its own. Deliveries always
count; hard and soft bounces, complaints and sender-side refusals count when the event
`counts_toward_rate`. Delays, autoreplies, opens and clicks are not counted here.
Rows are upserted (`ON CONFLICT ... DO UPDATE SET n = n + excluded.n`), in sorted key order,
many rows per statement (`store.driver_rows`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import delete
from sqlalchemy.engine import Connection, Engine

from bouncewarden.events import FeedbackEvent, Kind, Severity, normalise_address
from bouncewarden.monitor.providers import provider_of
from bouncewarden.store.driver_rows import bound_time, insert_rows
from bouncewarden.store.models import SentMessage
from bouncewarden.store.series import DailyTotals, daily_totals, events_by_reason
from bouncewarden.store.types import as_utc

__all__ = [
    "COUNTER_FIELDS",
    "CounterKey",
    "CounterReader",
    "add_counters",
    "count_events",
    "count_new_events",
    "first_sends",
    "forget_sends_before",
    "sender_identity",
]

_CLAIM = "ON CONFLICT (key) DO NOTHING RETURNING key"
"""The `sent_messages` insert's tail: only the keys it stored (first seen now) come back."""

COUNTER_FIELDS = ("sends", "deliveries", "hard", "soft", "complaints", "sender_side")
CONFIGURATION_SET_TAG = "ses:configuration-set"
_OUTCOMES = frozenset({Kind.DELIVERY, Kind.BOUNCE, Kind.REJECT})


@dataclass(frozen=True, slots=True, order=True)
class CounterKey:
    """Which row of `hourly_counters` an event adds to."""

    hour: datetime
    sender_identity: str
    provider: str
    campaign: str
    configuration_set: str


def _field_for(event: FeedbackEvent) -> str | None:
    if event.kind is Kind.DELIVERY:
        return "deliveries"
    if not event.counts_toward_rate:
        return None
    if event.severity is Severity.COMPLAINT:
        return "complaints"
    if event.kind is Kind.BOUNCE:
        return {Severity.HARD: "hard", Severity.SOFT: "soft", Severity.SENDER: "sender_side"}.get(
            event.severity
        )
    if event.kind is Kind.REJECT and event.severity is Severity.SENDER:
        return "sender_side"
    return None


def sender_identity(sender: str | None, tags: Mapping[str, str]) -> str:
    """Whose reputation an event is about: the PowerMTA vmta in its tags, else the normalised sender."""
    vmta = tags.get("vmta")
    if vmta:
        return f"vmta:{vmta.strip().lower()}"
    return _normalised_sender(sender or "")


@lru_cache(maxsize=4096)  # the events of a batch share a few hours and senders
def _hour(moment: datetime) -> datetime:
    return as_utc(moment).replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=4096)
def _normalised_sender(sender: str) -> str:
    return normalise_address(sender)


def _key_for(event: FeedbackEvent) -> CounterKey:
    return CounterKey(
        _hour(event.occurred_at),
        sender_identity(event.sender, event.tags),
        provider_of(event.address.rpartition("@")[2]),
        event.campaign or "",
        event.tags.get(CONFIGURATION_SET_TAG, ""),
    )


def _may_be_send(event: FeedbackEvent) -> bool:
    if event.kind is Kind.SEND or event.kind is Kind.DELIVERY:
        return True
    return event.kind in _OUTCOMES and event.counts_toward_rate


def _message_key(event: FeedbackEvent) -> str:
    identity = f"m\n{event.message_id}\n{event.address}"
    return hashlib.blake2b(identity.encode(), digest_size=16).hexdigest()


def first_sends(connection: Connection, events: Iterable[FeedbackEvent]) -> set[str]:
    """The dedupe keys of the new `events` that count as their message's send (see the module docstring).

    Of several events of one message and recipient in `events`, the earliest counts. An event
    without a message id is a send of its own: it is new (its dedupe key was stored just
    now), so it needs no claim in `sent_messages`, whose random keys would cost a write to a
    random page of its index for nothing.
    """
    earliest: dict[str, FeedbackEvent] = {}
    own: set[str] = set()
    for event in events:
        if not _may_be_send(event):
            continue
        if not event.message_id:
            own.add(event.dedupe_key)
            continue
        key = _message_key(event)
        known = earliest.get(key)
        if known is None or (event.occurred_at, event.kind is not Kind.SEND) < (
            known.occurred_at,
            known.kind is not Kind.SEND,
        ):
            earliest[key] = event
    if not earliest:
        return own
    sqlite = connection.dialect.name == "sqlite"
    rows = [(key, bound_time(earliest[key].occurred_at, sqlite)) for key in sorted(earliest)]
    new = insert_rows(connection, "sent_messages", ("key", "first_at"), rows, _CLAIM)
    return own | {earliest[str(key)].dedupe_key for (key,) in new}


def forget_sends_before(connection: Connection, moment: datetime) -> None:
    """Forget the sends counted before `moment` (a notification that late counts as a new send)."""
    connection.execute(delete(SentMessage).where(SentMessage.first_at < moment))


def count_events(
    events: Iterable[FeedbackEvent], sent: Collection[str] = frozenset()
) -> dict[CounterKey, dict[str, int]]:
    """The counter increments that `events` make, by row; `sent` holds the dedupe keys counted as sends."""
    totals: dict[CounterKey, dict[str, int]] = {}
    for event in events:
        field = _field_for(event)
        is_send = event.dedupe_key in sent
        if field is None and not is_send:
            continue
        key = _key_for(event)
        row = totals.get(key)
        if row is None:
            row = totals[key] = dict.fromkeys(COUNTER_FIELDS, 0)
        if field is not None:
            row[field] += 1
        if is_send:
            row["sends"] += 1
    return totals


def count_new_events(connection: Connection, events: Sequence[FeedbackEvent]) -> None:
    """Add what newly stored `events` count, sends included, in the caller's transaction."""
    add_counters(connection, count_events(events, first_sends(connection, events)))


_KEY_COLUMNS = ("hour", "sender_identity", "provider", "campaign", "configuration_set")
# The keys of one call are distinct, as a multi-row upsert requires.
_UPSERT = f"ON CONFLICT ({', '.join(_KEY_COLUMNS)}) DO UPDATE SET " + ", ".join(
    f"{name} = hourly_counters.{name} + excluded.{name}" for name in COUNTER_FIELDS
)


def add_counters(connection: Connection, increments: Mapping[CounterKey, Mapping[str, int]]) -> None:
    """Add `increments` to the stored counters (creating rows as needed), one upsert per thousand rows."""
    if not increments:
        return
    sqlite = connection.dialect.name == "sqlite"
    rows = [
        (
            bound_time(key.hour, sqlite),
            key.sender_identity,
            key.provider,
            key.campaign,
            key.configuration_set,
            *(increments[key].get(name, 0) for name in COUNTER_FIELDS),
        )
        for key in sorted(increments)
    ]
    insert_rows(connection, "hourly_counters", (*_KEY_COLUMNS, *COUNTER_FIELDS), rows, _UPSERT)


class CounterReader:
    """Sums of the hourly counters (read-only)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def daily_totals(self, *, since: datetime, until: datetime) -> list[DailyTotals]:
        """One entry per UTC day from `since` to `until`, days without counts as zeros."""
        return daily_totals(self._engine, since=since, until=until)

    def events_by_reason(self, *, since: datetime | None = None) -> dict[str, int]:
        """Bounce, complaint and reject events per reason, most frequent first."""
        return events_by_reason(self._engine, since=since)
