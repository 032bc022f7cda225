"""`GET /metrics`: bouncewarden's figures in the Prometheus text format (`monitor.metrics`).

It needs a bearer token with scope `read` (`bouncewarden tokens create --scope read`; in
Prometheus, `authorization: {credentials_file: ...}`), unless `[http] metrics_public` is set.
The figures are read in a worker thread, so a slow database never blocks the event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from starlette.concurrency import run_in_threadpool

__all__ = ["metrics_router"]


def metrics_router(registry: CollectorRegistry, guard: Any | None) -> APIRouter:
    """The `/metrics` route over `registry`, behind `guard` (a FastAPI dependency) when given."""
    router = APIRouter(tags=["metrics"], dependencies=[guard] if guard is not None else [])

    @router.get("/metrics", response_class=Response)
    async def metrics() -> Response:
        """The current figures, as Prometheus text."""
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router
