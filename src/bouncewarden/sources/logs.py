"""Reading and following line-oriented files: PowerMTA accounting files and MTA logs.

    stream = FileStream(service, name="pmta", format_name="pmta", paths=[Path("/var/log/pmta")])
    report = stream.poll()            # read whatever is new, in every file of the paths
    report = stream.read_once(path)   # `ingest --format`: a whole file, last line included

A path is a file, a directory (its files, oldest first, so a rotated file is finished
before the new one is started) or a glob. Files are known by their content, not their
names: the fingerprint is the SHA-256 of the first KiB (of the decompressed bytes), so a
file renamed by rotation (`acct.csv` -> `acct.csv.1`, PowerMTA's `move-to` folder, logrotate
without `copytruncate`) is read on from where it was, and a compressed rotation
(`.gz`, `.bz2`, `.xz`) of a file already read gives nothing new. List the folder rotated
files go to beside the live file, or the rows written between the last read and the
rotation are not seen.

Records are read in batches; each batch is recorded with the position reached in ONE
transaction (`store.file_recorder.FileRecorder`), so a restart neither skips nor repeats a record.
A log's reader ties lines together by queue id (a sender line to its recipient lines,
sendmail's deferrals to its "gave up" line days later): its `LogMemory` is one per stream,
kept across files and polls. What a batch changed in it is stored with the batch's position
(and, once the changes outweigh it, the whole memory instead), so a restart goes on with
what the committed position had; after a failed batch it is read back from there. A
broken record is quarantined with its file and line number (after its reader's context, the
header row in force, so `quarantine replay` can read it alone) and the rest goes on. While
following, a line still being written (no line end yet) waits for the next poll. When the
store is unavailable, reading stops at the last committed batch and the next poll retries.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import hashlib
import logging
import lzma
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from bouncewarden.addresses import address_problem
from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent
from bouncewarden.intake import Feedback, Reading, Unreadable
from bouncewarden.logsafe import shown
from bouncewarden.parse.formats import is_quoted, keeps_memory, line_reader
from bouncewarden.parse.lines import Record, iter_records
from bouncewarden.parse.mtalog.memory import LogMemory
from bouncewarden.parse.records import LineReader
from bouncewarden.store.batches import (
    BatchOutcome,
    BrokenRecord,
    MemoryPart,
    PositionUpdate,
    RowBatch,
    StoredPosition,
)

__all__ = ["FileStream", "RowRecorder", "StreamReport", "checked", "fingerprint"]

FINGERPRINT_SIZE = 1024
BATCH_RECORDS = 5000
MEMORY_PARTS_KEPT = 200  # stored changes of a log memory before the whole memory replaces them
MEMORY_CHANGES_KEPT = 65536  # bytes of stored changes allowed beyond the whole memory's size
_log = logging.getLogger(__name__)
_REPLACEMENT = "\ufffd".encode()
_COMPRESSED = (".gz", ".bz2", ".xz")


class RowRecorder(Protocol):
    """What a file stream needs of the store (`bouncewarden.service.Service`)."""

    def record_rows(self, batch: RowBatch) -> BatchOutcome: ...

    def file_positions(self, stream: str) -> list[StoredPosition]: ...

    def stream_memory(self, stream: str) -> list[bytes]: ...

    def classification_rules(self) -> Sequence[OperatorRule]: ...


@dataclass(slots=True)
class StreamReport:
    """What reading did: files and records seen, skipped records by label, the store's counts."""

    files: int = 0
    records: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    stored: BatchOutcome = field(default_factory=BatchOutcome)
    store_failures: list[str] = field(default_factory=list)
    read_failures: list[str] = field(default_factory=list)

    def add(self, other: StreamReport) -> None:
        """Count `other` in."""
        self.files += other.files
        self.records += other.records
        for label, count in other.skipped.items():
            self.skipped[label] = self.skipped.get(label, 0) + count
        self.stored.add(other.stored)
        self.store_failures += other.store_failures
        self.read_failures += other.read_failures


def _open(path: Path) -> BinaryIO:
    suffix = path.suffix.lower()
    handle: object
    if suffix == ".gz":
        handle = gzip.GzipFile(path, "rb")
    elif suffix == ".bz2":
        handle = bz2.BZ2File(path, "rb")
    elif suffix == ".xz":
        handle = lzma.LZMAFile(path, "rb")  # noqa: SIM115 (the caller closes it)
    else:
        handle = path.open("rb")
    return cast(BinaryIO, handle)  # each is a binary file object: read, seek, close


def is_compressed(path: Path) -> bool:
    """Whether `path` is a compressed rotation (read whole, never followed)."""
    return path.suffix.lower() in _COMPRESSED


