"""The operator's side of the store (`Administration`): look up, suppress, lift, history, stats, import.

Every change an operator makes is an audited transition with the actor and the note;
manual suppressions have reason `manual` and keep the note on the suppression list. An
already suppressed address keeps its original suppression when suppressed again. Lifting
(`unsuppress`) also clears soft-bounce state; feedback that happened before the lift no
longer counts against the address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import select
from sqlalchemy.engine import Engine, Row
from sqlalchemy.sql import Select

from bouncewarden.addresses import normalise_address, valid_address
from bouncewarden.clock import Clock
from bouncewarden.policy import AddressState, AddressStatus, Decision, SuppressionReason, lift, suppress
from bouncewarden.store.browse import Browser, SuppressionFilter
from bouncewarden.store.driver_rows import address_columns, chunked, in_json
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import Address
from bouncewarden.store.outbox import add_transitions, transition_values
from bouncewarden.store.queries import (
    EventRecord,
    Stats,
    Suppression,
    TransitionRecord,
    count_stats,
    load_events,
    load_transitions,
)
from bouncewarden.store.recording import lock_addresses, save_address, state_from_row
from bouncewarden.store.suppressions import ImportReport, import_suppressions

_Columns = TypeVarTuple("_Columns")

__all__ = ["Administration", "History", "Suppression"]


@dataclass(frozen=True, slots=True)
class History:
    """An address's state, events and audit trail (each oldest first)."""

    address: str
    state: AddressState
    events: tuple[EventRecord, ...]
    transitions: tuple[TransitionRecord, ...]


class Administration:
    """Operator operations: queries, and audited changes of addresses."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def lookup(self, addresses: Iterable[str]) -> dict[str, AddressState]:
        """The stored state of each known address (keys normalised; unknown ones left out)."""
        return {row.address: state_from_row(row) for row in self._address_rows(select(Address), addresses)}

    def statuses(
        self, addresses: Iterable[str], *, normalised: bool = False
    ) -> dict[str, tuple[AddressStatus, SuppressionReason | None]]:
        """Status and suppression reason of each known address: `lookup` without the counters.

        Reads three columns instead of the whole row, for bulk checks of long lists (`clean`
        asks for a million addresses, a few thousand at a time). `normalised`: the addresses
        are in stored form already, so they are taken as they are.
        """
        # Repeated addresses are harmless to the lookup; setting them apart costs more than it saves.
        wanted = (
            list(addresses) if normalised else list({normalise_address(address) for address in addresses})
        )
        with self._engine.connect() as connection:
            rows = address_columns(connection, "address, state, suppression_reason", wanted)
            return {
                address: (AddressStatus(status), SuppressionReason(reason) if reason else None)
                for address, status, reason in rows
            }

    def _address_rows(self, query: Select[*_Columns], addresses: Iterable[str]) -> Iterator[Row[*_Columns]]:
        """The rows `query` gives for the stored ones of `addresses` (normalised, in chunks)."""
        wanted = sorted({normalise_address(address) for address in addresses})
        with self._engine.connect() as connection:
            for chunk in chunked(wanted):
                found = in_json(Address.address, chunk, connection.dialect.name)
                yield from connection.execute(query.where(found))

    def events_of(self, addresses: Sequence[str]) -> dict[str, list[EventRecord]]:
        """The stored events of each address (normalised keys), oldest first."""
        with self._engine.connect() as connection:
            return load_events(connection, [normalise_address(address) for address in addresses])

    def history(self, address: str) -> History:
        """What happened to one address."""
        normal = normalise_address(address)
        with self._engine.connect() as connection:
            events = load_events(connection, [normal]).get(normal, [])
            transitions = load_transitions(connection, [normal]).get(normal, [])
        state = self.lookup([normal]).get(normal, AddressState(normal))
        return History(normal, state, tuple(events), tuple(transitions))

    def stats(self) -> Stats:
        """Totals over the whole database."""
        with self._engine.connect() as connection:
            return count_stats(connection)

    def iter_suppressions(self) -> Iterator[Suppression]:
        """The suppression list, in address order (streamed)."""
        return Browser(self._engine).iter_suppressions(SuppressionFilter())

    def import_suppressions(self, rows: Iterable[Suppression], *, label: str, actor: str) -> ImportReport:
        """Suppress every address of an imported list, in one transaction (`store.suppressions`)."""
        return import_suppressions(self._engine, rows, now=self._clock(), actor=actor, label=label)

    def suppress(self, addresses: Iterable[str], *, note: str | None, actor: str) -> list[str]:
        """Suppress addresses by hand (reason `manual`); the ones that changed."""
        now = self._clock()
        return self._change(
            addresses, lambda state: suppress(state, SuppressionReason.MANUAL, now), note, actor, create=True
        )

    def unsuppress(self, addresses: Iterable[str], *, note: str | None, actor: str) -> list[str]:
        """Lift suppressions (and soft state): back to active, counters cleared; the ones that changed."""
        now = self._clock()
        return self._change(addresses, lambda state: lift(state, now), note, actor, create=False)

    def clear_soft(self, addresses: Iterable[str], *, note: str | None, actor: str) -> list[str]:
        """Clear soft-bounce state (never a suppression): back to active; the ones that changed."""
        now = self._clock()

        def decide(state: AddressState) -> Decision:
            return lift(state, now) if state.status is AddressStatus.SOFT else Decision(state)

        return self._change(addresses, decide, note, actor, create=False)

    def _change(
        self,
        addresses: Iterable[str],
        decide: Callable[[AddressState], Decision],
        note: str | None,
        actor: str,
        *,
        create: bool,
    ) -> list[str]:
        wanted = sorted({valid_address(address) for address in addresses})
        note = note or None
        now = self._clock()
        changed: list[str] = []
        with self._engine.execution_options(**WRITE).begin() as connection:
            states = lock_addresses(connection, wanted, create=wanted if create else (), now=now)
            changes = []
            for address in sorted(states):
                decision = decide(states[address])
                if decision.transition is None:
                    continue
                save_address(connection, decision.state, now=now, source=actor, note=note)
                changes.append(
                    transition_values(address, decision.transition, at=now, actor=actor, note=note)
                )
                changed.append(address)
            add_transitions(connection, changes)
        return changed
