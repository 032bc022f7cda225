"""Bearer-token authentication for `/v1`: 401 without a live token, 403 with too little scope.

`read` may call every GET and `POST /v1/check`; other writes need `write`; tokens, users and
settings need `admin` (STYLE.md: security checks fail closed). The token itself never
reaches a log line: only its id is kept, as the actor `token:ID`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bouncewarden.api.context import Backend
from bouncewarden.store.tokens import Scope, scope_allows

__all__ = ["Caller", "scope_guard"]

_BEARER = HTTPBearer(auto_error=False, description="A token from `bouncewarden tokens create`.")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the token's id and scope."""

    token_id: int
    scope: Scope

    @property
    def actor(self) -> str:
        """The actor written to the audit trail."""
        return f"token:{self.token_id}"


def scope_guard(backend: Backend) -> Callable[[Scope], object]:
    """A factory of dependencies: `Depends(guard(Scope.WRITE))` admits tokens with that scope."""

    def guard(needed: Scope) -> object:
        def authenticate(
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
        ) -> Caller:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "a bearer token is required",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            token = backend.tokens.authenticate(credentials.credentials)
            if token is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "unknown or revoked token",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            if not scope_allows(token.scope, needed):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, f"this needs a token with scope {needed.value}"
                )
            return Caller(token.id, token.scope)

        return Depends(authenticate)

    return guard
