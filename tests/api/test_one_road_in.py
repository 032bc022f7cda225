"""One SES notification, four ways in: a file, an SNS POST, an SQS message and an email of SNS's
email-json subscription. Every way reads it through the one reader, so it is one event and one
counter increment, and `parse` prints the same rows for all four."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.support import sample
from bouncewarden.cli import main
from bouncewarden.intake import Outcome
from bouncewarden.service import Service
from bouncewarden.sources.sqs import ConsumerOptions, consume_once
from fixtures_moto import aws_env, moto_endpoint, unique_name
from shared_files import SES_SAMPLES
from store_helpers import connect, suppressed_addresses

__all__ = ["aws_env", "moto_endpoint"]  # fixtures used by name below

NOTIFICATION = SES_SAMPLES / "notification" / "bounce-permanent-general.json"
SNS_SAMPLE = "http-notification-bounce-sigv1"  # its Message is NOTIFICATION


def _email(notification: str) -> bytes:
    """The notification as SNS's email-json subscription mails it (line split as relays do)."""
    body = notification.replace("\n", "")
    split = body[:900] + "!\n " + body[900:]
    return (
        "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
        "To: bounces@example.com\n"
        "Subject: AWS Notification Message\n"
        "Date: Mon, 03 Nov 2025 09:14:25 +0000\n"
        "Message-ID: <0100019a-one-road@email.amazonses.com>\n"
        "Content-Type: text/plain; charset=UTF-8\n\n"
        f"{split}\n\n--\nIf you wish to stop receiving notifications from this topic, please click below.\n"
    ).encode()


def _events_and_hard_count(service: Service) -> tuple[list[str], int]:
    with connect(service) as connection:
        keys = connection.execute(sa.text("SELECT dedupe_key FROM events")).scalars().all()
        hard = connection.execute(sa.text("SELECT coalesce(sum(hard), 0) FROM hourly_counters")).scalar_one()
    return list(keys), int(hard)


def test_four_ways_in_give_one_event_and_one_count(
    client: TestClient,
    service: Service,
    database_url: str,
    tmp_path: Path,
    aws_env: dict[str, str],
    moto_endpoint: str,
) -> None:
    notification = NOTIFICATION.read_text()
    envelope, headers = sample(SNS_SAMPLE)
    mail = tmp_path / "sns-email.eml"
    mail.write_bytes(_email(notification))

    # 1. the JSON as a file, and 2. the same notification mailed by SNS, both by `ingest`.
    for path in (NOTIFICATION, mail):
        result = CliRunner().invoke(main, ["ingest", "--db", database_url, "--json", str(path)])
        assert result.exit_code == 0, result.output
    # 3. an SNS POST.
    response = client.post("/sns/ses", content=envelope, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "recorded"
    # 4. an SQS message (the SNS envelope as its body, as a subscription without raw delivery).
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)
    queue_url = sqs.create_queue(QueueName=unique_name("one-road"))["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=envelope.decode())
    batch = consume_once(
        sqs, service.intake, queue_url, ConsumerOptions(wait_seconds=1, visibility_timeout=30)
    )
    assert batch.inputs == 1 and batch[Outcome.DUPLICATE] == 1

    keys, hard = _events_and_hard_count(service)
    assert len(keys) == 1 and keys[0].startswith("ses:") and hard == 1
    assert "dana.whitfield@example.org" in set(suppressed_addresses(service))

    # `parse` prints the same rows for all four forms.
    sqs_body = tmp_path / "sqs-body.json"
    sqs_body.write_bytes(envelope)
    envelope_file = tmp_path / "envelope.json"
    envelope_file.write_bytes(envelope)
    result = CliRunner().invoke(
        main, ["parse", str(NOTIFICATION), str(mail), str(envelope_file), str(sqs_body)]
    )
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 4
    assert all(
        line["recipients"] == lines[0]["recipients"] and line["parser"] == "amazonses" for line in lines
    )
    assert [row["reason"] for row in lines[0]["recipients"]] == ["userunknown"]
