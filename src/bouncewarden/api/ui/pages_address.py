"""One address: its timeline, the evidence behind each event, and the changes people make.

GET  /address/{address}            state, events and audited changes in time order
GET  /evidence/{id}                the raw input, shown as text (escaped, cut at 256 KiB)
POST /address/{address}/lift       administrator: lift the suppression, with a note
POST /address/{address}/clear      operator: clear a soft-bouncing record
POST /address/{address}/suppress   operator: suppress by hand, with a note
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bouncewarden.addresses import address_problem, normalise_address
from bouncewarden.api.ui.web import Denied, Missing, Ui
from bouncewarden.api.v1.schemas import RowId
from bouncewarden.store.queries import EventRecord, TransitionRecord
from bouncewarden.store.users import Role

__all__ = ["TimelineEntry", "address_router"]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """An event or an audited change, for the timeline."""

    at: datetime
    event: EventRecord | None
    change: TransitionRecord | None


def _timeline(events: tuple[EventRecord, ...], changes: tuple[TransitionRecord, ...]) -> list[TimelineEntry]:
    entries = [TimelineEntry(event.occurred_at, event, None) for event in events]
    entries += [TimelineEntry(change.at, None, change) for change in changes]
    return sorted(entries, key=lambda entry: (entry.at, entry.change is not None), reverse=True)


def address_router(ui: Ui) -> APIRouter:
    """The address and evidence routes."""
    router = APIRouter(include_in_schema=False)

    @router.get("/address/{address:path}")
    def address(address: str, request: Request) -> Response:
        user = ui.user(request)
        if address_problem(address):
            raise Denied(f"not an email address: {address[:100]}")
        normal = normalise_address(address)
        history = ui.backend.service.admin.history(normal)
        check = ui.actions.check([normal])[0]
        context = {
            "user": user,
            "address": normal,
            "quoted": quote(normal, safe="@"),
            "check": check,
            "state": history.state,
            "timeline": _timeline(history.events, history.transitions),
            "events": {event.id: event for event in history.events},
            "rule_hits": ui.actions.matching_rules(history.events),
        }
        return ui.render(request, "address.html", context)

    @router.get("/evidence/{evidence_id}")
    def evidence(evidence_id: RowId, request: Request) -> Response:
        user = ui.user(request)
        item = ui.backend.service.browse.evidence(evidence_id)
        if item is None:
            raise Missing(f"no evidence with id {evidence_id}")
        text, cut = item.as_text()
        context = {
            "user": user,
            "item": item,
            "text": text,
            "cut": cut,
            "back": request.query_params.get("address"),
        }
        return ui.render(request, "evidence.html", context)

    async def _change(request: Request, address: str, needed: Role, action: str) -> Response:
        user = ui.user(request, needed)
        form = await ui.form(request)
        note = str(form.get("note", ""))[:2000]
        change = {"lift": ui.actions.lift, "clear": ui.actions.clear_soft, "suppress": ui.actions.suppress}[
            action
        ]
        change([address], note=note, actor=f"user:{user.username}")
        return ui.back(request, f"/address/{quote(normalise_address(address), safe='@')}")

    @router.post("/address/{address:path}/lift")
    async def lift(address: str, request: Request) -> Response:
        return await _change(request, address, Role.ADMINISTRATOR, "lift")

    @router.post("/address/{address:path}/clear")
    async def clear(address: str, request: Request) -> Response:
        return await _change(request, address, Role.OPERATOR, "clear")

    @router.post("/address/{address:path}/suppress")
    async def suppress(address: str, request: Request) -> Response:
        return await _change(request, address, Role.OPERATOR, "suppress")

    return router
