"""`aws status`: SES quota and statistics (from the fake, over HTTP) beside the store's counters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from click.testing import CliRunner

from bouncewarden.aws.status import build_status, render_text
from bouncewarden.cli import main
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.service import Service
from fake_ses import FakeSes
from store_helpers import record

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _event(kind: Kind, severity: Severity, reason: Reason, index: int, when: datetime) -> FeedbackEvent:
    return FeedbackEvent(
        kind=kind,
        recipient=f"user{index}@example.org",
        severity=severity,
        reason=reason,
        dedupe_key=f"test:{kind}:{index}:{when.isoformat()}",
        occurred_at=when,
        source="test",
        sender="digest@news.example.com",
        message_id=f"<{index}@news.example.com>",  # a send and its outcome are one send
    )


def _fill(ses_fake: FakeSes, service: Service, now: datetime = NOW) -> None:
    day_one, day_two = now - timedelta(days=2), now - timedelta(days=1)
    ses_fake.quota = (50000.0, 14.0, 1234.0)
    ses_fake.send_data_points = [
        {
            "Timestamp": (day_one + timedelta(minutes=15 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "DeliveryAttempts": 100,
            "Bounces": 2,
            "Complaints": 0,
            "Rejects": 1,
        }
        for i in range(4)
    ] + [
        {
            "Timestamp": day_two.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "DeliveryAttempts": 50,
            "Bounces": 1,
            "Complaints": 1,
            "Rejects": 0,
        },
        {
            "Timestamp": (now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "DeliveryAttempts": 999,
            "Bounces": 999,
            "Complaints": 0,
            "Rejects": 0,
        },
    ]
    events = [_event(Kind.SEND, Severity.NONE, Reason.UNDEFINED, i, day_one) for i in range(400)]
    events += [_event(Kind.DELIVERY, Severity.NONE, Reason.DELIVERED, i, day_one) for i in range(390)]
    events += [_event(Kind.BOUNCE, Severity.HARD, Reason.USERUNKNOWN, i, day_one) for i in range(6)]
    events += [_event(Kind.BOUNCE, Severity.SOFT, Reason.MAILBOXFULL, i, day_two) for i in range(3)]
    events += [_event(Kind.COMPLAINT, Severity.COMPLAINT, Reason.FEEDBACK, i, day_two) for i in range(1)]
    record(service, events, raw=None, source="test")


def test_status_puts_ses_beside_ours(aws_env: dict[str, str], ses_fake: FakeSes, service: Service) -> None:
    _fill(ses_fake, service)
    ses = boto3.client("ses", region_name="us-east-1", endpoint_url=ses_fake.endpoint)
    report = build_status(ses, service.counters, now=NOW)
    assert report.quota.sent_last_24_hours == 1234.0
    ses_total, ours = report.ses_total(), report.local_total()
    assert (ses_total.delivery_attempts, ses_total.bounces, ses_total.complaints, ses_total.rejects) == (
        450,
        9,
        1,
        4,
    )
    assert (ours.sends, ours.deliveries, ours.hard, ours.soft, ours.complaints) == (400, 390, 6, 3, 1)
    assert (
        set(report.ses_days)
        == set(report.local_days)
        == {(NOW - timedelta(days=2)).date(), (NOW - timedelta(days=1)).date()}
    )
    text = render_text(report)
    assert "bounce rate 2.00 %" in text  # SES: 9 / 450
    assert "bounce rate 1.50 % (hard / sends)" in text  # ours: 6 / 400


def test_status_command_json(
    aws_env: dict[str, str], ses_fake: FakeSes, service: Service, database_url: str
) -> None:
    _fill(ses_fake, service, datetime.now(UTC).replace(minute=0))
    result = CliRunner().invoke(
        main, ["aws", "status", "--format", "json", "--db", database_url, "--endpoint-url", ses_fake.endpoint]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["quota"]["max_24_hour_send"] == 50000.0
    # The fixture's data is two days before NOW, which is in the past of the real clock: still in the window
    # only if NOW is within two weeks of today, so only the shape is checked here.
    assert set(document) == {
        "quota",
        "start",
        "end",
        "ses",
        "bouncewarden",
        "ses_total",
        "bouncewarden_total",
    }


def test_setup_command_twice(aws_env: dict[str, str], ses_fake: FakeSes, tmp_path: Path) -> None:
    name = f"bw-cli-{tmp_path.name[-8:]}"
    arguments = ["aws", "setup", "--identity", "news.example.com", "--endpoint-url", ses_fake.endpoint]
    arguments += ["--topic-name", name, "--queue-name", name]
    dry = CliRunner().invoke(main, [*arguments, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create SNS topic" in dry.output and "dry run: nothing was changed" in dry.output
    first = CliRunner().invoke(main, arguments)
    assert first.exit_code == 0, first.output
    assert "created  SNS topic" in first.output and "bouncewarden worker --sqs http" in first.output
    second = CliRunner().invoke(main, arguments)
    assert second.exit_code == 0, second.output
    assert "nothing to change: everything is already set up" in second.output
    assert "created" not in second.output
