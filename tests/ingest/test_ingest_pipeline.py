"""The ingest pipeline on a real store (SQLite and PostgreSQL): record, ignore, quarantine."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bouncewarden.ingest import IngestSummary, Outcome, ingest_input
from bouncewarden.parse.reader import RawInput
from bouncewarden.service import RecordOutcome, Service
from bouncewarden.sources.files import read_inputs
from ingest.feedback_files import NEWSLETTER, dsn, ses_blocklisted, ses_bounce, ses_complaint
from shared_files import SES_SAMPLES as SHARED_SES_SAMPLES

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
SES_SAMPLES = SHARED_SES_SAMPLES


def count(service: Service, table: str) -> int:
    with service.engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def quarantine_rows(service: Service) -> list[tuple[int, str, str]]:
    with service.engine.connect() as connection:
        query = sa.text("SELECT id, source, reason FROM quarantine ORDER BY id")
        return [(int(row[0]), str(row[1]), str(row[2])) for row in connection.execute(query)]


def email(data: bytes, origin: str = "test.eml", source: str = "file") -> RawInput:
    return RawInput(data, origin, T0, source)


def json_input(data: bytes, origin: str = "test.json", source: str = "file") -> RawInput:
    return RawInput(data, origin, T0, source)


def test_ses_hard_bounce_is_recorded_with_its_evidence(service: Service) -> None:
    result = ingest_input(service, json_input(ses_bounce("Hard@Example.com", T0)))
    assert result.outcome is Outcome.RECORDED
    assert result.recorded == RecordOutcome(
        new_events=1, duplicates=0, hard=1, soft=0, complaints=0, sender=0, transitions=1
    )
    assert list(service.iter_suppressed_addresses()) == ["hard@example.com"]
    assert count(service, "evidence") == 1


def test_dsn_email_is_recorded_with_the_source_name(service: Service) -> None:
    result = ingest_input(service, email(dsn("gone@example.org", T0), source="mailbox"))
    assert result.outcome is Outcome.RECORDED
    assert result.recorded is not None and result.recorded.hard == 1
    with service.engine.connect() as connection:
        sources = connection.execute(sa.text("SELECT source FROM events")).scalars().all()
    assert sources == ["mailbox"]
    assert list(service.iter_suppressed_addresses()) == ["gone@example.org"]


def test_same_input_twice_counts_duplicates_and_changes_nothing(service: Service) -> None:
    raw = json_input(ses_complaint("angry@example.com", T0))
    first = ingest_input(service, raw)
    second = ingest_input(service, raw)
    assert first.recorded is not None and first.recorded.complaints == 1
    assert second.recorded == RecordOutcome(
        new_events=0, duplicates=1, hard=0, soft=0, complaints=0, sender=0, transitions=0
    )
    assert count(service, "events") == 1
    assert count(service, "evidence") == 1


def test_sender_side_refusal_does_not_suppress(service: Service) -> None:
    result = ingest_input(service, json_input(ses_blocklisted("fine@example.com", T0)))
    assert result.recorded is not None and result.recorded.sender == 1
    assert list(service.iter_suppressed_addresses()) == []


def test_message_that_is_no_feedback_is_counted_not_stored(service: Service) -> None:
    result = ingest_input(service, email(NEWSLETTER))
    assert result.outcome is Outcome.NOT_FEEDBACK
    assert count(service, "events") == 0
    assert count(service, "evidence") == 0
    assert count(service, "quarantine") == 0


def test_unreadable_json_is_quarantined_with_reason_and_bytes(service: Service) -> None:
    data = (SES_SAMPLES / "sqs" / "body-malformed.txt").read_bytes()
    result = ingest_input(service, json_input(data, source="files"))
    assert result.outcome is Outcome.QUARANTINED
    [(quarantine_id, source, reason)] = quarantine_rows(service)
    assert source == "files"
    assert reason == result.reason
    assert "not valid JSON" in reason
    assert service.quarantined_raw(quarantine_id) == data


def test_unreadable_file_is_quarantined_with_the_read_error(service: Service) -> None:
    raw = RawInput(b"", "gone.eml", T0, problem="cannot read gone.eml: No such file")
    result = ingest_input(service, raw)
    assert result.outcome is Outcome.QUARANTINED
    assert [row[2] for row in quarantine_rows(service)] == ["cannot read gone.eml: No such file"]


def test_store_refusal_quarantines_the_input(service: Service) -> None:
    # A real refusal: the database rejects every new event row.
    with service.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'refused by test'; END $$"
                )
            )
            connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
        else:
            connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON events "
                    "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
                )
            )
    data = ses_bounce("refused@example.com", T0)
    result = ingest_input(service, json_input(data))
    assert result.outcome is Outcome.QUARANTINED
    assert result.reason is not None and "store refused the events" in result.reason
    assert "refused by test" in result.reason
    [(quarantine_id, _, _)] = quarantine_rows(service)
    assert service.quarantined_raw(quarantine_id) == data
    assert count(service, "evidence") == 0  # the failed transaction left nothing behind


def test_summary_adds_up_a_mixed_folder(service: Service, tmp_path: Path) -> None:
    tmp_path = tmp_path / "inputs"
    tmp_path.mkdir()
    (tmp_path / "hard.json").write_bytes(ses_bounce("a@example.com", T0))
    (tmp_path / "soft.json").write_bytes(ses_bounce("b@example.com", T0, permanent=False))
    (tmp_path / "complaint.json").write_bytes(ses_complaint("c@example.com", T0))
    (tmp_path / "blocked.json").write_bytes(ses_blocklisted("d@example.com", T0))
    (tmp_path / "dsn.eml").write_bytes(dsn("e@example.org", T0))
    (tmp_path / "newsletter.eml").write_bytes(NEWSLETTER)
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01\x02binary")
    summary = IngestSummary()
    for raw in read_inputs([tmp_path], received_at=T0):
        summary.add(ingest_input(service, raw))
    assert summary.counts() == {
        "inputs": 7,
        "new_events": 5,
        "duplicates": 0,
        "hard": 2,
        "soft": 1,
        "complaints": 1,
        "sender": 1,
        "not_feedback": 1,
        "quarantined": 1,
    }
    assert [origin for origin, _ in summary.quarantine_reasons] == [str(tmp_path / "junk.bin")]


@pytest.mark.parametrize("form", [b"", b"{"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_never_stop_the_run(service: Service, form: bytes, data: bytes) -> None:
    before = count(service, "quarantine")
    result = ingest_input(service, RawInput(form + data, "fuzz", T0))
    after = count(service, "quarantine")
    assert after == before + (result.outcome is Outcome.QUARANTINED)
    if result.outcome is Outcome.QUARANTINED:
        assert result.reason
