"""Rules with a tester, the quarantine, the settings (read-only) and the audit log.

GET  /rules                    the rules in the order they are tried, the tester
POST /rules                    operator: add one; POST /rules/{id}/up and /rules/{id}/remove
POST /rules/test               anyone signed in: classify a diagnostic with and without the rules
GET  /quarantine[/{id}]        inputs that could not be read (held, replayed, dropped); one as text
POST /quarantine/{id}/replay   operator: read it again; POST /quarantine/{id}/drop, with a note
GET  /settings                 administrator: the resolved settings, secrets masked
GET  /audit                    every change and who made it
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bouncewarden.api.settings_view import visible_settings
from bouncewarden.api.ui.web import Denied, Missing, Ui
from bouncewarden.api.v1.schemas import MAX_ROW_ID, RowId
from bouncewarden.store.users import Role

__all__ = ["manage_router"]


def manage_router(ui: Ui) -> APIRouter:
    """The rules, quarantine, settings and audit routes."""
    router = APIRouter(include_in_schema=False)
    service = ui.backend.service

    def _rules_page(request: Request, tried: dict[str, Any] | None, form: dict[str, str]) -> Response:
        user = ui.user(request)
        context = {"user": user, "rules": service.rules.stored_rules(), "tried": tried, "form": form}
        return ui.render(request, "rules.html", context)

    @router.get("/rules")
    def rules(request: Request) -> Response:
        return _rules_page(request, None, {})

    @router.post("/rules")
    async def add_rule(request: Request) -> Response:
        user = ui.user(request, Role.OPERATOR)
        form = await ui.form(request)
        try:
            ui.actions.add_rule(str(form.get("rule", ""))[:2000], note=str(form.get("note", ""))[:2000],
                                actor=f"user:{user.username}")  # fmt: skip
        except ValueError as err:
            raise Denied(f"not a rule: {err}") from err
        return ui.back(request, "/rules")

    @router.post("/rules/{rule_id}/remove")
    async def remove_rule(rule_id: RowId, request: Request) -> Response:
        user = ui.user(request, Role.OPERATOR)
        await ui.form(request)
        ui.actions.remove_rule(rule_id, actor=f"user:{user.username}")
        return ui.back(request, "/rules")

    @router.post("/rules/{rule_id}/up")
    async def move_rule_up(rule_id: RowId, request: Request) -> Response:
        user = ui.user(request, Role.OPERATOR)
        await ui.form(request)
        ui.actions.move_rule_up(rule_id, actor=f"user:{user.username}")
        return ui.back(request, "/rules")

    @router.post("/rules/test")
    async def test_rules(request: Request) -> Response:
        ui.user(request)
        form = await ui.form(request)
        given = {key: str(form.get(key, ""))[:10_000] for key in ("diagnostic", "reply_code", "status")}
        tried = ui.actions.try_rules(
            given["diagnostic"], given["reply_code"] or None, given["status"] or None
        )
        return _rules_page(request, tried, given)

    @router.get("/quarantine")
    def quarantine(request: Request) -> Response:
        user = ui.user(request)
        before = request.query_params.get("before", "")
        last = int(before) if before.isdigit() and len(before) <= 10 and int(before) <= MAX_ROW_ID else None
        state = request.query_params.get("state", "held")
        state = state if state in {"held", "replayed", "dropped"} else "held"
        items, total = service.quarantine.page(limit=50, before=last, state=state)
        context = {
            "user": user,
            "state": state,
            "items": items,
            "total": total,
            "next": items[-1].id if len(items) == 50 else None,
        }
        return ui.render(request, "quarantine.html", context)

    def _quarantine_page(
        request: Request, quarantine_id: int, outcome: str | None, why: str | None
    ) -> Response:
        user = ui.user(request)
        found = service.quarantine.item(quarantine_id)
        if found is None:
            raise Missing(f"nothing quarantined with id {quarantine_id}")
        item, raw = found
        text, cut = raw.as_text()
        context = {"user": user, "item": item, "text": text, "cut": cut, "outcome": outcome, "why": why}
        return ui.render(request, "quarantine_item.html", context)

    @router.get("/quarantine/{quarantine_id}")
    def quarantined(quarantine_id: RowId, request: Request) -> Response:
        return _quarantine_page(request, quarantine_id, None, None)

    @router.post("/quarantine/{quarantine_id}/replay")
    async def replay(quarantine_id: RowId, request: Request) -> Response:
        user = ui.user(request, Role.OPERATOR)
        await ui.form(request)
        outcome = ui.actions.replay(quarantine_id, actor=f"user:{user.username}")
        if outcome is None:
            raise Missing(f"nothing held in quarantine with id {quarantine_id}")
        return _quarantine_page(request, quarantine_id, outcome.outcome.value, outcome.reason)

    @router.post("/quarantine/{quarantine_id}/drop")
    async def drop(quarantine_id: RowId, request: Request) -> Response:
        user = ui.user(request, Role.OPERATOR)
        form = await ui.form(request)
        ui.actions.drop(quarantine_id, note=str(form.get("note", ""))[:2000], actor=f"user:{user.username}")
        return ui.back(request, f"/quarantine/{quarantine_id}")

    @router.get("/settings")
    def settings(request: Request) -> Response:
        user = ui.user(request, Role.ADMINISTRATOR)
        shown = json.dumps(visible_settings(service.settings), indent=2, ensure_ascii=False)
        return ui.render(request, "settings.html", {"user": user, "settings": shown})

    @router.get("/audit")
    def audit(request: Request) -> Response:
        user = ui.user(request)
        return ui.render(request, "audit.html", {"user": user, "entries": ui.backend.audit.recent(200)})

    return router
