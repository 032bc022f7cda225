"""The people who sign in to the admin UI, with scrypt password hashes and a role.

Roles nest: an `administrator` may do what an `operator` may (clear a soft-bouncing record,
bulk actions, rules, quarantine replay), who may do what a `viewer` may (read everything).
Only administrators lift suppressions and see the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bouncewarden.clock import Clock
from bouncewarden.errors import BouncewardenError
from bouncewarden.passwords import hash_password, verify_password
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import User

__all__ = ["Role", "UserExists", "UserInfo", "UserStore", "role_allows"]

# Checked when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = hash_password("not a password anyone has")


class Role(StrEnum):
    """What a person may do in the admin UI."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMINISTRATOR = "administrator"


_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMINISTRATOR: 2}


def role_allows(held: Role, needed: Role) -> bool:
    """Whether someone with role `held` may do what needs `needed`."""
    return _RANK[held] >= _RANK[needed]


class UserExists(BouncewardenError, ValueError):
    """A user of that name exists already."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user, without the password hash."""

    id: int
    username: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None


_COLUMNS = (User.id, User.username, User.role, User.created_at, User.last_login_at)


def _info(row: Any) -> UserInfo:
    return UserInfo(int(row.id), row.username, Role(row.role), row.created_at, row.last_login_at)


class UserStore:
    """Add, list, remove and sign in the admin UI's users."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def add(self, username: str, password: str, role: Role) -> UserInfo:
        """Add a user; UserExists when the name is taken."""
        name = username.strip()
        if not name or not password:
            raise ValueError("a user needs a name and a password")
        now = self._clock()
        values = {"username": name, "password_hash": hash_password(password), "role": role.value}
        try:
            with self._engine.execution_options(**WRITE).begin() as connection:
                user_id = connection.execute(
                    insert(User).returning(User.id), {**values, "created_at": now}
                ).scalar_one()
        except IntegrityError as err:
            raise UserExists(f"there is a user called {name!r} already") from err
        return UserInfo(int(user_id), name, role, now, None)

    def remove(self, username: str) -> bool:
        """Delete a user; False when there is none of that name."""
        with self._engine.execution_options(**WRITE).begin() as connection:
            return bool(connection.execute(delete(User).where(User.username == username)).rowcount)

    def list(self) -> list[UserInfo]:
        """Every user, by name."""
        with self._engine.connect() as connection:
            return [_info(row) for row in connection.execute(select(*_COLUMNS).order_by(User.username))]

    def get(self, user_id: int) -> UserInfo | None:
        """The user with this id, or None."""
        with self._engine.connect() as connection:
            row = connection.execute(select(*_COLUMNS).where(User.id == user_id)).first()
        return None if row is None else _info(row)

    def sign_in(self, username: str, password: str) -> UserInfo | None:
        """The user when the password is right (last login recorded), else None."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(*_COLUMNS, User.password_hash).where(User.username == username.strip())
            ).first()
        if row is None:
            verify_password(password, _DUMMY_HASH)
            return None
        if not verify_password(password, row.password_hash):
            return None
        now = self._clock()
        with self._engine.execution_options(**WRITE).begin() as connection:
            connection.execute(update(User).where(User.id == row.id).values(last_login_at=now))
        return _info(row)
