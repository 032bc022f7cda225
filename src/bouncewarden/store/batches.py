"""Recording a batch of records read from one file, with the position reached, in one transaction.

A followed file (a PowerMTA accounting file, an MTA log) is read in batches of records.
Each batch is stored whole or not at all: the evidence (the batch's bytes, after the
reader's context such as the CSV header, so it can be read again on its own), the events
whose dedupe key is new, the address policy, the counters, a quarantine row per broken
record (named by file and line), the operator rules' hit counts and the file's new
position, with what a log's reader remembers of earlier lines (its queue memory). A restart
therefore resumes exactly after the last committed batch, with the memory it had there: no
record is skipped and none is stored twice.

Events are inserted in one multi-row statement per batch (`INSERT ... ON CONFLICT DO
NOTHING RETURNING`), which is what makes a million-row accounting file affordable; the new
ones then go through the same policy step as `Service.record`, except the deliveries to
addresses that have no row (most rows of a real file: they change nothing but counters),
which one lookup per batch leaves out.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from bouncewarden.events import FeedbackEvent, Kind, Severity
from bouncewarden.store.bulk_events import insert_events
from bouncewarden.store.counters import count_new_events
from bouncewarden.store.driver_rows import address_columns
from bouncewarden.store.models import Evidence, FilePosition, Quarantined, StreamMemory
from bouncewarden.store.recording import insert_ignore
from bouncewarden.store.rule_hits import count_rule_hits

if TYPE_CHECKING:
    from bouncewarden.classify import OperatorRule

__all__ = [
    "ApplyPolicy",
    "BatchOutcome",
    "BrokenRecord",
    "MemoryPart",
    "PositionUpdate",
    "RowBatch",
    "StoredPosition",
    "record_row_batch",
    "stored_memory",
    "stored_positions",
]


ApplyPolicy = Callable[[Connection, Sequence[tuple[int, FeedbackEvent]], datetime], int]


@dataclass(frozen=True, slots=True)
class BrokenRecord:
    """A record that could not be read: where it is, why, and its bytes (kept in quarantine),
    after what its reader needs before it (the CSV header row), so it can be replayed alone."""

    line: int
    reason: str
    data: bytes


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    """Where reading of one file stands after a batch."""

    stream: str
    fingerprint: str
    fingerprint_size: int
    path: str
    offset: int
    line: int
    context: bytes
    memory: MemoryPart | None = None  # what the stream's log reader remembers; None: unchanged


@dataclass(frozen=True, slots=True)
class MemoryPart:
    """A part of a log reader's memory to store: the whole memory (`LogMemory.snapshot`), which
    replaces the stream's stored parts, or the changes of one batch, stored after them."""

    data: bytes
    whole: bool


@dataclass(frozen=True, slots=True)
class StoredPosition:
    """A committed position (see `PositionUpdate`)."""

    fingerprint: str
    fingerprint_size: int
    path: str
    offset: int
    line: int
    context: bytes


@dataclass(frozen=True, slots=True)
class RowBatch:
    """What one batch of records of one file gave."""

    events: Sequence[FeedbackEvent]
    broken: Sequence[BrokenRecord]
    evidence: bytes | None
    media_type: str
    source: str
    position: PositionUpdate | None  # None: records replayed from the quarantine, of no file


@dataclass(slots=True)
class BatchOutcome:
    """What recording batches did (added up over batches by `add`)."""

    new_events: int = 0
    duplicates: int = 0
    quarantined: int = 0
    transitions: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)

    def add(self, other: BatchOutcome) -> None:
        """Count `other` in."""
        self.new_events += other.new_events
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.transitions += other.transitions
        for severity, count in other.by_severity.items():
            self.by_severity[severity] = self.by_severity.get(severity, 0) + count


def _insert_new(
    connection: Connection, events: Sequence[FeedbackEvent], evidence_id: int | None, now: datetime
) -> list[tuple[int, FeedbackEvent]]:
    unique = {event.dedupe_key: event for event in reversed(events)}
    if not unique:
        return []
    keys = sorted(unique)  # one lock order for concurrent writers
    rows = insert_events(connection, [unique[key] for key in keys], evidence_id, now)
    return sorted(((event_id, unique[key]) for event_id, key in rows), key=lambda pair: pair[0])


def _addresses_with_rows(connection: Connection, addresses: Iterable[str]) -> set[str]:
    """Which of `addresses` have a row (one driver-level statement per 5,000)."""
    return {row[0] for row in address_columns(connection, "address", sorted(set(addresses)))}


def _for_policy(
    connection: Connection, new: Sequence[tuple[int, FeedbackEvent]]
) -> list[tuple[int, FeedbackEvent]]:
    """The new events the address policy has to see.

    A delivery changes only an address that has a row (or gets one in this batch, from a
    failure): most deliveries of a file concern addresses that never failed, and are left
    out here by one cheap lookup instead of being loaded (and locked) one by one. (A row
    another writer creates after the lookup then sees these deliveries as if this batch had
    come first, as it would had it committed a moment earlier.)
    """
    deliveries = {event.address for _, event in new if event.kind is Kind.DELIVERY}
    if not deliveries:
        return list(new)
    failing = {event.address for _, event in new if event.kind is not Kind.DELIVERY}
    known = failing | _addresses_with_rows(connection, deliveries - failing)
    return [
        (event_id, event)
        for event_id, event in new
        if event.kind is not Kind.DELIVERY or event.address in known
    ]


