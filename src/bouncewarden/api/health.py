"""`GET /healthz`: the process answers and its database answers a trivial query.

Load balancers and `bouncewarden serve` supervisors poll it; 503 means "take me out of
rotation", not "restart me" — the database may be the one that is down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter
from fastapi.responses import JSONResponse

__all__ = ["HEALTH_TIMEOUT_SECONDS", "health_router"]

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 5.0


def health_router(check_database: Callable[[], None]) -> APIRouter:
    """The health route; `check_database` raises when the database does not answer.

    The check runs on a thread of its own, not in the pool the other routes share, so busy
    SNS deliveries cannot starve it; a check slower than `HEALTH_TIMEOUT_SECONDS` is a 503.
    """
    router = APIRouter(tags=["health"])
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")

    @router.get("/healthz")
    async def healthz() -> JSONResponse:
        """`{"status": "ok"}` when the database answers, 503 otherwise."""
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.run_in_executor(executor, check_database), HEALTH_TIMEOUT_SECONDS)
        except Exception as err:  # any failure means "not healthy"; the log says which
            logger.warning("health check failed: %r", err)
            return JSONResponse({"status": "error", "detail": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return router
