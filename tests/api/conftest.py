"""Fixtures for the HTTP API tests: the app over the test database, trusting the sample PKI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.support import CLOSED_ENDPOINT, NOW, DatabaseCounts, no_network, sample_sns_settings, with_sns
from bouncewarden.api.app import create_app
from bouncewarden.clock import fixed_clock
from bouncewarden.config import Settings
from bouncewarden.service import Service


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
