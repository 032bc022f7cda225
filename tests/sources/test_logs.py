"""Following files: every record once across restarts, rotations and compressed copies."""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bouncewarden.classify import OperatorRule
from bouncewarden.service import Service
from bouncewarden.sources.logs import FileStream
from bouncewarden.store.batches import BatchOutcome, RowBatch, StoredPosition
from bouncewarden.store.models import Event, Quarantined
from store_helpers import connect

HEADER = b"type,timeLogged,orig,rcpt,dsnStatus,dsnDiag,bounceCat\n"


def _row(number: int, kind: str = "b") -> bytes:
    status, diagnostic = (
        ("2.0.0", "smtp;250 ok") if kind == "d" else ("5.1.1", '"smtp;550 5.1.1 no such user, sorry"')
    )
    fields = (
        kind,
        str(1796522700 + number),
        "news@example.com",
        f"user{number}@example.org",
        status,
        diagnostic,
        "",
    )
    return (",".join(fields) + "\n").encode()


def _rows(numbers: range, kind: str = "b") -> bytes:
    return b"".join(_row(number, kind) for number in numbers)


def _event_count(service: Service) -> int:
    with connect(service) as connection:
        return int(connection.execute(select(func.count()).select_from(Event)).scalar_one())


def _recipients(service: Service) -> list[str]:
    with connect(service) as connection:
        return sorted(connection.execute(select(Event.recipient)).scalars())


class _FailingAfter:
    """A recorder that lets `batches` batches through, then fails like a lost database."""

    def __init__(self, service: Service, batches: int) -> None:
        self._service = service
        self._left = batches

    def record_rows(self, batch: RowBatch) -> BatchOutcome:
        if self._left == 0:
            raise ConnectionError("database went away")
        self._left -= 1
        return self._service.files.record_rows(batch)

    def file_positions(self, stream: str) -> list[StoredPosition]:
        return self._service.files.file_positions(stream)

    def stream_memory(self, stream: str) -> list[bytes]:
        return self._service.files.stream_memory(stream)

    def classification_rules(self) -> Sequence[OperatorRule]:
        return self._service.files.classification_rules()