def fingerprint(head: bytes) -> str:
    """The identity of a file whose first bytes are `head`."""
    return hashlib.sha256(head).hexdigest()


def _expand(paths: Iterable[Path]) -> list[Path]:
    found: dict[Path, None] = {}
    for path in paths:
        if any(char in str(path) for char in "*?["):
            candidates = [Path(name) for name in glob.glob(str(path))]
        elif path.is_dir():
            candidates = [entry for entry in path.iterdir()]
        else:
            candidates = [path]
        for candidate in sorted((c for c in candidates if c.is_file()), key=_modified):
            found.setdefault(candidate, None)
    return list(found)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _next_line(record: Record) -> int:
    return record.line + record.data.count(b"\n") + 1


class FileStream:
    """One configured stream of files of one format (see the module docstring)."""

    def __init__(
        self,
        recorder: RowRecorder,
        *,
        name: str,
        format_name: str,
        paths: Sequence[Path] = (),
        zone: tzinfo = UTC,
        batch_records: int = BATCH_RECORDS,
    ) -> None:
        self._recorder = recorder
        self._name = name
        self._format = format_name
        self._paths = list(paths)
        self._zone = zone
        self._batch_records = batch_records
        self._finished: set[tuple[str, int, float]] = set()  # compressed files read to the end
        self._memory: LogMemory | None = None  # a log reader's memory, as of the last batch read
        self._stored_parts = _StoredParts()  # what the store holds of it

    def poll(self) -> StreamReport:
        """Read what is new in every file of the stream's paths."""
        report = StreamReport()
        positions = self._recorder.file_positions(self._name)
        for path in _expand(self._paths):
            report.add(self._read(path, positions, final=False))
        return report

    def read_once(self, path: Path) -> StreamReport:
        """Read one whole file (its last line too, line end or not) from where it was left."""
        return self._read(path, self._recorder.file_positions(self._name), final=True)

    def _read(self, path: Path, positions: list[StoredPosition], *, final: bool) -> StreamReport:
        report = StreamReport(files=1)
        try:
            stat = path.stat()
            compressed = is_compressed(path)
            identity = (str(path), stat.st_size, stat.st_mtime)
            if compressed and identity in self._finished:
                return report
            with _open(path) as stream:
                head = stream.read(FINGERPRINT_SIZE)
                if not head:
                    return report
                start = _match(head, positions)
                if not compressed and start is not None and start.offset >= stat.st_size:
                    return report
                stream.seek(start.offset if start else 0)
                reference = datetime.fromtimestamp(stat.st_mtime, UTC)
                self._read_records(stream, path, head, start, reference, final or compressed, report)
            if compressed and not report.store_failures and not report.read_failures:
                self._finished.add(identity)
        except (OSError, EOFError, lzma.LZMAError) as err:
            _log.warning("cannot read %s: %s", path, err)
            report.read_failures.append(f"cannot read {path}: {err}")
            self._memory = None  # it may hold lines of no committed batch: read it back
        return report

    def _reader_memory(self) -> LogMemory | None:
        """The stream's log memory (from the store the first time, or after a failure); None
        for a format whose records stand alone."""
        if not keeps_memory(self._format):
            return None
        if self._memory is None:
            parts = self._recorder.stream_memory(self._name)
            self._memory = LogMemory.restored(parts)
            self._stored_parts = _StoredParts(
                len(parts), len(parts[0]) if parts else 0, sum(map(len, parts[1:]))
            )
        return self._memory

    def _read_records(
        self,
        stream: BinaryIO,
        path: Path,
        head: bytes,
        start: StoredPosition | None,
        reference: datetime,
        final: bool,
        report: StreamReport,
    ) -> None:
        memory = self._reader_memory()
        reader = line_reader(self._format, reference=reference, zone=self._zone, memory=memory)
        if start is not None and start.context:
            reader.read(start.context)
        rules = self._recorder.classification_rules()
        records = iter_records(
            stream,
            offset=start.offset if start else 0,
            line=start.line if start else 1,
            quoted=is_quoted(self._format),
            final=final,
        )
        fingerprint_head = head[:FINGERPRINT_SIZE]
        for chunk in _chunks(records, self._batch_records):
            if len(fingerprint_head) < FINGERPRINT_SIZE and chunk[-1].end > len(fingerprint_head):
                # The file was shorter than a fingerprint when opened and has grown since: a
                # position past its first bytes must be known by more of them, or another
                # file starting with the same few bytes would resume there.
                fingerprint_head = _head(path, FINGERPRINT_SIZE) or fingerprint_head
            batch = self._batch(reader, chunk, rules, path, fingerprint_head, report)
            try:
                report.stored.add(self._recorder.record_rows(batch))
            except Exception as err:  # the store is unavailable: stop here, the next poll retries
                _log.exception("could not record %s up to line %d", path, chunk[-1].line)
                report.store_failures.append(f"{path}: store unavailable: {type(err).__name__}: {err}")
                self._memory = None  # ahead of the committed position: read it back next time
                return
            if batch.position is not None and batch.position.memory is not None:
                self._stored_parts.add(batch.position.memory)

    def _batch(
        self,
        reader: LineReader,
        chunk: Sequence[Record],
        rules: Sequence[OperatorRule],
        path: Path,
        head: bytes,
        report: StreamReport,
    ) -> RowBatch:
        context = reader.context()
        events: list[FeedbackEvent] = []
        broken: list[BrokenRecord] = []
        for record in chunk:
            report.records += 1
            # NUL, which PostgreSQL text cannot hold, is read as U+FFFD (the evidence keeps it).
            data = record.data.replace(b"\x00", _REPLACEMENT) if b"\x00" in record.data else record.data
            try:
                reading = checked(reader.read(data, rules=rules))
            except Exception as err:  # a reader bug: keep the record, go on
                _log.exception("reader failed on %s line %d", path, record.line)
                reading = Unreadable(f"reader failed: {type(err).__name__}: {err}")
            if isinstance(reading, Feedback):
                events.extend(reading.events)
            elif isinstance(reading, Unreadable):
                broken.append(BrokenRecord(record.line, reading.why, _with_context(reader, record.data)))
            else:
                report.skipped[reading.what] = report.skipped.get(reading.what, 0) + 1
        last = chunk[-1]
        evidence = (
            b"\n".join([context, *(record.data for record in chunk)])
            if context
            else b"\n".join(record.data for record in chunk)
        )
        position = PositionUpdate(
            stream=self._name,
            fingerprint=fingerprint(head),
            fingerprint_size=len(head),
            path=str(path),
            offset=last.end,
            line=_next_line(last),
            context=reader.context(),
            memory=self._memory_part(),
        )
        return RowBatch(events, broken, evidence, reader.media_type, self._format, position)

    def _memory_part(self) -> MemoryPart | None:
        """What to store of the memory with this batch: nothing when it did not change, else
        its changes, or the whole memory once the stored changes outweigh the whole (so
        storing costs at most about twice the changes, and reading back stays short)."""
        if self._memory is None:
            return None
        changes = self._memory.changes()
        if changes is None:
            return None
        stored = self._stored_parts
        outweighed = stored.changes_size + len(changes) > stored.whole_size + MEMORY_CHANGES_KEPT
        if outweighed or stored.count >= MEMORY_PARTS_KEPT:
            return MemoryPart(self._memory.snapshot(), whole=True)
        return MemoryPart(changes, whole=False)


