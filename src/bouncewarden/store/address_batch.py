"""The address policy over a batch of new events, in a few statements.

The addresses the events concern are read (and on PostgreSQL locked, `FOR UPDATE`) in sorted
chunks; failures (bounces, complaints) to an address without a row create it, deliveries only
touch addresses that have one (a delivery to an unknown address changes nothing but the
counters). The policy then sees the events in time order. New rows are inserted with their
final state in one multi-row INSERT; changed rows are updated; every transition is written to
the audit trail and the outbox (`store.outbox`).

A first failure may arrive after a later delivery that is stored already (replays, slow
feedback loops): an address without a delivery time looks for one among the stored events.

On PostgreSQL another writer may create one of the new rows between our read and our insert;
the insert then skips it and `AddressRace` asks the recorder to run the batch again, which
now finds and locks the row. (SQLite writers are serialised by `BEGIN IMMEDIATE`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from bouncewarden.config import PolicySettings
from bouncewarden.events import FeedbackEvent, Kind
from bouncewarden.policy import AddressState, apply_event, can_change_address
from bouncewarden.store.outbox import add_transitions, transition_values
from bouncewarden.store.recording import (
    address_values,
    insert_new_addresses,
    latest_deliveries,
    locked_states,
    update_addresses,
)

__all__ = ["POLICY_ACTOR", "AddressRace", "NewEvent", "apply_policy"]

POLICY_ACTOR = "policy"


class AddressRace(Exception):
    """Another writer created an address row this batch meant to create: run the batch again."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event stored by this batch: its id, and the input of the batch it came from."""

    event_id: int
    event: FeedbackEvent
    input_index: int


def apply_policy(
    connection: Connection, new: Sequence[NewEvent], policy: PolicySettings, now: datetime
) -> dict[int, int]:
    """Apply the policy to the addresses of `new`; transitions per input index."""
    relevant = [item for item in new if can_change_address(item.event)]
    if not relevant:
        return {}
    create = {item.event.address for item in relevant if item.event.kind is not Kind.DELIVERY}
    existing = locked_states(connection, {item.event.address for item in relevant})
    states = dict(existing)
    for address in create - existing.keys():
        states[address] = AddressState(address)
    unseen = [address for address in sorted(create) if states[address].last_delivery_at is None]
    first_id = min(item.event_id for item in new)
    for address, delivered_at in latest_deliveries(connection, unseen, before_id=first_id).items():
        states[address] = replace(states[address], last_delivery_at=delivered_at)
    changes: list[dict[str, Any]] = []
    sources: dict[str, str] = {}
    per_input: dict[int, int] = {}
    for item in sorted(relevant, key=lambda item: (item.event.occurred_at, item.event.dedupe_key)):
        event = item.event
        state = states.get(event.address)
        if state is None:
            continue  # a delivery to an address without a row
        decision = apply_event(state, event, policy)
        states[event.address] = decision.state
        if decision.transition is not None:
            sources[event.address] = event.source
            per_input[item.input_index] = per_input.get(item.input_index, 0) + 1
            changes.append(
                transition_values(
                    event.address, decision.transition, at=now, actor=POLICY_ACTOR, event_id=item.event_id
                )
            )
    _write_addresses(connection, states, existing, sources, now)
    add_transitions(connection, changes)
    return per_input


def _write_addresses(
    connection: Connection,
    states: dict[str, AddressState],
    existing: dict[str, AddressState],
    sources: dict[str, str],
    now: datetime,
) -> None:
    fresh = sorted(states.keys() - existing.keys())
    if fresh:
        rows = [address_values(states[address], now=now, source=sources.get(address)) for address in fresh]
        inserted = insert_new_addresses(connection, rows)
        if len(inserted) != len(fresh):
            raise AddressRace(f"{len(fresh) - len(inserted)} address rows were created by another writer")
    changed = [address for address in sorted(existing) if states[address] != existing[address]]
    update_addresses(connection, [(states[address], sources.get(address)) for address in changed], now=now)
