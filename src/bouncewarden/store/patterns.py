"""Suppressions wider than one address: a whole domain, or an address pattern.

A domain entry (`example.com`) covers the domain and its subdomains (`mx.example.com`); a
pattern entry is a shell-style glob over the normalised address (`info@*`, `*+test@example.org`):
`*` any run of characters, `?` one, `[abc]` a set. Globs are used rather than regular
expressions so that an entry can never make a check slow. `check` consults these after the
address rows; an address covered here reads `suppressed` with reason `domain` or `pattern`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from bouncewarden.addresses import normalise_address, normalise_domain
from bouncewarden.clock import Clock
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import BlockedPattern

__all__ = ["BlockKind", "BlockedEntry", "BlockedPatterns", "PatternMatcher"]

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")


class BlockKind(StrEnum):
    """What a blocked entry covers."""

    DOMAIN = "domain"
    PATTERN = "pattern"


@dataclass(frozen=True, slots=True)
class BlockedEntry:
    """One domain or pattern suppression."""

    id: int
    kind: BlockKind
    value: str
    note: str | None
    actor: str
    created_at: datetime


class PatternMatcher:
    """Which entry (if any) covers an address; built once per check."""

    def __init__(self, entries: list[BlockedEntry]) -> None:
        self._domains = {entry.value: entry for entry in entries if entry.kind is BlockKind.DOMAIN}
        self._patterns = [
            (re.compile(fnmatch.translate(entry.value)), entry)
            for entry in entries
            if entry.kind is BlockKind.PATTERN
        ]

    def __bool__(self) -> bool:
        return bool(self._domains or self._patterns)

    def match(self, address: str) -> BlockedEntry | None:
        """The entry covering the normalised `address`, or None."""
        domain = address.rpartition("@")[2]
        labels = domain.split(".")
        for start in range(len(labels)):
            found = self._domains.get(".".join(labels[start:]))
            if found is not None:
                return found
        for pattern, entry in self._patterns:
            if pattern.match(address):
                return entry
        return None


def normalise_entry(kind: BlockKind, value: str) -> str:
    """`value` in stored form; ValueError when it is not a domain (or is an empty pattern)."""
    cleaned = normalise_address(value)
    if kind is BlockKind.DOMAIN:
        cleaned = normalise_domain(cleaned.lstrip("@").rstrip("."))
        if not _DOMAIN.match(cleaned):
            raise ValueError(f"not a domain name: {value!r}")
        return cleaned
    if not cleaned or "@" not in cleaned or len(cleaned) > 320:
        raise ValueError(f"a pattern must look like an address, with * or ? as wildcards: {value!r}")
    return cleaned


class BlockedPatterns:
    """Add, list and remove domain and pattern suppressions."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def add(self, kind: BlockKind, value: str, *, note: str | None, actor: str) -> BlockedEntry:
        """Store an entry (ValueError for a malformed one); the entry stored."""
        cleaned = normalise_entry(kind, value)
        now = self._clock()
        values = {
            "kind": kind.value,
            "value": cleaned,
            "note": note or None,
            "actor": actor,
            "created_at": now,
        }
        with self._engine.execution_options(**WRITE).begin() as connection:
            entry_id = connection.execute(
                insert(BlockedPattern).returning(BlockedPattern.id), values
            ).scalar_one()
        return BlockedEntry(int(entry_id), kind, cleaned, note or None, actor, now)

    def remove(self, entry_id: int) -> BlockedEntry | None:
        """Delete an entry; the entry, or None when there was none with that id."""
        found = [entry for entry in self.list() if entry.id == entry_id]
        if not found:
            return None
        with self._engine.execution_options(**WRITE).begin() as connection:
            connection.execute(delete(BlockedPattern).where(BlockedPattern.id == entry_id))
        return found[0]

    def list(self) -> list[BlockedEntry]:
        """Every entry, oldest first."""
        with self._engine.connect() as connection:
            rows: list[Any] = list(connection.execute(select(BlockedPattern).order_by(BlockedPattern.id)))
        return [
            BlockedEntry(row.id, BlockKind(row.kind), row.value, row.note, row.actor, row.created_at)
            for row in rows
        ]

    def matcher(self) -> PatternMatcher:
        """A matcher over the entries stored now."""
        return PatternMatcher(self.list())
