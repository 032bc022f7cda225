"""`GET /healthz`: ok while the database answers, 503 when it does not."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bouncewarden.api import create_app
from bouncewarden.config import Settings
from bouncewarden.service import Service


def test_healthz_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_healthz_503_when_the_database_is_unreachable(settings: Settings) -> None:
    # Nothing listens on port 9 of the loopback: every connection attempt is refused.
    absent = settings.model_copy(
        update={"database_url": "postgresql://postgres@127.0.0.1:9/absent?connect_timeout=2"}
    )
    with Service.open(absent, migrate=False) as service, TestClient(create_app(service, absent)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
