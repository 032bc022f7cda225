"""Hostile input on every door that takes files or bodies (issue 8): ingest, SQS, import, clean.

Each door gets Hypothesis-generated hostile input (`hostile.py`: random bytes, deep nesting,
huge fields, control characters, odd encodings, hostile addresses). Every input must end
recorded, not feedback, quarantined or refused with a clear message: never an exception out
of the door, never a logged traceback, never a stopped run. The SNS endpoint has its own
suite beside the app's fixtures (`api/test_hostile_http.py`). Example counts are kept modest
for CI; `DOOR_EXAMPLES` says how many each door gets per database.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bouncewarden.addresses import address_problem, normalise_address
from bouncewarden.cli import main
from bouncewarden.intake import Outcome
from bouncewarden.service import Service
from bouncewarden.sources.files import read_bytes
from bouncewarden.sources.sqs import ConsumerOptions, consume_once
from fixtures_moto import aws_env, moto_endpoint, unique_name
from hostile import HOSTILE_ADDRESSES, T0, hostile_input, ses_for
from store_helpers import connect, suppressed_addresses

__all__ = ["aws_env", "moto_endpoint"]  # fixtures, imported to be found by name

# Failing examples can be megabytes; Hypothesis warns about printing them, which is no failure.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

DOOR_EXAMPLES = {"ingest": 120, "sqs": 30, "import": 80, "clean": 40}
FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.found.append(record.getMessage())


@contextmanager
def no_logged_traceback() -> Iterator[None]:
    """Fail when anything under `bouncewarden` logs an exception with its traceback."""
    handler = _Tracebacks()
    logger = logging.getLogger("bouncewarden")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert handler.found == []


@settings(max_examples=DOOR_EXAMPLES["ingest"], deadline=None, suppress_health_check=FIXTURES)
@given(data=hostile_input)
def test_ingest_door(service: Service, data: bytes) -> None:
    with no_logged_traceback():
        inputs = read_bytes(data, "hostile", received_at=T0)
        assert inputs
        for result in service.intake.take(inputs):
            assert result.outcome in set(Outcome) and result.outcome is not Outcome.STORE_UNAVAILABLE
            if result.outcome is Outcome.QUARANTINED:
                assert result.reason and "\n" not in result.reason
    stored = suppressed_addresses(service)
    assert not any(character in address for address in stored for character in "\x00\t\r\n ")


@settings(max_examples=DOOR_EXAMPLES["sqs"], deadline=None, suppress_health_check=FIXTURES)
@given(batch=st.lists(hostile_input, min_size=1, max_size=10))
def test_sqs_door(service: Service, aws_env: dict[str, str], moto_endpoint: str, batch: list[bytes]) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)
    queue_url = sqs.create_queue(QueueName=unique_name("bw-hostile"))["QueueUrl"]
    bodies = [_sqs_text(data) for data in batch]
    sqs.send_message_batch(
        QueueUrl=queue_url, Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies)]
    )
    options = ConsumerOptions(wait_seconds=0, batch_size=10, visibility_timeout=30)
    with no_logged_traceback():
        result = consume_once(sqs, service.intake, queue_url, options)
    assert result[Outcome.STORE_UNAVAILABLE] == 0
    dealt = result[Outcome.RECORDED] + result[Outcome.DUPLICATE] + result[Outcome.NOT_FEEDBACK]
    assert dealt + result[Outcome.QUARANTINED] == result.inputs == len(bodies)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert (
        attributes["ApproximateNumberOfMessages"]
        == attributes["ApproximateNumberOfMessagesNotVisible"]
        == "0"
    )


def _sqs_text(data: bytes) -> str:
    """The bytes as an SQS body can carry them (XML characters only, at most 256 KiB)."""
    text = data.decode("utf-8", "replace")
    allowed = (
        character
        for character in text
        if character in "\t\n\r"
        or "\x20" <= character <= "\ud7ff"
        or "\ue000" <= character <= "\ufffd"
        or character >= "\U00010000"
    )
    return "".join(allowed)[: 200 * 1024] or "{}"


def _suppressions(service: Service) -> int:
    with connect(service) as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM addresses")).scalar_one())


def _csv_rows(addresses: list[str], notes: list[str]) -> bytes:
    handle = io.StringIO(newline="")
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(["address", "reason", "created_at", "note", "source"])
    for address, note in zip(addresses, notes, strict=False):
        writer.writerow([address, "manual", "", note, "x"])
    return handle.getvalue().encode("utf-8", "surrogatepass")


def _jsonl_rows(addresses: list[str], notes: list[str]) -> bytes:
    rows = (
        json.dumps({"address": address, "note": note})
        for address, note in zip(addresses, notes, strict=False)
    )
    return "\n".join(rows).encode()


hostile_list = st.one_of(
    hostile_input,
    st.builds(
        _csv_rows,
        st.lists(st.sampled_from(HOSTILE_ADDRESSES) | st.emails() | st.text(max_size=80), max_size=20),
        st.lists(st.text(max_size=200), max_size=20),
    ),
    st.builds(
        _jsonl_rows,
        st.lists(st.sampled_from(HOSTILE_ADDRESSES) | st.emails() | st.text(max_size=80), max_size=20),
        st.lists(st.text(max_size=200), max_size=20),
    ),
    st.builds(lambda data, cut: data[:cut], hostile_input, st.integers(0, 400)).map(
        lambda data: b'address\r\n"' + data
    ),
)


@settings(max_examples=DOOR_EXAMPLES["import"], deadline=None, suppress_health_check=FIXTURES)
@given(data=hostile_list, suffix=st.sampled_from([".csv", ".jsonl", ".txt"]))
def test_import_door(service: Service, database_url: str, tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"hostile{suffix}"
    path.write_bytes(data)
    before = _suppressions(service)
    with no_logged_traceback():
        result = CliRunner().invoke(main, ["import", str(path), "--db", database_url])
    assert result.exit_code in {0, 1, 3}, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        (error,) = [line for line in result.output.splitlines() if line.startswith("Error: ")]
        assert error.startswith(f"Error: {path}:"), error
        assert len(error) < 600
        assert _suppressions(service) == before  # nothing stored
    if result.exit_code == 3:
        assert f"skipped {path}:" in result.stderr


@settings(max_examples=DOOR_EXAMPLES["clean"], deadline=None, suppress_health_check=FIXTURES)
@given(data=hostile_list)
def test_clean_door(tmp_path: Path, data: bytes) -> None:
    # `clean` reads the suppression list once; which database it comes from does not matter here.
    database_url = f"sqlite:///{tmp_path / 'clean.db'}"
    source, target = tmp_path / "list.csv", tmp_path / "clean.csv"
    source.write_bytes(b"email\n" + data)
    result = CliRunner().invoke(main, ["clean", str(source), "-o", str(target), "--db", database_url])
    assert result.exit_code in {0, 1, 2}, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.output.startswith(f"Error: {source}:"), result.output


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES, ids=repr)
def test_every_hostile_address_through_ingest(service: Service, address: str) -> None:
    """Each hostile address of issue 8 is recorded in its one identity, or its input quarantined."""
    (raw,) = read_bytes(ses_for(address, "550 5.1.1 unknown"), "hostile", received_at=T0)
    [result] = service.intake.take([raw])
    if address_problem(address) is None:
        assert result.outcome is Outcome.RECORDED
        assert normalise_address(address) in set(suppressed_addresses(service))
    else:
        assert result.outcome is Outcome.QUARANTINED
        assert result.reason  # the address named ("is not an email address"), or "is missing"
