"""HTTP API speed: `POST /v1/check` throughput, and one-address latency under 50 clients.

For each database (SQLite in a temporary folder; PostgreSQL at --postgres, in a throw-away
database), the script fills the suppression list with --rows addresses, starts
`bouncewarden serve` as its own process on 127.0.0.1, makes a read token with
`bouncewarden tokens create`, then measures over loopback:

1. addresses/s of `POST /v1/check` with 10,000 addresses a request (half suppressed, half
   unknown), the median of --repeat requests;
2. p50 and p99 latency (ms) and requests/s of one-address checks from 50 concurrent clients
   (httpx, keep-alive), --requests requests each.

The clients run on the same machine as the server, so both share its cores.

    python benchmarks/bench_api.py [--rows N] [--repeat N] [--requests N] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bouncewarden.config import Settings
from bouncewarden.service import Service
from bouncewarden.store.queries import Suppression

CLIENTS = 50
CHECK_SIZE = 10_000


def _command() -> str:
    script = Path(sys.executable).with_name("bouncewarden")
    return str(script) if script.exists() else shutil.which("bouncewarden") or "bouncewarden"


def _address(number: int) -> str:
    return f"user{number}@example{number % 97}.com"


def fill(url: str, rows: int) -> None:
    """A migrated database whose suppression list holds `rows` addresses."""
    stamp = datetime(2025, 1, 1, tzinfo=UTC)
    with Service.open(Settings(database_url=url)) as service:
        entries = (Suppression(_address(n), "hard_bounce", stamp, None, "bench") for n in range(rows))
        service.admin.import_suppressions(entries, label="bench", actor="bench")


@contextmanager
def served(url: str) -> Iterator[tuple[str, str]]:
    """`bouncewarden serve` on a free port over `url`; yields its base URL and a read token."""
    token = subprocess.run(
        [_command(), "tokens", "create", "--scope", "read", "--db", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [_command(), "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("bouncewarden serve did not start")
            time.sleep(0.2)
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=30)


def bulk_rate(base: str, token: str, rows: int, repeat: int) -> float:
    """Median addresses/s of 10,000-address checks."""
    addresses = [_address(i % rows) if i % 2 == 0 else f"fresh{i}@example.org" for i in range(CHECK_SIZE)]
    rates = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        for _ in range(repeat):
            started = time.perf_counter()
            answer = client.post("/v1/check", json={"addresses": addresses})
            answer.raise_for_status()
            rates.append(CHECK_SIZE / (time.perf_counter() - started))
            assert sum(r["suppressed"] for r in answer.json()["results"]) == CHECK_SIZE // 2
    return statistics.median(rates)


async def _client(base: str, token: str, requests: int, number: int, latencies: list[float]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for index in range(requests):
            body = {"addresses": [_address(number * requests + index)]}
            started = time.perf_counter()
            answer = await client.post("/v1/check", json=body)
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()


def concurrent_latency(base: str, token: str, requests: int) -> tuple[float, float, float]:
    """p50 ms, p99 ms and requests/s of one-address checks from `CLIENTS` clients at once."""
    latencies: list[float] = []

    async def run() -> None:
        await asyncio.gather(*(_client(base, token, requests, n, latencies) for n in range(CLIENTS)))

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return p50, p99, len(ordered) / elapsed


def measure(label: str, url: str, arguments: argparse.Namespace) -> None:
    fill(url, arguments.rows)
    with served(url) as (base, token):
        rate = bulk_rate(base, token, arguments.rows, arguments.repeat)
        p50, p99, throughput = concurrent_latency(base, token, arguments.requests)
    print(
        f"{label:10s} POST /v1/check x{CHECK_SIZE}: {rate:,.0f} addresses/s; one address, {CLIENTS} clients: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {throughput:,.0f} requests/s"
    )


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"bw_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="suppressed addresses stored first")
    parser.add_argument("--repeat", type=int, default=5, help="10,000-address checks to time")
    parser.add_argument("--requests", type=int, default=40, help="one-address checks per client")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", f"sqlite:///{folder}/bench.db", arguments)
    if not arguments.no_postgres:
        with postgres_database(arguments.postgres) as url:
            measure("PostgreSQL", url, arguments)


if __name__ == "__main__":
    main()
