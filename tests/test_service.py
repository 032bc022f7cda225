"""The recorder, the quarantine and the suppression listing, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
import zlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bouncewarden.config import Settings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.intake import EventCounts, Outcome, RawInput
from bouncewarden.jobs import JobReport
from bouncewarden.policy import AddressStatus, SuppressionReason
from bouncewarden.service import Service
from store_helpers import connect, count, record, suppressed_addresses

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def bounce(
    recipient: str,
    key: str,
    *,
    severity: Severity = Severity.HARD,
    reason: Reason = Reason.USERUNKNOWN,
    kind: Kind = Kind.BOUNCE,
    at: datetime = T0,
    **extra: object,
) -> FeedbackEvent:
    return FeedbackEvent(
        kind=kind,
        recipient=recipient,
        severity=severity,
        reason=reason,
        dedupe_key=key,
        occurred_at=at,
        source="test",
        **extra,  # type: ignore[arg-type]  # keyword fields of FeedbackEvent
    )


def test_record_stores_events_evidence_and_suppresses(service: Service) -> None:
    events = [
        bounce("User@Example.com", "m1:user"),
        bounce("box@example.com", "m1:box", severity=Severity.SOFT, reason=Reason.MAILBOXFULL),
        bounce("ok@example.com", "m1:ok", severity=Severity.SENDER, reason=Reason.BLOCKED),
    ]
    outcome = record(service, events, raw=b"raw report", source="test")
    assert outcome == EventCounts(
        new_events=3, duplicates=0, hard=1, soft=1, complaints=0, sender=1, transitions=2
    )
    assert list(suppressed_addresses(service)) == ["user@example.com"]
    states = service.admin.lookup(["USER@example.com", "box@example.com", "ok@example.com"])
    assert states["user@example.com"].suppression_reason is SuppressionReason.HARD_BOUNCE
    assert states["box@example.com"].status is AddressStatus.SOFT
    assert "ok@example.com" not in states  # sender-side refusals never touch the address
    with connect(service) as connection:
        stored = connection.execute(sa.text("SELECT compressed, size FROM evidence")).one()
        evidence_ids = connection.execute(sa.text("SELECT DISTINCT evidence_id FROM events")).scalars().all()
    assert zlib.decompress(stored[0]) == b"raw report"
    assert stored[1] == len(b"raw report")
    assert len(evidence_ids) == 1 and evidence_ids[0] is not None


def test_record_is_idempotent(service: Service) -> None:
    events = [bounce("a@example.com", "k1"), bounce("a@example.com", "k1")]
    first = record(service, events, raw=b"x", source="test")
    again = record(service, events, raw=b"x", source="test")
    assert (first.new_events, first.duplicates, first.transitions) == (1, 1, 1)
    assert (again.new_events, again.duplicates, again.transitions) == (0, 2, 0)
    assert count(service, "events") == 1
    assert count(service, "evidence") == 1
    assert count(service, "transitions") == 1
    with connect(service) as connection:
        hard = connection.execute(sa.text("SELECT sum(hard) FROM hourly_counters")).scalar_one()
    assert hard == 1


def test_record_without_raw_and_empty(service: Service) -> None:
    assert record(service, [], raw=None, source="test").new_events == 0
    outcome = record(service, [bounce("a@example.com", "k1")], raw=None, source="test")
    assert outcome.new_events == 1
    assert count(service, "evidence") == 0


def test_quarantine_keeps_raw_and_reason_once_per_content(service: Service) -> None:
    raw = RawInput(b"\x00garbage", "upload", T0, "sns")
    [first] = service.intake.take([raw])
    [second] = service.intake.take([raw])
    assert first.outcome is Outcome.QUARANTINED and first.quarantine_id is not None
    # One copy per content hash (a re-run used to add a compressed copy each time).
    assert second.quarantine_id == first.quarantine_id
    [third] = service.intake.take([RawInput(b"\x00other garbage", "upload", T0, "sns")])
    assert third.quarantine_id != first.quarantine_id
    assert count(service, "quarantine") == 2
    assert service.quarantine.raw(first.quarantine_id) == b"\x00garbage"
    assert service.quarantine.raw(first.quarantine_id + 1000) is None
    entry = service.quarantine.entry(first.quarantine_id)
    assert entry is not None and (entry.source, entry.origin) == ("sns", "upload")
    assert entry.media_type == "message/rfc822" and "binary data" in entry.reason


def test_counters_by_hour_sender_domain_campaign(service: Service) -> None:
    events = [
        bounce(
            "a@example.com",
            "s1",
            kind=Kind.SEND,
            severity=Severity.NONE,
            reason=Reason.DELIVERED,
            sender="News@Example.org",
            campaign="spring",
        ),
        bounce(
            "a@example.com",
            "d1",
            kind=Kind.DELIVERY,
            severity=Severity.NONE,
            reason=Reason.DELIVERED,
            sender="news@example.org",
            campaign="spring",
        ),
        bounce(
            "b@example.net",
            "c1",
            kind=Kind.COMPLAINT,
            severity=Severity.COMPLAINT,
            reason=Reason.FEEDBACK,
            at=T0 + timedelta(minutes=59),
            sender="news@example.org",
            campaign="spring",
        ),
        bounce(
            "c@example.net", "x1", severity=Severity.SENDER, reason=Reason.BLOCKED, at=T0 + timedelta(hours=1)
        ),
    ]
    record(service, events, raw=None, source="test")
    with connect(service) as connection:
        rows = connection.execute(
            sa.text(
                "SELECT sender_identity, recipient_domain, campaign,"
                " sends, deliveries, hard, soft, complaints, sender_side"
                " FROM hourly_counters ORDER BY hour, recipient_domain"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("news@example.org", "example.com", "spring", 1, 1, 0, 0, 0, 0),
        ("news@example.org", "example.net", "spring", 0, 0, 0, 0, 1, 0),
        ("", "example.net", "", 0, 0, 0, 0, 0, 1),
    ]


def test_concurrent_record_of_the_same_events(settings: Settings) -> None:
    events = [bounce(f"user{n}@example.com", f"key-{n}") for n in range(40)]
    events += [
        bounce(
            "soft@example.com",
            f"soft-{n}",
            severity=Severity.SOFT,
            reason=Reason.MAILBOXFULL,
            at=T0 + timedelta(minutes=n),
        )
        for n in range(3)
    ]
    services = [Service.open(settings) for _ in range(2)]
    barrier = threading.Barrier(4)
    outcomes: list[EventCounts] = []
    errors: list[BaseException] = []

    def run(service: Service, batch: list[FeedbackEvent]) -> None:
        try:
            barrier.wait()
            outcomes.append(record(service, batch, raw=b"same report", source="test"))
        except BaseException as err:  # surfaced by the assertion below
            errors.append(err)

    threads = [
        threading.Thread(target=run, args=(services[n % 2], events if n % 2 else list(reversed(events))))
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert sum(outcome.new_events for outcome in outcomes) == len(events)
        assert sum(outcome.duplicates for outcome in outcomes) == 3 * len(events)
        assert count(services[0], "events") == len(events)
        assert count(services[0], "evidence") == 1
        assert count(services[0], "transitions") == 41  # 40 suppressions, one active -> soft
        state = services[0].admin.lookup(["soft@example.com"])["soft@example.com"]
        assert state.soft_count == 3
    finally:
        for service in services:
            service.close()


def test_open_creates_sqlite_data_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "nested" / "data")
    with Service.open(settings) as service:
        record(service, [bounce("a@example.com", "k")], raw=None, source="test")
    assert (tmp_path / "nested" / "data" / "bouncewarden.db").exists()


def soft(recipient: str, key: str, at: datetime) -> FeedbackEvent:
    return bounce(recipient, key, severity=Severity.SOFT, reason=Reason.MAILBOXFULL, at=at)


def delivered(recipient: str, key: str, at: datetime) -> FeedbackEvent:
    return bounce(recipient, key, kind=Kind.DELIVERY, severity=Severity.NONE, reason=Reason.DELIVERED, at=at)


def transition_rows(service: Service, address: str) -> list[tuple[str | None, str, str, bool]]:
    with connect(service) as connection:
        rows = connection.execute(
            sa.text(
                "SELECT from_state, to_state, reason, event_id IS NOT NULL FROM transitions"
                " WHERE address = :a ORDER BY id"
            ),
            {"a": address},
        ).all()
    return [(row[0], row[1], row[2], bool(row[3])) for row in rows]


def test_fifth_soft_bounce_suppresses_even_when_recorded_out_of_order(service: Service) -> None:
    events = [soft("full@example.com", f"s{n}", T0 + timedelta(hours=n)) for n in range(5)]
    for item in reversed(events):
        record(service, [item], raw=None, source="test")
    state = service.admin.lookup(["full@example.com"])["full@example.com"]
    assert state.suppression_reason is SuppressionReason.SOFT_EXPIRED
    assert state.soft_count == 5
    assert transition_rows(service, "full@example.com") == [
        ("active", "soft", "soft_bounce", True),
        ("soft", "suppressed", "soft_expired", True),
    ]


def test_one_batch_is_applied_in_event_time_order(service: Service) -> None:
    # Delivery after two soft bounces, all in one report but listed backwards.
    events = [
        delivered("late@example.com", "d", T0 + timedelta(hours=2)),
        soft("late@example.com", "s2", T0 + timedelta(hours=1)),
        soft("late@example.com", "s1", T0),
    ]
    outcome = record(service, events, raw=None, source="test")
    assert outcome.transitions == 2
    state = service.admin.lookup(["late@example.com"])["late@example.com"]
    assert (state.status, state.soft_count, state.last_delivery_at) == (
        AddressStatus.ACTIVE,
        0,
        T0 + timedelta(hours=2),
    )
    # A soft bounce older than that delivery, arriving now, does not count.
    record(service, [soft("late@example.com", "s0", T0 + timedelta(minutes=30))], raw=None, source="test")
    assert service.admin.lookup(["late@example.com"])["late@example.com"].status is AddressStatus.ACTIVE


def test_suppressed_address_keeps_later_events_without_transitions(service: Service) -> None:
    record(service, [bounce("gone@example.com", "h1")], raw=None, source="test")
    later = [
        soft("gone@example.com", "s1", T0 + timedelta(days=1)),
        delivered("gone@example.com", "d1", T0 + timedelta(days=2)),
    ]
    outcome = record(service, later, raw=None, source="test")
    assert (outcome.new_events, outcome.transitions) == (2, 0)
    assert (
        service.admin.lookup(["gone@example.com"])["gone@example.com"].suppression_reason
        is SuppressionReason.HARD_BOUNCE
    )
    assert count(service, "events") == 3


def test_deliveries_and_sender_side_events_create_no_address_rows(service: Service) -> None:
    record(
        service,
        [
            delivered("fine@example.com", "d1", T0),
            bounce("blocked@example.com", "b1", severity=Severity.SENDER, reason=Reason.BLOCKED),
        ],
        raw=None,
        source="test",
    )
    assert count(service, "addresses") == 0
    assert count(service, "events") == 2


def test_a_delivery_stored_first_outranks_an_older_failure_that_arrives_late(service: Service) -> None:
    later = T0 + timedelta(hours=2)
    record(service, [delivered("soft@example.com", "d-soft", later)], raw=None, source="test")
    record(service, [delivered("hard@example.com", "d-hard", later)], raw=None, source="test")
    late = [
        bounce("soft@example.com", "b-soft", severity=Severity.SOFT, reason=Reason.MAILBOXFULL, at=T0),
        bounce("hard@example.com", "b-hard", at=T0),
        bounce("new@example.com", "b-new", severity=Severity.SOFT, reason=Reason.MAILBOXFULL, at=later),
    ]
    outcome = record(service, late, raw=None, source="test")
    states = service.admin.lookup(["soft@example.com", "hard@example.com", "new@example.com"])
    assert states["soft@example.com"].status is AddressStatus.ACTIVE
    assert states["soft@example.com"].soft_count == 0
    assert states["soft@example.com"].last_delivery_at == later
    assert states["hard@example.com"].status is AddressStatus.ACTIVE
    assert states["new@example.com"].status is AddressStatus.SOFT
    assert outcome.transitions == 1
    # A bounce after the delivery still counts.
    record(
        service,
        [bounce("soft@example.com", "b-soft-2", severity=Severity.SOFT, at=later + timedelta(hours=1))],
        raw=None,
        source="test",
    )
    assert service.admin.lookup(["soft@example.com"])["soft@example.com"].status is AddressStatus.SOFT


def test_concurrent_soft_bounces_for_one_address_are_all_counted(settings: Settings) -> None:
    services = [Service.open(settings) for _ in range(2)]
    batches = [
        [soft("busy@example.com", f"t{thread}-{n}", T0 + timedelta(minutes=thread * 10 + n))]
        for thread in range(2)
        for n in range(2)
    ]
    barrier = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def run(service: Service, batch: list[FeedbackEvent]) -> None:
        try:
            barrier.wait()
            record(service, batch, raw=None, source="test")
        except BaseException as err:  # surfaced by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(services[n % 2], batch)) for n, batch in enumerate(batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        state = services[0].admin.lookup(["busy@example.com"])["busy@example.com"]
        assert (state.status, state.soft_count) == (AddressStatus.SOFT, 4)
        assert state.first_soft_at == T0 and state.last_soft_at == T0 + timedelta(minutes=11)
    finally:
        for service in services:
            service.close()


def test_jobs_expire_after_the_grace_period_and_announce_retries_once(service: Service) -> None:
    record(
        service,
        [soft("wait@example.com", "w1", T0), soft("other@example.com", "o1", T0 + timedelta(days=10))],
        raw=None,
        source="test",
    )
    early = service.run_due_jobs(T0 + timedelta(minutes=14))
    assert (early.expired, early.retries_due) == ((), ())
    due = service.run_due_jobs(T0 + timedelta(minutes=16))
    assert [(retry.address, retry.attempts, retry.due_at) for retry in due.retries_due] == [
        ("wait@example.com", 1, T0 + timedelta(minutes=15))
    ]
    assert service.run_due_jobs(T0 + timedelta(minutes=17)).retries_due == ()
    expired = service.run_due_jobs(T0 + timedelta(days=14, seconds=1))
    assert expired.expired == ("wait@example.com",)
    assert [retry.address for retry in expired.retries_due] == ["other@example.com"]
    state = service.admin.lookup(["wait@example.com"])["wait@example.com"]
    assert state.suppression_reason is SuppressionReason.SOFT_EXPIRED
    assert transition_rows(service, "wait@example.com")[-1] == ("soft", "suppressed", "soft_expired", False)
    assert "expired\twait@example.com" in expired.lines()


def test_jobs_run_once_when_two_runners_race(settings: Settings) -> None:
    services = [Service.open(settings) for _ in range(2)]
    record(services[0], [soft(f"u{n}@example.com", f"k{n}", T0) for n in range(20)], raw=None, source="test")
    now = T0 + timedelta(days=15)
    barrier = threading.Barrier(2)
    reports: list[JobReport] = []

    def run(service: Service) -> None:
        barrier.wait()
        reports.append(service.run_due_jobs(now))

    threads = [threading.Thread(target=run, args=(service,)) for service in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(reports) == 2
        assert sorted(address for report in reports for address in report.expired) == sorted(
            f"u{n}@example.com" for n in range(20)
        )
        assert count(services[0], "transitions") == 40  # 20 to soft, 20 expiries: none twice
    finally:
        for service in services:
            service.close()


def test_operator_rules_are_kept_in_order(service: Service) -> None:
    assert list(service.rules.operator_rules()) == []
    from bouncewarden.classify.patterns import OperatorRule

    first = OperatorRule(r"550 5\.7\.1 Unfortunately, messages from", Severity.HARD, Reason.USERUNKNOWN)
    second = OperatorRule("greylisted", Severity.SOFT)
    ids = [
        service.rules.add_operator_rule(first, note="their wording"),
        service.rules.add_operator_rule(second),
    ]
    assert ids[0] < ids[1]
    assert list(service.rules.operator_rules()) == [first, second]
    assert [(s.id, s.rule, s.note) for s in service.rules.stored_rules()] == [
        (ids[0], first, "their wording"),
        (ids[1], second, None),
    ]
    assert service.rules.remove_operator_rule(ids[0]) is True
    assert service.rules.remove_operator_rule(ids[0]) is False
    assert list(service.rules.operator_rules()) == [second]


def test_running_services_see_rule_changes_after_a_while(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bouncewarden.store import rules as stored_rules

    now = [1000.0]
    monkeypatch.setattr(stored_rules.time, "monotonic", lambda: now[0])
    with Service.open(service.settings) as other:  # another process on the same database
        _rules_seen_late(service, other, now)


def _rules_seen_late(service: Service, other: Service, now: list[float]) -> None:
    from bouncewarden.classify.patterns import OperatorRule
    from bouncewarden.store import rules as stored_rules

    loaded = other.rules.classification_rules()
    assert list(loaded) == []
    rule = OperatorRule("greylisted", Severity.SOFT)
    service.rules.add_operator_rule(rule)
    assert other.rules.classification_rules() is loaded  # still within RULES_MAX_AGE
    now[0] += stored_rules.RULES_MAX_AGE
    fresh = other.rules.classification_rules()
    assert list(fresh) == [rule]
    now[0] += stored_rules.RULES_MAX_AGE
    assert other.rules.classification_rules() is fresh  # unchanged: same object, its table kept
    other.rules.remove_operator_rule(service.rules.stored_rules()[0].id)
    assert list(other.rules.classification_rules()) == []  # its own change is seen at once


def test_naive_and_offset_times_are_taken_as_utc(service: Service) -> None:
    naive = soft("tz@example.com", "n1", datetime(2025, 3, 1, 12, 0))
    offset = delivered(
        "tz@example.com", "n2", datetime(2025, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    )
    record(service, [naive, offset], raw=None, source="test")
    state = service.admin.lookup(["tz@example.com"])["tz@example.com"]
    # 14:30+02:00 is 12:30 UTC, after the soft bounce at 12:00 UTC: the delivery clears it.
    assert (state.status, state.last_delivery_at) == (
        AddressStatus.ACTIVE,
        datetime(2025, 3, 1, 12, 30, tzinfo=UTC),
    )


def _record_in_process(database_url: str, keys: list[str]) -> int:
    from bouncewarden.config import Settings as ChildSettings
    from bouncewarden.service import Service as ChildService

    events = [bounce(f"{key}@example.com", key) for key in keys]
    with ChildService.open(ChildSettings(database_url=database_url)) as child:
        return record(child, events, raw=b"shared report", source="test").new_events


def test_two_processes_record_the_same_events(service: Service, database_url: str) -> None:
    keys = [f"p{n}" for n in range(200)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(
            _record_in_process, [(database_url, keys), (database_url, list(reversed(keys)))]
        )
    assert sum(results) == len(keys)
    assert count(service, "events") == len(keys)
    assert count(service, "transitions") == len(keys)
    assert count(service, "evidence") == 1


def test_statuses_agree_with_lookup(service: Service) -> None:
    record(
        service,
        [
            bounce("Hard@Example.com", "s-hard"),
            bounce("soft@example.com", "s-soft", severity=Severity.SOFT, reason=Reason.MAILBOXFULL),
            bounce(
                "spam@example.com",
                "s-spam",
                kind=Kind.COMPLAINT,
                severity=Severity.COMPLAINT,
                reason=Reason.FEEDBACK,
            ),
        ],
        raw=None,
        source="test",
    )
    asked = ["hard@example.COM", "soft@example.com", "spam@example.com", "unknown@example.com"]
    statuses = service.admin.statuses(asked)
    assert statuses == {
        address: (state.status, state.suppression_reason)
        for address, state in service.admin.lookup(asked).items()
    }
    assert statuses["hard@example.com"] == (AddressStatus.SUPPRESSED, SuppressionReason.HARD_BOUNCE)
    assert statuses["soft@example.com"] == (AddressStatus.SOFT, None)
    assert statuses["spam@example.com"] == (AddressStatus.SUPPRESSED, SuppressionReason.COMPLAINT)
    assert "unknown@example.com" not in statuses