def test_a_restart_halfway_reads_every_row_once(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "acct.csv"
    path.write_bytes(HEADER + _rows(range(50)))
    first = FileStream(
        _FailingAfter(service, 2), name="pmta", format_name="pmta", paths=[path], batch_records=7
    )
    report = first.poll()
    assert report.store_failures
    assert _event_count(service) == 13  # two batches of 7 records, the header among them
    second = FileStream(service.files, name="pmta", format_name="pmta", paths=[path], batch_records=7)
    report = second.poll()
    assert report.stored.duplicates == 0
    assert _recipients(service) == sorted(f"user{n}@example.org" for n in range(50))


def test_rotation_mid_read_then_compression(service: Service, tmp_path: Path) -> None:
    live = tmp_path / "acct.csv"
    archive = tmp_path / "archive"
    archive.mkdir()
    stream = FileStream(service.files, name="pmta", format_name="pmta", paths=[live, archive])
    live.write_bytes(HEADER + _rows(range(5)))
    assert stream.poll().stored.new_events == 5
    with live.open("ab") as handle:  # written after our read, before the rotation
        handle.write(_rows(range(5, 8)))
    rotated = archive / "acct-2026-12-05-2100.csv"
    os.rename(live, rotated)
    live.write_bytes(HEADER + _rows(range(8, 10), kind="d"))
    report = stream.poll()
    assert (report.stored.new_events, report.stored.duplicates) == (5, 0)
    compressed = archive / "acct-2026-12-05-2100.csv.gz"
    compressed.write_bytes(gzip.compress(rotated.read_bytes()))
    rotated.unlink()
    report = stream.poll()
    assert (report.stored.new_events, report.stored.duplicates, report.records) == (0, 0, 0)
    assert _recipients(service) == sorted(f"user{n}@example.org" for n in range(10))


def test_a_compressed_file_never_seen_is_read_whole(service: Service, tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    path = folder / "mail.log.2.gz"
    lines = b"".join(
        f"Dec  5 21:50:0{n} mta postfix/smtp[1]: 4Y2q1L0fVxz9v{n}: to=<u{n}@example.org>, relay=none, "
        f"dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown user)\n".encode()
        for n in range(3)
    )
    path.write_bytes(gzip.compress(lines))
    stream = FileStream(service.files, name="postfix", format_name="postfix-log", paths=[folder])
    assert stream.poll().stored.new_events == 3
    assert stream.poll().records == 0


def test_a_line_still_being_written_waits_for_its_end(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "acct.csv"
    row = _row(1)
    path.write_bytes(HEADER + row[:20])
    stream = FileStream(service.files, name="pmta", format_name="pmta", paths=[path])
    assert stream.poll().stored.new_events == 0
    with path.open("ab") as handle:
        handle.write(row[20:])
    assert stream.poll().stored.new_events == 1
    assert _event_count(service) == 1


def test_a_broken_row_is_quarantined_with_file_and_line(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "acct.csv"
    path.write_bytes(HEADER + _row(1) + b"b,1796522700,news@example.com,,5.1.1,x,\n" + _row(2))
    report = FileStream(service.files, name="pmta", format_name="pmta").read_once(path)
    assert (report.stored.new_events, report.stored.quarantined) == (2, 1)
    with connect(service) as connection:
        reasons = list(connection.execute(select(Quarantined.reason)).scalars())
    assert reasons == [f"{path} line 3: b row has no recipient address in 'rcpt'"]


def test_ingest_once_then_follow_reads_nothing_twice(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "acct.csv"
    path.write_bytes(HEADER + _rows(range(4)))
    assert FileStream(service.files, name="pmta", format_name="pmta").read_once(path).stored.new_events == 4
    with path.open("ab") as handle:
        handle.write(_rows(range(4, 6)))
    report = FileStream(service.files, name="pmta", format_name="pmta", paths=[path]).poll()
    assert (report.stored.new_events, report.stored.duplicates) == (2, 0)


@pytest.mark.parametrize("batch_records", [1, 3, 1000])
def test_batch_size_does_not_change_what_is_stored(
    service: Service, tmp_path: Path, batch_records: int
) -> None:
    path = tmp_path / "acct.csv"
    path.write_bytes(HEADER + _rows(range(10)) + _rows(range(10, 12), kind="d"))
    stream = FileStream(service.files, name="pmta", format_name="pmta", batch_records=batch_records)
    report = stream.read_once(path)
    assert (report.stored.new_events, report.stored.by_severity.get("hard")) == (12, 10)


def test_an_impossible_recipient_or_nul_never_reaches_an_address(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "acct.csv"
    bad = b"b,1796522700,news@example.com,a b@example.org,5.1.1,smtp;550 5.1.1 unknown,\n"
    nul = b"b,1796522701,news@example.com,c@example.org,5.1.1,smtp;550 5.1.1 unknown \x00 user,\n"
    path.write_bytes(HEADER + bad + nul)
    report = FileStream(service.files, name="pmta", format_name="pmta").read_once(path)
    assert (report.stored.new_events, report.stored.quarantined) == (1, 1)
    with connect(service) as connection:
        (reason,) = connection.execute(select(Quarantined.reason)).scalars()
        (diagnostic,) = connection.execute(select(Event.diagnostic)).scalars()
    assert "line 2: recipient 'a b@example.org' is not an email address" in reason
    assert diagnostic == "smtp;550 5.1.1 unknown \ufffd user"


class _GrowingWhileRead(_FailingAfter):
    """Appends rows to a file the first time a batch is recorded (a writer racing our read)."""

    def __init__(self, service: Service, path: Path, rows: bytes) -> None:
        super().__init__(service, batches=1000)
        self._path, self._rows = path, rows

    def record_rows(self, batch: RowBatch) -> BatchOutcome:
        if self._rows:
            with self._path.open("ab") as handle:
                handle.write(self._rows)
            self._rows = b""
        return super().record_rows(batch)


def test_a_small_file_that_grows_while_read_is_known_by_more_of_its_bytes(
    service: Service, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(HEADER + _row(0))
    recorder = _GrowingWhileRead(service, first, _rows(range(1, 4)))
    FileStream(recorder, name="pmta", format_name="pmta", paths=[first], batch_records=1).poll()
    assert _event_count(service) == 4
    second.write_bytes(HEADER + _row(0) + _rows(range(10, 12)))  # starts as a.csv started
    report = FileStream(service.files, name="pmta", format_name="pmta", paths=[second]).poll()
    assert (report.stored.new_events, report.stored.duplicates) == (2, 0)


def _soft(number: int, recipient: str) -> bytes:
    return (
        f"b,{1796522700 + number},news@example.com,{recipient},5.2.2,smtp;552 5.2.2 Mailbox full,\n".encode()
    )


def _delivered(number: int, recipient: str) -> bytes:
    return f"d,{1796522700 + number},news@example.com,{recipient},2.0.0,smtp;250 ok,\n".encode()


def test_deliveries_clear_soft_state_in_the_same_batch_and_later_ones(
    service: Service, tmp_path: Path
) -> None:
    from bouncewarden.policy.state import AddressStatus

    path = tmp_path / "acct.csv"
    # same batch: soft, then delivered; a soft address left for the next batch; a delivery to
    # an address that never failed (no row is made for it)
    path.write_bytes(
        HEADER
        + _soft(1, "a@example.org")
        + _delivered(2, "a@example.org")
        + _soft(3, "b@example.org")
        + _delivered(4, "never@example.org")
    )
    stream = FileStream(service.files, name="pmta", format_name="pmta", paths=[path])
    assert stream.poll().stored.new_events == 4
    found = service.admin.lookup(["a@example.org", "b@example.org", "never@example.org"])
    assert (found["a@example.org"].status, found["b@example.org"].status) == (
        AddressStatus.ACTIVE,
        AddressStatus.SOFT,
    )
    assert found["a@example.org"].last_delivery_at is not None
    assert "never@example.org" not in found
    with path.open("ab") as handle:
        handle.write(_delivered(5, "b@example.org"))
    assert stream.poll().stored.transitions == 1
    assert service.admin.lookup(["b@example.org"])["b@example.org"].status is AddressStatus.ACTIVE
