"""Sender health over HTTP: rates per sender, alerts and their acknowledgement, incidents, the dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from api.conftest import LiveApi
from api.support import NOW
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.store.tokens import Scope
from bouncewarden.store.users import Role
from store_helpers import record

SENDER = "news@example.org"
PASSWORD = "a password of some length"


def _bad_day(live: LiveApi) -> None:
    """1,200 messages from one sender in the last hours, 15 % of them hard bounces: a pause alert."""
    at = NOW - timedelta(hours=2)
    events = [
        FeedbackEvent(
            kind=Kind.BOUNCE if number % 20 < 3 else Kind.DELIVERY,
            recipient=f"user{number}@gmail.com",
            severity=Severity.HARD if number % 20 < 3 else Severity.NONE,
            reason=Reason.USERUNKNOWN if number % 20 < 3 else Reason.DELIVERED,
            dedupe_key=f"api-health:{number}",
            occurred_at=at,
            source="test",
            sender=SENDER,
            message_id=f"<{number}@example.org>",
        )
        for number in range(1200)
    ]
    record(live.backend.service, events)
    live.backend.service.run_due_jobs(NOW)


def test_senders_alerts_and_acknowledgement(live: LiveApi) -> None:
    _bad_day(live)
    with live.client(Scope.READ) as http:
        [sender] = http.get("/v1/senders").json()["items"]
        assert (sender["sender_identity"], sender["sends"], sender["hard"]) == (SENDER, 1200, 180)
        assert sender["bounce_rate"] == 0.15 and sender["bounce_judged"]
        alerts = http.get("/v1/alerts", params={"open": "true"}).json()["items"]
        assert {(alert["metric"], alert["level"]) for alert in alerts} == {
            ("bounce_rate", "warning"),
            ("bounce_rate", "review"),
            ("bounce_rate", "pause_advised"),
        }
        pause = next(alert for alert in alerts if alert["pause_advised"])
        assert http.post(f"/v1/alerts/{pause['id']}/ack").status_code == 403  # read scope
        stats = http.get("/v1/stats").json()
        assert [rate["sender_identity"] for rate in stats["rates"]] == [SENDER]
        assert len(stats["alerts"]) == 3
    with live.client(Scope.WRITE) as http:
        acknowledged = http.post(f"/v1/alerts/{pause['id']}/ack").json()
        assert acknowledged["acknowledged_by"] and acknowledged["acknowledged_at"] == NOW.isoformat()
        assert http.post("/v1/alerts/999999/ack").status_code == 404
        assert http.get("/v1/incidents").json() == {"items": []}
    audit = live.backend.audit.recent(10, target=f"alert:{pause['id']}")
    assert [entry.action for entry in audit] == ["alert_ack"]


def _sign_in(browser: httpx.Client, username: str) -> tuple[str, str]:
    """The dashboard after signing in, and the session's CSRF token."""
    token = re.search(r'name="csrf" value="([^"]+)"', browser.get("/").text)
    assert token is not None
    page = browser.post(
        "/login", data={"csrf": token.group(1), "username": username, "password": PASSWORD}
    ).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    return page, csrf.group(1)


def test_the_dashboard_shows_rates_and_open_alerts_and_an_operator_acknowledges(live: LiveApi) -> None:
    _bad_day(live)
    live.backend.users.add("vera", PASSWORD, Role.VIEWER)
    live.backend.users.add("otto", PASSWORD, Role.OPERATOR)
    [first, *_] = live.backend.service.health.alerts(open_only=True)
    with httpx.Client(base_url=live.base, follow_redirects=True, timeout=60) as viewer:
        dashboard, csrf = _sign_in(viewer, "vera")
        assert viewer.post(f"/alerts/{first.id}/ack", data={"csrf": csrf}).status_code == 403
    rates = dashboard[dashboard.index('id="sender-rates"') :]
    assert SENDER in rates and "15.00 %" in rates
    alerts = dashboard[dashboard.index('id="open-alerts"') : dashboard.index('id="sender-rates"')]
    assert (
        alerts.count("<tr class=") == 3
        and "pause_advised" in alerts
        and ">Acknowledge</button>" not in alerts
    )
    with httpx.Client(base_url=live.base, follow_redirects=True, timeout=60) as operator:
        page, csrf = _sign_in(operator, "otto")
        assert page.count(">Acknowledge</button>") == 3
        after = operator.post(f"/alerts/{first.id}/ack", data={"csrf": csrf}).text
    assert after.count(">Acknowledge</button>") == 2 and "user:otto" in after
    [acknowledged] = [alert for alert in live.backend.service.health.alerts() if alert.id == first.id]
    assert acknowledged.acknowledged_by == "user:otto"
