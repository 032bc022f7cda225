"""`/`: the login page for strangers, the dashboard for people signed in; login and logout.

Failed logins are limited per client address and per user name (`LoginLimiter`); the answer
to a wrong name and to a wrong password is the same page, and takes as long.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bouncewarden.api.ui.charts import bar_chart, daily_chart
from bouncewarden.api.ui.web import SignInNeeded, Ui

__all__ = ["auth_router"]

_DAYS = 14


def auth_router(ui: Ui) -> APIRouter:
    """The login, logout and dashboard routes."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request) -> Response:
        try:
            user = ui.user(request)
        except SignInNeeded:
            return ui.render(request, "login.html", {"user": None, "error": None})
        return ui.render(request, "dashboard.html", {"user": user, **_dashboard(ui)})

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await ui.form(request)
        username = str(form.get("username", ""))[:200]
        password = str(form.get("password", ""))[:1000]
        client = request.client.host if request.client else "?"
        if ui.limiter.blocked(client, username):
            context = {"user": None, "error": "Too many failed attempts; wait a few minutes."}
            return ui.render(request, "login.html", context, status_code=429)
        user = ui.backend.users.sign_in(username, password)
        if user is None:
            ui.limiter.failed(client, username)
            context = {"user": None, "error": "Wrong user name or password."}
            return ui.render(request, "login.html", context, status_code=401)
        request.state.session = ui.signer.new(user.id)
        ui.backend.audit.record(f"user:{user.username}", "login", f"user:{user.username}")
        return ui.back(request, "/")

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await ui.form(request)
        request.state.session = ui.signer.new(None)
        return ui.back(request, "/")

    return router


def _dashboard(ui: Ui) -> dict[str, object]:
    service = ui.backend.service
    now = ui.backend.clock()
    since = (now - timedelta(days=_DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    days = service.counters.daily_totals(since=since, until=now)
    labels = [day.day.isoformat() for day in days]
    feedback = {
        "hard": [day.hard for day in days],
        "soft": [day.soft for day in days],
        "complaints": [day.complaints for day in days],
    }
    sends = {"sends": [day.sends for day in days]}
    health = service.quarantine.health(now=now)
    stats = service.admin.stats()
    return {
        "stats": stats,
        "days": days,
        "feedback_chart": daily_chart(labels, feedback, title="Bounces and complaints per day"),
        "sends_chart": daily_chart(labels, sends, title="Sends per day"),
        "reason_chart": bar_chart(service.counters.events_by_reason(), title="Events by reason"),
        "quarantine": health,
        "quarantine_chart": bar_chart(health.by_source, title="Quarantined by source"),
    }
