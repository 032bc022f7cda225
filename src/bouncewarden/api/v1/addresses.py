"""`/v1` routes about addresses: check, history with evidence, suppress and lift, wide blocks.

POST   /v1/check                    read    state and reason of 1..10,000 addresses
GET    /v1/addresses/{address}      read    state, events, audit trail
GET    /v1/evidence/{id}            read    the raw input behind events, as text
GET    /v1/suppressions             read    filtered, cursor-paginated suppression list
GET    /v1/suppressions/export      read    the filtered list as CSV or JSON lines
POST   /v1/suppressions             write   suppress addresses, with a note
POST   /v1/suppressions/lift        write   lift suppressions, with a note
GET    /v1/blocks                   read    domain and pattern suppressions
POST   /v1/blocks                   write   suppress a whole domain or a pattern
DELETE /v1/blocks/{id}              write   remove one
"""

import io
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import islice
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse

from bouncewarden.addresses import valid_address
from bouncewarden.api.actions import Actions
from bouncewarden.api.context import Backend
from bouncewarden.api.v1.auth import Caller
from bouncewarden.api.v1.schemas import AddressesNote, BlockIn, ChangeOut, CheckIn, RowId
from bouncewarden.errors import InvalidAddress
from bouncewarden.store.browse import InvalidCursor, SuppressionFilter
from bouncewarden.store.listfile import ListFormat, write_suppressions
from bouncewarden.store.patterns import BlockKind
from bouncewarden.store.queries import Suppression, as_json
from bouncewarden.store.tokens import Scope

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# definition time, and they name the scope dependencies local to the router factory.
__all__ = ["addresses_router", "stamp"]

_CHUNK = 5000


def stamp(moment: datetime | None) -> str | None:
    """ISO 8601, or None."""
    return None if moment is None else moment.isoformat()


def _suppression_json(entry: Suppression) -> dict[str, Any]:
    return {
        "address": entry.address,
        "reason": entry.reason,
        "created_at": stamp(entry.created_at),
        "note": entry.note,
        "source": entry.source,
    }


