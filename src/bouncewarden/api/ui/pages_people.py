"""`/people`: an administrator's view of who may use bouncewarden: users and API tokens.

    GET  /people                       users with their roles and last login; tokens (never the tokens)
    POST /people/users                 add a user (name, role, password)
    POST /people/users/{name}/remove   remove a user (not oneself)
    POST /people/tokens/{id}/revoke    revoke an API token

Tokens are created with `bouncewarden tokens create` or `POST /v1/tokens`, which show the
token once; no page ever holds one. Every change here is audited.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bouncewarden.api.ui.web import Denied, Ui
from bouncewarden.api.v1.schemas import RowId
from bouncewarden.store.users import Role, UserExists

__all__ = ["people_router"]

_MIN_PASSWORD = 10


def people_router(ui: Ui) -> APIRouter:
    """The users and tokens routes."""
    router = APIRouter(include_in_schema=False)
    backend = ui.backend

    @router.get("/people")
    def people(request: Request) -> Response:
        user = ui.user(request, Role.ADMINISTRATOR)
        context = {
            "user": user,
            "users": backend.users.list(),
            "tokens": backend.tokens.list(),
            "roles": list(Role),
        }
        return ui.render(request, "people.html", context)

    @router.post("/people/users")
    async def add_user(request: Request) -> Response:
        user = ui.user(request, Role.ADMINISTRATOR)
        form = await ui.form(request)
        name = str(form.get("username", "")).strip()[:200]
        password = str(form.get("password", ""))[:1000]
        role = str(form.get("role", ""))
        if role not in {r.value for r in Role} or not name or len(password) < _MIN_PASSWORD:
            raise Denied(f"a user needs a name, a role and a password of at least {_MIN_PASSWORD} characters")
        try:
            added = backend.users.add(name, password, Role(role))
        except UserExists as err:
            raise Denied(str(err)) from err
        backend.audit.record(f"user:{user.username}", "user_add", f"user:{added.username}", role)
        return ui.back(request, "/people")

    @router.post("/people/users/{username}/remove")
    async def remove_user(username: str, request: Request) -> Response:
        user = ui.user(request, Role.ADMINISTRATOR)
        await ui.form(request)
        if username == user.username:
            raise Denied("you cannot remove yourself")
        if backend.users.remove(username):
            backend.audit.record(f"user:{user.username}", "user_remove", f"user:{username}")
        return ui.back(request, "/people")

    @router.post("/people/tokens/{token_id}/revoke")
    async def revoke_token(token_id: RowId, request: Request) -> Response:
        user = ui.user(request, Role.ADMINISTRATOR)
        await ui.form(request)
        if backend.tokens.revoke(token_id):
            backend.audit.record(f"user:{user.username}", "token_revoke", f"token:{token_id}")
        return ui.back(request, "/people")

    return router
