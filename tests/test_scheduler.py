"""The periodic job runner: runs the real jobs with its clock, one run at a time, survives failures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bouncewarden.clock import fixed_clock
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.jobs import JobReport
from bouncewarden.policy import AddressStatus, SuppressionReason
from bouncewarden.scheduler import JobScheduler, TickResult
from bouncewarden.service import Service
from store_helpers import record

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def soft_bounce(address: str) -> FeedbackEvent:
    return FeedbackEvent(
        Kind.BOUNCE, address, Severity.SOFT, Reason.MAILBOXFULL, f"k:{address}", T0, "test", status="4.2.2"
    )


def test_tick_runs_the_jobs_at_the_clock_time(service: Service) -> None:
    record(service, [soft_bounce("full@example.com")], raw=None, source="test")
    early = JobScheduler(service.run_due_jobs, clock=fixed_clock(T0 + timedelta(days=1)))
    assert early.tick() is TickResult.RAN
    assert early.last_report is not None and early.last_report.expired == ()
    late = JobScheduler(service.run_due_jobs, clock=fixed_clock(T0 + timedelta(days=15)))
    assert late.tick() is TickResult.RAN
    assert late.last_report is not None and late.last_report.expired == ("full@example.com",)
    state = service.admin.lookup(["full@example.com"])["full@example.com"]
    assert state.status is AddressStatus.SUPPRESSED
    assert state.suppression_reason is SuppressionReason.SOFT_EXPIRED


def test_only_one_run_at_a_time(service: Service) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow_jobs(now: datetime) -> JobReport:
        entered.set()
        release.wait(10)
        return service.run_due_jobs(now)

    scheduler = JobScheduler(slow_jobs, clock=fixed_clock(T0))
    results: list[TickResult] = []
    first = threading.Thread(target=lambda: results.append(scheduler.tick()))
    first.start()
    assert entered.wait(10)
    assert scheduler.tick() is TickResult.BUSY
    release.set()
    first.join(10)
    assert results == [TickResult.RAN]
    assert scheduler.runs == 1
    assert scheduler.tick() is TickResult.RAN


def test_a_failed_run_does_not_stop_the_next(service: Service) -> None:
    calls: list[datetime] = []

    def flaky_jobs(now: datetime) -> JobReport:
        calls.append(now)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return service.run_due_jobs(now)

    scheduler = JobScheduler(flaky_jobs, clock=fixed_clock(T0))
    assert scheduler.tick() is TickResult.FAILED
    assert scheduler.tick() is TickResult.RAN
    assert calls == [T0, T0]


def test_run_ticks_until_stopped(service: Service) -> None:
    stop = threading.Event()
    seen: list[datetime] = []

    def jobs_then_stop(now: datetime) -> JobReport:
        seen.append(now)
        if len(seen) == 3:
            stop.set()
        return service.run_due_jobs(now)

    JobScheduler(jobs_then_stop, interval=0.001, clock=fixed_clock(T0)).run(stop)
    assert seen == [T0, T0, T0]


def test_run_does_nothing_once_stopped(service: Service) -> None:
    stop = threading.Event()
    stop.set()
    scheduler = JobScheduler(service.run_due_jobs, clock=fixed_clock(T0))
    scheduler.run(stop)
    assert scheduler.runs == 0


@pytest.mark.parametrize("interval", [0, -1])
def test_interval_must_be_positive(service: Service, interval: float) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        JobScheduler(service.run_due_jobs, interval=interval)
