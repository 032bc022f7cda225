"""`/v1` routes for running the service: rules, quarantine, stats, the audit log.

    GET    /v1/rules               read    the operator rules in the order they are tried
    POST   /v1/rules               write   add one (`PATTERN ==> SEVERITY [REASON]`)
    POST   /v1/rules/test          write   classify a diagnostic with and without the rules
    PUT    /v1/rules/order         write   set the order they are tried in
    DELETE /v1/rules/{id}          write   remove one
    GET    /v1/quarantine          read    inputs that could not be read, newest first
    GET    /v1/quarantine/{id}     read    one, with its bytes as text
    POST   /v1/quarantine/{id}/replay  write  read it again with today's reader and rules
    POST   /v1/quarantine/{id}/drop    write  give up on it, with a note
    GET    /v1/stats               read    totals, daily counts, events by reason, quarantine health
    GET    /v1/audit               read    the newest changes and who made them

Rates and alerts come with sender health (issue 13); `/v1/stats` answers `rates: null` until then.
"""

from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from bouncewarden.api.actions import Actions
from bouncewarden.api.context import Backend
from bouncewarden.api.v1.addresses import stamp
from bouncewarden.api.v1.auth import Caller
from bouncewarden.api.v1.schemas import MAX_ROW_ID, DropIn, RowId, RuleIn, RuleOrder, RuleTestIn
from bouncewarden.intake import Outcome
from bouncewarden.store.tokens import Scope

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# definition time, and they name the scope dependencies local to the router factory.
__all__ = ["manage_router"]


