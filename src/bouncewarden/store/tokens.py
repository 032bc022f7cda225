"""Bearer tokens of the HTTP API: created once, stored as sha256, scoped, revocable.

A token reads `bw_` and 43 URL-safe characters (256 random bits), so a sha256 of it is as
good as a slow hash: nobody can guess their way back from the stored digest. The first
characters are kept in clear (`prefix`) so people can tell their tokens apart in a list.
Scopes nest: `admin` may do what `write` may, which may do what `read` may. The last use is
written at most once a minute per token, so a busy client does not turn every read into a
write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from bouncewarden.clock import Clock
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import ApiToken

__all__ = ["NewToken", "Scope", "TokenInfo", "TokenStore", "scope_allows"]

_TOKEN_PREFIX = "bw_"
_SHOWN = 10
_LAST_USE_EVERY = timedelta(minutes=1)


class Scope(StrEnum):
    """What a token may do."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


_RANK = {Scope.READ: 0, Scope.WRITE: 1, Scope.ADMIN: 2}


def scope_allows(held: Scope, needed: Scope) -> bool:
    """Whether a token with scope `held` may do what needs `needed`."""
    return _RANK[held] >= _RANK[needed]


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never the token itself."""

    id: int
    name: str
    scope: Scope
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: `secret` is shown once and never stored."""

    info: TokenInfo
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_COLUMNS = (
    ApiToken.id,
    ApiToken.name,
    ApiToken.scope,
    ApiToken.prefix,
    ApiToken.created_at,
    ApiToken.last_used_at,
    ApiToken.revoked_at,
)


class TokenStore:
    """Create, list, revoke and check API tokens."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def create(self, scope: Scope, name: str = "") -> NewToken:
        """A new token with `scope`; its secret is in the result only."""
        secret = _TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        values = {
            "name": name,
            "scope": scope.value,
            "token_sha256": _digest(secret),
            "prefix": secret[:_SHOWN],
            "created_at": now,
        }
        with self._engine.execution_options(**WRITE).begin() as connection:
            token_id = int(connection.execute(insert(ApiToken).returning(ApiToken.id), values).scalar_one())
        return NewToken(TokenInfo(token_id, name, scope, secret[:_SHOWN], now, None, None), secret)

    def list(self) -> list[TokenInfo]:
        """Every token, revoked ones too, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(*_COLUMNS).order_by(ApiToken.id)).all()
        return [_info(row) for row in rows]

    def revoke(self, token_id: int) -> bool:
        """Revoke a token; False when there is no such token or it was revoked already."""
        statement = (
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=self._clock())
        )
        with self._engine.execution_options(**WRITE).begin() as connection:
            return bool(connection.execute(statement).rowcount)

    def authenticate(self, secret: str) -> TokenInfo | None:
        """The live token whose secret this is (its use recorded), or None."""
        if not secret.startswith(_TOKEN_PREFIX):
            return None
        query = select(*_COLUMNS).where(ApiToken.token_sha256 == _digest(secret))
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None or row.revoked_at is not None:
            return None
        info = _info(row)
        now = self._clock()
        if info.last_used_at is None or now - info.last_used_at >= _LAST_USE_EVERY:
            with self._engine.execution_options(**WRITE).begin() as connection:
                connection.execute(update(ApiToken).where(ApiToken.id == info.id).values(last_used_at=now))
        return info


def _info(row: Any) -> TokenInfo:
    """A `TokenInfo` from a result row of `_COLUMNS`."""
    return TokenInfo(
        id=int(row.id),
        name=row.name,
        scope=Scope(row.scope),
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
