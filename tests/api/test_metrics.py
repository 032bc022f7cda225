"""`GET /metrics` after known input, parsed with prometheus_client's own parser, on SQLite and
PostgreSQL: events by label, ingest lag, quarantine, outbox backlog, webhook deliveries, rates."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bouncewarden.api.app import create_app
from bouncewarden.api.context import Backend
from bouncewarden.clock import fixed_clock
from bouncewarden.config import Settings
from bouncewarden.config_webhooks import WebhookSettings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.intake import RawInput, ReadInput, Unreadable
from bouncewarden.monitor.webhooks import WebhookDeliverer
from bouncewarden.service import Service
from bouncewarden.store.tokens import Scope
from store_helpers import record

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SENT = NOW - timedelta(hours=3)
SENDER = "news@example.com"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def metered(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    monkeypatch.setenv("METRICS_TEST_SECRET", "x")
    webhook = WebhookSettings(
        name="crm", url="http://127.0.0.1:9/closed", secret_env="METRICS_TEST_SECRET", timeout_seconds=2
    )
    settings = Settings(
        database_url=database_url, data_dir=tmp_path / "data", health={"min_volume": 5}, webhooks=[webhook]
    )
    with Service.open(settings) as service:
        yield service


def _event(kind: Kind, severity: Severity, reason: Reason, number: int, source: str = "ses") -> FeedbackEvent:
    return FeedbackEvent(
        kind,
        f"user{number}@example.org",
        severity,
        reason,
        f"{kind}-{number}",
        SENT + timedelta(minutes=number),
        source,
        sender=SENDER,
        message_id=f"<m{number}@example.com>",
    )


KNOWN = [
    *(_event(Kind.SEND, Severity.NONE, Reason.DELIVERED, n) for n in range(10)),
    *(_event(Kind.DELIVERY, Severity.NONE, Reason.DELIVERED, n) for n in range(8)),
    _event(Kind.BOUNCE, Severity.HARD, Reason.USERUNKNOWN, 8),
    _event(Kind.COMPLAINT, Severity.COMPLAINT, Reason.FEEDBACK, 0, source="arf"),
]


def scrape(client: TestClient, token: str) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def labelled(samples: Samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {labels: value for (sample, labels), value in samples.items() if sample == name}


def test_metrics_after_known_input(metered: Service) -> None:
    record(metered, KNOWN)
    unreadable = ReadInput(RawInput(b"not a report", "junk.eml", NOW, "file"), Unreadable("no report in it"))
    metered.recorder.record([unreadable])
    app = create_app(metered, metered.settings, clock=fixed_clock(NOW))
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 401
        read_token = _token(metered, Scope.READ)
        samples = scrape(client, read_token)

        expected = Counter((e.kind.value, e.severity.value, e.reason.value, e.source) for e in KNOWN)
        events = labelled(samples, "bouncewarden_events_total")
        assert {
            (
                dict(labels)["kind"],
                dict(labels)["severity"],
                dict(labels)["reason"],
                dict(labels)["source"],
            ): value
            for labels, value in events.items()
        } == dict(expected)

        assert labelled(samples, "bouncewarden_quarantine_inputs")[(("state", "held"),)] == 1
        # The hard bounce and the complaint each suppressed an address; nothing was queued yet.
        assert labelled(samples, "bouncewarden_outbox_backlog") == {(("webhook", "crm"),): 2}
        assert (
            labelled(samples, "bouncewarden_webhook_deliveries")[(("state", "pending"), ("webhook", "crm"))]
            == 0
        )

        rates = labelled(samples, "bouncewarden_sender_rate")
        assert rates[(("rate", "bounce"), ("sender", SENDER))] == pytest.approx(1 / 10)
        assert rates[(("rate", "complaint"), ("sender", SENDER))] == pytest.approx(1 / 8)
        assert labelled(samples, "bouncewarden_sender_volume") == {
            (("kind", "deliveries"), ("sender", SENDER)): 8,
            (("kind", "sends"), ("sender", SENDER)): 10,
        }
        assert (
            labelled(samples, "bouncewarden_sender_rate_judged")[(("rate", "bounce"), ("sender", SENDER))]
            == 1
        )

        recorded = samples[("bouncewarden_last_event_recorded_timestamp_seconds", ())]
        assert abs(recorded - time.time()) < 600
        newest_arrival = max(event.occurred_at for event in KNOWN).timestamp()
        assert samples[("bouncewarden_ingest_lag_seconds", ())] == pytest.approx(
            recorded - newest_arrival, abs=1
        )

        # The receiver is a closed port: both events fail once and wait for their retry.
        deliverer = WebhookDeliverer(metered.webhooks, metered.settings.webhooks)
        deliverer.run_once()
        deliverer.close()
        record(metered, [_event(Kind.BOUNCE, Severity.SOFT, Reason.MAILBOXFULL, 9)])
        again = scrape(client, read_token)
        assert labelled(again, "bouncewarden_outbox_backlog") == {(("webhook", "crm"),): 1}  # the new soft
        deliveries = labelled(again, "bouncewarden_webhook_deliveries")
        assert deliveries[(("state", "retrying"), ("webhook", "crm"))] == 2
        assert deliveries[(("state", "dead"), ("webhook", "crm"))] == 0
        soft_key = (("kind", "bounce"), ("reason", "mailboxfull"), ("severity", "soft"), ("source", "ses"))
        assert labelled(again, "bouncewarden_events_total")[soft_key] == 1
        assert sum(labelled(again, "bouncewarden_events_total").values()) == len(KNOWN) + 1


def _token(service: Service, scope: Scope) -> str:
    return Backend.over(service).tokens.create(scope, "metrics test").secret


def test_metrics_can_be_public(metered: Service) -> None:
    settings = metered.settings.model_copy(
        update={"http": metered.settings.http.model_copy(update={"metrics_public": True})}
    )
    with TestClient(create_app(metered, settings, clock=fixed_clock(NOW))) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    families = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"bouncewarden_events", "bouncewarden_quarantine_inputs", "bouncewarden_sender_rate"} <= families