def manage_router(backend: Backend, guard: Callable[[Scope], Any]) -> APIRouter:
    """The rules, quarantine, stats and audit routes over `backend`."""
    router = APIRouter(prefix="/v1")
    actions = Actions(backend)
    read = guard(Scope.READ)
    write = guard(Scope.WRITE)
    service = backend.service

    @router.get("/rules", tags=["rules"])
    def rules(caller: Annotated[Caller, read]) -> dict[str, Any]:
        """Every rule, in the order the classifier tries them."""
        return {
            "items": [
                {
                    "id": stored.id,
                    "pattern": stored.rule.pattern,
                    "severity": stored.rule.severity.value,
                    "reason": stored.rule.reason.value if stored.rule.reason else None,
                    "note": stored.note,
                    "created_at": stamp(stored.created_at),
                    "hits": stored.hits,
                    "last_hit_at": stamp(stored.last_hit_at),
                }
                for stored in service.rules.stored_rules()
            ]
        }

    @router.post("/rules", tags=["rules"], status_code=201)
    def add_rule(body: RuleIn, caller: Annotated[Caller, write]) -> dict[str, Any]:
        """Add a rule after the others."""
        try:
            rule_id = actions.add_rule(body.rule, note=body.note, actor=caller.actor)
        except ValueError as err:
            raise HTTPException(422, str(err)) from err
        return {"id": rule_id}

    @router.post("/rules/test", tags=["rules"])
    def test_rule(body: RuleTestIn, caller: Annotated[Caller, write]) -> dict[str, Any]:
        """What the diagnostic is classified as, with the stored rules and without them."""
        return actions.try_rules(body.diagnostic, body.reply_code, body.status)

    @router.put("/rules/order", tags=["rules"])
    def order_rules(body: RuleOrder, caller: Annotated[Caller, write]) -> dict[str, Any]:
        """Set the order the rules are tried in: `ids` names every stored rule once."""
        if not actions.reorder_rules(body.ids, actor=caller.actor):
            raise HTTPException(422, "ids must name every stored rule exactly once")
        return {"ids": [stored.id for stored in service.rules.stored_rules()]}

    @router.delete("/rules/{rule_id}", tags=["rules"])
    def remove_rule(rule_id: RowId, caller: Annotated[Caller, write]) -> dict[str, Any]:
        """Remove a rule."""
        if not actions.remove_rule(rule_id, actor=caller.actor):
            raise HTTPException(404, f"no rule with id {rule_id}")
        return {"removed": rule_id}

    @router.get("/quarantine", tags=["quarantine"])
    def quarantine(
        caller: Annotated[Caller, read],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
        state: Literal["held", "replayed", "dropped"] = "held",
    ) -> dict[str, Any]:
        """Quarantined inputs in `state`, newest first; pass the last id as `before` for the next page."""
        items, total = service.quarantine.page(limit=limit, before=before, state=state)
        return {
            "total": total,
            "items": [asdict(item) | {"created_at": stamp(item.created_at)} for item in items],
            "next_before": items[-1].id if len(items) == limit else None,
        }

    @router.get("/quarantine/{quarantine_id}", tags=["quarantine"])
    def quarantined(quarantine_id: RowId, caller: Annotated[Caller, read]) -> dict[str, Any]:
        """One quarantined input with its reason and its bytes as text."""
        found = service.quarantine.item(quarantine_id)
        if found is None:
            raise HTTPException(404, f"nothing quarantined with id {quarantine_id}")
        item, raw = found
        text, cut = raw.as_text()
        return asdict(item) | {"created_at": stamp(item.created_at), "text": text, "truncated": cut}

    @router.post("/quarantine/{quarantine_id}/replay", tags=["quarantine"])
    def replay(quarantine_id: RowId, caller: Annotated[Caller, write]) -> dict[str, Any]:
        """Read a held input again with today's reader and rules; it is `replayed` once it reads."""
        outcome = actions.replay(quarantine_id, actor=caller.actor)
        if outcome is None:
            raise HTTPException(404, f"nothing held in quarantine with id {quarantine_id}")
        if outcome.outcome is Outcome.STORE_UNAVAILABLE:
            raise HTTPException(503, outcome.reason or "database unavailable")
        return {
            "outcome": outcome.outcome.value,
            "reason": outcome.reason,
            "new_events": outcome.counts.new_events,
            "duplicates": outcome.counts.duplicates,
        }

    @router.post("/quarantine/{quarantine_id}/drop", tags=["quarantine"])
    def drop(quarantine_id: RowId, body: DropIn, caller: Annotated[Caller, write]) -> dict[str, Any]:
        """Give up on a held input: it stays stored, marked dropped with who, when and the note."""
        if not actions.drop(quarantine_id, note=body.note, actor=caller.actor):
            raise HTTPException(404, f"nothing held in quarantine with id {quarantine_id}")
        return {"dropped": quarantine_id}

    @router.get("/stats", tags=["stats"])
    def stats(
        caller: Annotated[Caller, read], days: Annotated[int, Query(ge=1, le=366)] = 14
    ) -> dict[str, Any]:
        """Totals, the last `days` UTC days' counters, events by reason and quarantine health."""
        now = backend.clock()
        totals = service.admin.stats()
        since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
        health = service.quarantine.health(now=now)
        return {
            "events": totals.events,
            "addresses": totals.addresses,
            "suppressions": totals.suppressions,
            "daily": [
                asdict(day) | {"day": day.day.isoformat()}
                for day in service.counters.daily_totals(since=since, until=now)
            ],
            "events_by_reason": service.counters.events_by_reason(),
            "quarantine": {
                "total": health.total,
                "last_day": health.last_day,
                "by_source": health.by_source,
                "newest_at": stamp(health.newest_at),
            },
            "rates": None,
            "alerts": None,
        }

    @router.get("/audit", tags=["audit"])
    def audit(
        caller: Annotated[Caller, read],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        target: str | None = None,
    ) -> dict[str, Any]:
        """The newest changes made through the API and the admin UI."""
        return {
            "items": [
                asdict(entry) | {"at": stamp(entry.at)}
                for entry in backend.audit.recent(limit, target=target)
            ]
        }

    return router