@dataclass(slots=True)
class _StoredParts:
    """How many parts of a stream's log memory the store holds, and their sizes."""

    count: int = 0
    whole_size: int = 0  # the first part (a whole memory, or the first changes)
    changes_size: int = 0  # the parts after it

    def add(self, part: MemoryPart) -> None:
        """Count a committed part in."""
        if part.whole:
            self.count, self.whole_size, self.changes_size = 1, len(part.data), 0
        else:
            self.count += 1
            self.changes_size += len(part.data)


def _with_context(reader: LineReader, data: bytes) -> bytes:
    """A record after the context its reader needs (the header row in force), to be read alone."""
    context = reader.context()
    return b"\n".join((context, data)) if context else data


def checked(reading: Reading) -> Reading:
    """A read record whose recipient cannot be an address is broken: it must never be suppressed."""
    if isinstance(reading, Feedback):
        for event in reading.events:
            problem = address_problem(event.recipient)
            if problem is not None:
                recipient = shown(event.recipient, 80)
                return Unreadable(f"recipient {recipient} is not an email address ({problem})")
    return reading


def _head(path: Path, size: int) -> bytes:
    """The first `size` bytes of `path` (decompressed), or b"" when it cannot be read now."""
    try:
        with _open(path) as stream:
            return stream.read(size)
    except (OSError, EOFError, lzma.LZMAError):
        return b""


def _match(head: bytes, positions: Sequence[StoredPosition]) -> StoredPosition | None:
    """The stored position of the file that starts with `head` (the longest fingerprint wins)."""
    best: StoredPosition | None = None
    for position in positions:
        if position.fingerprint_size > len(head) or (
            best and best.fingerprint_size >= position.fingerprint_size
        ):
            continue
        if fingerprint(head[: position.fingerprint_size]) == position.fingerprint:
            best = position
    return best


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
