"""`bouncewarden ingest` and `bouncewarden serve` (the commands of `bouncewarden.cli.ingest`).

`ingest` runs through click's CliRunner on SQLite and PostgreSQL. `serve` runs as a real
subprocess on a free port: readiness on /healthz, a clean exit on SIGTERM and SIGINT, the
default SQLite database in ./data, and the SQS consumer against a moto server.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from bouncewarden.cli import main
from feedback_files import NEWSLETTER, dsn, ses_bounce, ses_complaint
from fixtures_moto import aws_env, moto_endpoint, unique_name
from terminal import BOUNCEWARDEN, clean_env

__all__ = ["aws_env", "moto_endpoint"]  # fixtures, imported to be found by name

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
SUMMARY_KEYS = [
    "inputs",
    "new_events",
    "duplicates",
    "hard",
    "soft",
    "complaints",
    "sender",
    "not_feedback",
    "quarantined",
    "store_unavailable",
]


def ingest(database_url: str, *arguments: str) -> Result:
    return CliRunner().invoke(main, ["ingest", *arguments, "--db", database_url], catch_exceptions=False)


def check(database_url: str, *addresses: str) -> list[str]:
    result = CliRunner().invoke(main, ["check", *addresses, "--db", database_url], catch_exceptions=False)
    return result.stdout.splitlines()


def mbox(*messages: bytes) -> bytes:
    return b"".join(
        b"From MAILER-DAEMON  Mon Nov  3 09:00:00 2025\n" + message + b"\n" for message in messages
    )


def test_json_summary_has_every_count(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "complaint.json"
    path.write_bytes(ses_complaint("angry@example.com", T0))
    result = ingest(database_url, "--json", str(path))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert list(summary) == SUMMARY_KEYS
    assert summary == dict.fromkeys(SUMMARY_KEYS, 0) | {"inputs": 1, "new_events": 1, "complaints": 1}


def test_text_summary_and_no_progress_bar_off_a_terminal(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(60):  # enough files for a bar, were stderr a terminal
        (folder / f"{number:02d}.eml").write_bytes(dsn(f"user{number}@example.org", T0))
    result = ingest(database_url, str(folder))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "inputs read:         60",
        "new events:          60",
        "duplicates skipped:  0",
        "hard bounces:        60",
        "soft bounces:        0",
        "complaints:          0",
        "sender-side:         0",
        "not feedback:        0",
        "quarantined:         0",
    ]
    assert result.stderr == ""


def test_mbox_maildir_and_files_in_one_run(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "bounces.mbox").write_bytes(
        mbox(dsn("one@example.org", T0), NEWSLETTER, dsn("two@example.org", T0, status="4.2.2"))
    )
    maildir = tmp_path / "Maildir"
    for part in ("cur", "new", "tmp"):
        (maildir / part).mkdir(parents=True)
    (maildir / "new" / "1762160400.1.mx").write_bytes(dsn("three@example.org", T0))
    (maildir / "cur" / "1762160401.2.mx:2,S").write_bytes(NEWSLETTER)
    (tmp_path / "ses.json").write_bytes(ses_bounce("four@example.com", T0))
    result = ingest(
        database_url, "--json", str(tmp_path / "bounces.mbox"), str(maildir), str(tmp_path / "ses.json")
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["inputs"] == 6
    assert (summary["hard"], summary["soft"], summary["not_feedback"]) == (3, 1, 2)
    assert check(
        database_url, "one@example.org", "two@example.org", "three@example.org", "four@example.com"
    ) == [
        "one@example.org\tsuppressed\thard_bounce",
        "two@example.org\tsoft",
        "three@example.org\tsuppressed\thard_bounce",
        "four@example.com\tsuppressed\thard_bounce",
    ]


def test_the_sqlite_database_itself_is_not_ingested(tmp_path: Path) -> None:
    (tmp_path / "hard.json").write_bytes(ses_bounce("hard@example.com", T0))
    database_url = f"sqlite:///{(tmp_path / 'here.db').as_posix()}"
    assert ingest(database_url, str(tmp_path)).exit_code == 0
    result = ingest(database_url, "--json", str(tmp_path))  # here.db (and its -wal) exist now
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inputs"] == 1


def test_source_name_is_stored(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bounce.eml"
    path.write_bytes(dsn("gone@example.org", T0))
    assert ingest(database_url, "--source", "postmaster-box", str(path)).exit_code == 0
    history = CliRunner().invoke(main, ["history", "gone@example.org", "--db", database_url]).stdout
    assert "source postmaster-box" in history


def test_bad_config_is_misuse(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[policy]\ngrace_days = 99\n")
    path = tmp_path / "x.eml"
    path.write_bytes(NEWSLETTER)
    result = CliRunner().invoke(main, ["ingest", "--config", str(config), str(path)])
    assert result.exit_code == 2
    assert "invalid settings" in result.output


# --- serve ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """A `bouncewarden serve` subprocess."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited early ({self.process.returncode}): {self.stop_output()}")
            try:
                response = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1.0)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            assert response.json() == {"status": "ok"}
            return
        raise AssertionError("serve did not answer /healthz in time")

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signum)
        _, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stderr

    def stop_output(self) -> str:
        self.process.kill()
        return self.process.communicate()[1]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(
        [BOUNCEWARDEN, "serve", "--port", str(port), "--jobs-interval", "0.5"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    served = Served(process, port)
    try:
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_health_and_stops_cleanly(serve: Served, tmp_path: Path, signum: int) -> None:
    serve.wait_healthy()
    assert (tmp_path / "data" / "bouncewarden.db").is_file()
    returncode, stderr = serve.stop(signum)
    assert returncode == 0, stderr
    assert f"bouncewarden serve: ready (http://127.0.0.1:{serve.port}" in stderr
    assert stderr.rstrip().endswith("bouncewarden serve: stopped")


def test_serve_reports_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [BOUNCEWARDEN, "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env(),
        )
    assert result.returncode == 1
    assert f"could not start on 127.0.0.1:{port}" in result.stderr


def test_serve_consumes_the_configured_sqs_queue(
    aws_env: dict[str, str], moto_endpoint: str, tmp_path: Path
) -> None:
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName=unique_name("serve"))["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=ses_bounce("queued@example.com", T0).decode())
    config = tmp_path / "bouncewarden.toml"
    config.write_text(
        f'[sqs]\nqueue_urls = ["{queue_url}"]\nwait_seconds = 1\n\n[aws]\nendpoint_url = "{moto_endpoint}"\n'
    )
    database_url = f"sqlite:///{(tmp_path / 'serve.db').as_posix()}"
    port = free_port()
    process = subprocess.Popen(
        [BOUNCEWARDEN, "serve", "--port", str(port), "--config", str(config), "--db", database_url],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(**aws_env),
    )
    served = Served(process, port)
    try:
        served.wait_healthy()
        deadline = time.monotonic() + 30
        while check(database_url, "queued@example.com") != ["queued@example.com\tsuppressed\thard_bounce"]:
            assert time.monotonic() < deadline, "the queued bounce was not stored in time"
            time.sleep(0.2)
        returncode, stderr = served.stop()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert returncode == 0, stderr
    depth = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_huge_file_is_refused_by_size_and_quarantined_once(database_url: str, tmp_path: Path) -> None:
    """Issue 8 risk: a 200 MB input was read whole (741 MB peak) and kept again on every re-run."""
    import tracemalloc

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    huge = inputs / "huge.eml"
    with huge.open("wb") as handle:
        handle.write(b"From: someone@example.org\nSubject: big\n\n")
        handle.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    (inputs / "hard.json").write_bytes(ses_bounce("hard@example.com", T0))
    warm = tmp_path / "warm.eml"  # loads the parsers and the database layer before measuring
    warm.write_bytes(dsn("warm@example.com", T0))
    assert ingest_status(database_url, str(warm)).exit_code == 0
    tracemalloc.start()
    try:
        first = ingest_status(database_url, str(inputs))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024
    assert first.exit_code == 3
    assert f"quarantined {huge}: 209715200 bytes exceed the 67108864-byte limit" in first.stderr
    assert "new events:          1" in first.stdout
    again = ingest_status(database_url, str(inputs))
    assert again.exit_code == 3
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT size FROM quarantine")).scalars().all()
    engine.dispose()
    assert kept == [64 * 1024]  # one copy of the first 64 KiB, however often it is re-run


def test_dangling_symlink_is_reported(database_url: str, tmp_path: Path) -> None:
    """Issue 8 risk: a symbolic link pointing nowhere under an ingested folder was skipped silently."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "hard.json").write_bytes(ses_bounce("hard@example.com", T0))
    (inputs / "gone.eml").symlink_to(tmp_path / "missing.eml")
    result = ingest_status(database_url, str(inputs))
    assert result.exit_code == 3
    assert f"quarantined {inputs / 'gone.eml'}: dangling symbolic link to" in result.stderr
    assert "quarantined:         1" in result.stdout


def ingest_status(database_url: str, *arguments: str) -> Result:
    return CliRunner().invoke(main, ["ingest", *arguments, "--db", database_url])


def test_deeply_nested_json_is_quarantined_and_the_run_goes_on(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Defect 1: a nested SQS response ended the run with RecursionError (exit 1, later files unread)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    nesting = "[" * 100_000 + "]" * 100_000
    (inputs / "a-response.json").write_text('{"Messages": [], "ReceiptHandle": "x", "deep": ' + nesting + "}")
    (inputs / "b-plain.json").write_text('{"deep": ' + nesting + "}")
    (inputs / "c-message.json").write_text(
        '{"Type": "Notification", "Message": "{\\"notificationType\\": ' + "[" * 50_000 + '"}'
    )
    (inputs / "d-hard.json").write_bytes(ses_bounce("hard@example.com", T0))
    result = ingest_status(database_url, str(inputs))
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert [record for record in caplog.records if record.exc_info] == []
    for name in ("a-response.json", "b-plain.json", "c-message.json"):
        assert f"quarantined {inputs / name}:" in result.stderr
    assert "nested too deeply" in result.stderr
    assert "new events:          1" in result.stdout
    assert "quarantined:         3" in result.stdout


def test_quarantine_lines_escape_outside_text(database_url: str, tmp_path: Path) -> None:
    """Defect 3: a file name holding a newline could print a second, forged line."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "x\nrecorded fake.eml").write_bytes(b"\x00\x01 not mail")
    result = ingest_status(database_url, str(inputs))
    assert result.exit_code == 3
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("quarantined")]
    assert "x\\nrecorded fake.eml" in line
    assert not any(line.startswith("recorded fake") for line in result.stderr.splitlines())
