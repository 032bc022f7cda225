"""Fixtures for the HTTP API tests: the app over the test database, trusting the sample PKI."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.support import (
    CLOSED_ENDPOINT,
    NOW,
    DatabaseCounts,
    no_network,
    sample_sns_settings,
    serve_app,
    with_sns,
)
from bouncewarden.api.app import create_app
from bouncewarden.api.context import Backend
from bouncewarden.clock import fixed_clock
from bouncewarden.config import Settings
from bouncewarden.service import Service
from bouncewarden.store.tokens import Scope


@pytest.fixture
def app(service: Service, settings: Settings) -> FastAPI:
    """The app over the test database, trusting the sample PKI, with the clock at NOW.

    AWS calls go to a closed local port, so nothing can reach real AWS."""
    configured = with_sns(settings, sample_sns_settings(), endpoint_url=CLOSED_ENDPOINT)
    return create_app(service, configured, cert_fetcher=no_network, clock=fixed_clock(NOW))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def counts(service: Service, database_url: str) -> Iterator[DatabaseCounts]:
    counter = DatabaseCounts(database_url)
    yield counter
    counter.close()


class LiveApi:
    """The app served by uvicorn on 127.0.0.1, with one token per scope."""

    def __init__(self, base: str, backend: Backend) -> None:
        self.base = base
        self.backend = backend
        self.tokens = {scope: backend.tokens.create(scope, f"test {scope}").secret for scope in Scope}

    def client(self, scope: Scope | None) -> httpx.Client:
        """An HTTP client sending the token of `scope` (none when None)."""
        headers = {} if scope is None else {"Authorization": f"Bearer {self.tokens[scope]}"}
        return httpx.Client(base_url=self.base, headers=headers, timeout=120)


@pytest.fixture
def live(app: FastAPI, service: Service) -> Iterator[LiveApi]:
    """The app on a real loopback port (clock at NOW), with a read, a write and an admin token."""
    backend = Backend.over(service, fixed_clock(NOW))
    with serve_app(app) as base:
        yield LiveApi(base, backend)
