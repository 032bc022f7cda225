"""PowerMTA accounting files and MTA logs into the store: rows (lines) per second, and memory.

    python benchmarks/bench_pmta.py [--rows 1000000] [--log-lines 1000000] [--skip-postgres]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
        [--only pmta|postfix-log|sendmail-log] [--repeat N]

Writes a synthetic accounting file in the documented format (a header row, then rows of
which 90 % are deliveries, 6 % bounces of several kinds, 3 % deferrals, 1 % complaints, over
200,000 recipients) and a Postfix log of the same mix (per message a `from=` line, one
delivery-agent line for its recipient and qmgr's `removed`, after which the reader forgets
the message's sender as Postfix's own log tells it to) and a sendmail log of the same mix
(per message a `from=` line and a `to=` line; a deferred message's third line is the
"Cannot send message" that gives up on it). sendmail logs no removal, so its reader's memory
of queue ids fills to its bound (100,000) and stays there: the worst case for storing what
changed in it with each batch. Then it reads each with `ingest --format`'s code
(`FileStream.read_once`) into a fresh SQLite file and a throw-away PostgreSQL database,
each run in its own process. The resident set size is sampled every second; "memory flat"
means the later samples stay near the early ones however many rows have been read. Besides
wall-clock rows per second it prints rows per CPU second of the reading process (the
database server's own work is not in it), which says more on a machine shared with others,
and the load average when it ended. With `--repeat N` each measurement runs N times, each
into a fresh database, and the best of the N (by rows per second, and by rows per CPU
second) is printed last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HEADER = "type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,vmta,jobId,dlvSourceIp\n"
_BOUNCES = (
    ("5.1.1", "smtp;550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown", "bad-mailbox"),
    (
        "5.7.1",
        '"smtp;554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org"',
        "spam-related",
    ),
    ("5.2.2", "smtp;552 5.2.2 Mailbox full", "quota-issues"),
)
T0 = 1796522700


def _row(number: int) -> str:
    rcpt = f"user{number % 200_000}@example{number % 97}.org"
    kind = number % 100
    head = f"{T0 + number // 50},news@example.com,{rcpt}"
    tail = f"vmta-a,job-{number % 7},198.51.100.7"
    if kind < 90:
        return f"d,{head},relayed,2.0.0,smtp;250 2.0.0 OK,mx.example.org,,{tail}\n"
    if kind < 96:
        status, diagnostic, category = _BOUNCES[number % 3]
        return f"b,{head},failed,{status},{diagnostic.format(rcpt=rcpt)},mx.example.org,{category},{tail}\n"
    if kind < 99:
        return f"t,{head},delayed,4.2.2,smtp;452 4.2.2 Mailbox full,mx.example.org,quota-issues,{tail}\n"
    return f"f,{head},,,,,,{tail}\n"


def write_accounting(path: Path, rows: int) -> None:
    with path.open("w") as handle:
        handle.write(HEADER)
        for number in range(rows):
            handle.write(_row(number))


_SAID = "host mx.example.org[192.0.2.10] said:"
_OUTCOMES = (
    (90, "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Y2q1M2xQzz1)"),
    (
        96,
        f"dsn=5.1.1, status=bounced ({_SAID} 550 5.1.1 <{{rcpt}}>: User unknown (in reply to RCPT TO command))",  # noqa: E501
    ),
    (100, f"dsn=4.2.2, status=deferred ({_SAID} 452 4.2.2 Mailbox full (in reply to RCPT TO command))"),
)


def write_postfix_log(path: Path, lines: int) -> None:
    with path.open("w") as handle:
        for number in range(0, lines, 3):
            queue_id = f"4Y{number:012X}"
            second = number // 50
            stamp = f"Dec  5 {(second // 3600) % 24:02d}:{(second // 60) % 60:02d}:{second % 60:02d} mta"
            rcpt = f"user{number % 200_000}@example{number % 97}.org"
            outcome = next(text for limit, text in _OUTCOMES if number % 100 < limit).format(rcpt=rcpt)
            handle.write(f"{stamp} postfix/qmgr[1]: {queue_id}: from=<news@example.com>, size=812, nrcpt=1\n")
            relay = "relay=mx.example.org[192.0.2.10]:25, delay=1, delays=0/0/0.5/0.5"
            handle.write(f"{stamp} postfix/smtp[2]: {queue_id}: to=<{rcpt}>, {relay}, {outcome}\n")
            handle.write(f"{stamp} postfix/qmgr[1]: {queue_id}: removed\n")


_SENDMAIL_OUTCOMES = (
    (90, "dsn=2.0.0, stat=Sent (4Y2q1M2xQzz1 Message accepted for delivery)"),
    (96, "dsn=5.1.1, reply=550 5.1.1 <{rcpt}>: User unknown, stat=User unknown"),
    (100, "dsn=4.2.2, stat=Deferred: 452 4.2.2 Mailbox full"),
)


def write_sendmail_log(path: Path, lines: int) -> None:
    with path.open("w") as handle:
        written = number = 0
        while written < lines:
            queue_id = f"4B{number:010X}"
            second = number // 25
            stamp = f"Dec  5 {(second // 3600) % 24:02d}:{(second // 60) % 60:02d}:{second % 60:02d} mta"
            rcpt = f"user{number % 200_000}@example{number % 97}.org"
            outcome = next(text for limit, text in _SENDMAIL_OUTCOMES if number % 100 < limit)
            handle.write(
                f"{stamp} sm-mta[4300]: {queue_id}: from=<news@example.com>, size=812, class=0, nrcpts=1, "
                f"msgid=<{number}.campaign@example.com>, relay=localhost [127.0.0.1]\n"
            )
            relay = "relay=mx.example.org. [192.0.2.10]"
            handle.write(
                f"{stamp} sm-mta[4301]: {queue_id}: to=<{rcpt}>, delay=00:00:01, xdelay=00:00:01, "
                f"mailer=esmtp, pri=120812, {relay}, {outcome.format(rcpt=rcpt)}\n"
            )
            written += 2
            if "Deferred" in outcome:
                notify = "sender notify: Cannot send message for 5 days"
                handle.write(f"{stamp} sm-mta[4302]: {queue_id}: 4B{number:08X}zz: {notify}\n")
                written += 1
            number += 1


_WRITERS = {"pmta": write_accounting, "postfix-log": write_postfix_log, "sendmail-log": write_sendmail_log}


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_one(database_url: str, format_name: str, path: Path) -> dict[str, object]:
    """Read `path` into `database_url` (in this process); the timing and memory samples."""
    from bouncewarden.config import Settings
    from bouncewarden.service import Service
    from bouncewarden.sources.logs import FileStream

    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            samples.append(round(_rss_mib(), 1))

    settings = Settings(database_url=database_url, data_dir=path.parent)
    with Service.open(settings) as service:
        stream = FileStream(service.files, name=format_name, format_name=format_name)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        report = stream.read_once(path)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        done.set()
    return {
        "format": format_name,
        "database": database_url.split(":", 1)[0],
        "records": report.records,
        "new_events": report.stored.new_events,
        "seconds": round(elapsed, 1),
        "records_per_second": round(report.records / elapsed),
        "cpu_seconds": round(cpu, 1),
        "records_per_cpu_second": round(report.records / cpu),
        "rss_mib_samples": samples[:: max(1, len(samples) // 10)],
        "load_average": [round(value, 1) for value in os.getloadavg()],
    }


def _postgres_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return name, f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"


def _drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--log-lines", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", choices=list(_WRITERS), default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (best printed last)")
    parser.add_argument("--child", nargs=3, metavar=("URL", "FORMAT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, format_name, file_name = args.child
        print(json.dumps(run_one(url, format_name, Path(file_name))))
        return
    with tempfile.TemporaryDirectory(prefix="bench_pmta_") as folder:
        work = Path(folder)
        inputs = {
            "pmta": (work / "acct.csv", args.rows),
            "postfix-log": (work / "mail.log", args.log_lines),
            "sendmail-log": (work / "sendmail.log", args.log_lines),
        }
        for format_name, (path, count) in inputs.items():
            if args.only and format_name != args.only:
                continue
            _WRITERS[format_name](path, count)
            databases = ["sqlite"] if args.skip_postgres else ["sqlite", "postgresql"]
            for database in databases:
                runs = [_measure(args, database, format_name, path, work, run) for run in range(args.repeat)]
                if args.repeat > 1:
                    best = {
                        "best_of": args.repeat,
                        "format": format_name,
                        "database": database,
                        "records_per_second": max(run["records_per_second"] for run in runs),
                        "records_per_cpu_second": max(run["records_per_cpu_second"] for run in runs),
                    }
                    print(json.dumps(best), flush=True)


def _measure(
    args: argparse.Namespace, database: str, format_name: str, path: Path, work: Path, run: int
) -> dict[str, int]:
    """One child run into a fresh database; its result line printed, and returned."""
    created = None
    if database == "sqlite":
        url = f"sqlite:///{work / f'{format_name}-{run}.db'}"
    else:
        created, url = _postgres_database(args.postgres)
    try:
        child = [sys.executable, __file__, "--child", url, format_name, str(path)]
        result = subprocess.run(child, check=True, capture_output=True, text=True)
    finally:
        if created is not None:
            _drop(args.postgres, created)
    line = result.stdout.strip().splitlines()[-1]
    print(line, flush=True)
    found: dict[str, int] = json.loads(line)
    return found


if __name__ == "__main__":
    main()
