"""`/v1` routes that need the `admin` scope: tokens, users and the settings.

GET    /v1/tokens           list tokens (never the tokens themselves)
POST   /v1/tokens           create one; the answer holds the token, once
DELETE /v1/tokens/{id}      revoke one
GET    /v1/users            admin UI users
POST   /v1/users            add one
DELETE /v1/users/{name}     remove one
GET    /v1/settings         the resolved settings, secrets and passwords hidden
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException

from bouncewarden.api.context import Backend
from bouncewarden.api.settings_view import visible_settings
from bouncewarden.api.v1.addresses import stamp
from bouncewarden.api.v1.auth import Caller
from bouncewarden.api.v1.schemas import RowId, TokenIn, UserIn
from bouncewarden.store.tokens import Scope
from bouncewarden.store.users import Role, UserExists

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# definition time, and they name the scope dependencies local to the router factory.
__all__ = ["admin_router"]


def admin_router(backend: Backend, guard: Callable[[Scope], Any]) -> APIRouter:
    """The admin routes over `backend`."""
    router = APIRouter(prefix="/v1", tags=["admin"])
    admin = guard(Scope.ADMIN)
    audit = backend.audit

    @router.get("/tokens")
    def tokens(caller: Annotated[Caller, admin]) -> dict[str, Any]:
        """Every token with its scope, prefix and last use."""
        return {
            "items": [
                {"id": t.id, "name": t.name, "scope": t.scope.value, "prefix": t.prefix,
                 "created_at": stamp(t.created_at), "last_used_at": stamp(t.last_used_at),
                 "revoked_at": stamp(t.revoked_at)}
                for t in backend.tokens.list()
            ]
        }  # fmt: skip

    @router.post("/tokens", status_code=201)
    def create_token(body: TokenIn, caller: Annotated[Caller, admin]) -> dict[str, Any]:
        """Create a token; `token` in the answer is shown this once."""
        created = backend.tokens.create(Scope(body.scope), body.name)
        audit.record(
            caller.actor, "token_create", f"token:{created.info.id}", f"{body.scope} {body.name}".strip()
        )
        return {"id": created.info.id, "scope": body.scope, "token": created.secret}

    @router.delete("/tokens/{token_id}")
    def revoke_token(token_id: RowId, caller: Annotated[Caller, admin]) -> dict[str, Any]:
        """Revoke a token."""
        if not backend.tokens.revoke(token_id):
            raise HTTPException(404, f"no live token with id {token_id}")
        audit.record(caller.actor, "token_revoke", f"token:{token_id}")
        return {"revoked": token_id}

    @router.get("/users")
    def users(caller: Annotated[Caller, admin]) -> dict[str, Any]:
        """The admin UI's users and roles."""
        return {
            "items": [
                {"username": u.username, "role": u.role.value, "created_at": stamp(u.created_at),
                 "last_login_at": stamp(u.last_login_at)}
                for u in backend.users.list()
            ]
        }  # fmt: skip

    @router.post("/users", status_code=201)
    def add_user(body: UserIn, caller: Annotated[Caller, admin]) -> dict[str, Any]:
        """Add a user of the admin UI."""
        try:
            user = backend.users.add(body.username, body.password, Role(body.role))
        except UserExists as err:
            raise HTTPException(409, str(err)) from err
        audit.record(caller.actor, "user_add", f"user:{user.username}", user.role.value)
        return {"username": user.username, "role": user.role.value}

    @router.delete("/users/{username}")
    def remove_user(username: str, caller: Annotated[Caller, admin]) -> dict[str, Any]:
        """Remove a user."""
        if not backend.users.remove(username):
            raise HTTPException(404, f"no user called {username!r}")
        audit.record(caller.actor, "user_remove", f"user:{username}")
        return {"removed": username}

    @router.get("/settings")
    def settings(caller: Annotated[Caller, admin]) -> dict[str, Any]:
        """The resolved settings (read-only; secrets and database passwords hidden)."""
        return visible_settings(backend.service.settings)

    return router
