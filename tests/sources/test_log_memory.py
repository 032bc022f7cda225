"""A followed log's reader memory: what ties lines together (a queue id's sender, sendmail's
deferred recipients) survives polls, rotations, restarts and a failed batch.

Each real log (captured from postfix, exim and sendmail on loopback) is cut at every line:
the part before the cut is read by one stream, the rest after a restart (a new stream on
the same store) or in a second poll of the same stream. Both must give exactly the events
one reading of the whole file gives: the same recipients, kinds, statuses, senders and
Message-IDs, sendmail's "gave up" bounces included.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent, Kind
from bouncewarden.parse.formats import line_reader
from bouncewarden.parse.mtalog.memory import LogMemory
from bouncewarden.service import Service
from bouncewarden.sources import logs
from bouncewarden.sources.logs import FileStream
from bouncewarden.store.batches import BatchOutcome, RowBatch, StoredPosition
from bouncewarden.store.models import StreamMemory
from store_helpers import connect

LOGS = Path(__file__).parents[1] / "samples" / "logs"
REAL_LOGS = [
    ("postfix-real.log", "postfix-log"),
    ("exim-real.log", "exim-log"),
    ("sendmail-real.log", "sendmail-log"),
]
Fact = tuple[str, str, str | None, str | None, str | None, str]


class _Collecting:
    """The service's file recorder, keeping the events of every committed batch; it fails the
    batches whose numbers are in `failing` (counted from 0) like a lost database."""

    def __init__(self, service: Service, failing: Sequence[int] = ()) -> None:
        self._service = service
        self._failing = set(failing)
        self._batches = 0
        self.events: list[FeedbackEvent] = []

    def record_rows(self, batch: RowBatch) -> BatchOutcome:
        number, self._batches = self._batches, self._batches + 1
        if number in self._failing:
            raise ConnectionError("database went away")
        outcome = self._service.files.record_rows(batch)
        self.events.extend(batch.events)
        return outcome

    def file_positions(self, stream: str) -> list[StoredPosition]:
        return self._service.files.file_positions(stream)

    def stream_memory(self, stream: str) -> list[bytes]:
        return self._service.files.stream_memory(stream)

    def classification_rules(self) -> Sequence[OperatorRule]:
        return self._service.files.classification_rules()


def _facts(events: Sequence[FeedbackEvent]) -> list[Fact]:
    return [
        (event.recipient, event.kind.value, event.status, event.sender, event.message_id, event.reason.value)
        for event in events
    ]


def _whole(service: Service, path: Path, format_name: str) -> list[Fact]:
    recorder = _Collecting(service)
    FileStream(recorder, name="whole", format_name=format_name).read_once(path)
    return _facts(recorder.events)


@pytest.mark.parametrize(("sample", "format_name"), REAL_LOGS)
def test_a_restart_at_any_line_gives_the_events_of_one_reading(
    service: Service, tmp_path: Path, sample: str, format_name: str
) -> None:
    lines = (LOGS / sample).read_bytes().splitlines(keepends=True)
    whole = _whole(service, LOGS / sample, format_name)
    assert any(sender for _, _, _, sender, _, _ in whole)
    for cut in range(1, len(lines)):
        path = tmp_path / f"cut{cut}" / "maillog"
        path.parent.mkdir()
        path.write_bytes(b"".join(lines[:cut]))
        before, after = _Collecting(service), _Collecting(service)
        FileStream(before, name=f"cut{cut}", format_name=format_name, paths=[path]).poll()
        with path.open("ab") as handle:
            handle.write(b"".join(lines[cut:]))
        FileStream(after, name=f"cut{cut}", format_name=format_name, paths=[path]).poll()
        assert _facts(before.events + after.events) == whole, f"cut after line {cut}"


def test_sendmail_gives_up_on_a_recipient_deferred_in_an_earlier_poll_and_file(
    service: Service, tmp_path: Path
) -> None:
    """The deferrals are in a file rotated away before the "Cannot send message" line; the
    stream reads both in its two polls (as `serve` does) and finds the deferred recipients."""
    lines = (LOGS / "sendmail-real.log").read_bytes().splitlines(keepends=True)
    cut = next(number for number, line in enumerate(lines) if b"Cannot send message" in line)
    live, rotated = tmp_path / "maillog", tmp_path / "maillog.1"
    live.write_bytes(b"".join(lines[:cut]))
    recorder = _Collecting(service)
    stream = FileStream(recorder, name="sendmail", format_name="sendmail-log", paths=[tmp_path])
    stream.poll()
    live.rename(rotated)
    live.write_bytes(b"".join(lines[cut:]))
    stream.poll()
    gave_up = [event for event in recorder.events if event.kind is Kind.BOUNCE and event.status == "4.4.7"]
    assert sorted(event.recipient for event in gave_up) == ["greylist@example.com", "someone@refused.example"]
    assert all(event.severity.value == "soft" for event in gave_up)
    assert _facts(recorder.events) == _whole(service, LOGS / "sendmail-real.log", "sendmail-log")


@pytest.mark.parametrize(("sample", "format_name"), REAL_LOGS)
def test_after_a_failed_batch_the_memory_is_read_back_from_the_last_commit(
    service: Service, tmp_path: Path, sample: str, format_name: str
) -> None:
    """Batches of 4 lines; every third batch fails once. The memory the failed batches had
    moved on is dropped, so reading them again gives each event once, with its sender."""
    path = tmp_path / "maillog"
    path.write_bytes((LOGS / sample).read_bytes())
    recorder = _Collecting(service, failing=range(2, 60, 3))
    stream = FileStream(recorder, name="flaky", format_name=format_name, paths=[path], batch_records=4)
    for _ in range(40):
        if not stream.poll().store_failures:
            break
    assert _facts(recorder.events) == _whole(service, LOGS / sample, format_name)


def test_the_memory_is_stored_only_for_logs(service: Service, tmp_path: Path) -> None:
    log, accounting = tmp_path / "maillog", tmp_path / "acct.csv"
    log.write_bytes((LOGS / "sendmail-real.log").read_bytes())
    accounting.write_bytes(
        b"type,timeLogged,orig,rcpt,dsnStatus,dsnDiag\nd,1796522700,a@example.com,b@example.org,2.0.0,ok\n"
    )
    FileStream(service.files, name="sendmail", format_name="sendmail-log").read_once(log)
    FileStream(service.files, name="pmta", format_name="pmta").read_once(accounting)
    with connect(service) as connection:
        streams = set(connection.execute(select(StreamMemory.stream)).scalars())
    assert streams == {"sendmail"}
    assert service.files.stream_memory("pmta") == []


def test_stored_changes_give_way_to_the_whole_memory(
    service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One line per batch: each batch stores its changes, until they outweigh the whole
    memory, which then replaces them; read back, the parts give the memory the reader had."""
    monkeypatch.setattr(logs, "MEMORY_CHANGES_KEPT", 0)
    lines = (LOGS / "postfix-real.log").read_bytes().splitlines(keepends=True)
    path = tmp_path / "maillog"
    stream = FileStream(
        service.files, name="postfix", format_name="postfix-log", paths=[path], batch_records=1
    )
    counts = []
    for cut in range(1, len(lines) + 1):
        path.write_bytes(b"".join(lines[:cut]))
        stream.poll()
        counts.append(len(service.files.stream_memory("postfix")))
    assert max(counts) > 2
    assert any(after < before for before, after in itertools.pairwise(counts))
    one_reading = LogMemory()
    reader = line_reader("postfix-log", memory=one_reading)
    for line in lines:
        reader.read(line.rstrip(b"\n"))
    assert LogMemory.restored(service.files.stream_memory("postfix")).snapshot() == one_reading.snapshot()
