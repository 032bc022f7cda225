"""SES feedback throughput: the parser alone, and moto SQS queue -> SQLite / PostgreSQL.

    python benchmarks/bench_ses.py [--messages 2000] [--parse-rounds 20000] [--skip-queue]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Messages are made from the shared samples (identity notifications and events, half of them in
SNS envelopes) with a fresh SES message id and recipient each, so every one is new to the store.
The queue part starts its own `moto_server` on 127.0.0.1 and, in rounds, puts `--depth`
messages on a queue and times `consume_once` (10 messages a call: receive, parse, one store
transaction per message, batch delete) until it is empty; moto's ReceiveMessage scans the whole
queue, so a deep queue measures moto, not us. Then it times `Service.record` alone on 2000 more
payloads. PostgreSQL gets a throw-away database that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "ses"
TEMPLATES = (
    "notification/bounce-permanent-general.json",
    "notification/bounce-transient-general-invalid-domain.json",
    "notification/complaint-abuse-with-feedback.json",
    "notification/delivery.json",
    "event/bounce-transient-mailboxfull.json",
    "event/delivery.json",
    "event/deliverydelay-mailboxfull.json",
    "event/send.json",
)


def _fresh(template: dict[str, object], index: int) -> dict[str, object]:
    document = json.loads(json.dumps(template))
    address = f"user{index}@example{index % 50}.org"
    document["mail"]["messageId"] = f"0100bench-{uuid.uuid4()}-000000"
    document["mail"]["destination"] = [address]
    for key, field in (("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients")):
        if key in document:
            document[key][field] = [{**document[key][field][0], "emailAddress": address}]
    if "delivery" in document:
        document["delivery"]["recipients"] = [address]
    if "deliveryDelay" in document:
        delayed = document["deliveryDelay"]["delayedRecipients"][0]
        document["deliveryDelay"]["delayedRecipients"] = [{**delayed, "emailAddress": address}]
    return document


def make_bodies(count: int) -> list[str]:
    """`count` distinct SQS bodies; odd ones wrapped in an SNS envelope."""
    templates = [json.loads((SAMPLES / name).read_text()) for name in TEMPLATES]
    bodies = []
    for index in range(count):
        document = json.dumps(_fresh(templates[index % len(templates)], index))
        if index % 2:
            envelope = {
                "Type": "Notification",
                "MessageId": str(uuid.uuid4()),
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:bench",
                "Message": document,
                "Timestamp": "2025-11-10T08:00:00.000Z",
            }
            document = json.dumps(envelope)
        bodies.append(document)
    return bodies


def bench_parser(rounds: int) -> None:
    from bouncewarden.parse.ses import parse_ses_payload

    bodies = [body.encode() for body in make_bodies(200)]
    start = time.perf_counter()
    events = 0
    for index in range(rounds):
        events += len(parse_ses_payload(bodies[index % len(bodies)]))
    elapsed = time.perf_counter() - start
    print(
        f"parser alone: {rounds / elapsed:,.0f} payloads/s, {events / elapsed:,.0f} events/s"
        f" ({rounds} payloads)"
    )


@contextmanager
def moto_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.get(f"{url}/moto-api/data.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait()


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"bw_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fill(sqs, queue_url: str, bodies: list[str]) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def bench_queue(label: str, endpoint: str, database_url: str, count: int, depth: int) -> None:
    """Rounds of `depth` messages (moto's ReceiveMessage is linear in the queue's length)."""
    import boto3

    from bouncewarden.config import load_settings
    from bouncewarden.parse.ses import parse_ses_payload
    from bouncewarden.service import Service
    from bouncewarden.sources.sqs import ConsumerOptions, consume_once

    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
    queue_url = sqs.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    bodies = make_bodies(count + 2000)
    settings = load_settings(None, database_url=database_url)
    options = ConsumerOptions(wait_seconds=1, batch_size=10, visibility_timeout=60)
    with Service.open(settings) as service:
        elapsed = 0.0
        messages = events = 0
        for start in range(0, count, depth):
            _fill(sqs, queue_url, bodies[start : start + depth])
            began = time.perf_counter()
            while True:
                result = consume_once(sqs, service, queue_url, options)
                if not result.received:
                    break
                elapsed += time.perf_counter() - began
                messages += result.deleted
                events += result.new_events
                began = time.perf_counter()
        print(
            f"moto SQS -> {label}: {messages / elapsed:,.0f} messages/s,"
            f" {events / elapsed:,.0f} new events/s"
            f" ({messages} messages, queue depth {depth}, {elapsed:.1f} s)"
        )
        stored = [(body.encode(), parse_ses_payload(body)) for body in bodies[count:]]
        began = time.perf_counter()
        for raw, parsed in stored:
            service.record(parsed, raw=raw, source="sqs", media_type="application/json")
        took = time.perf_counter() - began
        print(f"store alone ({label}): {len(stored) / took:,.0f} records/s (one transaction per message)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--parse-rounds", type=int, default=20000)
    parser.add_argument("--depth", type=int, default=200, help="messages in the queue per round")
    parser.add_argument("--skip-queue", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    bench_parser(arguments.parse_rounds)
    if arguments.skip_queue:
        return
    for key, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(key, value)
    with moto_server() as endpoint:
        with tempfile.TemporaryDirectory() as folder:
            bench_queue(
                "SQLite", endpoint, f"sqlite:///{folder}/bench.db", arguments.messages, arguments.depth
            )
        with postgres_database(arguments.postgres) as database_url:
            bench_queue("PostgreSQL", endpoint, database_url, arguments.messages, arguments.depth)


if __name__ == "__main__":
    main()
