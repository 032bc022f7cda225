"""End to end over HTTP: SES JSON published to SNS, delivered to SQS (raw and enveloped),
consumed into the store; the same failure twice is one; a worker killed mid-batch loses nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from sqlalchemy import func, select

from bouncewarden.aws.plan import SetupPlan
from bouncewarden.aws.setup import SetupReport, run_setup
from bouncewarden.intake import Outcome, Tally
from bouncewarden.parse.ses_schema import parse_timestamp
from bouncewarden.policy import AddressStatus
from bouncewarden.service import Service
from bouncewarden.sources.sqs import ConsumerOptions, consume_once
from bouncewarden.store.models import Event, TransitionRow
from fake_ses import FakeSes
from fixtures_moto import unique_name
from shared_files import SES_SAMPLES as SAMPLES
from store_helpers import connect, suppressed_addresses

FAST = ConsumerOptions(wait_seconds=1, batch_size=10, visibility_timeout=30)
PUBLISHED = (
    "notification/bounce-permanent-general.json",
    "notification/bounce-permanent-general-blocklisted.json",
    "notification/complaint-abuse-with-feedback.json",
    "notification/delivery.json",
    "event/bounce-transient-mailboxfull.json",
    "event/deliverydelay-transientcommunicationfailure.json",
)


def _clients(endpoint: str):  # type: ignore[no-untyped-def]
    return tuple(
        boto3.client(name, region_name="us-east-1", endpoint_url=endpoint) for name in ("sns", "sqs", "ses")
    )


def _setup(endpoint: str, raw: bool) -> SetupReport:
    name = unique_name("bw-pipeline")
    sns, sqs, ses = _clients(endpoint)
    return run_setup(
        sns,
        sqs,
        ses,
        SetupPlan(identity="news.example.com", topic_name=name, queue_name=name, raw_delivery=raw),
    )


def _drain(sqs, queue_url: str, service: Service) -> Tally:  # type: ignore[no-untyped-def]
    total = Tally()
    while True:
        result = consume_once(sqs, service.intake, queue_url, FAST)
        if not result.inputs:
            return total
        total.inputs += result.inputs
        total.counts += result.counts
        for outcome, number in result.by_outcome.items():
            total.by_outcome[outcome] = total[outcome] + number


@pytest.mark.parametrize("raw", [False, True], ids=["enveloped", "raw"])
def test_published_feedback_reaches_the_store(
    aws_env: dict[str, str], ses_fake: FakeSes, service: Service, raw: bool
) -> None:
    report = _setup(ses_fake.endpoint, raw)
    assert report.topic_arn and report.queue_url
    sns, sqs, _ = _clients(ses_fake.endpoint)
    for name in PUBLISHED:
        sns.publish(TopicArn=report.topic_arn, Message=(SAMPLES / name).read_text())
    result = _drain(sqs, report.queue_url, service)
    assert (result.inputs, result[Outcome.QUARANTINED], result.counts.new_events) == (6, 0, 6)
    states = service.admin.lookup(
        ["dana.whitfield@example.org", "r.iyer@example.com", "grace.holm@example.com", "sales@example.net"]
    )
    assert states["dana.whitfield@example.org"].status is AddressStatus.SUPPRESSED
    assert states["r.iyer@example.com"].status is AddressStatus.SUPPRESSED
    assert states["grace.holm@example.com"].status is AddressStatus.SOFT
    # A blocklist refusal is the sender's problem: the recipient is never suppressed.
    assert "sales@example.net" not in states or states["sales@example.net"].status is AddressStatus.ACTIVE
    assert "sales@example.net" not in set(suppressed_addresses(service))


def _as_event(notification: dict[str, object]) -> dict[str, object]:
    event = json.loads(json.dumps(notification))
    event["eventType"] = event.pop("notificationType")
    event["bounce"]["feedbackId"] = "0100019a-different-feedback-id-000000"
    event["mail"]["tags"] = {"ses:configuration-set": ["bw-marketing"]}
    return dict(event)


def test_notification_and_event_of_one_failure_count_once(
    aws_env: dict[str, str], ses_fake: FakeSes, service: Service
) -> None:
    report = _setup(ses_fake.endpoint, raw=False)
    assert report.topic_arn and report.queue_url
    sns, sqs, _ = _clients(ses_fake.endpoint)
    notification = json.loads((SAMPLES / "notification/bounce-permanent-noemail.json").read_text())
    for document in (notification, _as_event(notification)):
        sns.publish(TopicArn=report.topic_arn, Message=json.dumps(document))
    result = _drain(sqs, report.queue_url, service)
    assert (result.inputs, result.counts.new_events, result.counts.duplicates) == (2, 1, 1)
    with connect(service) as connection:
        transitions = connection.execute(
            select(func.count())
            .select_from(TransitionRow)
            .where(TransitionRow.address == "li.wei@example.net")
        ).scalar_one()
    assert transitions == 1
    day_start = parse_timestamp(notification["bounce"]["timestamp"]).replace(hour=0, minute=0, second=0)
    day = service.counters.daily_totals(since=day_start, until=day_start + timedelta(days=1))[0]
    assert (day.day, day.hard) == (day_start.date(), 1)


# --- a worker process killed with SIGKILL in the middle of a batch --------------------------


def _bodies(count: int) -> list[str]:
    template = json.loads((SAMPLES / "notification/bounce-permanent-noemail.json").read_text())
    bodies = []
    for index in range(count):
        document = json.loads(json.dumps(template))
        address = f"victim{index}@example.org"
        document["mail"]["messageId"] = f"0100fault-{index:04d}-000000"
        document["mail"]["destination"] = [address]
        document["bounce"]["bouncedRecipients"][0]["emailAddress"] = address
        bodies.append(json.dumps(document))
    return bodies


def _event_count(service: Service) -> int:
    with connect(service) as connection:
        return int(connection.execute(select(func.count()).select_from(Event)).scalar_one())


def _start_worker(queue_url: str, database_url: str, endpoint: str, log: Path) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).with_name("bouncewarden")), "worker", "--sqs", queue_url]
    command += ["--db", database_url, "--endpoint-url", endpoint, "--per-message-delay", "0.1"]
    env = {**os.environ, "BOUNCEWARDEN_SQS__VISIBILITY_TIMEOUT": "3", "BOUNCEWARDEN_SQS__WAIT_SECONDS": "1"}
    with log.open("ab") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def _wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_worker_killed_mid_batch_stores_everything_once(
    aws_env: dict[str, str], moto_endpoint: str, service: Service, database_url: str, tmp_path: Path
) -> None:
    count = 40
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)
    queue_url = sqs.create_queue(QueueName=unique_name("bw-fault"))["QueueUrl"]
    bodies = _bodies(count)
    for start in range(0, count, 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    log = tmp_path / "worker.log"

    first = _start_worker(queue_url, database_url, moto_endpoint, log)
    _wait_for(lambda: _event_count(service) >= 5, 60, "the first worker to store a few messages")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    stored_before_restart = _event_count(service)
    assert stored_before_restart < count, "the worker finished before it could be killed"

    second = _start_worker(queue_url, database_url, moto_endpoint, log)
    try:

        def drained() -> bool:
            attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
            empty = (
                attributes["ApproximateNumberOfMessages"]
                == attributes["ApproximateNumberOfMessagesNotVisible"]
                == "0"
            )
            return empty and _event_count(service) >= count

        _wait_for(drained, 90, "the restarted worker to drain the queue")
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(timeout=30)
    assert code == 0, log.read_text()
    with connect(service) as connection:
        keys = connection.execute(select(Event.dedupe_key)).scalars().all()
    assert len(keys) == len(set(keys)) == count
    assert set(suppressed_addresses(service)) == {f"victim{index}@example.org" for index in range(count)}
    # The killed batch had been stored but not deleted: it came back and was recognised.
    duplicates = [int(m) for m in re.findall(r"(\d+) duplicates", log.read_text())]
    assert sum(duplicates) >= 1, log.read_text()


def test_three_workers_on_one_queue_store_each_notification_once(
    aws_env: dict[str, str], moto_endpoint: str, service: Service, database_url: str, tmp_path: Path
) -> None:
    unique = _bodies(45)
    # SNS delivers at least once: a third of the notifications arrive twice.
    bodies = unique + unique[::3]
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)
    queue_url = sqs.create_queue(QueueName=unique_name("bw-shared"))["QueueUrl"]
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    logs = [tmp_path / f"worker-{index}.log" for index in range(3)]
    workers = [_start_worker(queue_url, database_url, moto_endpoint, log) for log in logs]
    try:

        def drained() -> bool:
            attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
            visible = attributes["ApproximateNumberOfMessages"]
            in_flight = attributes["ApproximateNumberOfMessagesNotVisible"]
            return visible == in_flight == "0" and _event_count(service) >= len(unique)

        _wait_for(drained, 120, "three workers to drain the queue")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [worker.wait(timeout=30) for worker in workers]
    output = "\n".join(log.read_text() for log in logs)
    assert codes == [0, 0, 0], output
    with connect(service) as connection:
        keys = connection.execute(select(Event.dedupe_key)).scalars().all()
    assert len(keys) == len(set(keys)) == len(unique)
    assert set(suppressed_addresses(service)) == {f"victim{index}@example.org" for index in range(45)}
    # The workers really shared the queue, and the repeated notifications were recognised.
    assert sum(bool(re.search(r": [1-9]\d* received", log.read_text())) for log in logs) >= 2, output
    assert sum(int(m) for m in re.findall(r"(\d+) duplicates", output)) >= len(unique[::3]), output


def test_worker_stops_within_seconds_of_sigterm_during_a_long_poll(
    aws_env: dict[str, str], moto_endpoint: str, database_url: str, tmp_path: Path
) -> None:
    """Issue 8 risk: `worker` waited out its 20 s long poll before stopping on SIGTERM."""
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)
    queue_url = sqs.create_queue(QueueName=unique_name("bw-stop"))["QueueUrl"]
    log = tmp_path / "worker.log"
    command = [str(Path(sys.executable).with_name("bouncewarden")), "worker", "--sqs", queue_url]
    command += ["--db", database_url, "--endpoint-url", moto_endpoint]
    env = {**os.environ, "BOUNCEWARDEN_SQS__WAIT_SECONDS": "20"}
    with log.open("ab") as output:
        worker = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: "consuming" in log.read_text(), 60, "the worker to start polling")
        time.sleep(1.0)  # well inside the 20 s long poll (a wait for state, not for a result)
        stopped_at = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
        took = time.monotonic() - stopped_at
    finally:
        if worker.poll() is None:
            worker.kill()
    assert code == 0, log.read_text()
    assert took < 5.0, took
    assert "stopped consuming" in log.read_text()