def addresses_router(backend: Backend, guard: Callable[[Scope], Any]) -> APIRouter:
    """The address routes over `backend`."""
    router = APIRouter(prefix="/v1", tags=["addresses"])
    actions = Actions(backend)
    read = guard(Scope.READ)
    write = guard(Scope.WRITE)

    @router.post("/check")
    def check(body: CheckIn, caller: Annotated[Caller, read]) -> dict[str, Any]:
        """Each address's state (`active`, `soft`, `suppressed`, `invalid`) and reason, in order."""
        answers = actions.check(body.addresses)
        return {
            "results": [
                {"address": a.address, "state": a.state, "reason": a.reason, "suppressed": a.suppressed}
                for a in answers
            ]
        }

    @router.get("/addresses/{address:path}")
    def address(address: str, caller: Annotated[Caller, read]) -> dict[str, Any]:
        """The address's state, its events (oldest first, with evidence ids) and its audit trail."""
        try:
            normal = valid_address(address)
        except InvalidAddress as err:
            raise HTTPException(422, str(err)) from err
        history = backend.service.admin.history(normal)
        state = history.state
        answer = actions.check([normal])[0]
        return {
            "address": normal,
            "state": answer.state,
            "reason": answer.reason,
            "soft_count": state.soft_count,
            "next_retry_at": stamp(state.next_retry_at),
            "suppressed_at": stamp(state.suppressed_at),
            "events": [as_json(event) for event in history.events],
            "transitions": [as_json(transition) for transition in history.transitions],
        }

    @router.get("/evidence/{evidence_id}")
    def evidence(evidence_id: RowId, caller: Annotated[Caller, read]) -> dict[str, Any]:
        """The raw input kept for events, decoded as text (UTF-8, replacement characters, cut at 256 KiB)."""
        item = backend.service.browse.evidence(evidence_id)
        if item is None:
            raise HTTPException(404, f"no evidence with id {evidence_id}")
        text, cut = item.as_text()
        return {
            "id": item.id,
            "media_type": item.media_type,
            "source": item.source,
            "size": item.size,
            "created_at": stamp(item.created_at),
            "text": text,
            "truncated": cut,
        }

    def _filter(
        reason: str | None, source: str | None, domain: str | None, since: datetime | None,
        until: datetime | None, text: str | None,
    ) -> SuppressionFilter:  # fmt: skip
        return SuppressionFilter(reason, source, domain, since, until, text)

    @router.get("/suppressions")
    def suppressions(
        caller: Annotated[Caller, read],
        reason: str | None = None,
        source: str | None = None,
        domain: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        text: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: Annotated[str | None, Query(max_length=1000)] = None,
    ) -> dict[str, Any]:
        """One page of the suppression list in address order; pass `next_cursor` back for the next."""
        wanted = _filter(reason, source, domain, since, until, text)
        try:
            page = backend.service.browse.suppressions(wanted, limit=limit, cursor=cursor)
        except InvalidCursor as err:
            raise HTTPException(400, str(err)) from err
        return {"items": [_suppression_json(entry) for entry in page.items], "next_cursor": page.next_cursor}

    @router.get("/suppressions/export")
    def export(
        caller: Annotated[Caller, read],
        format: Literal["csv", "jsonl"] = "csv",
        reason: str | None = None,
        source: str | None = None,
        domain: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        text: Annotated[str | None, Query(max_length=200)] = None,
    ) -> StreamingResponse:
        """The (filtered) suppression list, streamed as `bouncewarden export` writes it (CSV cells that a
        spreadsheet would evaluate get a leading quote), or JSON lines; `bouncewarden import` reads both."""
        wanted = _filter(reason, source, domain, since, until, text)
        rows = backend.service.browse.iter_suppressions(wanted)
        if format == "jsonl":
            return StreamingResponse(_exported(rows, ListFormat.JSONL), media_type="application/x-ndjson")
        return StreamingResponse(_exported(rows, ListFormat.CSV), media_type="text/csv; charset=utf-8")

    @router.post("/suppressions")
    def suppress(body: AddressesNote, caller: Annotated[Caller, write]) -> ChangeOut:
        """Suppress addresses (reason `manual`), audited with the note."""
        result = actions.suppress(body.addresses, note=body.note, actor=caller.actor)
        return ChangeOut(changed=result.changed, unchanged=result.unchanged, invalid=result.invalid)

    @router.post("/suppressions/lift")
    def lift(body: AddressesNote, caller: Annotated[Caller, write]) -> ChangeOut:
        """Lift suppressions (and soft state), audited with the note."""
        result = actions.lift(body.addresses, note=body.note, actor=caller.actor)
        return ChangeOut(changed=result.changed, unchanged=result.unchanged, invalid=result.invalid)

    @router.get("/blocks")
    def blocks(caller: Annotated[Caller, read]) -> dict[str, Any]:
        """Domain and pattern suppressions."""
        return {
            "items": [
                {"id": e.id, "kind": e.kind.value, "value": e.value, "note": e.note, "actor": e.actor,
                 "created_at": stamp(e.created_at)}
                for e in backend.blocks.list()
            ]
        }  # fmt: skip

    @router.post("/blocks", status_code=201)
    def block(body: BlockIn, caller: Annotated[Caller, write]) -> dict[str, Any]:
        """Suppress a whole domain (with its subdomains) or an address glob pattern (`*@example.com`)."""
        try:
            entry = actions.block(BlockKind(body.kind), body.value, note=body.note, actor=caller.actor)
        except ValueError as err:
            raise HTTPException(422, str(err)) from err
        return {"id": entry.id, "kind": entry.kind.value, "value": entry.value}

    @router.delete("/blocks/{entry_id}")
    def unblock(entry_id: RowId, caller: Annotated[Caller, write], note: str = "") -> dict[str, Any]:
        """Remove a domain or pattern suppression."""
        entry = actions.unblock(entry_id, note=note, actor=caller.actor)
        if entry is None:
            raise HTTPException(404, f"no block with id {entry_id}")
        return {"removed": entry.id}

    return router


def _exported(rows: Iterator[Suppression], list_format: ListFormat) -> Iterator[str]:
    """The list in `bouncewarden export`'s format (`store.listfile`), in chunks of `_CHUNK` rows."""
    first = True
    while True:
        batch = list(islice(rows, _CHUNK))
        if not batch and not first:
            return
        buffer = io.StringIO()
        write_suppressions(batch, buffer, list_format)
        text = buffer.getvalue()
        if not first and list_format is ListFormat.CSV:
            text = text.partition("\r\n")[2]  # the header row, written once
        yield text
        if not batch:
            return
        first = False
