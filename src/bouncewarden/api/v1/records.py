"""`/v1` routes about stored feedback: list it, send more in, count sends.

    GET  /v1/events      read    bounce records, filtered, newest first, cursor-paginated
    POST /v1/events      write   a DSN (message/rfc822), an SES JSON document, or canonical events
    POST /v1/sends       write   messages sent, counted as send events

Raw inputs go through the intake every source uses (the one reader, then the recorder), so
an input read here and one read from a file give the same events; input that cannot be read
is kept in quarantine and the answer says so (`202` with the reason), and `503` means the
database could not take it (send it again later; nothing was stored). Canonical events are
JSON `{"events": [...]}` in DESIGN.md's field names; a malformed one is quarantined too.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from bouncewarden.api.actions import Actions, canonical_event
from bouncewarden.api.context import Backend
from bouncewarden.api.v1.auth import Caller
from bouncewarden.api.v1.schemas import CanonicalEvents, SendsIn
from bouncewarden.events import Kind, Reason, Severity
from bouncewarden.intake import InputOutcome, Outcome
from bouncewarden.sends import send_event
from bouncewarden.store.browse import EventFilter, InvalidCursor
from bouncewarden.store.queries import as_json
from bouncewarden.store.tokens import Scope

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# definition time, and they name the scope dependencies local to the router factory.
__all__ = ["MAX_BODY_BYTES", "records_router"]

MAX_BODY_BYTES = 10 * 1024 * 1024


async def _body(request: Request) -> bytes:
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_BODY_BYTES:
        raise HTTPException(413, f"body larger than {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, f"body larger than {MAX_BODY_BYTES} bytes")
    if not body.strip():
        raise HTTPException(400, "empty body")
    return bytes(body)


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its `#/$defs/...` references replaced by what they name (for openapi_extra)."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _canonical(data: bytes) -> Any:
    """The parsed JSON when `data` is canonical events (`{"events": [...]}`), else None."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply: the reader says why
        return None
    return document if isinstance(document, dict) and "events" in document else None


def records_router(backend: Backend, guard: Callable[[Scope], Any]) -> APIRouter:
    """The feedback routes over `backend`."""
    router = APIRouter(prefix="/v1", tags=["events"])
    actions = Actions(backend)
    read = guard(Scope.READ)
    write = guard(Scope.WRITE)

    @router.get("/events")
    def events(
        caller: Annotated[Caller, read],
        kind: Annotated[list[Kind] | None, Query()] = None,
        state: Annotated[str | None, Query(pattern="^(active|soft|suppressed)$")] = None,
        reason: Reason | None = None,
        severity: Severity | None = None,
        source: str | None = None,
        domain: str | None = None,
        address: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        text: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: Annotated[str | None, Query(max_length=1000)] = None,
    ) -> dict[str, Any]:
        """Stored events (bounce records) matching every filter given, newest first."""
        wanted = EventFilter(
            kinds=tuple(k.value for k in kind or ()),
            state=state,
            reason=reason.value if reason else None,
            severity=severity.value if severity else None,
            source=source,
            domain=domain,
            since=since,
            until=until,
            text=text,
            address=address.strip().lower() if address else None,
        )
        try:
            page = backend.service.browse.events(wanted, limit=limit, cursor=cursor)
        except InvalidCursor as err:
            raise HTTPException(400, str(err)) from err
        return {"items": [as_json(item) for item in page.items], "next_cursor": page.next_cursor}

    @router.post(
        "/events",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "message/rfc822": {"schema": {"type": "string"}},
                    "application/json": {"schema": _inlined(CanonicalEvents.model_json_schema())},
                },
            }
        },
    )
    async def post_events(request: Request, caller: Annotated[Caller, write]) -> JSONResponse:
        """Record a DSN or other bounce email, an SES notification, or canonical events."""
        data = await _body(request)
        document = _canonical(data)
        origin = f"POST /v1/events by {caller.actor}"
        if document is None:
            outcome = await run_in_threadpool(actions.ingest, data, origin=origin)
            return _answer(outcome)
        return await run_in_threadpool(_record_canonical, actions, backend, document, data, origin)

    @router.post("/sends")
    def sends(body: SendsIn, caller: Annotated[Caller, write]) -> JSONResponse:
        """Count messages sent (the bounce rate's denominator); the same send twice counts once."""
        now = backend.clock()
        events = [send_event(send, now, source="api") for send in body.sends]
        raw = body.model_dump_json().encode()
        return _answer(actions.record_events(events, raw, origin=f"POST /v1/sends by {caller.actor}"))

    return router


def _answer(outcome: InputOutcome, status_code: int | None = None) -> JSONResponse:
    """The JSON answer for one input's outcome: 202 when quarantined, 503 when not stored."""
    answer: dict[str, Any] = {"outcome": outcome.outcome.value}
    if outcome.outcome in (Outcome.RECORDED, Outcome.DUPLICATE):
        answer |= {"new_events": outcome.counts.new_events, "duplicates": outcome.counts.duplicates}
    else:
        answer |= {"reason": outcome.reason}
    if outcome.quarantine_id is not None:
        answer["quarantine_id"] = outcome.quarantine_id
    codes = {Outcome.QUARANTINED: 202, Outcome.STORE_UNAVAILABLE: 503}
    return JSONResponse(answer, status_code=status_code or codes.get(outcome.outcome, 200))


def _record_canonical(
    actions: Actions, backend: Backend, document: Any, data: bytes, origin: str
) -> JSONResponse:
    try:
        parsed = CanonicalEvents.model_validate(document)
    except ValidationError as err:
        reason = "canonical events refused: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()[:5]
        )
        outcome = actions.refuse(data, reason, origin=origin)
        return _answer(outcome, 503 if outcome.outcome is Outcome.STORE_UNAVAILABLE else 422)
    now = backend.clock()
    events = [canonical_event(event.model_dump(), now) for event in parsed.events]
    return _answer(actions.record_events(events, data, origin=origin))
