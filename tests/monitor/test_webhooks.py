"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1, on SQLite and PostgreSQL:
signatures verify, failures are retried with backoff, order per address holds, dead letters
are kept and replayed, notices (due retries, alerts) go out with the address changes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bouncewarden.cli import main
from bouncewarden.config import load_settings
from bouncewarden.config_webhooks import WebhookSettings
from bouncewarden.errors import ConfigurationError
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.monitor.webhook_events import events_for
from bouncewarden.monitor.webhook_signing import verify_signature
from bouncewarden.monitor.webhooks import DeliveryReport, WebhookDeliverer
from bouncewarden.service import Service
from bouncewarden.store.notices import add_notice
from bouncewarden.store.webhook_queue import Change, QueuedEvent
from store_helpers import record
from webhook_receiver import Receiver, running_receiver

SECRET = "s3cret-for-tests"
ACTOR = "cli:test"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)


def hook(receiver: Receiver, **overrides: Any) -> WebhookSettings:
    values: dict[str, Any] = {
        "name": "test",
        "url": receiver.url,
        "secret_env": "TEST_WEBHOOK_SECRET",
        "timeout_seconds": 5,
        "backoff_seconds": 0.05,
        "max_backoff_seconds": 0.2,
    }
    return WebhookSettings(**(values | overrides))


def deliver(service: Service, webhook: WebhookSettings) -> DeliveryReport:
    deliverer = WebhookDeliverer(service.webhooks, [webhook])
    try:
        return deliverer.run_once()
    finally:
        deliverer.close()


