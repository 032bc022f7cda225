"""Webhooks from real bouncewarden processes: a `webhooks deliver` killed with SIGKILL in the
middle of delivering (after a restart every event arrives, each address's events in order,
and a receiver that dedupes by event id takes in each event once), and `serve` delivering
changes and due retries as they happen."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.service import Service
from mail_support import free_port
from store_helpers import record
from webhook_receiver import Receiver, running_receiver

BOUNCEWARDEN = shutil.which("bouncewarden") or "bouncewarden"
ADDRESSES = [f"user{index:03d}@example.com" for index in range(120)]


def _deliver_process(config: Path, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TEST_WEBHOOK_SECRET": "kill-test"}
    with log.open("ab") as output:
        return subprocess.Popen(
            [BOUNCEWARDEN, "webhooks", "deliver", "--config", str(config), "--db", database_url],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_for(receiver: Receiver, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.requests) < count:
        assert time.monotonic() < deadline, f"the receiver got {len(receiver.requests)} of {count} requests"
        time.sleep(0.01)


def test_killed_mid_delivery_loses_nothing_and_sends_each_event_once_to_a_deduper(
    service: Service, database_url: str, tmp_path: Path
) -> None:
    service.admin.suppress(ADDRESSES, note=None, actor="test")
    service.admin.unsuppress(ADDRESSES[::2], note=None, actor="test")
    service.admin.suppress(ADDRESSES[::4], note=None, actor="test")
    expected = len(ADDRESSES) + len(ADDRESSES[::2]) + len(ADDRESSES[::4])
    log = tmp_path / "deliver.log"
    with running_receiver() as receiver:
        receiver.delay = 0.02
        config = tmp_path / "bouncewarden.toml"
        config.write_text(
            f'[[webhooks]]\nname = "kill"\nurl = "{receiver.url}"\nsecret_env = "TEST_WEBHOOK_SECRET"\n'
            "timeout_seconds = 0.5\n",
            encoding="utf-8",
        )
        first = _deliver_process(config, database_url, log)
        _wait_for(receiver, 40, 60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        before_restart = len(receiver.requests)
        [summary] = service.webhooks.summaries(["kill"])
        assert summary.pending + summary.unqueued > 0, "the process finished before it could be killed"

        deadline = time.monotonic() + 90
        while len(receiver.accepted()) < expected:
            assert time.monotonic() < deadline, f"{len(receiver.accepted())} of {expected} events arrived"
            again = _deliver_process(config, database_url, log)
            assert again.wait(timeout=60) == 0, log.read_text()
            time.sleep(0.5)

        accepted = receiver.accepted()
        every = receiver.events()
    assert before_restart < expected
    assert len(accepted) == expected
    assert len(every) - len(accepted) <= 32  # only what was in flight at the kill came twice
    for index, address in enumerate(ADDRESSES):
        topics = [event["topic"] for event in accepted if event["data"]["address"] == address]
        wanted = ["address.suppressed"]
        if index % 2 == 0:
            wanted.append("address.unsuppressed")
        if index % 4 == 0:
            wanted.append("address.suppressed")
        assert topics == wanted, address
    [summary] = service.webhooks.summaries(["kill"], history=True)
    assert (summary.delivered, summary.pending, summary.dead, summary.unqueued) == (expected, 0, 0, 0)


def test_serve_delivers_changes_and_due_retries(service: Service, database_url: str, tmp_path: Path) -> None:
    bounced = datetime.now(UTC) - timedelta(hours=1)
    record(
        service,
        [
            FeedbackEvent(
                Kind.BOUNCE, "soft@example.com", Severity.SOFT, Reason.MAILBOXFULL, "s1", bounced, "ses"
            )
        ],
    )
    with running_receiver() as receiver:
        config = tmp_path / "bouncewarden.toml"
        config.write_text(
            f'[[webhooks]]\nname = "live"\nurl = "{receiver.url}"\nsecret_env = "TEST_WEBHOOK_SECRET"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "TEST_WEBHOOK_SECRET": "serve-test"}
        command = [BOUNCEWARDEN, "serve", "--port", str(free_port()), "--jobs-interval", "0.5"]
        served = subprocess.Popen(
            [*command, "--config", str(config), "--db", database_url],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_for(receiver, 2, 60)
            service.admin.suppress(["late@example.com"], note=None, actor="test")
            _wait_for(receiver, 3, 30)
        finally:
            served.send_signal(signal.SIGTERM)
            _, stderr = served.communicate(timeout=30)
        events = receiver.accepted()
    assert served.returncode == 0, stderr
    assert [event["topic"] for event in events if event["data"]["address"] == "soft@example.com"] == [
        "address.soft",
        "retry.due",
    ]
    assert events[-1]["topic"] == "address.suppressed"
    assert events[-1]["data"]["address"] == "late@example.com"
