"""`/v1` routes about sender health: rates per sender, alerts, incidents.

    GET  /v1/senders             read    each sender's counts and rates over the rolling window
    GET  /v1/alerts              read    alerts, newest first (`open=true`: the unresolved ones)
    POST /v1/alerts/{id}/ack     write   acknowledge an alert (who and when are kept, and audited)
    GET  /v1/incidents           read    bursts of sender-side refusals, newest first

A sending application can poll `/v1/alerts?open=true` and hold mail for a sender with an open
`pause_advised` alert (or take `alert.raised` from the outgoing webhooks instead of polling).
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from bouncewarden.api.context import Backend
from bouncewarden.api.v1.auth import Caller
from bouncewarden.api.v1.schemas import RowId
from bouncewarden.monitor.alerts import UnknownAlert
from bouncewarden.monitor.rates import SenderRates
from bouncewarden.store.tokens import Scope

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# definition time, and they name the scope dependencies local to the router factory.
__all__ = ["health_router", "sender_json"]


def sender_json(sender: SenderRates) -> dict[str, Any]:
    """One sender's counts and rates as JSON values (also `/v1/stats`'s `rates`)."""
    counts = sender.counts
    return {
        "sender_identity": sender.sender_identity,
        "sends": counts.sends,
        "deliveries": counts.deliveries,
        "hard": counts.hard,
        "soft": counts.soft,
        "complaints": counts.complaints,
        "sender_side": counts.sender_side,
        "bounce_rate": sender.bounce_rate,
        "complaint_rate": sender.complaint_rate,
        "soft_rate": sender.soft_rate,
        "sender_side_rate": sender.sender_side_rate,
        "bounce_judged": sender.bounce_judged,
        "complaint_judged": sender.complaint_judged,
    }


def health_router(backend: Backend, guard: Callable[[Scope], Any]) -> APIRouter:
    """The sender-health routes over `backend`."""
    router = APIRouter(prefix="/v1", tags=["health"])
    read = guard(Scope.READ)
    write = guard(Scope.WRITE)
    health = backend.service.health

    @router.get("/senders")
    def senders(caller: Annotated[Caller, read]) -> dict[str, Any]:
        """Counts and rates per sender identity over the rolling window (`[health] window_hours`)."""
        now = backend.clock()
        return {
            "window_hours": int(health.window.total_seconds() // 3600),
            "until": now.isoformat(),
            "items": [sender_json(sender) for sender in health.rates(now)],
        }

    @router.get("/alerts")
    def alerts(
        caller: Annotated[Caller, read],
        open: bool = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        """Alerts, newest first."""
        return {"items": [alert.as_json() for alert in health.alerts(open_only=open, limit=limit)]}

    @router.post("/alerts/{alert_id}/ack")
    def acknowledge(alert_id: RowId, caller: Annotated[Caller, write]) -> dict[str, Any]:
        """Acknowledge one alert; a second acknowledgement keeps the first one's who and when."""
        try:
            alert = health.acknowledge(alert_id, actor=caller.actor, now=backend.clock())
        except UnknownAlert as err:
            raise HTTPException(404, str(err)) from err
        backend.audit.record(caller.actor, "alert_ack", f"alert:{alert_id}")
        return alert.as_json()

    @router.get("/incidents")
    def incidents(
        caller: Annotated[Caller, read], limit: Annotated[int, Query(ge=1, le=1000)] = 200
    ) -> dict[str, Any]:
        """Incidents, newest first."""
        return {"items": [incident.as_json() for incident in health.incidents(limit=limit)]}

    return router
