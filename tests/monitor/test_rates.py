"""Counters and rates: a message counts as sent once; SES's rate definitions; the window; minimum volume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.monitor.rates import send_volumes, sender_rates
from bouncewarden.service import Service
from store_helpers import connect, record

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
SENDER = "news@example.org"

_KINDS = {
    "send": (Kind.SEND, Severity.NONE, Reason.UNDEFINED),
    "delivery": (Kind.DELIVERY, Severity.NONE, Reason.DELIVERED),
    "hard": (Kind.BOUNCE, Severity.HARD, Reason.USERUNKNOWN),
    "soft": (Kind.BOUNCE, Severity.SOFT, Reason.MAILBOXFULL),
    "blocked": (Kind.BOUNCE, Severity.SENDER, Reason.BLOCKED),
    "complaint": (Kind.COMPLAINT, Severity.COMPLAINT, Reason.FEEDBACK),
    "delay": (Kind.DELAY, Severity.SOFT, Reason.EXPIRED),
}


def event(
    what: str, number: int, *, at: datetime = T0, message: str | None = "", **fields: object
) -> FeedbackEvent:
    kind, severity, reason = _KINDS[what]
    return FeedbackEvent(
        kind=kind,
        recipient=f"user{number}@example.com",
        severity=severity,
        reason=reason,
        dedupe_key=f"{what}:{number}:{fields.pop('key', '')}",
        occurred_at=at,
        source="test",
        sender=SENDER,
        message_id=f"<m{number}@example.org>" if message == "" else message,
        **fields,  # type: ignore[arg-type]
    )


def counts(service: Service, until: datetime = T0 + timedelta(hours=1)) -> dict[str, int]:
    with connect(service) as connection:
        [rates] = sender_rates(connection, until=until, min_volume=1)
    return {name: getattr(rates.counts, name) for name in rates.counts.__slots__}


def test_a_message_counts_as_sent_once_whatever_arrives_first(service: Service) -> None:
    record(service, [event("send", 1), event("delivery", 1)])  # both in one batch
    record(service, [event("delivery", 2)])
    record(service, [event("send", 2)])  # its Send event arrives after its delivery
    record(service, [event("send", 3)])
    record(service, [event("hard", 3)])
    record(service, [event("hard", 4), event("complaint", 5)])  # a complaint is never a send
    record(service, [event("delay", 6)])  # a delay says nothing final
    record(service, [event("delivery", 7, message=None)])  # nothing to match: its own send
    record(service, [event("delivery", 8, key="again"), event("delivery", 8, key="twice")])
    assert counts(service) == {
        "sends": 6,  # messages 1, 2, 3, 4, 7, 8
        "deliveries": 5,
        "hard": 2,
        "soft": 0,
        "complaints": 1,
        "sender_side": 0,
    }


def test_bounce_rate_leaves_out_suppression_list_bounces_and_sender_side_refusals(service: Service) -> None:
    events = [event("delivery", number) for number in range(90)]
    events += [event("hard", number) for number in range(90, 94)]
    events += [event("hard", number, counts_toward_rate=False) for number in range(94, 97)]
    events += [event("blocked", number) for number in range(97, 100)]
    events += [event("soft", number) for number in range(100, 102)]
    events += [event("complaint", number, key="c") for number in range(3)]
    record(service, events)
    with connect(service) as connection:
        [rates] = sender_rates(connection, until=T0 + timedelta(hours=1), min_volume=99)
    # Suppression-list bounces were never sent: neither sends nor hard bounces.
    assert (rates.counts.sends, rates.counts.hard, rates.counts.sender_side) == (99, 4, 3)
    assert rates.bounce_rate == 4 / 99 and rates.sender_side_rate == 3 / 99 and rates.soft_rate == 2 / 99
    assert rates.complaint_rate == 3 / 90
    assert rates.bounce_judged and not rates.complaint_judged  # 90 deliveries < 99


def test_the_window_covers_whole_hours_up_to_until(service: Service) -> None:
    record(service, [event("delivery", 1, at=T0 - timedelta(hours=25))])
    record(service, [event("delivery", 2, at=T0 - timedelta(hours=23, minutes=30))])
    record(service, [event("delivery", 3, at=T0 + timedelta(minutes=59))])
    assert counts(service, until=T0 + timedelta(minutes=30))["sends"] == 2  # hours 24 ago to now
    assert counts(service, until=T0 + timedelta(hours=2))["sends"] == 1


def test_send_volumes_compare_the_last_day_with_the_week_before(service: Service) -> None:
    for day in range(1, 9):  # the eighth day before is out of the trailing week
        at = T0 - timedelta(days=day, hours=1)
        record(service, [event("delivery", day * 100 + n, at=at) for n in range(14)])
    record(service, [event("delivery", n, at=T0 - timedelta(hours=3)) for n in range(5)])
    with connect(service) as connection:
        volumes = send_volumes(connection, until=T0)
    assert volumes == {SENDER: (5, 14.0)}
