"""Splitting streams into records: line numbers, offsets, quoted line ends, unfinished tails."""

from __future__ import annotations

import io

from bouncewarden.parse.lines import Record, iter_records


def test_lines_with_their_numbers_and_end_offsets() -> None:
    data = b"one\r\ntwo\nthree\n"
    assert list(iter_records(io.BytesIO(data))) == [
        Record(b"one", 1, 5),
        Record(b"two", 2, 9),
        Record(b"three", 3, 15),
    ]


def test_a_quoted_line_end_stays_inside_its_row() -> None:
    data = b'a,"x\ny",b\nnext\n'
    records = list(iter_records(io.BytesIO(data), quoted=True))
    assert records == [Record(b'a,"x\ny",b', 1, 10), Record(b"next", 3, 15)]


def test_an_unfinished_tail_waits_unless_the_file_is_final() -> None:
    data = b"done\nhalf"
    assert [r.data for r in iter_records(io.BytesIO(data), final=False)] == [b"done"]
    assert [r.data for r in iter_records(io.BytesIO(data), final=True)] == [b"done", b"half"]


def test_resuming_at_an_offset_continues_numbering() -> None:
    data = b"one\ntwo\nthree\n"
    stream = io.BytesIO(data)
    stream.seek(4)
    assert list(iter_records(stream, offset=4, line=2)) == [Record(b"two", 2, 8), Record(b"three", 3, 14)]


def test_records_across_chunk_boundaries() -> None:
    rows = [f'{n},"text, with\nbreak {n}"'.encode() for n in range(60_000)]
    data = b"\n".join(rows) + b"\n"
    records = list(iter_records(io.BytesIO(data), quoted=True))
    assert [r.data for r in records] == rows
    assert records[-1].end == len(data)
    assert records[-1].line == 2 * 60_000 - 1


def test_an_unclosed_quote_at_the_end_of_a_final_file_is_one_record() -> None:
    data = b'ok\na,"open\nstill open\n'
    records = list(iter_records(io.BytesIO(data), quoted=True, final=True))
    assert records == [Record(b"ok", 1, 3), Record(b'a,"open\nstill open', 2, len(data))]
    assert [r.data for r in iter_records(io.BytesIO(data), quoted=True, final=False)] == [b"ok"]