def deliver_until(service: Service, webhook: WebhookSettings, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not done():
        assert time.monotonic() < deadline, "webhook deliveries did not finish"
        deliver(service, webhook)
        time.sleep(0.05)


def topics_of(events: list[dict[str, Any]], address: str | None = None) -> list[str]:
    return [event["topic"] for event in events if address is None or event["data"].get("address") == address]


def test_events_are_signed_and_the_signature_verifies(service: Service, receiver: Receiver) -> None:
    service.admin.suppress(["one@example.com", "two@example.com"], note=None, actor=ACTOR)
    service.admin.unsuppress(["one@example.com"], note="wrong", actor=ACTOR)

    report = deliver(service, hook(receiver))

    assert (report.queued, report.delivered, report.failed) == (3, 3, 0)
    assert topics_of(receiver.events(), "one@example.com") == ["address.suppressed", "address.unsuppressed"]
    assert topics_of(receiver.events(), "two@example.com") == ["address.suppressed"]
    [first] = [
        request for request in receiver.requests if request.event["data"]["address"] == "one@example.com"
    ][:1]
    assert first.event["data"] == {
        "address": "one@example.com",
        "from_state": "active",
        "to_state": "suppressed",
        "reason": "manual",
        "actor": ACTOR,
        "event_id": None,
    }
    assert first.headers["bouncewarden-event-id"] == first.event["id"]
    assert first.headers["bouncewarden-topic"] == "address.suppressed"
    stamp, signature = first.headers["bouncewarden-timestamp"], first.headers["bouncewarden-signature"]
    now = time.time()
    for request in receiver.requests:
        headers = request.headers
        assert verify_signature(
            SECRET,
            request.body,
            headers["bouncewarden-timestamp"],
            headers["bouncewarden-signature"],
            now=now,
        )
    assert not verify_signature("other secret", first.body, stamp, signature, now=now)
    assert not verify_signature(SECRET, first.body.replace(b"one@", b"eve@"), stamp, signature, now=now)
    assert not verify_signature(SECRET, first.body, stamp, signature, now=int(stamp) + 301)
    assert len({request.event["id"] for request in receiver.requests}) == 3
    # Nothing new: nothing is sent again.
    assert deliver(service, hook(receiver)) == DeliveryReport()
    assert len(receiver.requests) == 3


def test_a_500_is_retried_with_the_same_event(service: Service, receiver: Receiver) -> None:
    tried: set[str] = set()

    def fail_first(event: dict[str, Any]) -> int:
        if event["id"] in tried:
            return 200
        tried.add(event["id"])
        return 500

    receiver.answer = fail_first
    service.admin.suppress(["a@example.com", "b@example.com"], note=None, actor=ACTOR)
    webhook = hook(receiver, backoff_seconds=0.3)

    first = deliver(service, webhook)
    assert (first.delivered, first.failed, first.dead) == (0, 2, 0)
    assert deliver(service, webhook).failed == 0  # not due yet: nothing sent
    assert len(receiver.requests) == 2
    time.sleep(0.35)
    assert deliver(service, webhook).delivered == 2

    bodies = [request.body for request in receiver.requests]
    assert sorted(bodies[2:]) == sorted(bodies[:2])  # the same events, byte for byte
    assert len(receiver.accepted()) == 2
    [summary] = service.webhooks.summaries(["test"], history=True)
    assert (summary.delivered, summary.pending, summary.dead, summary.failed_attempts) == (2, 0, 0, 2)


def test_a_failing_event_holds_back_its_address_only(service: Service, receiver: Receiver) -> None:
    failures = {"count": 0}

    def fail_held_twice(event: dict[str, Any]) -> int:
        if event["data"]["address"] == "held@example.com" and failures["count"] < 2:
            failures["count"] += 1
            return 503
        return 200

    receiver.answer = fail_held_twice
    service.admin.suppress(["held@example.com"], note=None, actor=ACTOR)
    service.admin.unsuppress(["held@example.com"], note=None, actor=ACTOR)
    service.admin.suppress(["free@example.com", "held@example.com"], note=None, actor=ACTOR)
    webhook = hook(receiver)

    deliver(service, webhook)
    assert topics_of(receiver.accepted(), "free@example.com") == ["address.suppressed"]
    assert topics_of(receiver.events(), "held@example.com") == ["address.suppressed"]  # the later two wait

    deliver_until(service, webhook, lambda: len(receiver.accepted()) == 4)
    assert topics_of(receiver.accepted(), "held@example.com") == [
        "address.suppressed",
        "address.unsuppressed",
        "address.suppressed",
    ]
    held = [event for event in receiver.events() if event["data"]["address"] == "held@example.com"]
    assert [event["topic"] for event in held] == ["address.suppressed"] * 3 + [
        "address.unsuppressed",
        "address.suppressed",
    ]


def _config(tmp_path: Path, receiver: Receiver, **extra: Any) -> Path:
    lines = [
        "[[webhooks]]",
        'name = "test"',
        f'url = "{receiver.url}"',
        'secret_env = "TEST_WEBHOOK_SECRET"',
        "backoff_seconds = 0.01",
        "max_backoff_seconds = 0.01",
        *(f"{key} = {json.dumps(value)}" for key, value in extra.items()),
    ]
    path = tmp_path / "bouncewarden.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(config: Path, database_url: str, *arguments: str) -> str:
    result = CliRunner().invoke(
        main, [*arguments, "--config", str(config), "--db", database_url], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_dead_letters_are_kept_and_replayed(
    service: Service, receiver: Receiver, database_url: str, tmp_path: Path
) -> None:
    healthy = {"on": False}
    receiver.answer = lambda event: (
        200 if healthy["on"] or event["data"]["address"] != "x@example.com" else 500
    )
    config = _config(tmp_path, receiver, max_attempts=3)
    service.admin.suppress(["x@example.com", "y@example.com"], note=None, actor=ACTOR)
    service.admin.unsuppress(["x@example.com"], note=None, actor=ACTOR)

    for _ in range(20):
        cli(config, database_url, "webhooks", "deliver")
        if service.webhooks.dead_letters():
            break
        time.sleep(0.02)
    [letter] = service.webhooks.dead_letters()
    assert (letter.topic, letter.ordering_key, letter.attempts) == ("address.suppressed", "x@example.com", 3)
    assert letter.last_status == 500
    assert json.loads(cli(config, database_url, "webhooks", "dead", "--json"))[0]["id"] == letter.id
    # Given up, it no longer holds back the address's later event.
    cli(config, database_url, "webhooks", "deliver")
    assert topics_of(receiver.accepted(), "x@example.com") == []
    # x's unsuppression failed too, so it died as well once its tries ran out.
    for _ in range(20):
        if len(service.webhooks.dead_letters()) == 2:
            break
        cli(config, database_url, "webhooks", "deliver")
        time.sleep(0.02)
    assert [dead.topic for dead in service.webhooks.dead_letters()] == [
        "address.suppressed",
        "address.unsuppressed",
    ]
    listing = json.loads(cli(config, database_url, "webhooks", "list", "--json"))
    assert listing[0] | {"url": None} == {
        "name": "test",
        "url": None,
        "topics": ["*"],
        "pending": 0,
        "retrying": 0,
        "delivered": 1,
        "dead": 2,
        "failed_attempts": 6,
        "unqueued_changes": 0,
    }

    healthy["on"] = True
    assert "1 dead letters queued again" in cli(config, database_url, "webhooks", "replay", str(letter.id))
    assert "1 events delivered" in cli(config, database_url, "webhooks", "deliver")
    assert "1 dead letters queued again" in cli(config, database_url, "webhooks", "replay", "--all")
    cli(config, database_url, "webhooks", "deliver")
    assert topics_of(receiver.accepted(), "x@example.com") == ["address.suppressed", "address.unsuppressed"]
    assert service.webhooks.dead_letters() == []
    refused = CliRunner().invoke(main, ["webhooks", "replay", "--config", str(config), "--db", database_url])
    assert refused.exit_code == 2


def test_due_retries_and_alerts_go_out_as_events(
    service: Service, receiver: Receiver, database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    bounced = now - timedelta(hours=1)
    soft = FeedbackEvent(
        Kind.BOUNCE, "Soft@Example.com", Severity.SOFT, Reason.MAILBOXFULL, "k1", bounced, "ses"
    )
    with service.engine.begin() as connection:
        add_notice(
            connection,
            "alert.raised",
            "news@example.com",
            {"metric": "bounce_rate", "value": 0.061},
            at=bounced,
        )
    record(service, [soft])
    config = _config(tmp_path, receiver)

    output = cli(config, database_url, "jobs", "run", "--now", (now + timedelta(minutes=1)).isoformat())

    assert "1 retries due" in output
    assert "3 events delivered" in output
    events = receiver.accepted()
    assert sorted(event["topic"] for event in events) == ["address.soft", "alert.raised", "retry.due"]
    assert topics_of(events, "soft@example.com") == ["address.soft", "retry.due"]  # in order for the address
    [alert] = [event for event in events if event["topic"] == "alert.raised"]
    assert alert["data"] == {"subject": "news@example.com", "metric": "bounce_rate", "value": 0.061}
    assert events[-1]["data"] == {
        "subject": "soft@example.com",
        "address": "soft@example.com",
        "attempts": 1,
        "due_at": (bounced + timedelta(minutes=15)).isoformat(),
    }
    # A second run announces nothing again.
    cli(config, database_url, "jobs", "run", "--now", (now + timedelta(minutes=2)).isoformat())
    assert len(receiver.requests) == 3


def test_topics_filter_what_a_webhook_is_sent(service: Service, receiver: Receiver) -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    service.admin.suppress(["a@example.com"], note=None, actor=ACTOR)
    with service.engine.begin() as connection:
        add_notice(connection, "alert.raised", "news@example.com", {}, at=at)
        add_notice(connection, "incident.opened", "news@example.com", {}, at=at)

    report = deliver(service, hook(receiver, topics=["alert.*"]))

    assert report.queued == 3
    assert topics_of(receiver.accepted()) == ["alert.raised"]


def test_delivered_events_are_forgotten_after_a_while(service: Service, receiver: Receiver) -> None:
    service.admin.suppress(["old@example.com"], note=None, actor=ACTOR)
    webhook = hook(receiver, keep_delivered_days=7)
    assert deliver(service, webhook).delivered == 1
    later = datetime.now(UTC) + timedelta(days=8)
    service.admin.unsuppress(["old@example.com"], note=None, actor=ACTOR)

    deliverer = WebhookDeliverer(service.webhooks, [webhook], clock=lambda: later)
    report = deliverer.run_once()
    deliverer.close()

    assert report.delivered == 1  # linked to a forgotten delivery, it is not held back
    [summary] = service.webhooks.summaries(["test"], history=True)
    assert (summary.delivered, summary.pending) == (1, 0)
    assert topics_of(receiver.accepted(), "old@example.com") == ["address.suppressed", "address.unsuppressed"]


def test_two_feeders_at_once_queue_each_change_once(service: Service, receiver: Receiver) -> None:
    service.admin.suppress([f"u{index}@example.com" for index in range(300)], note=None, actor=ACTOR)
    webhook = hook(receiver)
    first_inside, second_read = threading.Event(), threading.Event()

    def shape(changes: Sequence[Change]) -> list[QueuedEvent]:
        if threading.current_thread().name == "first":
            first_inside.set()
            second_read.wait(2)  # without serialisation the second feeder reads the same cursor now
        else:
            second_read.set()
        return events_for(webhook, changes)

    def feed() -> None:
        service.webhooks.feed("test", shape, now=datetime.now(UTC))

    first = threading.Thread(target=feed, name="first")
    first.start()
    assert first_inside.wait(30)
    second = threading.Thread(target=feed, name="second")
    second.start()
    first.join()
    second.join()
    [summary] = service.webhooks.summaries(["test"], history=True)
    assert (summary.pending, summary.unqueued) == (300, 0)


def test_bad_webhook_settings_are_refused(tmp_path: Path) -> None:
    twice = tmp_path / "twice.toml"
    twice.write_text(
        '[[webhooks]]\nname = "a"\nurl = "https://a.example/"\nsecret_env = "X"\n'
        '[[webhooks]]\nname = "a"\nurl = "https://b.example/"\nsecret_env = "X"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="repeated: a"):
        load_settings(twice)
    with pytest.raises(ValueError, match="http:// or https://"):
        WebhookSettings(name="x", url="ftp://example.com/", secret_env="X")
    with pytest.raises(ValueError, match="a webhook topic"):
        WebhookSettings(name="x", url="https://example.com/", secret_env="X", topics=["address"])
