"""Sender health: counters and rates kept current, events per second, SQLite and PostgreSQL.

    pip install -e '.[bench]'
    python benchmarks/bench_health.py [--events 200000] [--batch 2000] [--repeat 3]
        [--skip-postgres] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Sections (each prints its own lines; add a section as one function and one entry in SECTIONS):

- `counters`: batches of events through the recorder (`Service.recorder.record`, the write path
  every source uses): per message a Send event and, in a later batch, its delivery, hard or soft
  bounce, sender-side refusal or complaint, from a few senders to recipients at every provider.
  Each event updates the hourly counters and the sent-message keys in the batch's transaction,
  so the rates are current at commit. Printed: events per second of the whole recorder (wall
  clock and this process's CPU time), and of the counting step alone (`count_new_events`,
  timed inside its own transactions on the same events).
- `rates`: `HealthMonitor.evaluate` (rates of every sender over the window, thresholds, alerts,
  incidents) on the counters the first section left: evaluations per second.

Target: at least 5,000 events/s with counters and rates kept current, on both databases.
Best of `--repeat` runs; the machine's other load shows in the wall clock, so the load average
is printed too and the CPU-time rate is given beside it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta

from bench_ses import postgres_database

from bouncewarden.config import Settings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.intake import Feedback, RawInput, ReadInput
from bouncewarden.parse.report import ParsedReport
from bouncewarden.service import Service
from bouncewarden.store.counters import count_new_events
from bouncewarden.store.engine import WRITE

START = datetime(2026, 3, 2, tzinfo=UTC)
SENDERS = ("news@example.org", "billing@example.org", "alerts@example.net")
DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "gmx.de", "example.com")
_OUTCOMES = (
    (Kind.DELIVERY, Severity.NONE, Reason.DELIVERED),
    (Kind.DELIVERY, Severity.NONE, Reason.DELIVERED),
    (Kind.DELIVERY, Severity.NONE, Reason.DELIVERED),
    (Kind.BOUNCE, Severity.HARD, Reason.USERUNKNOWN),
    (Kind.BOUNCE, Severity.SOFT, Reason.MAILBOXFULL),
    (Kind.BOUNCE, Severity.SENDER, Reason.BLOCKED),
    (Kind.COMPLAINT, Severity.COMPLAINT, Reason.FEEDBACK),
)


def _event(number: int, kind: Kind, severity: Severity, reason: Reason) -> FeedbackEvent:
    return FeedbackEvent(
        kind=kind,
        recipient=f"user{number}@{DOMAINS[number % len(DOMAINS)]}",
        severity=severity,
        reason=reason,
        dedupe_key=f"bench:{number}:{kind.value}",
        occurred_at=START + timedelta(seconds=number),
        source="bench",
        sender=SENDERS[number % len(SENDERS)],
        message_id=f"<{number}@bench.example.org>",
        campaign=f"campaign-{number % 5}",
    )


def batches(count: int, size: int) -> Iterator[list[FeedbackEvent]]:
    """`count` events in batches of `size`: a batch of sends, then a batch of their outcomes."""
    messages = size // 2
    for first in range(0, count // 2, messages):
        numbers = range(first, min(first + messages, count // 2))
        yield [_event(number, Kind.SEND, Severity.NONE, Reason.UNDEFINED) for number in numbers]
        yield [_event(number, *_OUTCOMES[number % len(_OUTCOMES)]) for number in numbers]


def _item(events: list[FeedbackEvent]) -> ReadInput:
    raw = RawInput(b"", "bench", START, "bench")
    return ReadInput(raw, Feedback(ParsedReport((), "bench"), tuple(events)))


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def bench_counters(service: Service, events: int, batch: int) -> None:
    """The recorder's rate with counters current at every commit, and the counting step's own rate."""
    work = list(batches(events, batch))
    wall, cpu = time.perf_counter(), time.process_time()
    for events_of_batch in work:
        service.recorder.record([_item(events_of_batch)])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    total = sum(len(part) for part in work)
    print(f"  recorder with counters: {total / wall:10,.0f} events/s wall, {total / cpu:10,.0f} by CPU time")
    # The counting step alone, on the same events again (rolled back, so the store is unchanged).
    wall = time.perf_counter()
    for events_of_batch in work:
        with service.engine.execution_options(**WRITE).connect() as connection:
            transaction = connection.begin()
            count_new_events(connection, events_of_batch)
            transaction.rollback()
    wall = time.perf_counter() - wall
    print(f"  counting step alone:    {total / wall:10,.0f} events/s wall")


def bench_rates(service: Service, events: int, batch: int) -> None:
    """Evaluations of every sender's rates, thresholds, alerts and incidents per second."""
    now = START + timedelta(seconds=events // 2)
    runs = 50
    wall = time.perf_counter()
    for run in range(runs):
        service.health.evaluate(now + timedelta(minutes=run))
    wall = time.perf_counter() - wall
    print(f"  health evaluation:      {runs / wall:10,.1f} evaluations/s ({1000 * wall / runs:.1f} ms each)")


SECTIONS: dict[str, Callable[[Service, int, int], None]] = {
    "counters": bench_counters,
    "rates": bench_rates,
}


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A fresh SQLite file, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bw-bench-health-") as temporary:
        yield f"sqlite:///{temporary}/bench.db"


def run(
    label: str, database: Callable[[], AbstractContextManager[str]], arguments: argparse.Namespace
) -> None:
    """Every section, `--repeat` times, each time on a fresh database."""
    for attempt in range(arguments.repeat):
        print(f"{label}, run {attempt + 1} of {arguments.repeat} (load {_load()}):")
        with database() as url, Service.open(Settings(database_url=url)) as service:
            for section in SECTIONS.values():
                section(service, arguments.events, arguments.batch)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    run("SQLite", sqlite_database, arguments)
    if not arguments.skip_postgres:
        run("PostgreSQL", lambda: postgres_database(arguments.postgres), arguments)


if __name__ == "__main__":
    main()
