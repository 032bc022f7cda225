"""Incidents: a burst of one sender-side refusal at one provider is one incident, opened once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.service import Service
from bouncewarden.store.notices import read_notices
from store_helpers import connect, record

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
LISTED = "550 5.7.1 Service unavailable; client [192.0.2.7] blocked using zen.spamhaus.org"
THROTTLED = "421 4.7.28 Our system has detected an unusual rate of unsolicited mail"


def refusals(
    count: int,
    *,
    domain: str,
    start: datetime,
    first: int = 0,
    reason: Reason = Reason.BLOCKED,
    vmta: str = "pool-1",
) -> list[FeedbackEvent]:
    diagnostic = LISTED if reason is Reason.BLOCKED else THROTTLED
    return [
        FeedbackEvent(
            kind=Kind.BOUNCE,
            recipient=f"reader{number}@{domain}",
            severity=Severity.SENDER,
            reason=reason,
            dedupe_key=f"refusal:{domain}:{reason}:{number}",
            occurred_at=start + timedelta(seconds=6 * (number - first)),
            source="pmta",
            diagnostic=diagnostic,
            sender="bounces@example.org",
            tags={"vmta": vmta},
        )
        for number in range(first, first + count)
    ]


def opened_notices(service: Service) -> list[dict[str, object]]:
    with connect(service) as connection:
        return [dict(n.payload) for n in read_notices(connection) if n.topic == "incident.opened"]


def test_a_burst_is_one_incident_that_grows_closes_and_never_reopens(service: Service) -> None:
    record(service, refusals(30, domain="outlook.com", start=T0))
    record(service, refusals(25, domain="gmail.com", start=T0, reason=Reason.SPEEDING))
    record(service, refusals(19, domain="yahoo.com", start=T0))  # under the count
    report = service.health.evaluate(T0 + timedelta(minutes=4))
    assert sorted((i.provider, i.reason, i.recipients) for i in report.incidents) == [
        ("gmail", "speeding", 25),
        ("microsoft", "blocked", 30),
    ]
    [microsoft] = [i for i in report.incidents if i.provider == "microsoft"]
    assert microsoft.sender_identity == "vmta:pool-1" and microsoft.sample[0]["diagnostic"] == LISTED
    assert len(opened_notices(service)) == 2

    record(service, refusals(10, domain="outlook.com", start=T0 + timedelta(minutes=5), first=30))
    assert service.health.evaluate(T0 + timedelta(minutes=7)).incidents == ()
    grown = {i.provider: i for i in service.health.incidents()}
    assert grown["microsoft"].recipients == 40 and grown["microsoft"].closed_at is None

    service.health.evaluate(T0 + timedelta(minutes=25))  # quiet for more than ten minutes
    assert all(i.closed_at is not None for i in service.health.incidents())
    service.health.evaluate(T0 + timedelta(minutes=30))  # the same refusals, still in the last hour
    assert len(service.health.incidents()) == 2 and len(opened_notices(service)) == 2

    record(service, refusals(20, domain="outlook.com", start=T0 + timedelta(minutes=40), first=100))
    [again] = service.health.evaluate(T0 + timedelta(minutes=45)).incidents
    assert (again.provider, again.recipients) == ("microsoft", 20)


def test_refusals_spread_out_over_an_hour_are_no_incident(service: Service) -> None:
    burst = refusals(40, domain="outlook.com", start=T0)
    spread = [
        replace(refusal, occurred_at=T0 + timedelta(minutes=n * 1.5)) for n, refusal in enumerate(burst)
    ]
    record(service, spread)
    assert service.health.evaluate(T0 + timedelta(minutes=61)).incidents == ()
