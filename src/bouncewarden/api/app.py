"""The FastAPI application: the SNS endpoint, the health check, `/metrics`, the `/v1` API, around
one `Service`.

The OpenAPI document is served at `/openapi.json`; there are no `/docs` or `/redoc` pages
(they load third-party scripts from a CDN).

`create_app` wires the parts together and nothing else; `bouncewarden serve` runs it under
uvicorn (`bouncewarden.api.server`). Routes that touch the database or the network run in
threads, so a slow certificate fetch or a busy database never blocks the event loop: SNS
deliveries in a bounded share of the thread pool, `/healthz` on a thread of its own, so a
flood of deliveries waiting on certificate servers cannot make the service look dead.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from bouncewarden.api.context import Backend
from bouncewarden.api.guards import RefuseNulBytes
from bouncewarden.api.health import health_router
from bouncewarden.api.metrics import metrics_router
from bouncewarden.api.sns import SnsEndpoint, sns_router
from bouncewarden.api.subscriptions import SubscriptionConfirmer
from bouncewarden.api.ui import install_ui
from bouncewarden.api.v1 import v1_router
from bouncewarden.api.v1.auth import scope_guard
from bouncewarden.clock import Clock, system_clock
from bouncewarden.config import Settings
from bouncewarden.monitor.metrics import metrics_registry
from bouncewarden.service import Service
from bouncewarden.sources.sns import CertificateFetcher, CertificateStore, SnsVerifier
from bouncewarden.store.tokens import Scope

__all__ = ["create_app"]

logger = logging.getLogger(__name__)


def create_app(
    service: Service,
    settings: Settings,
    *,
    cert_fetcher: CertificateFetcher | None = None,
    clock: Clock = system_clock,
) -> FastAPI:
    """The bouncewarden HTTP application.

    `cert_fetcher` replaces the HTTPS download of SNS signing certificates (pinned
    certificates still come first); `clock` is what message ages and certificate validity
    are checked against.
    """
    if not settings.sns.topic_arns:
        logger.warning(
            "sns.topic_arns is empty: POST /sns/ses refuses every message until topics are allow-listed"
        )
    certificates = CertificateStore(settings.sns, fetcher=cert_fetcher, clock=clock)
    verifier = SnsVerifier(settings.sns, certificates, clock=clock)
    endpoint = SnsEndpoint(service.intake, verifier, SubscriptionConfirmer(settings.aws), clock)
    # No /docs or /redoc: Swagger UI and ReDoc load scripts from a CDN. The API description
    # is published at /openapi.json, where the API issue wants it.
    app = FastAPI(
        title="bouncewarden",
        summary="Email bounce and complaint handling",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    backend = Backend.over(service, clock)
    app.include_router(sns_router(endpoint))
    app.include_router(v1_router(backend))
    install_ui(app, backend)
    app.add_middleware(RefuseNulBytes)
    app.include_router(health_router(service.ping))
    guard = None if settings.http.metrics_public else scope_guard(backend)(Scope.READ)
    app.include_router(metrics_router(metrics_registry(service, clock=clock), guard))
    return app
