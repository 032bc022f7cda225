"""The bounce list, the blocked list, and bulk actions on a filter's result.

    GET  /bounces         events (transient and permanent records), filtered, 50 a page
    GET  /blocked         the suppression list, filtered; domain and pattern blocks
    POST /blocks          operator: suppress a domain or pattern;  POST /blocks/{id}/remove: administrator
    GET  /bulk            the confirmation: what will happen to how many addresses
    POST /bulk            do it (clear soft records: operator; lift suppressions: administrator)

Filters travel in the query string, so a filtered page can be bookmarked and the bulk form
repeats exactly the filter the person looked at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bouncewarden.api.ui.web import Denied, Ui
from bouncewarden.api.v1.schemas import RowId
from bouncewarden.store.browse import EventFilter, InvalidCursor, SuppressionFilter
from bouncewarden.store.patterns import BlockKind
from bouncewarden.store.users import Role

__all__ = ["lists_router"]

_PAGE = 50
_EVENT_KEYS = ("kind", "state", "reason", "severity", "source", "domain", "since", "until", "text")
_SUPPRESSION_KEYS = ("reason", "source", "domain", "since", "until", "text")
_FEEDBACK_KINDS = ("bounce", "delay", "complaint", "reject")


def _time(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _until(value: str) -> datetime | None:
    """The end of a filter's range: a bare date (from a date field) includes that whole day."""
    moment = _time(value)
    if moment is not None and len(value.strip()) == 10:
        moment += timedelta(days=1)
    return moment


def _wanted(params: dict[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    return {key: params[key].strip()[:200] for key in keys if params.get(key, "").strip()}


def event_filter(given: dict[str, str]) -> EventFilter:
    """The events filter a query string describes (bounce-like kinds unless one is named)."""
    kind = given.get("kind")
    return EventFilter(
        kinds=(kind,) if kind else _FEEDBACK_KINDS,
        state=given.get("state"),
        reason=given.get("reason"),
        severity=given.get("severity"),
        source=given.get("source"),
        domain=given.get("domain"),
        since=_time(given.get("since", "")),
        until=_until(given.get("until", "")),
        text=given.get("text"),
    )


def suppression_filter(given: dict[str, str]) -> SuppressionFilter:
    """The suppression filter a query string describes."""
    return SuppressionFilter(
        reason=given.get("reason"),
        source=given.get("source"),
        domain=given.get("domain"),
        since=_time(given.get("since", "")),
        until=_until(given.get("until", "")),
        text=given.get("text"),
    )


def lists_router(ui: Ui) -> APIRouter:
    """The list and bulk routes."""
    router = APIRouter(include_in_schema=False)
    browse = ui.backend.service.browse

    @router.get("/bounces")
    def bounces(request: Request) -> Response:
        user = ui.user(request)
        given = _wanted(dict(request.query_params), _EVENT_KEYS)
        try:
            page = browse.events(event_filter(given), limit=_PAGE, cursor=request.query_params.get("cursor"))
        except InvalidCursor:
            return ui.back(request, "/bounces")
        states = ui.backend.service.admin.statuses([item.address for item in page.items])
        context = {
            "user": user,
            "items": page.items,
            "states": {address: status.value for address, (status, _) in states.items()},
            "given": given,
            "query": urlencode(given),
            "next": urlencode(given | {"cursor": page.next_cursor}) if page.next_cursor else None,
        }
        return ui.render(request, "bounces.html", context)

    @router.get("/blocked")
    def blocked(request: Request) -> Response:
        user = ui.user(request)
        given = _wanted(dict(request.query_params), _SUPPRESSION_KEYS)
        wanted = suppression_filter(given)
        try:
            page = browse.suppressions(wanted, limit=_PAGE, cursor=request.query_params.get("cursor"))
        except InvalidCursor:
            return ui.back(request, "/blocked")
        context = {
            "user": user,
            "items": page.items,
            "total": browse.count_suppressions(wanted),
            "blocks": ui.backend.blocks.list(),
            "given": given,
            "query": urlencode(given),
            "next": urlencode(given | {"cursor": page.next_cursor}) if page.next_cursor else None,
        }
        return ui.render(request, "blocked.html", context)

    @router.post("/blocks")
    async def add_block(request: Request) -> Response:
        user = ui.user(request, Role.OPERATOR)
        form = await ui.form(request)
        kind = BlockKind.PATTERN if form.get("kind") == "pattern" else BlockKind.DOMAIN
        try:
            ui.actions.block(
                kind, str(form.get("value", "")), note=str(form.get("note", "")), actor=_actor(user.username)
            )
        except ValueError as err:
            raise Denied(str(err)) from err
        return ui.back(request, "/blocked")

    @router.post("/blocks/{entry_id}/remove")
    async def remove_block(entry_id: RowId, request: Request) -> Response:
        user = ui.user(request, Role.ADMINISTRATOR)
        form = await ui.form(request)
        ui.actions.unblock(entry_id, note=str(form.get("note", "")), actor=_actor(user.username))
        return ui.back(request, "/blocked")

    @router.get("/bulk")
    def confirm(request: Request) -> Response:
        action = request.query_params.get("action", "")
        user = ui.user(request, _role_for(action))
        addresses, given = _targets(ui, action, dict(request.query_params))
        context = {"user": user, "action": action, "count": len(addresses), "given": given}
        return ui.render(request, "confirm.html", context)

    @router.post("/bulk")
    async def run(request: Request) -> Response:
        form = await ui.form(request)
        action = str(form.get("action", ""))
        user = ui.user(request, _role_for(action))
        addresses, _ = _targets(ui, action, {key: str(value) for key, value in form.items()})
        if str(form.get("count", "")) != str(len(addresses)):
            raise Denied("the list changed since you confirmed; look at the count again")
        note = str(form.get("note", ""))[:2000]
        change = ui.actions.lift if action == "lift" else ui.actions.clear_soft
        change(addresses, note=note, actor=_actor(user.username))
        return ui.back(request, "/blocked" if action == "lift" else "/bounces")

    return router


def _actor(username: str) -> str:
    return f"user:{username}"


def _role_for(action: str) -> Role:
    if action == "lift":
        return Role.ADMINISTRATOR
    if action == "clear":
        return Role.OPERATOR
    raise Denied(f"no bulk action called {action[:40]!r}")


def _targets(ui: Ui, action: str, params: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The addresses a bulk action would change under the filter in `params`."""
    browse = ui.backend.service.browse
    if action == "lift":
        given = _wanted(params, _SUPPRESSION_KEYS)
        return [entry.address for entry in browse.iter_suppressions(suppression_filter(given))], given
    given = _wanted(params, _EVENT_KEYS) | {"state": "soft"}
    return sorted(browse.event_addresses(event_filter(given))), given
