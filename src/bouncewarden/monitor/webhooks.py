"""Outgoing webhooks: queue the new changes, then POST the due events, signed, to each receiver.

One `WebhookDeliverer.run_once` feeds every configured webhook's queue from the outbox and
the notices (`store.webhook_queue`), then sends rounds of due deliveries, up to `workers` at a
time, until none is left that is due now. A 2xx answer delivers an event; anything else (an
error status, a refused connection, a timeout) is retried after `backoff_seconds`, doubling up
to `max_backoff_seconds`, and after `max_attempts` tries the event is dead-lettered, to be
replayed by `bouncewarden webhooks replay`. `run` repeats that every `interval` seconds in
`bouncewarden serve`; `bouncewarden jobs run` and `bouncewarden webhooks deliver` run it once.

Delivered events are deleted `keep_delivered_days` after delivery (checked hourly); dead
letters stay until replayed. Delivery is at least once: a process killed between a receiver's
answer and its write-back sends that event again after its lease, with the same id and body.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from bouncewarden import __version__
from bouncewarden.clock import Clock, system_clock
from bouncewarden.config_webhooks import WebhookSettings
from bouncewarden.monitor.webhook_events import events_for
from bouncewarden.monitor.webhook_signing import EVENT_HEADER, TOPIC_HEADER, signature_headers
from bouncewarden.store.webhook_queue import DEAD, DELIVERED, PENDING, Outcome, QueuedDelivery, WebhookQueue

__all__ = ["DeliveryReport", "WebhookDeliverer"]

_log = logging.getLogger(__name__)
_ERROR_TEXT_LIMIT = 500
_FORGET_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one run did: changes read from the streams, events delivered, failed, dead-lettered."""

    queued: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.queued + other.queued,
            self.delivered + other.delivered,
            self.failed + other.failed,
            self.dead + other.dead,
        )

    def line(self) -> str:
        """One line for the operator."""
        return (
            f"webhooks: {self.queued} changes queued, {self.delivered} events delivered, "
            f"{self.failed} attempts failed, {self.dead} dead-lettered"
        )


@dataclass(frozen=True, slots=True)
class _Attempt:
    delivery: QueuedDelivery
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _Receiver:
    """One webhook: its settings, signing secret and HTTP connection pool."""

    def __init__(self, settings: WebhookSettings, workers: int) -> None:
        self.settings = settings
        self.secret = settings.secret()
        limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
        self.client = httpx.Client(timeout=settings.timeout_seconds, limits=limits, follow_redirects=False)

    def send(self, delivery: QueuedDelivery, timestamp: int) -> _Attempt:
        body = delivery.body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"bouncewarden/{__version__}",
            EVENT_HEADER: delivery.event_id,
            TOPIC_HEADER: delivery.topic,
            **signature_headers(self.secret, timestamp, body),
        }
        try:
            response = self.client.post(self.settings.url, content=body, headers=headers)
        except httpx.HTTPError as err:
            return _Attempt(delivery, None, f"{type(err).__name__}: {err}"[:_ERROR_TEXT_LIMIT])
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return _Attempt(delivery, response.status_code, error)


class WebhookDeliverer:
    """Feeds and delivers every configured webhook (see the module docstring)."""

    def __init__(
        self,
        queue: WebhookQueue,
        webhooks: Sequence[WebhookSettings],
        *,
        clock: Clock = system_clock,
        workers: int = 8,
        batch: int = 32,
    ) -> None:
        self._queue = queue
        self._clock = clock
        self._workers = workers
        self._batch = batch
        self._receivers = [_Receiver(settings, workers) for settings in webhooks]
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        self._forgotten_at: dict[str, datetime] = {}

    def run_once(self) -> DeliveryReport:
        """Queue new changes and send every delivery due now, once."""
        report = DeliveryReport()
        for receiver in self._receivers:
            self._forget(receiver.settings)
            report += self._feed(receiver)
            while True:
                sent = self._round(receiver)
                report += sent
                if not sent.delivered:
                    break  # nothing more due, or the receiver fails everything: wait for the retries
        return report

    def run(self, stop: threading.Event, interval: float) -> None:
        """`run_once` now and every `interval` seconds until `stop` is set; a failed run is logged."""
        while not stop.is_set():
            try:
                report = self.run_once()
            except Exception:  # a long-lived service keeps going; the next run tries again
                _log.exception("webhook delivery failed")
            else:
                if report.failed or report.dead:
                    _log.info("%s", report.line())
            stop.wait(interval)

    def close(self) -> None:
        """Close the connection pools and the sending threads."""
        self._pool.shutdown()
        for receiver in self._receivers:
            receiver.client.close()

    def _forget(self, settings: WebhookSettings) -> None:
        """At most once an hour per webhook: delete deliveries done more than `keep_delivered_days` ago."""
        now = self._clock()
        last = self._forgotten_at.get(settings.name)
        if last is not None and now - last < _FORGET_EVERY:
            return
        self._queue.forget_delivered(settings.name, before=now - timedelta(days=settings.keep_delivered_days))
        self._forgotten_at[settings.name] = now

    def _feed(self, receiver: _Receiver) -> DeliveryReport:
        queued = 0
        while True:
            read = self._queue.feed(
                receiver.settings.name,
                lambda changes: events_for(receiver.settings, changes),
                now=self._clock(),
            )
            if not read:
                return DeliveryReport(queued=queued)
            queued += read

    def _lease(self, settings: WebhookSettings) -> timedelta:
        rounds = math.ceil(self._batch / self._workers)
        return timedelta(seconds=settings.timeout_seconds * rounds + 5)

    def _round(self, receiver: _Receiver) -> DeliveryReport:
        settings = receiver.settings
        claimed = self._queue.claim(
            settings.name, now=self._clock(), lease=self._lease(settings), limit=self._batch
        )
        if not claimed:
            return DeliveryReport()
        timestamp = int(self._clock().timestamp())
        attempts = list(self._pool.map(lambda delivery: receiver.send(delivery, timestamp), claimed))
        now = self._clock()
        outcomes: list[Outcome] = []
        for attempt in attempts:
            tries = attempt.delivery.attempts + 1
            if attempt.ok:
                state, next_at, done_at = DELIVERED, now, now
            else:
                state = DEAD if tries >= settings.max_attempts else PENDING
                next_at, done_at = now + timedelta(seconds=settings.retry_delay(tries)), None
                _log.warning(
                    "webhook %s: event %s (%s) attempt %d failed: %s",
                    settings.name,
                    attempt.delivery.event_id,
                    attempt.delivery.topic,
                    tries,
                    attempt.error,
                )
            outcomes.append(
                Outcome(attempt.delivery.id, state, tries, next_at, attempt.status, attempt.error, done_at)
            )
        self._queue.record(outcomes)
        delivered = sum(1 for outcome in outcomes if outcome.state == DELIVERED)
        dead = sum(1 for outcome in outcomes if outcome.state == DEAD)
        return DeliveryReport(delivered=delivered, failed=len(outcomes) - delivered, dead=dead)
