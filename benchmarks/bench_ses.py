"""SES feedback through the whole `bouncewarden ingest` process: notifications per second, peak memory.

    pip install -e '.[bench]'
    python benchmarks/bench_ses.py [--notifications 100000] [--per-file 1000] [--raw]
        [--skip-postgres] [--skip-bounces] [--memory 1000000]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

The input is what an SQS consumer dumps: boto3 `ReceiveMessage` responses saved as files of
`--per-file` messages each, every body an SES identity notification in an SNS envelope (or bare
with `--raw`, as with raw message delivery). Half are `Permanent` bounces, half deliveries, each
to an address never seen before, so every bounce creates and suppresses an address and every
delivery only counts. Each run is a fresh database and one `bouncewarden ingest --json FOLDER`
process, timed from start to exit (interpreter start, migrations and all); its peak RSS comes
from `wait4`. Runs: SQLite and PostgreSQL (a throw-away database, dropped afterwards) on the
mix, SQLite on bounces alone, and with `--memory N` the mix again at N notifications to see
that memory stays flat (a last line compares the two peaks). Each line gives the wall-clock
rate and the rate by the process's own CPU time: on a busy machine the first counts other
programs' turns too. Run it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "samples" / "ses"
BOUNCE = SAMPLES / "notification" / "bounce-permanent-general.json"
DELIVERY = SAMPLES / "notification" / "delivery.json"


def _notification(template: dict[str, object], index: int) -> dict[str, object]:
    document = json.loads(json.dumps(template))
    address = f"user{index}@example{index % 97}.org"
    mail = document["mail"]
    assert isinstance(mail, dict)
    mail["messageId"] = f"0100bench-{uuid.uuid4()}-000000"
    mail["destination"] = [address]
    if "bounce" in document:
        bounce = document["bounce"]
        assert isinstance(bounce, dict)
        bounce["bouncedRecipients"] = [{**bounce["bouncedRecipients"][0], "emailAddress": address}]
    else:
        delivery = document["delivery"]
        assert isinstance(delivery, dict)
        delivery["recipients"] = [address]
    return document


def _envelope(message: str, index: int) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:bouncewarden-ses-feedback",
            "Message": message,
            "Timestamp": "2025-11-03T09:14:24.003Z",
            "SignatureVersion": "1",
            "Signature": "bench",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-bench.pem",
            "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&n={index}",
        }
    )


def write_inputs(folder: Path, count: int, per_file: int, *, raw: bool, bounces_only: bool) -> int:
    """ReceiveMessage files holding `count` fresh notifications; the bytes written."""
    templates = [json.loads(BOUNCE.read_text()), json.loads(DELIVERY.read_text())]
    folder.mkdir(parents=True)
    written = 0
    for start in range(0, count, per_file):
        messages = []
        for index in range(start, min(start + per_file, count)):
            template = templates[0] if bounces_only else templates[index % 2]
            body = json.dumps(_notification(template, index))
            messages.append(
                {
                    "MessageId": str(uuid.uuid4()),
                    "ReceiptHandle": f"bench-{index}",
                    "MD5OfBody": "-",
                    "Body": body if raw else _envelope(body, index),
                }
            )
        data = json.dumps({"Messages": messages}).encode()
        (folder / f"receive-{start // per_file:06d}.json").write_bytes(data)
        written += len(data)
    return written


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A throw-away database on the server of `admin_url`, dropped afterwards."""
    import psycopg

    name = f"bw_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_ingest(folder: Path, database_url: str) -> tuple[float, float, int, dict[str, int]]:
    """Wall seconds, CPU seconds, peak RSS in KiB and the `--json` summary of one `ingest` process."""
    command = [
        sys.executable,
        "-m",
        "bouncewarden.cli",
        "ingest",
        "--json",
        "--db",
        database_url,
        str(folder),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.read(), process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"ingest failed ({process.returncode}): {err.decode()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss, json.loads(out.decode().splitlines()[-1])


def report(
    label: str, count: int, seconds: float, cpu: float, peak_kib: int, summary: dict[str, int]
) -> None:
    # On a shared machine the wall clock counts other programs' turns too; the CPU time the
    # process itself used says what it would do alone (the database server's own work, for
    # PostgreSQL, is not in it).
    assert summary["new_events"] == count, summary
    print(
        f"{label:<32} {count:>9,} notifications  wall {seconds:6.1f} s {count / seconds:>7,.0f}/s"
        f"  cpu {cpu:6.1f} s {count / cpu:>7,.0f}/s  peak {peak_kib / 1024:5.0f} MiB",
        flush=True,
    )


def bench(label: str, work: Path, count: int, per_file: int, database_url: str | None, **shape: bool) -> int:
    """Run one case and print its line; the peak RSS in KiB. The inputs are deleted afterwards."""
    folder = work / label.replace(" ", "-").replace(",", "").replace("(", "").replace(")", "")
    write_inputs(folder, count, per_file, **shape)
    os.sync()  # the inputs' writeback is not the ingest's work
    if database_url is None:
        database_url = f"sqlite:///{work / (folder.name + '.db')}"
    seconds, cpu, peak, summary = run_ingest(folder, database_url)
    report(label, count, seconds, cpu, peak, summary)
    shutil.rmtree(folder)  # a million notifications take gigabytes
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notifications", type=int, default=100_000)
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--raw", action="store_true", help="Bodies without SNS envelopes.")
    parser.add_argument("--memory", type=int, default=0, help="Also run the SQLite mix at this size.")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-bounces", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    count, per_file, raw = arguments.notifications, arguments.per_file, arguments.raw
    with tempfile.TemporaryDirectory(prefix="bw-bench-ses-") as temporary:
        work = Path(temporary)
        peak = bench("SQLite, half bounces", work, count, per_file, None, raw=raw, bounces_only=False)
        if not arguments.skip_bounces:
            bench("SQLite, bounces only", work, count, per_file, None, raw=raw, bounces_only=True)
        if not arguments.skip_postgres:
            with postgres_database(arguments.postgres) as url:
                bench("PostgreSQL, half bounces", work, count, per_file, url, raw=raw, bounces_only=False)
        if arguments.memory:
            large = bench(
                "SQLite, half bounces (memory)",
                work,
                arguments.memory,
                per_file,
                None,
                raw=raw,
                bounces_only=False,
            )
            print(
                f"memory: peak {peak / 1024:.0f} MiB at {count:,} notifications, "
                f"{large / 1024:.0f} MiB at {arguments.memory:,} ({(large - peak) / peak:+.0%})"
            )


if __name__ == "__main__":
    main()
