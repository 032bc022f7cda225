"""`GET /healthz`: the process answers and its database answers a trivial query.

Load balancers and `bouncewarden serve` supervisors poll it; 503 means "take me out of
rotation", not "restart me" — the database may be the one that is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

__all__ = ["health_router"]

logger = logging.getLogger(__name__)


def health_router(check_database: Callable[[], None]) -> APIRouter:
    """The health route; `check_database` raises when the database does not answer."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    def healthz() -> JSONResponse:
        """`{"status": "ok"}` when the database answers, 503 otherwise."""
        try:
            check_database()
        except Exception as err:  # any failure means "not healthy"; the log says which
            logger.warning("health check failed: %r", err)
            return JSONResponse({"status": "error", "detail": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return router
