"""Every `/v1` route refuses a request without a token (401) and one with too little scope (403)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api.conftest import LiveApi
from bouncewarden.store.tokens import Scope

# (method, path, the scope it needs): read for every GET and POST /v1/check, admin for
# tokens, users and settings, write for every other change.
ROUTES = {
    ("POST", "/v1/check", Scope.READ),
    ("GET", "/v1/addresses/{address}", Scope.READ),
    ("GET", "/v1/evidence/{evidence_id}", Scope.READ),
    ("GET", "/v1/suppressions", Scope.READ),
    ("GET", "/v1/suppressions/export", Scope.READ),
    ("POST", "/v1/suppressions", Scope.WRITE),
    ("POST", "/v1/suppressions/lift", Scope.WRITE),
    ("GET", "/v1/blocks", Scope.READ),
    ("POST", "/v1/blocks", Scope.WRITE),
    ("DELETE", "/v1/blocks/{entry_id}", Scope.WRITE),
    ("GET", "/v1/events", Scope.READ),
    ("POST", "/v1/events", Scope.WRITE),
    ("POST", "/v1/sends", Scope.WRITE),
    ("GET", "/v1/rules", Scope.READ),
    ("POST", "/v1/rules", Scope.WRITE),
    ("POST", "/v1/rules/test", Scope.WRITE),
    ("PUT", "/v1/rules/order", Scope.WRITE),
    ("DELETE", "/v1/rules/{rule_id}", Scope.WRITE),
    ("GET", "/v1/quarantine", Scope.READ),
    ("GET", "/v1/quarantine/{quarantine_id}", Scope.READ),
    ("POST", "/v1/quarantine/{quarantine_id}/replay", Scope.WRITE),
    ("POST", "/v1/quarantine/{quarantine_id}/drop", Scope.WRITE),
    ("GET", "/v1/stats", Scope.READ),
    ("GET", "/v1/audit", Scope.READ),
    ("GET", "/v1/senders", Scope.READ),
    ("GET", "/v1/alerts", Scope.READ),
    ("POST", "/v1/alerts/{alert_id}/ack", Scope.WRITE),
    ("GET", "/v1/incidents", Scope.READ),
    ("GET", "/v1/tokens", Scope.ADMIN),
    ("POST", "/v1/tokens", Scope.ADMIN),
    ("DELETE", "/v1/tokens/{token_id}", Scope.ADMIN),
    ("GET", "/v1/users", Scope.ADMIN),
    ("POST", "/v1/users", Scope.ADMIN),
    ("DELETE", "/v1/users/{username}", Scope.ADMIN),
    ("GET", "/v1/settings", Scope.ADMIN),
}
_FILLED = {
    "{address}": "someone@example.com",
    "{evidence_id}": "1",
    "{entry_id}": "1",
    "{rule_id}": "1",
    "{alert_id}": "1",
    "{quarantine_id}": "1",
    "{token_id}": "1",
    "{username}": "nobody",
}
_BELOW = {Scope.READ: [], Scope.WRITE: [Scope.READ], Scope.ADMIN: [Scope.READ, Scope.WRITE]}


def _url(path: str) -> str:
    for placeholder, value in _FILLED.items():
        path = path.replace(placeholder, value)
    return path


def test_the_table_names_every_v1_route(app: FastAPI) -> None:
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1")
        for method in operations
    }
    assert served == {(method, path) for method, path, _ in ROUTES}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_token_is_401_and_too_little_scope_is_403(live: LiveApi) -> None:
    with live.client(None) as anonymous:
        for method, path, _ in sorted(ROUTES):
            answer = anonymous.request(method, _url(path), json={})
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.headers["www-authenticate"].startswith("Bearer")
        bogus = httpx.Client(base_url=live.base, headers={"Authorization": "Bearer bw_not-a-real-token"})
        with bogus:
            assert bogus.get("/v1/stats").status_code == 401
    for method, path, needed in sorted(ROUTES):
        for scope in _BELOW[needed]:
            with live.client(scope) as http:
                answer = http.request(method, _url(path), json={})
                assert answer.status_code == 403, (method, path, scope, answer.text)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_revoked_token_is_refused(live: LiveApi) -> None:
    with live.client(Scope.READ) as http:
        assert http.get("/v1/stats").status_code == 200
        token_id = next(t.id for t in live.backend.tokens.list() if t.scope is Scope.READ)
        live.backend.tokens.revoke(token_id)
        assert http.get("/v1/stats").status_code == 401


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_last_use_is_recorded(live: LiveApi) -> None:
    with live.client(Scope.WRITE) as http:
        http.get("/v1/rules").raise_for_status()
    used = {t.scope: t.last_used_at for t in live.backend.tokens.list()}
    assert used[Scope.WRITE] is not None and used[Scope.ADMIN] is None


def test_openapi_is_served_without_docs_pages(live: LiveApi) -> None:
    with live.client(None) as http:
        document = http.get("/openapi.json").json()
        assert "/v1/check" in document["paths"]
        assert http.get("/docs").status_code == 404
        assert http.get("/redoc").status_code == 404
