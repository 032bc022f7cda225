"""A fortnight of simulated sending: alerts fire once and resolve once per crossing, one incident per burst.

One sender sends about 108,000 messages over 14 simulated days, hour by hour, with bounce and
complaint rates that climb past each threshold and come back down, and two days of low volume.
No Send events are recorded: each message's delivery or bounce counts as its send. Another
sender bounces half of its mail but stays under the minimum volume: it never alerts. On day 1,
300 recipients at Microsoft refuse the first sender's IP within five minutes: one incident.
Every hour's events go through the recorder (the store's real write path) and every hour the
health evaluation runs, with the simulated time as its clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.monitor.thresholds import Level, Metric
from bouncewarden.service import Service
from bouncewarden.store.notices import read_notices
from store_helpers import connect, record

START = datetime(2026, 3, 2, tzinfo=UTC)
SENDER = "news@example.org"
TINY = "tiny@example.org"
DAYS = 14
NORMAL_PER_HOUR = 360
LOW_PER_HOUR = 90
LOW_DAYS = frozenset({9, 10})
# Per day: (hard bounce rate, complaint rate) of the messages sent that day.
RATES = {
    2: (0.03, 0.0002),
    3: (0.07, 0.0002),
    4: (0.14, 0.0002),
    6: (0.005, 0.0008),
    7: (0.005, 0.003),
    8: (0.005, 0.008),
}
BASELINE = (0.005, 0.0002)
PROVIDERS = ("gmail.com", "outlook.com", "yahoo.com", "example.net")


class _Spread:
    """Spreads a fractional count over hours exactly (carry the remainder)."""

    def __init__(self) -> None:
        self.carry = 0.0

    def take(self, expected: float) -> int:
        self.carry += expected
        whole = int(self.carry)
        self.carry -= whole
        return whole


def _event(kind: Kind, number: int, at: datetime, sender: str, **fields: object) -> FeedbackEvent:
    severity = fields.pop("severity", Severity.NONE)
    reason = fields.pop("reason", Reason.DELIVERED)
    return FeedbackEvent(
        kind=kind,
        recipient=f"user{number}@{PROVIDERS[number % len(PROVIDERS)]}",
        severity=severity,  # type: ignore[arg-type]
        reason=reason,  # type: ignore[arg-type]
        dedupe_key=f"sim:{sender}:{number}:{kind.value}",
        occurred_at=at,
        source="simulation",
        sender=sender,
        message_id=f"<{number}@{sender.partition('@')[2]}>",
        **fields,  # type: ignore[arg-type]
    )


def _hour_of_events(hour: int, first: int, bounces: _Spread, complaints: _Spread) -> list[FeedbackEvent]:
    day = hour // 24
    at = START + timedelta(hours=hour, minutes=30)
    count = LOW_PER_HOUR if day in LOW_DAYS else NORMAL_PER_HOUR
    hard_rate, complaint_rate = RATES.get(day, BASELINE)
    hard = bounces.take(count * hard_rate)
    complained = complaints.take((count - hard) * complaint_rate)
    events = []
    for offset in range(count):
        number = first + offset
        if offset < hard:
            events.append(
                _event(Kind.BOUNCE, number, at, SENDER, severity=Severity.HARD, reason=Reason.USERUNKNOWN)
            )
            continue
        events.append(_event(Kind.DELIVERY, number, at, SENDER))
        if offset - hard < complained:
            complaint_at = at + timedelta(minutes=5)
            events.append(
                _event(
                    Kind.COMPLAINT,
                    number,
                    complaint_at,
                    SENDER,
                    severity=Severity.COMPLAINT,
                    reason=Reason.FEEDBACK,
                    feedback_type="abuse",
                )
            )
    return events


def _tiny_sender(hour: int) -> Iterator[FeedbackEvent]:
    """One message an hour, every other one a hard bounce: alarming, but never enough volume."""
    number = 10_000_000 + hour
    at = START + timedelta(hours=hour, minutes=10)
    if hour % 2:
        yield _event(Kind.BOUNCE, number, at, TINY, severity=Severity.HARD, reason=Reason.USERUNKNOWN)
    else:
        yield _event(Kind.DELIVERY, number, at, TINY)


def _listed_ip_burst(at: datetime) -> list[FeedbackEvent]:
    return [
        FeedbackEvent(
            kind=Kind.BOUNCE,
            recipient=f"reader{number}@outlook.com",
            severity=Severity.SENDER,
            reason=Reason.BLOCKED,
            dedupe_key=f"sim:burst:{number}",
            occurred_at=at + timedelta(seconds=number),
            source="simulation",
            status="5.7.1",
            reply_code="550",
            diagnostic=f"550 5.7.1 Service unavailable, Client host [192.0.2.{number % 4 + 1}] blocked "
            "using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/",
            sender=SENDER,
            message_id=f"<burst{number}@example.org>",
        )
        for number in range(300)
    ]


def test_a_fortnight_of_sending(service: Service) -> None:
    bounces, complaints = _Spread(), _Spread()
    messages = 0
    for hour in range(DAYS * 24):
        events = _hour_of_events(hour, messages, bounces, complaints)
        messages += sum(1 for event in events if event.kind is not Kind.COMPLAINT)
        events += _tiny_sender(hour)
        if hour == 24 + 10:
            events += _listed_ip_burst(START + timedelta(hours=hour, minutes=40))
        record(service, events, source="simulation")
        service.run_due_jobs(START + timedelta(hours=hour + 1))
    for extra in range(1, 4):  # the last day's window moves on
        service.run_due_jobs(START + timedelta(days=DAYS, hours=extra))
    assert messages >= 100_000

    alerts = service.health.alerts()
    crossings = Counter((alert.sender_identity, alert.metric, alert.level) for alert in alerts)
    expected = {
        (SENDER, metric, level) for metric in (Metric.BOUNCE_RATE, Metric.COMPLAINT_RATE) for level in Level
    }
    expected.add((SENDER, Metric.VOLUME_DROP, Level.WARNING))
    assert set(crossings) == expected  # nothing for the sender under the minimum volume
    assert all(number == 1 for number in crossings.values())  # each crossing fires once
    assert all(not alert.is_open for alert in alerts)  # and resolves
    by_crossing = {(alert.metric, alert.level): alert for alert in alerts}
    for metric in (Metric.BOUNCE_RATE, Metric.COMPLAINT_RATE):
        warning, review, pause = (by_crossing[metric, level] for level in Level)
        assert warning.raised_at <= review.raised_at <= pause.raised_at
        assert pause.resolved_at is not None and warning.resolved_at is not None
        assert pause.resolved_at <= warning.resolved_at
        assert pause.peak >= pause.threshold
    bounce_pause = by_crossing[Metric.BOUNCE_RATE, Level.PAUSE_ADVISED]
    assert START + timedelta(days=4) <= bounce_pause.raised_at <= START + timedelta(days=5)
    drop = by_crossing[Metric.VOLUME_DROP, Level.WARNING]
    assert START + timedelta(days=9) <= drop.raised_at <= START + timedelta(days=11)

    with connect(service) as connection:
        notices = read_notices(connection, limit=10_000)
    topics = Counter(notice.topic for notice in notices)
    assert topics == {"alert.raised": 7, "alert.resolved": 7, "incident.opened": 1}
    raised_ids = sorted(notice.payload["id"] for notice in notices if notice.topic == "alert.raised")
    resolved_ids = sorted(notice.payload["id"] for notice in notices if notice.topic == "alert.resolved")
    assert raised_ids == resolved_ids == sorted(alert.id for alert in alerts)
    assert all(notice.subject == SENDER for notice in notices)
    pause_notices = [notice for notice in notices if notice.payload.get("pause_advised")]
    assert len(pause_notices) == 4  # raised and resolved, bounce and complaint

    [incident] = service.health.incidents()
    assert (incident.sender_identity, incident.provider, incident.reason) == (SENDER, "microsoft", "blocked")
    assert incident.recipients == 300 and incident.closed_at is not None
    assert 1 <= len(incident.sample) <= 5 and "Spamhaus" in incident.sample[0]["diagnostic"]
    # The refusals were the sender's problem: no recipient of the burst is soft or suppressed.
    stats = service.admin.stats()
    assert stats.addresses["soft"] == 0
    assert service.admin.lookup(["reader7@outlook.com"]) == {}

    rates = {sender.sender_identity: sender for sender in service.health.rates(START + timedelta(days=DAYS))}
    assert rates[TINY].bounce_rate == 0.5 and not rates[TINY].bounce_judged
    totals = service.counters.daily_totals(since=START, until=START + timedelta(days=DAYS + 1))
    # Every message counted as sent exactly once: by its delivery or its bounce, not by a complaint.
    assert sum(day.sends for day in totals) == messages + 300 + DAYS * 24
