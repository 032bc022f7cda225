"""What the HTTP API and the admin UI work with: the service and the access-control stores.

One `Backend` is built per app over the service's stores; routes reach it through
their router factory, never through globals.
"""

from __future__ import annotations

from dataclasses import dataclass

from bouncewarden.clock import Clock, system_clock
from bouncewarden.service import Service
from bouncewarden.store.audit import AuditLog
from bouncewarden.store.patterns import BlockedPatterns
from bouncewarden.store.tokens import TokenStore
from bouncewarden.store.users import UserStore

__all__ = ["Backend"]


@dataclass(frozen=True, slots=True)
class Backend:
    """The service and its companions for access control, audit and wide suppressions."""

    service: Service
    tokens: TokenStore
    users: UserStore
    audit: AuditLog
    blocks: BlockedPatterns
    clock: Clock

    @classmethod
    def over(cls, service: Service, clock: Clock = system_clock) -> Backend:
        """The service's stores, and `clock` for what the routes date themselves."""
        return cls(service, service.tokens, service.users, service.audit, service.blocks, clock)
