"""The figures of `GET /metrics`, in the Prometheus text format.

    bouncewarden_events_total{kind,severity,reason,source}   events stored (counter)
    bouncewarden_ingest_lag_seconds                         the newest event: stored minus arrived
    bouncewarden_last_event_recorded_timestamp_seconds      when the newest event was stored
    bouncewarden_quarantine_inputs{state}                   quarantined inputs: held, replayed, dropped
    bouncewarden_outbox_backlog{webhook}                    changes not yet queued for a webhook
    bouncewarden_webhook_deliveries{webhook,state}          pending, retrying (failed before), dead
    bouncewarden_sender_rate{sender,rate}                   bounce, complaint, soft, sender_side
    bouncewarden_sender_rate_judged{sender,rate}            1 when the volume reaches [health] min_volume
    bouncewarden_sender_volume{sender,kind}                 sends and deliveries in the rate window
    bouncewarden_sqs_messages{queue,state}                  waiting / in_flight, as a worker last saw them
    bouncewarden_sqs_depth_seen_timestamp_seconds{queue}    when that was

A scrape costs a handful of small queries: events are tallied from the last id this process
counted (up to the committed high-water mark, `store.high_water`), so only new rows are read;
an event reclassified later stays counted under the classification it was stored with until
the process restarts. Queue depths are what the SQS workers last recorded (every 30 s, in
`source_status`), from any process sharing the database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy.exc import OperationalError

from bouncewarden.clock import Clock, system_clock
from bouncewarden.monitor.rates import SenderRates, sender_rates
from bouncewarden.service import Service
from bouncewarden.sources.sqs import SOURCE as SQS_SOURCE
from bouncewarden.store.gauges import EventKey, newest_event, quarantine_sizes, tally_events
from bouncewarden.store.high_water import committed_high_water
from bouncewarden.store.models import Event

__all__ = ["MetricsCollector", "metrics_registry"]

_RATES = ("bounce", "complaint", "soft", "sender_side")


class _EventTally:
    """Events counted so far by this process, and the id counted up to."""

    def __init__(self) -> None:
        self.up_to = 0
        self.counts: dict[EventKey, int] = {}
        self.lock = threading.Lock()


class MetricsCollector(Collector):
    """Reads the figures from the service's database at every scrape."""

    def __init__(self, service: Service, *, clock: Clock = system_clock) -> None:
        self._service = service
        self._clock = clock
        self._tally = _EventTally()

    def collect(self) -> Iterator[Metric]:
        yield self._events()
        engine = self._service.engine
        now = self._clock()
        health = self._service.settings.health
        with engine.connect() as connection:
            newest = newest_event(connection)
            quarantined = quarantine_sizes(connection)
            rates = sender_rates(
                connection,
                until=now,
                window=timedelta(hours=health.window_hours),
                min_volume=health.min_volume,
            )
        lag = GaugeMetricFamily(
            "bouncewarden_ingest_lag_seconds", "Seconds between the newest event's arrival and its storing."
        )
        last = GaugeMetricFamily(
            "bouncewarden_last_event_recorded_timestamp_seconds", "Unix time the newest event was stored."
        )
        if newest is not None:
            lag.add_metric([], max((newest.recorded_at - newest.arrived_at).total_seconds(), 0.0))
            last.add_metric([], newest.recorded_at.timestamp())
        yield lag
        yield last
        quarantine = GaugeMetricFamily(
            "bouncewarden_quarantine_inputs", "Quarantined inputs by state.", labels=["state"]
        )
        for state in sorted({"held", *quarantined}):
            quarantine.add_metric([state], quarantined.get(state, 0))
        yield quarantine
        yield from self._webhooks()
        yield from self._rates(rates)
        yield from self._queues()

    def _queues(self) -> Iterator[Metric]:
        messages = GaugeMetricFamily(
            "bouncewarden_sqs_messages",
            "Messages on each SQS queue (waiting, in_flight), as a worker last saw them.",
            labels=["queue", "state"],
        )
        seen = GaugeMetricFamily(
            "bouncewarden_sqs_depth_seen_timestamp_seconds",
            "Unix time a worker last recorded the queue's depth.",
            labels=["queue"],
        )
        for state in self._service.mail_sources.states(kind=SQS_SOURCE):
            queue = state.name.removeprefix(f"{SQS_SOURCE}:")
            for name in ("waiting", "in_flight"):
                messages.add_metric([queue, name], state.counts.get(name, 0))
            seen.add_metric([queue], state.updated_at.timestamp())
        yield messages
        yield seen

    def _events(self) -> Metric:
        tally = self._tally
        with tally.lock:
            try:
                high = committed_high_water(self._service.engine, Event, lock_timeout_ms=1000)
            except OperationalError:  # a long write holds the table: show what was counted
                high = tally.up_to
            if high > tally.up_to:
                with self._service.engine.connect() as connection:
                    for key, count in tally_events(connection, after_id=tally.up_to, up_to=high).items():
                        tally.counts[key] = tally.counts.get(key, 0) + count
                tally.up_to = high
            counts = dict(tally.counts)
        family = CounterMetricFamily(
            "bouncewarden_events",
            "Events stored, by kind, severity, reason and source.",
            labels=["kind", "severity", "reason", "source"],
        )
        for key in sorted(counts):
            family.add_metric(list(key), counts[key])
        return family

    def _webhooks(self) -> Iterator[Metric]:
        names = [webhook.name for webhook in self._service.settings.webhooks]
        backlog = GaugeMetricFamily(
            "bouncewarden_outbox_backlog",
            "Changes in the outbox and notices not yet queued.",
            labels=["webhook"],
        )
        deliveries = GaugeMetricFamily(
            "bouncewarden_webhook_deliveries",
            "Webhook deliveries not done, by state.",
            labels=["webhook", "state"],
        )
        for summary in self._service.webhooks.summaries(names):
            backlog.add_metric([summary.webhook], summary.unqueued)
            deliveries.add_metric([summary.webhook, "pending"], summary.pending)
            deliveries.add_metric([summary.webhook, "retrying"], summary.retrying)
            deliveries.add_metric([summary.webhook, "dead"], summary.dead)
        yield backlog
        yield deliveries

    @staticmethod
    def _rates(rates: list[SenderRates]) -> Iterator[Metric]:
        rate = GaugeMetricFamily(
            "bouncewarden_sender_rate",
            "Rates per sender over the [health] window (fractions).",
            labels=["sender", "rate"],
        )
        judged = GaugeMetricFamily(
            "bouncewarden_sender_rate_judged",
            "1 when the rate's volume reaches [health] min_volume.",
            labels=["sender", "rate"],
        )
        volume = GaugeMetricFamily(
            "bouncewarden_sender_volume",
            "Sends and deliveries per sender over the [health] window.",
            labels=["sender", "kind"],
        )
        for sender in rates:
            name = sender.sender_identity
            volume.add_metric([name, "sends"], sender.counts.sends)
            volume.add_metric([name, "deliveries"], sender.counts.deliveries)
            for label in _RATES:
                value = getattr(sender, f"{label}_rate")
                if value is not None:
                    rate.add_metric([name, label], value)
            judged.add_metric([name, "bounce"], float(sender.bounce_judged))
            judged.add_metric([name, "complaint"], float(sender.complaint_judged))
        yield rate
        yield judged
        yield volume


def metrics_registry(service: Service, *, clock: Clock = system_clock) -> CollectorRegistry:
    """A registry holding only bouncewarden's figures (no process or Python metrics)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MetricsCollector(service, clock=clock))
    return registry
