"""Suppression sync over real HTTP: the boto3 sesv2 client against the fake SESv2 server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from bouncewarden.aws.suppression_sync import ACTOR, Direction, list_remote, sync_suppressions
from bouncewarden.cli import main
from bouncewarden.events import FeedbackEvent
from bouncewarden.parse.ses import read_ses
from bouncewarden.service import Service
from fake_ses import FakeSes
from shared_files import SES_SAMPLES as SAMPLES
from store_helpers import record


def ses_events(data: bytes | str, **options: Any) -> list[FeedbackEvent]:
    """The events of one SES payload, as the reader gets them."""
    return list(read_ses(data, **options).events)


def _client(endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client("sesv2", region_name="us-east-1", endpoint_url=endpoint)


def test_list_follows_pages_and_backs_off(aws_env: dict[str, str], ses_fake: FakeSes) -> None:
    when = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
    for index in range(25):
        ses_fake.suppress(f"Person{index}@Example.com", "COMPLAINT" if index % 5 == 0 else "BOUNCE", when)
    ses_fake.page_size_cap = 10
    ses_fake.throttle_next = 2  # two 429s first: botocore's standard retry mode must back off and retry
    entries = list(list_remote(_client(ses_fake.endpoint)))
    assert len(entries) == 25
    assert {entry.email for entry in entries} == set(ses_fake.suppressed)  # case preserved
    assert sum(entry.reason == "COMPLAINT" for entry in entries) == 5
    assert all(entry.last_update == when for entry in entries)
    listing_calls = [c for c in ses_fake.calls if c.startswith("GET /v2/email/suppression/addresses")]
    assert len(listing_calls) == 2 + 3  # two throttled, then three pages of 10, 10, 5


def _local_suppressions(service: Service) -> dict[str, tuple[str, str | None]]:
    return {item.address: (item.reason, item.source) for item in service.admin.iter_suppressions()}


@pytest.fixture
def populated(ses_fake: FakeSes, service: Service) -> Service:
    for name in (
        "sqs/body-sns-envelope-bounce.json",  # li.wei: hard, and on SES's list already
        "notification/bounce-permanent-general.json",  # dana.whitfield: hard
        "notification/complaint-abuse-with-feedback.json",  # r.iyer: complaint
    ):
        record(service, ses_events((SAMPLES / name).read_bytes()), raw=None, source="ses")
    service.admin.suppress(["ops@example.org"], note="asked by phone", actor="admin")  # manual: stays ours
    ses_fake.suppress("Former.Customer@Example.com", "BOUNCE")
    ses_fake.suppress("angry@example.net", "COMPLAINT")
    ses_fake.suppress("Li.Wei@example.net", "BOUNCE")
    return service


def test_sync_both_ways_then_nothing(aws_env: dict[str, str], ses_fake: FakeSes, populated: Service) -> None:
    client = _client(ses_fake.endpoint)
    report = sync_suppressions(client, populated.admin, Direction.BOTH)
    assert (report.remote, report.local, report.pulled, report.pushed, report.skipped_push) == (3, 4, 2, 2, 1)
    assert report.errors == []
    local = _local_suppressions(populated)
    assert local["former.customer@example.com"] == ("imported", "ses-suppression")
    assert local["angry@example.net"] == ("complaint", "ses-suppression")
    history = populated.admin.history("former.customer@example.com")
    assert [(t.actor, t.reason) for t in history.transitions] == [(ACTOR, "imported")]
    assert {
        e: s.reason
        for e, s in ses_fake.suppressed.items()
        if e in ("dana.whitfield@example.org", "r.iyer@example.com")
    } == {
        "dana.whitfield@example.org": "BOUNCE",
        "r.iyer@example.com": "COMPLAINT",
    }
    assert "ops@example.org" not in ses_fake.suppressed
    puts_before = sum(call.startswith("PUT") for call in ses_fake.calls)

    again = sync_suppressions(client, populated.admin, Direction.BOTH)
    assert (again.pulled, again.pushed, again.skipped_push) == (0, 0, 1)
    assert sum(call.startswith("PUT") for call in ses_fake.calls) == puts_before
    assert len(populated.admin.history("former.customer@example.com").transitions) == 1


def test_directions_and_dry_run(aws_env: dict[str, str], ses_fake: FakeSes, populated: Service) -> None:
    client = _client(ses_fake.endpoint)
    dry = sync_suppressions(client, populated.admin, Direction.BOTH, dry_run=True)
    assert (dry.pulled, dry.pushed) == (2, 2)
    assert len(ses_fake.suppressed) == 3 and len(_local_suppressions(populated)) == 4
    pulled = sync_suppressions(client, populated.admin, Direction.PULL)
    assert (pulled.pulled, pulled.pushed) == (2, 0) and len(ses_fake.suppressed) == 3
    pushed = sync_suppressions(client, populated.admin, Direction.PUSH)
    assert (pushed.pulled, pushed.pushed) == (0, 2) and len(ses_fake.suppressed) == 5


def test_cli_sync(aws_env: dict[str, str], ses_fake: FakeSes, populated: Service, database_url: str) -> None:
    arguments = ["aws", "suppression", "sync", "--db", database_url, "--endpoint-url", ses_fake.endpoint]
    first = CliRunner().invoke(main, arguments)
    assert first.exit_code == 0, first.output
    assert "pull: suppress 2 addresses" in first.output and "push: add 2 " in first.output
    second = CliRunner().invoke(main, arguments)
    assert "pull: suppress 0 addresses" in second.output and "push: add 0 " in second.output
