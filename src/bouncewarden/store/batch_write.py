"""The recorder's write path: a batch of read inputs in a handful of statements.

Runs inside the caller's transaction (`store.recorder`) and never commits. For a batch:

1. evidence: one multi-row `INSERT ... ON CONFLICT (sha256) DO NOTHING` that gives back the new
   rows' ids (rows at the driver's level, `store.driver_rows`), then a SELECT of the ids of
   evidence stored before, if any; the bytes come hashed and compressed from the reading thread
   (`intake.Packed`);
2. events: `store.bulk_events.insert_events`, the one bulk insert every batch writer uses
   (`INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`, giving back the id and key of each new
   row); a key already stored, or met earlier in the batch, is a duplicate of its input. An
   unreadable failure gets the severity `[policy] unreadable` says (`policy.unreadable`).
3. addresses (`store.address_batch`): the rows the new events concern, read and locked at once;
   the policy applied in time order; new rows inserted with their final state, changed ones
   updated, every transition written to the audit trail and the outbox;
4. counters: one multi-row upsert;
5. quarantine: the same as evidence (one copy per content hash).

Locks are taken in sorted order (dedupe keys, addresses, counter keys), so concurrent writers
wait for each other instead of deadlocking.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bouncewarden.config import PolicySettings
from bouncewarden.events import FeedbackEvent, Severity
from bouncewarden.intake import (
    EventCounts,
    Feedback,
    InputOutcome,
    NotFeedback,
    Outcome,
    RawInput,
    ReadInput,
    Unreadable,
)
from bouncewarden.policy import apply_unreadable
from bouncewarden.store.address_batch import NewEvent, apply_policy
from bouncewarden.store.bulk_events import insert_events
from bouncewarden.store.counters import count_new_events
from bouncewarden.store.driver_rows import bound_time, chunked, in_json, insert_rows
from bouncewarden.store.models import Evidence, Quarantined
from bouncewarden.store.rule_hits import count_rule_hits
from bouncewarden.store.types import as_utc

if TYPE_CHECKING:
    from bouncewarden.classify import OperatorRule

__all__ = ["REASON_LIMIT", "quarantine_inputs", "write_batch"]

REASON_LIMIT = 500
"""Longest reason kept with a quarantined input (the raw bytes are kept whole anyway)."""


_EVIDENCE_COLUMNS = ("sha256", "media_type", "source", "size", "compressed", "created_at")
_QUARANTINE_COLUMNS = (*_EVIDENCE_COLUMNS, "origin", "reason", "state")
_NEW_IDS = "ON CONFLICT (sha256) DO NOTHING RETURNING sha256, id"


def write_batch(
    connection: Connection,
    batch: Sequence[ReadInput],
    policy: PolicySettings,
    now: datetime,
    rules: Sequence[OperatorRule] = (),
) -> list[InputOutcome]:
    """Store `batch` (see the module docstring); one outcome per input, in order."""
    outcomes: dict[int, InputOutcome] = {}
    feedback: list[tuple[int, RawInput, Feedback]] = []
    unreadable: list[tuple[int, RawInput, str]] = []
    for index, item in enumerate(batch):
        reading = item.reading
        if isinstance(reading, Feedback):
            feedback.append((index, item.raw, reading))
        elif isinstance(reading, NotFeedback):
            outcomes[index] = InputOutcome(item.raw.origin, Outcome.NOT_FEEDBACK, reason=reading.reason)
        elif isinstance(reading, Unreadable):
            unreadable.append((index, item.raw, reading.why))
    if feedback:
        evidence = _store_evidence(connection, [batch[index] for index, _, _ in feedback], now)
        outcomes |= _store_events(connection, feedback, evidence, policy, now, rules)
    if unreadable:
        ids = quarantine_inputs(connection, [(raw, why) for _, raw, why in unreadable], now)
        for (index, raw, why), quarantine_id in zip(unreadable, ids, strict=True):
            outcomes[index] = InputOutcome(
                raw.origin, Outcome.QUARANTINED, reason=_shorten(why), quarantine_id=quarantine_id
            )
    return [outcomes[index] for index in range(len(batch))]


def _store_evidence(connection: Connection, items: Sequence[ReadInput], now: datetime) -> list[int | None]:
    """The evidence id of each input (None for one without bytes), storing what is not stored yet."""
    packed = [item.packed_data() if item.raw.data else None for item in items]
    digests = [None if pack is None else pack.sha256 for pack in packed]
    created = bound_time(now, connection.dialect.name == "sqlite")
    rows: dict[str, tuple[object, ...]] = {}
    for item, pack in zip(items, packed, strict=True):
        if pack is not None and pack.sha256 not in rows:
            raw = item.raw
            size = len(raw.data)
            rows[pack.sha256] = (pack.sha256, raw.media_type, raw.source, size, pack.compressed, created)
    if not rows:
        return [None] * len(items)
    ordered = [rows[digest] for digest in sorted(rows)]
    found = _stored_ids(connection, Evidence, "evidence", _EVIDENCE_COLUMNS, ordered)
    return [None if digest is None else found[digest] for digest in digests]


def _stored_ids(
    connection: Connection, model: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> dict[str, int]:
    """Insert `rows` (sha256 first) unless their hash is stored; the id of every hash."""
    found = {
        str(digest): int(row_id) for digest, row_id in insert_rows(connection, table, columns, rows, _NEW_IDS)
    }
    missing = sorted(str(row[0]) for row in rows if row[0] not in found)
    for chunk in chunked(missing):  # stored before, by this batch's own savepoint retry or another writer
        query = select(model.sha256, model.id).where(in_json(model.sha256, chunk, connection.dialect.name))
        found.update((digest, int(row_id)) for digest, row_id in connection.execute(query))
    return found


def _store_events(
    connection: Connection,
    feedback: Sequence[tuple[int, RawInput, Feedback]],
    evidence: Sequence[int | None],
    policy: PolicySettings,
    now: datetime,
    rules: Sequence[OperatorRule] = (),
) -> dict[int, InputOutcome]:
    first_of_key: dict[str, tuple[int, FeedbackEvent, int | None]] = {}
    totals: dict[int, int] = {}
    for (index, _, reading), evidence_id in zip(feedback, evidence, strict=True):
        totals[index] = len(reading.events)
        for event in reading.events:
            if event.dedupe_key not in first_of_key:
                first_of_key[event.dedupe_key] = (
                    index,
                    apply_unreadable(_in_utc(event), policy),
                    evidence_id,
                )
    keys = sorted(first_of_key)
    ids: dict[str, int] = {}
    if keys:
        # An event that names its own evidence keeps it; the others take their input's.
        events = [first_of_key[key][1] for key in keys]
        evidence_ids = [first_of_key[key][2] for key in keys]
        inserted = insert_events(connection, events, None, now, evidence_ids=evidence_ids)
        ids = {key: event_id for event_id, key in inserted}
    new = [NewEvent(ids[key], first_of_key[key][1], first_of_key[key][0]) for key in keys if key in ids]
    transitions = apply_policy(connection, new, policy, now)
    count_new_events(connection, [item.event for item in new])
    count_rule_hits(connection, [item.event for item in new], rules, now=now)
    by_input: dict[int, list[FeedbackEvent]] = {}
    for item in new:
        by_input.setdefault(item.input_index, []).append(item.event)
    outcomes: dict[int, InputOutcome] = {}
    for index, raw, _ in feedback:
        counts = _counts(by_input.get(index, []), totals[index], transitions.get(index, 0))
        outcome = Outcome.RECORDED if counts.new_events else Outcome.DUPLICATE
        outcomes[index] = InputOutcome(raw.origin, outcome, counts)
    return outcomes


def _in_utc(event: FeedbackEvent) -> FeedbackEvent:
    """`event` with UTC times (a naive time from a source is taken as UTC)."""
    times = (event.occurred_at, event.received_at)
    if all(moment is None or moment.tzinfo is UTC for moment in times):
        return event
    received = None if event.received_at is None else as_utc(event.received_at)
    return replace(event, occurred_at=as_utc(event.occurred_at), received_at=received)


def _counts(new: Sequence[FeedbackEvent], total: int, transitions: int) -> EventCounts:
    severities = [event.severity for event in new]
    return EventCounts(
        new_events=len(new),
        duplicates=total - len(new),
        hard=severities.count(Severity.HARD),
        soft=severities.count(Severity.SOFT),
        complaints=severities.count(Severity.COMPLAINT),
        sender=severities.count(Severity.SENDER),
        transitions=transitions,
    )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def _without_nul(text: str) -> str:
    return text.replace("\x00", "\ufffd")


def quarantine_inputs(
    connection: Connection, items: Sequence[tuple[RawInput, str]], now: datetime
) -> list[int]:
    """Keep each input with its reason, one copy per content hash; the quarantine id of each."""
    created = bound_time(now, connection.dialect.name == "sqlite")
    rows: dict[str, tuple[object, ...]] = {}
    digests = []
    for raw, why in items:
        digest = hashlib.sha256(raw.data).hexdigest()
        digests.append(digest)
        if digest not in rows:
            rows[digest] = (
                digest,
                raw.media_type,
                # PostgreSQL text cannot hold NUL; an origin or a reason quoting hostile input may.
                _without_nul(raw.source),
                len(raw.data),
                zlib.compress(raw.data),
                created,
                _without_nul(raw.origin),
                _without_nul(_shorten(why)),
                "held",
            )
    ordered = [rows[digest] for digest in sorted(rows)]
    found = _stored_ids(connection, Quarantined, "quarantine", _QUARANTINE_COLUMNS, ordered)
    return [found[digest] for digest in digests]
