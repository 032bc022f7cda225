"""The SQS consumer against moto over HTTP, with the real store on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import boto3
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text

from bouncewarden.intake import Outcome, Tally
from bouncewarden.monitor.metrics import metrics_registry
from bouncewarden.policy import AddressStatus
from bouncewarden.service import Service
from bouncewarden.sources.sqs import (
    ConsumerOptions,
    QueueMessage,
    consume_once,
    delete_messages,
    receive,
    record_queue_depth,
    run_sqs_worker,
)
from bouncewarden.store.models import Event, Evidence, Quarantined
from fixtures_moto import aws_env, moto_endpoint, unique_name
from shared_files import SES_SAMPLES as SAMPLES
from store_helpers import begin, connect

__all__ = ["aws_env", "moto_endpoint"]


@pytest.fixture
def sqs(aws_env: dict[str, str], moto_endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)


@pytest.fixture
def queue_url(sqs) -> str:  # type: ignore[no-untyped-def]
    return str(sqs.create_queue(QueueName=unique_name("bw-test"))["QueueUrl"])


def test_delete_is_chunked_by_ten_and_reports_failures(sqs, queue_url: str) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, 25, 10):
        entries = [{"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(min(10, 25 - start))]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    options = ConsumerOptions(wait_seconds=1, batch_size=10, visibility_timeout=30)
    messages: list[QueueMessage] = []
    while len(messages) < 25:
        batch = receive(sqs, queue_url, options)
        assert 0 < len(batch) <= 10
        messages += batch
    bogus = QueueMessage(message_id="bogus", receipt_handle="not-a-receipt-handle", body=b"")
    deleted, failures = delete_messages(sqs, queue_url, [*messages, bogus])
    assert deleted == 25
    assert failures == ["bogus"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


# --- with the real store (SQLite and PostgreSQL through the shared `service` fixture) -------

FAST = ConsumerOptions(wait_seconds=1, batch_size=10, visibility_timeout=30)


def _send(sqs, queue_url: str, bodies: list[str]) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        assert not sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed")


def _queue_depth(sqs, queue_url: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


def _sample_bodies() -> list[str]:
    bodies = [
        (SAMPLES / "sqs/body-sns-envelope-bounce.json").read_text(),
        (SAMPLES / "sqs/body-raw-event-delivery.json").read_text(),
    ]
    for name in ("receive-message-response-envelope.json", "receive-message-response-raw.json"):
        bodies += [
            message["Body"] for message in json.loads((SAMPLES / "sqs" / name).read_text())["Messages"]
        ]
    return bodies


def test_consume_stores_and_deletes(sqs, queue_url: str, service: Service) -> None:  # type: ignore[no-untyped-def]
    bodies = _sample_bodies()
    _send(sqs, queue_url, bodies)
    result = consume_once(sqs, service.intake, queue_url, FAST)
    assert (
        result.inputs,
        result[Outcome.RECORDED] + result[Outcome.DUPLICATE],
        result[Outcome.QUARANTINED],
    ) == (6, 6, 0)
    # The li.wei bounce and the marco.ruiz delivery each come twice (body file and response): once.
    assert result.counts.new_events == 4 and result.counts.duplicates == 2
    assert _queue_depth(sqs, queue_url) == (0, 0)
    state = service.admin.lookup(["li.wei@example.net"])["li.wei@example.net"]
    assert state.status is AddressStatus.SUPPRESSED
    with connect(service) as connection:
        sources = set(connection.execute(select(Event.source)).scalars())
        media = set(connection.execute(select(Evidence.media_type)).scalars())
    assert sources == {"ses"} and media == {"application/json"}


def test_operator_rules_classify_what_the_worker_records(sqs, queue_url: str, service: Service) -> None:  # type: ignore[no-untyped-def]
    from bouncewarden.classify import parse_rule

    full = (SAMPLES / "notification/bounce-transient-mailboxfull.json").read_text()
    _send(sqs, queue_url, [full])
    service.rules.add_operator_rule(parse_rule("user is over quota ==> hard userunknown"))
    assert consume_once(sqs, service.intake, queue_url, FAST)[Outcome.RECORDED] == 1
    # Without the rule a full mailbox is soft; the operator made it a hard bounce.
    state = service.admin.lookup(["grace.holm@example.com"])["grace.holm@example.com"]
    assert state.status is AddressStatus.SUPPRESSED
    with connect(service) as connection:
        assert connection.execute(select(Event.reason)).scalars().all() == ["userunknown"]


def test_poison_message_is_quarantined_and_deleted(sqs, queue_url: str, service: Service) -> None:  # type: ignore[no-untyped-def]
    poison = (SAMPLES / "sqs/body-malformed.txt").read_text()
    _send(sqs, queue_url, [poison, (SAMPLES / "sqs/body-raw-event-delivery.json").read_text()])
    result = consume_once(sqs, service.intake, queue_url, FAST)
    assert (result.inputs, result[Outcome.QUARANTINED], result[Outcome.RECORDED]) == (2, 1, 1)
    assert _queue_depth(sqs, queue_url) == (0, 0)
    with connect(service) as connection:
        (row,) = connection.execute(select(Quarantined.id, Quarantined.reason, Quarantined.source)).all()
    assert row.source == "sqs" and "not valid JSON" in row.reason
    assert service.quarantine.raw(row.id) == poison.encode()


def test_store_failure_leaves_message_for_redelivery(sqs, queue_url: str, service: Service) -> None:  # type: ignore[no-untyped-def]
    _send(sqs, queue_url, [(SAMPLES / "sqs/body-sns-envelope-bounce.json").read_text()])
    with begin(service) as connection:
        connection.execute(text("ALTER TABLE events RENAME TO events_away"))
    short = ConsumerOptions(wait_seconds=1, batch_size=10, visibility_timeout=1)
    failed = consume_once(sqs, service.intake, queue_url, short)
    assert (failed.inputs, failed[Outcome.STORE_UNAVAILABLE]) == (1, 1)
    assert count_quarantined(service) == 0  # an outage never quarantines good input
    with begin(service) as connection:
        connection.execute(text("ALTER TABLE events_away RENAME TO events"))
    retried = Tally()
    for _attempt in range(10):  # the message comes back once its visibility timeout has passed
        retried = consume_once(sqs, service.intake, queue_url, FAST)
        if retried.inputs:
            break
    assert (retried.inputs, retried.counts.new_events) == (1, 1)
    assert _queue_depth(sqs, queue_url) == (0, 0)


def test_heartbeat_keeps_slow_batch_invisible(sqs, queue_url: str, service: Service) -> None:  # type: ignore[no-untyped-def]
    bodies = [json.dumps(_bounce(f"slow{index}@example.org")) for index in range(3)]
    _send(sqs, queue_url, bodies)
    slow = ConsumerOptions(wait_seconds=1, batch_size=10, visibility_timeout=2, per_message_delay=1.5)
    results: list[Tally] = []
    worker = threading.Thread(
        target=lambda: results.append(consume_once(sqs, service.intake, queue_url, slow))
    )
    worker.start()
    while _queue_depth(sqs, queue_url) != (0, 3):  # until the consumer holds all three
        assert worker.is_alive()
    stolen = []
    while worker.is_alive():  # a second consumer polls the whole time: it must get nothing
        response = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1, VisibilityTimeout=0)
        stolen += response.get("Messages", [])
    worker.join()
    assert stolen == []
    assert results[0].inputs == 3 and results[0].counts.new_events == 3
    assert _queue_depth(sqs, queue_url) == (0, 0)


def count_quarantined(service: Service) -> int:
    with connect(service) as connection:
        return int(connection.execute(text("SELECT count(*) FROM quarantine")).scalar_one())


def _bounce(address: str, message_id: str | None = None) -> dict[str, object]:
    document = json.loads((SAMPLES / "notification/bounce-permanent-noemail.json").read_text())
    document["mail"]["messageId"] = message_id or f"0100test-{address}"
    document["mail"]["destination"] = [address]
    document["bounce"]["bouncedRecipients"][0]["emailAddress"] = address
    return dict(document)


def test_queue_depth_is_recorded_and_shown_in_metrics(sqs, queue_url: str, service: Service) -> None:  # type: ignore[no-untyped-def]
    _send(sqs, queue_url, ["one", "two", "three"])
    taken = receive(sqs, queue_url, ConsumerOptions(wait_seconds=1, batch_size=1, visibility_timeout=60))
    assert len(taken) == 1
    seen_at = datetime(2026, 12, 6, 4, 30, tzinfo=UTC)
    record_queue_depth(sqs, queue_url, service.mail_sources, seen_at)

    [state] = service.mail_sources.states(kind="sqs")
    assert (state.name, dict(state.counts), state.updated_at) == (
        f"sqs:{queue_url}",
        {"waiting": 2, "in_flight": 1},
        seen_at,
    )
    text = generate_latest(metrics_registry(service)).decode()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("bouncewarden_sqs_messages", (("queue", queue_url), ("state", "waiting")))] == 2
    assert samples[("bouncewarden_sqs_messages", (("queue", queue_url), ("state", "in_flight")))] == 1
    seen = samples[("bouncewarden_sqs_depth_seen_timestamp_seconds", (("queue", queue_url),))]
    assert seen == seen_at.timestamp()


def test_worker_records_the_depth_it_leaves(sqs, queue_url: str, service: Service) -> None:  # type: ignore[no-untyped-def]
    _send(sqs, queue_url, _sample_bodies())
    stop = threading.Event()
    worker = threading.Thread(
        target=run_sqs_worker,
        args=(service.intake, service.settings, queue_url, stop),
        kwargs={"client": sqs, "ledger": service.mail_sources, "depth_every": 0.05},
    )
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = service.mail_sources.states(kind="sqs")
            if states and dict(states[0].counts) == {"waiting": 0, "in_flight": 0}:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    [state] = service.mail_sources.states(kind="sqs")
    assert dict(state.counts) == {"waiting": 0, "in_flight": 0}
    assert _queue_depth(sqs, queue_url) == (0, 0)
