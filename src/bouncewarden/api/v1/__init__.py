"""The JSON API under `/v1`, with bearer tokens scoped read / write / admin.

addresses.py   check, one address's history and evidence, suppressions, domain and pattern blocks
records.py     bounce records, POST /v1/events and /v1/sends
manage.py      rules, quarantine, stats, audit log
health.py      sender rates, alerts, incidents
admin.py       tokens, users, settings (admin scope)
auth.py        the bearer-token dependency
schemas.py     request bodies
"""

from __future__ import annotations

from fastapi import APIRouter

from bouncewarden.api.context import Backend
from bouncewarden.api.v1.addresses import addresses_router
from bouncewarden.api.v1.admin import admin_router
from bouncewarden.api.v1.auth import scope_guard
from bouncewarden.api.v1.health import health_router
from bouncewarden.api.v1.manage import manage_router
from bouncewarden.api.v1.records import records_router

__all__ = ["v1_router"]


def v1_router(backend: Backend) -> APIRouter:
    """Every `/v1` route over `backend`."""
    guard = scope_guard(backend)
    router = APIRouter()
    for part in (addresses_router, records_router, manage_router, health_router, admin_router):
        router.include_router(part(backend, guard))
    return router
