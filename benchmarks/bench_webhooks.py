"""Outgoing webhooks: signed deliveries per second to a receiver on loopback.

    python benchmarks/bench_webhooks.py [--events 5000] [--addresses 5000] [--repeat 3]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--skip-postgres]

For each database (a fresh SQLite file, then a throw-away PostgreSQL database), `--events`
address changes are written to the outbox (manual suppressions and lifts spread over
`--addresses` addresses, so fewer addresses mean longer chains that must go in order), then
one `WebhookDeliverer.run_once` queues and sends them all to an HTTP receiver in its own
process that answers 200 at once. Reported, best of `--repeat` fresh runs: events per second
from the first read of the outbox to the last write-back (wall clock and this process's CPU
time), and a check that every event was delivered exactly once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bouncewarden.config import Settings
from bouncewarden.config_webhooks import WebhookSettings
from bouncewarden.monitor.webhooks import WebhookDeliverer
from bouncewarden.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_smtp import postgres_database


def _serve(port_out: Any, count: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with count.get_lock():
                count.value += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.send(server.server_address[1])
    server.serve_forever()


@contextmanager
def receiver() -> Iterator[tuple[str, Any]]:
    """A 200-answering receiver in its own process: its URL and its request counter."""
    parent, child = multiprocessing.Pipe()
    count = multiprocessing.Value("l", 0)
    process = multiprocessing.Process(target=_serve, args=(child, count), daemon=True)
    process.start()
    try:
        yield f"http://127.0.0.1:{parent.recv()}/hook", count
    finally:
        process.terminate()
        process.join()


def _fill(service: Service, events: int, addresses: int) -> None:
    """`events` outbox rows: rounds of suppressing and lifting `addresses` addresses."""
    names = [f"user{index}@example.org" for index in range(addresses)]
    written = 0
    suppress = True
    while written < events:
        chunk = names[: events - written]
        if suppress:
            service.admin.suppress(chunk, note=None, actor="bench")
        else:
            service.admin.unsuppress(chunk, note=None, actor="bench")
        written += len(chunk)
        suppress = not suppress


def run_once(url: str, database_url: str, events: int, addresses: int, count: Any) -> tuple[float, float]:
    """One fresh run: (wall seconds, CPU seconds) to deliver every event."""
    os.environ["BENCH_WEBHOOK_SECRET"] = "bench"
    webhook = WebhookSettings(name="bench", url=url, secret_env="BENCH_WEBHOOK_SECRET")
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(database_url=database_url, data_dir=Path(data), webhooks=[webhook])
        with Service.open(settings) as service:
            _fill(service, events, addresses)
            before = count.value
            deliverer = WebhookDeliverer(service.webhooks, [webhook])
            wall, cpu = time.perf_counter(), time.process_time()
            report = deliverer.run_once()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            deliverer.close()
            [summary] = service.webhooks.summaries(["bench"], history=True)
    received = count.value - before
    if not (report.delivered == summary.delivered == received == events and summary.pending == 0):
        raise SystemExit(
            f"delivered {report.delivered}, stored {summary.delivered}, received {received} of {events}"
        )
    return wall, cpu


def bench(label: str, make_url: Any, args: argparse.Namespace, url: str, count: Any) -> None:
    runs = []
    for _ in range(args.repeat):
        with make_url() as database_url:
            runs.append(run_once(url, database_url, args.events, args.addresses, count))
    wall = min(run[0] for run in runs)
    cpu = min(run[1] for run in runs)
    best = f"best of {args.repeat}"
    rates = f"{args.events / wall:8.0f} events/s wall ({best}), {args.events / cpu:8.0f} events/s CPU"
    print(f"{label:10} {args.events} events over {args.addresses} addresses: {rates}")


@contextmanager
def _sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--addresses", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", file=sys.stderr)
    with receiver() as (url, count):
        bench("sqlite", _sqlite, args, url, count)
        if not args.skip_postgres:
            bench("postgresql", lambda: postgres_database(args.postgres), args, url, count)


if __name__ == "__main__":
    main()
