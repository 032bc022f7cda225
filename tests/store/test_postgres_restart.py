"""PostgreSQL going away in the middle of `ingest` and of a running SQS worker.

A throw-away PostgreSQL cluster of its own (initdb in the test's tmp folder, run as the
`postgres` system user, on a free loopback port) is stopped with `pg_ctl -m immediate` (as a
crash or a restart would) while the process writes, then started again. Wanted: `ingest` stops
with one clear line and exit status 4, no traceback, nothing quarantined; a rerun stores the
rest; the worker keeps running, retries with backoff and drains the queue once the database is
back; every event is there once. The shared server on 5432 is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa

from fixtures_moto import aws_env, moto_endpoint, unique_name

__all__ = ["aws_env", "moto_endpoint"]

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_ses

_BIN = Path("/usr/lib/postgresql/15/bin")


def _can_run_a_cluster() -> bool:
    return os.geteuid() == 0 and (_BIN / "initdb").exists() and shutil.which("runuser") is not None


pytestmark = pytest.mark.skipif(
    not _can_run_a_cluster(), reason="needs root, runuser and PostgreSQL binaries"
)


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres?connect_timeout=3"

    def _ctl(self, *args: str) -> None:
        command = [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(_BIN / "pg_ctl"),
            "-D",
            str(self.folder / "data"),
            *args,
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._ctl("-m", "immediate", "-w", "stop")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    # Not under pytest's tmp folder: that one is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="bw-pg-restart-"))
    shutil.chown(folder, "postgres", "postgres")
    initdb = [str(_BIN / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync"]
    subprocess.run(["runuser", "-u", "postgres", "--", *initdb], check=True, capture_output=True, timeout=120)
    running = Cluster(folder, _free_port())
    running.start()
    try:
        yield running
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(_BIN / "pg_ctl"),
                "-D",
                str(folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _count(url: str, query: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(query)).scalar_one())
    except sa.exc.OperationalError:
        return -1
    finally:
        engine.dispose()


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _bouncewarden(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "bouncewarden.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def _upgrade(cluster: Cluster) -> None:
    command = [sys.executable, "-m", "bouncewarden.cli", "db", "upgrade", "--db", cluster.url]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def test_ingest_stops_cleanly_and_a_rerun_stores_the_rest(cluster: Cluster, tmp_path: Path) -> None:
    total = 12_000
    folder = tmp_path / "in"
    bench_ses.write_inputs(folder, total, 500, raw=False, bounces_only=False)
    _upgrade(cluster)
    first = _bouncewarden("ingest", "--json", "--db", cluster.url, str(folder))
    _wait_for(lambda: _count(cluster.url, "SELECT count(*) FROM events") >= 1000, 60, "a first batch")
    cluster.stop()
    out, err = first.communicate(timeout=120)
    assert first.returncode == 4, (out, err)
    assert b"Traceback" not in err and b"Traceback" not in out
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "database" in lines[0] and "again" in lines[0], lines
    cluster.start()
    assert _count(cluster.url, "SELECT count(*) FROM quarantine") == 0  # an outage is no bad input
    second = _bouncewarden("ingest", "--json", "--db", cluster.url, str(folder))
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert _count(cluster.url, "SELECT count(*) FROM events") == total
    assert _count(cluster.url, "SELECT count(DISTINCT dedupe_key) FROM events") == total
    assert _count(cluster.url, "SELECT count(*) FROM addresses WHERE state = 'suppressed'") == total // 2
    assert _count(cluster.url, "SELECT count(*) FROM quarantine") == 0


def test_worker_rides_out_a_restart(
    cluster: Cluster, tmp_path: Path, aws_env: dict[str, str], moto_endpoint: str
) -> None:
    total = 300
    folder = tmp_path / "in"
    bench_ses.write_inputs(folder, total, total, raw=False, bounces_only=True)
    import json

    bodies = [message["Body"] for message in json.loads(next(folder.iterdir()).read_text())["Messages"]]
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)
    queue_url = sqs.create_queue(QueueName=unique_name("bw-restart"))["QueueUrl"]
    for start in range(0, total, 10):
        entries = [{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    _upgrade(cluster)
    log = (tmp_path / "worker.log").open("wb")
    settings = tmp_path / "settings.toml"
    settings.write_text("[sqs]\nwait_seconds = 1\nvisibility_timeout = 2\n")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bouncewarden.cli",
            "worker",
            "--sqs",
            queue_url,
            "--db",
            cluster.url,
            "--config",
            str(settings),
            "--endpoint-url",
            moto_endpoint,
            "--per-message-delay",
            "0.02",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **aws_env},
    )
    try:
        _wait_for(lambda: _count(cluster.url, "SELECT count(*) FROM events") >= 20, 60, "the first batches")
        cluster.stop()
        time.sleep(3)  # the worker meets the outage a few times
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        cluster.start()

        def drained() -> bool:
            names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
            empty = all(attributes[name] == "0" for name in names)
            return empty and _count(cluster.url, "SELECT count(*) FROM events") >= total

        _wait_for(drained, 120, "the worker to drain the queue after the restart")
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
        log.close()
    text = (tmp_path / "worker.log").read_text()
    assert code == 0, text
    assert "Traceback" not in text and "database unavailable" in text
    assert _count(cluster.url, "SELECT count(DISTINCT dedupe_key) FROM events") == total
    assert _count(cluster.url, "SELECT count(*) FROM events") == total
    assert _count(cluster.url, "SELECT count(*) FROM quarantine") == 0
