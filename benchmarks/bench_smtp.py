"""Bounce mail in: SMTP receiver throughput and IMAP scan speed, on loopback.

    python benchmarks/bench_smtp.py [--messages 3000] [--clients 20] [--imap-messages 500]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--skip-postgres] [--skip-imap]

SMTP: `bouncewarden smtp` runs as its own process (as in production) over a fresh SQLite file,
then over a throw-away PostgreSQL database. `--clients` SMTP sessions (threads spread over four
client processes) each send their share of `--messages` RFC 3464 bounces, every one about a new
recipient with its own original Message-ID, so each is a new event. Reported: bounces per
second from the first connection to the last `250`, the p50/p99 time from `MAIL FROM` to the
`250` after DATA, the receiver's peak resident memory (VmHWM), and a check that the store holds
one event per bounce sent.

IMAP: dovecot (as the tests run it, tests/dovecot.py) with `--imap-messages` bounces in the
INBOX; one `scan_mailbox` over TLS with `after = "move"`: messages per second.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bouncewarden.store.engine import normalise_url
from bouncewarden.store.models import Event
from mail_support import dsn, free_port

BOUNCEWARDEN = str(Path(sys.executable).with_name("bouncewarden"))
DOMAIN = "bounces.example.com"
_CLIENT_PROCESSES = 4


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A throw-away PostgreSQL database, dropped afterwards."""
    name = f"bw_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _peak_memory_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the receiver exited before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the receiver did not listen in time")


def _client(port: int, messages: list[bytes], latencies: list[float], failures: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo()
        for number, data in enumerate(messages):
            started = time.perf_counter()
            try:
                client.sendmail("<>", [f"bounces+r{number}=example.com@{DOMAIN}"], data)
            except smtplib.SMTPException as err:
                failures.append(str(err))
                continue
            latencies.append(time.perf_counter() - started)


def _client_process(port: int, shares: list[list[bytes]]) -> tuple[list[float], list[str]]:
    """Run one SMTP session per share, each in its own thread; their latencies and failures."""
    latencies: list[float] = []
    failures: list[str] = []
    threads = [threading.Thread(target=_client, args=(port, share, latencies, failures)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures


def bench_smtp(label: str, database_url: str, total: int, clients: int, folder: Path) -> None:
    """Send `total` bounces from `clients` sessions to a `bouncewarden smtp` process."""
    port = free_port()
    config = folder / f"{label}.toml"
    config.write_text(
        f'[smtp]\nport = {port}\ndomains = ["{DOMAIN}"]\nmax_sessions_per_client = {clients + 5}\n'
    )
    process = subprocess.Popen(
        [BOUNCEWARDEN, "smtp", "--config", str(config), "--db", database_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(port, process)
        run = secrets.token_hex(3)
        shares: list[list[bytes]] = [[] for _ in range(clients)]
        for number in range(total):
            recipient = f"user{number}.{run}@example.com"
            shares[number % clients].append(
                dsn(recipient, original_id=f"<b{number}.{run}@sender.example.com>")
            )
        # The sessions are spread over a few processes: one Python process cannot drive twenty
        # SMTP sessions at full speed by itself (the GIL), and the load generator must not be
        # what is measured.
        groups = [shares[start::_CLIENT_PROCESSES] for start in range(_CLIENT_PROCESSES)]
        started = time.perf_counter()
        with multiprocessing.Pool(_CLIENT_PROCESSES) as pool:
            outcomes = pool.starmap(_client_process, [(port, group) for group in groups if group])
        elapsed = time.perf_counter() - started
        latencies = [value for values, _ in outcomes for value in values]
        failures = [failure for _, found in outcomes for failure in found]
        peak = _peak_memory_kib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(Event)).scalar_one()
    engine.dispose()
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"smtp {label:<10} {total} bounces, {clients} clients: {total / elapsed:7.0f} bounces/s; "
        f"time to 250 p50 {p50:.1f} ms, p99 {p99:.1f} ms; receiver peak RSS {peak / 1024:.0f} MiB; "
        f"events stored {stored}, failures {len(failures)}"
    )


def bench_imap(count: int, folder: Path) -> None:
    """Scan `count` bounces from dovecot over IMAPS into SQLite."""
    from bouncewarden.config import Settings
    from bouncewarden.config_mail import MailboxSettings
    from bouncewarden.service import Service
    from bouncewarden.sources.mail_intake import mail_recorder
    from bouncewarden.sources.mailbox import scan_mailbox
    from dovecot import PASSWORD, USER, is_installed, running_dovecot

    if not is_installed():
        print("imap: dovecot is not installed; skipped")
        return
    os.environ["BW_BENCH_IMAP_PASSWORD"] = PASSWORD
    home = Path(tempfile.mkdtemp(prefix="bw-bench-dovecot-"))
    try:
        with running_dovecot(home) as server:
            for number in range(count):
                server.deliver(
                    f"m{number}", dsn(f"imap{number}@example.com", original_id=f"<i{number}@s.example.com>")
                )
            settings = MailboxSettings(
                name="bench",
                kind="imap",
                host="127.0.0.1",
                port=server.imaps_port,
                ca_file=server.ca_file,
                username=USER,
                password_env="BW_BENCH_IMAP_PASSWORD",
                after="move",
            )
            with Service.open(
                Settings(database_url=f"sqlite:///{folder / 'imap.db'}", data_dir=folder)
            ) as service:
                started = time.perf_counter()
                report = scan_mailbox(settings, mail_recorder(service), service.mail_sources)
                elapsed = time.perf_counter() - started
        print(f"imap scan  {count} messages: {count / elapsed:7.0f} messages/s ({report.line()})")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--imap-messages", type=int, default=500)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-imap", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bw-bench-smtp-") as name:
        folder = Path(name)
        bench_smtp("sqlite", f"sqlite:///{folder / 'smtp.db'}", options.messages, options.clients, folder)
        if not options.skip_postgres:
            with postgres_database(options.postgres) as url:
                bench_smtp("postgresql", url, options.messages, options.clients, folder)
        if not options.skip_imap:
            bench_imap(options.imap_messages, folder)


if __name__ == "__main__":
    main()
