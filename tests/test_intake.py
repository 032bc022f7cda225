"""The intake on a real store (SQLite and PostgreSQL): read, record, ignore, quarantine, in batches."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bouncewarden.config import Settings
from bouncewarden.intake import EventCounts, InputOutcome, Outcome, RawInput, Tally
from bouncewarden.service import Service
from bouncewarden.sources.files import find_files, read_file
from bouncewarden.store.engine import make_engine
from bouncewarden.store.recorder import BatchRecorder
from feedback_files import NEWSLETTER, dsn, ses_blocklisted, ses_bounce, ses_complaint, ses_delivery
from shared_files import SES_SAMPLES
from store_helpers import begin, connect, count, engine_of, suppressed_addresses

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def read_inputs(paths: list[Path], *, received_at: datetime) -> list[RawInput]:
    """Every input under `paths`, as `ingest` reads them."""
    return [raw for path in find_files(paths) for raw in read_file(path, received_at=received_at)]


def quarantine_rows(service: Service) -> list[tuple[int, str, str]]:
    with connect(service) as connection:
        query = sa.text("SELECT id, source, reason FROM quarantine ORDER BY id")
        return [(int(row[0]), str(row[1]), str(row[2])) for row in connection.execute(query)]


def raw_input(data: bytes, origin: str = "test", source: str = "file") -> RawInput:
    return RawInput(data, origin, T0, source)


def take(service: Service, raw: RawInput) -> InputOutcome:
    [outcome] = service.intake.take([raw])
    return outcome


def test_ses_hard_bounce_is_recorded_with_its_evidence(service: Service) -> None:
    result = take(service, raw_input(ses_bounce("Hard@Example.com", T0)))
    assert result.outcome is Outcome.RECORDED
    assert result.counts == EventCounts(new_events=1, hard=1, transitions=1)
    assert suppressed_addresses(service) == ["hard@example.com"]
    assert count(service, "evidence") == 1


def test_dsn_email_is_recorded_with_the_source_name(service: Service) -> None:
    result = take(service, raw_input(dsn("gone@example.org", T0), source="mailbox"))
    assert result.outcome is Outcome.RECORDED and result.counts.hard == 1
    with connect(service) as connection:
        sources = connection.execute(sa.text("SELECT source FROM events")).scalars().all()
    assert sources == ["mailbox"]
    assert suppressed_addresses(service) == ["gone@example.org"]


def test_same_input_twice_counts_duplicates_and_changes_nothing(service: Service) -> None:
    raw = raw_input(ses_complaint("angry@example.com", T0))
    first = take(service, raw)
    second = take(service, raw)
    assert first.counts.complaints == 1
    assert second.outcome is Outcome.DUPLICATE
    assert second.counts == EventCounts(duplicates=1)
    assert count(service, "events") == 1
    assert count(service, "evidence") == 1


def test_same_input_twice_in_one_batch_is_one_event(service: Service) -> None:
    raw = raw_input(ses_bounce("twice@example.com", T0))
    first, second = service.intake.take([raw, raw])
    assert (first.outcome, second.outcome) == (Outcome.RECORDED, Outcome.DUPLICATE)
    assert count(service, "events") == 1 and count(service, "transitions") == 1


def test_sender_side_refusal_does_not_suppress(service: Service) -> None:
    result = take(service, raw_input(ses_blocklisted("fine@example.com", T0)))
    assert result.counts.sender == 1
    assert suppressed_addresses(service) == []


def test_message_that_is_no_feedback_is_counted_not_stored(service: Service) -> None:
    result = take(service, raw_input(NEWSLETTER))
    assert result.outcome is Outcome.NOT_FEEDBACK
    assert count(service, "events") == 0
    assert count(service, "evidence") == 0
    assert count(service, "quarantine") == 0


def test_unreadable_json_is_quarantined_with_reason_and_bytes(service: Service) -> None:
    data = (SES_SAMPLES / "sqs" / "body-malformed.txt").read_bytes()
    result = take(service, raw_input(data, source="files"))
    assert result.outcome is Outcome.QUARANTINED
    [(quarantine_id, source, reason)] = quarantine_rows(service)
    assert source == "files"
    assert reason == result.reason
    assert "not valid JSON" in reason
    assert service.quarantine.raw(quarantine_id) == data


def test_unreadable_file_is_quarantined_with_the_read_error(service: Service) -> None:
    raw = RawInput(b"", "gone.eml", T0, problem="cannot read gone.eml: No such file")
    result = take(service, raw)
    assert result.outcome is Outcome.QUARANTINED
    assert [row[2] for row in quarantine_rows(service)] == ["cannot read gone.eml: No such file"]


def test_store_refusal_quarantines_the_input(service: Service) -> None:
    # A real refusal: the database rejects every new event row.
    with begin(service) as connection:
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
    result = take(service, raw_input(data))
    assert result.outcome is Outcome.QUARANTINED
    assert result.reason is not None and "store refused the events" in result.reason
    assert "refused by test" in result.reason
    [(quarantine_id, _, _)] = quarantine_rows(service)
    assert service.quarantine.raw(quarantine_id) == data
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
    summary = Tally()
    outcomes = service.intake.take(list(read_inputs([tmp_path], received_at=T0)))
    for outcome in outcomes:
        summary.add(outcome)
    assert summary.as_dict() == {
        "inputs": 7,
        "new_events": 5,
        "duplicates": 0,
        "hard": 2,
        "soft": 1,
        "complaints": 1,
        "sender": 1,
        "not_feedback": 1,
        "quarantined": 1,
        "store_unavailable": 0,
    }
    assert [o.origin for o in outcomes if o.outcome is Outcome.QUARANTINED] == [str(tmp_path / "junk.bin")]


@pytest.mark.parametrize("form", [b"", b"{"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_never_stop_the_run(service: Service, form: bytes, data: bytes) -> None:
    before = count(service, "quarantine")
    result = take(service, RawInput(form + data, "fuzz", T0))
    after = count(service, "quarantine")
    assert after == before + (result.outcome is Outcome.QUARANTINED)
    if result.outcome is Outcome.QUARANTINED:
        assert result.reason


def _refuse_recipient(service: Service, recipient: str) -> None:
    """A real refusal: the database rejects new event rows for one recipient."""
    with begin(service) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text(
                    "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN IF NEW.recipient = '{recipient}' THEN RAISE EXCEPTION 'poison'; END IF;"
                    " RETURN NEW; END $$"
                )
            )
            connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse_one BEFORE INSERT ON events"
                    " FOR EACH ROW EXECUTE FUNCTION refuse_one()"
                )
            )
        else:
            connection.execute(
                sa.text(
                    f"CREATE TRIGGER refuse_one BEFORE INSERT ON events WHEN NEW.recipient = '{recipient}' "
                    "BEGIN SELECT RAISE(ABORT, 'poison'); END"
                )
            )


def test_poison_input_does_not_block_its_batch(service: Service) -> None:
    _refuse_recipient(service, "poison@example.com")
    batch = [raw_input(ses_bounce(f"good{n}@example.com", T0), f"good{n}") for n in range(5)]
    batch.insert(2, raw_input(ses_bounce("poison@example.com", T0), "poison"))
    outcomes = service.intake.take(batch)
    assert [o.outcome for o in outcomes] == [Outcome.RECORDED] * 2 + [Outcome.QUARANTINED] + [
        Outcome.RECORDED
    ] * 3
    assert outcomes[2].reason is not None and "poison" in outcomes[2].reason
    assert count(service, "events") == 5
    assert len(suppressed_addresses(service)) == 5


def test_unavailable_database_is_reported_never_quarantined(settings: Settings) -> None:
    # Nothing listens on port 1: connecting is refused, as during a PostgreSQL restart.
    engine = make_engine("postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    recorder = BatchRecorder(engine, settings.policy)
    try:
        from bouncewarden.intake import Intake
        from bouncewarden.parse.reader import read_batch

        outcomes = Intake(recorder, lambda: (), read_batch).take(
            [raw_input(ses_bounce("a@example.com", T0)), raw_input(b"junk")]
        )
    finally:
        engine.dispose()
    assert [o.outcome for o in outcomes] == [Outcome.STORE_UNAVAILABLE] * 2
    assert all(o.reason and "database unavailable" in o.reason for o in outcomes)
    assert not any(o.is_stored for o in outcomes)


def test_one_quarantine_copy_per_content(service: Service) -> None:
    first = take(service, raw_input(b"\x00\x01 junk", "a"))
    second = take(service, raw_input(b"\x00\x01 junk", "b"))
    assert first.quarantine_id == second.quarantine_id
    assert count(service, "quarantine") == 1


def test_address_changes_go_to_the_outbox_in_order(service: Service) -> None:
    service.intake.take(
        [raw_input(ses_bounce("first@example.com", T0)), raw_input(ses_complaint("second@example.com", T0))]
    )
    service.admin.unsuppress(["first@example.com"], note="asked", actor="test")
    entries = service.outbox()
    rows = [(e.address, e.to_state, e.actor) for e in entries]
    assert sorted(rows[:2]) == [
        ("first@example.com", "suppressed", "policy"),
        ("second@example.com", "suppressed", "policy"),
    ]
    assert rows[2] == ("first@example.com", "active", "test")
    assert [e.id for e in entries] == sorted(e.id for e in entries)
    assert service.outbox(after_id=entries[1].id) == entries[2:]
    assert count(service, "outbox") == count(service, "transitions")


def test_a_batch_is_a_handful_of_statements(service: Service) -> None:
    statements: list[str] = []
    sa.event.listen(engine_of(service), "before_cursor_execute", lambda *args: statements.append(args[2]))
    batch = [raw_input(ses_bounce(f"b{n}@example.com", T0), f"b{n}") for n in range(500)]
    batch += [raw_input(ses_delivery(f"d{n}@example.com", T0), f"d{n}") for n in range(500)]
    outcomes = service.intake.take(batch)
    assert all(o.outcome is Outcome.RECORDED for o in outcomes)
    assert count(service, "events") == 1000
    # Not per record: evidence, events, addresses, transitions, outbox, counters, a few reads.
    assert len(statements) <= 25, statements


def test_a_small_batch_is_one_statement_per_table(service: Service) -> None:
    # An SMTP or SQS batch: no savepoint, no temporary table, no COPY on PostgreSQL.
    service.intake.take([raw_input(ses_bounce("warm@example.com", T0))])  # rules read, tables ready
    statements: list[str] = []
    sa.event.listen(service.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    outcomes = service.intake.take(
        [raw_input(ses_bounce(f"s{n}@example.com", T0), f"s{n}") for n in range(20)]
    )
    assert all(o.outcome is Outcome.RECORDED for o in outcomes)
    assert not any("SAVEPOINT" in statement or "COPY" in statement for statement in statements), statements
    # Evidence, events, two reads of addresses, addresses, transitions, outbox, the sent-message
    # keys (a bounce without a Send event counts as its message's send), counters. On SQLite,
    # BEGIN too, and each insert whose new rows are wanted back is three statements in the
    # process (largest rowid, INSERT, the new rows as one JSON row; `store.driver_rows`)
    # instead of one INSERT ... RETURNING: no round trips there, and far fewer interpreter-lock waits.
    sqlite = service.engine.dialect.name == "sqlite"
    assert len(statements) <= (10 + 2 * 4 if sqlite else 10), statements
    inserts = [s for s in statements if s.startswith("INSERT INTO sent_messages")]
    assert len(inserts) == 1, statements
    assert ("RETURNING" in inserts[0]) is not sqlite


def test_take_all_records_batches_in_order_and_stops_when_asked(service: Service) -> None:
    batches = [
        [raw_input(ses_bounce(f"a{b}.{n}@example.com", T0), f"{b}.{n}") for n in range(3)] for b in range(4)
    ]
    seen = []
    for outcomes in service.intake.take_all(batches):
        seen.append([outcome.origin for outcome in outcomes])
        assert all(outcome.outcome is Outcome.RECORDED for outcome in outcomes)
        if len(seen) == 2:
            break
    assert seen == [["0.0", "0.1", "0.2"], ["1.0", "1.1", "1.2"]]
    # The batch read ahead while the second was committed was dropped, not stored.
    assert count(service, "events") == 6
    assert len(list(service.intake.take_all(batches[2:]))) == 2
    assert count(service, "events") == 12


def test_a_new_address_keeps_the_times_of_its_first_soft_bounces(service: Service) -> None:
    # Two soft bounces to an address without a row, in one batch: the row is created with
    # both times, so a soft-bounce window later counts each at its own time.
    first, second = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 4, 9, tzinfo=UTC)
    outcomes = service.intake.take(
        [
            raw_input(ses_bounce("full@example.com", first, permanent=False), "a"),
            raw_input(ses_bounce("full@example.com", second, permanent=False), "b"),
        ]
    )
    assert [outcome.outcome for outcome in outcomes] == [Outcome.RECORDED, Outcome.RECORDED]
    with connect(service) as connection:
        row = connection.execute(
            sa.text("SELECT soft_count, soft_times FROM addresses WHERE address = 'full@example.com'")
        ).one()
    assert row.soft_count == 2
    assert row.soft_times is not None
    times = row.soft_times if isinstance(row.soft_times, list) else json.loads(row.soft_times)
    assert [datetime.fromisoformat(moment) for moment in times] == [first, second]