def _quarantine(connection: Connection, batch: RowBatch, now: datetime) -> None:
    """Keep each broken record with its file and line (one copy per content, as every input)."""
    rows: dict[str, dict[str, object]] = {}
    path = batch.position.path if batch.position is not None else batch.source
    for broken in batch.broken:
        digest = hashlib.sha256(broken.data).hexdigest()
        rows.setdefault(
            digest,
            {
                "sha256": digest,
                "media_type": batch.media_type,
                "source": batch.source,
                "origin": f"{path}:{broken.line}",
                "reason": f"{path} line {broken.line}: {broken.reason}",
                "size": len(broken.data),
                "compressed": zlib.compress(broken.data),
                "created_at": now,
                "state": "held",
            },
        )
    if rows:
        statement = insert_ignore(connection, Quarantined).on_conflict_do_nothing(index_elements=["sha256"])
        connection.execute(statement, [rows[digest] for digest in sorted(rows)])


def _store_evidence(connection: Connection, data: bytes, batch: RowBatch, now: datetime) -> int:
    """The evidence id of a batch's bytes, storing them (compressed) unless stored already."""
    digest = hashlib.sha256(data).hexdigest()
    statement = insert_ignore(connection, Evidence).on_conflict_do_nothing(index_elements=["sha256"])
    values = {
        "sha256": digest,
        "media_type": batch.media_type,
        "source": batch.source,
        "size": len(data),
        "compressed": zlib.compress(data, 1),
        "created_at": now,
    }
    connection.execute(statement, values)
    return int(connection.execute(select(Evidence.id).where(Evidence.sha256 == digest)).scalar_one())


def _save_position(connection: Connection, position: PositionUpdate, now: datetime) -> None:
    values = {
        "fingerprint_size": position.fingerprint_size,
        "path": position.path,
        "offset": position.offset,
        "line": position.line,
        "context": position.context,
        "updated_at": now,
    }
    key = (FilePosition.stream == position.stream) & (FilePosition.fingerprint == position.fingerprint)
    if connection.execute(update(FilePosition).where(key).values(**values)).rowcount == 0:
        connection.execute(
            insert(FilePosition).values(stream=position.stream, fingerprint=position.fingerprint, **values)
        )


def _save_memory(connection: Connection, stream: str, part: MemoryPart, now: datetime) -> None:
    if part.whole:
        connection.execute(delete(StreamMemory).where(StreamMemory.stream == stream))
    connection.execute(insert(StreamMemory).values(stream=stream, memory=part.data, updated_at=now))


def record_row_batch(
    connection: Connection,
    batch: RowBatch,
    *,
    now: datetime,
    apply_policy: ApplyPolicy,
    rules: Sequence[OperatorRule] = (),
) -> BatchOutcome:
    """Store one batch (see the module docstring) inside the caller's transaction."""
    evidence_id = None
    if batch.evidence is not None and batch.events:
        evidence_id = _store_evidence(connection, batch.evidence, batch, now)
    new = _insert_new(connection, batch.events, evidence_id, now)
    relevant = _for_policy(connection, new)
    transitions = apply_policy(connection, relevant, now) if relevant else 0
    count_new_events(connection, [event for _, event in new])
    count_rule_hits(connection, [event for _, event in new], rules, now=now)
    _quarantine(connection, batch, now)
    if batch.position is not None:
        _save_position(connection, batch.position, now)
        if batch.position.memory is not None:
            _save_memory(connection, batch.position.stream, batch.position.memory, now)
    severities: dict[str, int] = {}
    for _, event in new:
        if event.severity is not Severity.NONE:
            severities[event.severity.value] = severities.get(event.severity.value, 0) + 1
    return BatchOutcome(
        new_events=len(new),
        duplicates=len(batch.events) - len(new),
        quarantined=len(batch.broken),
        transitions=transitions,
        by_severity=severities,
    )


def stored_positions(connection: Connection, stream: str) -> list[StoredPosition]:
    """Every committed position of `stream`."""
    query = select(FilePosition).where(FilePosition.stream == stream).order_by(FilePosition.id)
    return [
        StoredPosition(row.fingerprint, row.fingerprint_size, row.path, row.offset, row.line, row.context)
        for row in connection.execute(query)
    ]


def stored_memory(connection: Connection, stream: str) -> list[bytes]:
    """The stored parts of what the log reader of `stream` remembered at its last committed
    batch, in the order written (`LogMemory.restored` reads them)."""
    query = select(StreamMemory.memory).where(StreamMemory.stream == stream).order_by(StreamMemory.id)
    return [bytes(part) for part in connection.execute(query).scalars()]
