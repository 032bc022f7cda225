"""The database behind bouncewarden, as a few small objects over one engine.

    with Service.open(settings) as service:
        service.intake.take(inputs)          # read and record a batch (bouncewarden.intake)
        service.admin.lookup(addresses)      # the operator's side (store.admin)
        service.rules.add_operator_rule(...)  # classification overrides (store.rules)
        service.counters.daily_totals(...)   # hourly counters, summed per UTC day (store.series)
        service.quarantine.entries()         # what could not be read (store.quarantine)
        service.outbox(after_id=0)           # address changes, in order (store.outbox)
        service.files.record_rows(batch)     # followed files: records and position (store.file_recorder)
        service.browse.events(filter, ...)   # stored events and suppressions, a page at a time
        service.reclassifier.plan(...)       # stored evidence read again (store.reclassify)
        service.tokens / users / audit / blocks / mail_sources   # access control, audit, sources

Nothing outside `bouncewarden.store` touches the engine or the models; this module only builds
the objects and owns the connection pool's lifetime.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config import Settings
from bouncewarden.intake import Intake, RawInput, Reading
from bouncewarden.jobs import JobReport, run_due_jobs
from bouncewarden.store.admin import Administration
from bouncewarden.store.audit import AuditLog
from bouncewarden.store.browse import Browser
from bouncewarden.store.counters import CounterReader
from bouncewarden.store.engine import current_revision, make_engine, ping, upgrade
from bouncewarden.store.file_recorder import FileRecorder
from bouncewarden.store.mail_sources import MailSourceLedger
from bouncewarden.store.outbox import OutboxEntry, read_outbox
from bouncewarden.store.patterns import BlockedPatterns
from bouncewarden.store.quarantine import QuarantineBox
from bouncewarden.store.reclassify import Reclassifier
from bouncewarden.store.recorder import BatchRecorder
from bouncewarden.store.rules import RuleBook
from bouncewarden.store.tokens import TokenStore
from bouncewarden.store.users import UserStore

if TYPE_CHECKING:
    from bouncewarden.classify import OperatorRule

__all__ = ["Service"]


class Service:
    """The store's objects over one engine (see the module docstring)."""

    def __init__(self, settings: Settings, clock: Clock = system_clock, *, migrate: bool = True) -> None:
        self._engine = make_engine(settings.resolved_database_url)
        if migrate:
            try:
                upgrade(self._engine)
            except BaseException:
                self._engine.dispose()
                raise
        self.settings = settings
        self._clock = clock
        self.rules = RuleBook(self._engine, clock)
        self.recorder = BatchRecorder(
            self._engine, settings.policy, clock, rules=self.rules.classification_rules
        )
        self.intake = Intake(self.recorder, self.rules.classification_rules, _read_batch)
        self.admin = Administration(self._engine, clock)
        self.counters = CounterReader(self._engine)
        self.quarantine = QuarantineBox(self._engine, clock)
        self.files = FileRecorder(
            self._engine, settings.policy, rules=self.rules.classification_rules, clock=clock
        )
        self.browse = Browser(self._engine)
        self.reclassifier = Reclassifier(self._engine, settings.policy, clock)
        self.mail_sources = MailSourceLedger(self._engine)
        self.tokens = TokenStore(self._engine, clock)
        self.users = UserStore(self._engine, clock)
        self.audit = AuditLog(self._engine, clock)
        self.blocks = BlockedPatterns(self._engine, clock)

    @classmethod
    def open(cls, settings: Settings, *, clock: Clock = system_clock, migrate: bool = True) -> Service:
        """Connect to `settings.resolved_database_url` and (by default) bring the schema up to date."""
        return cls(settings, clock, migrate=migrate)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine. Only `tests/store_helpers.py` should need it (to read rows
        back); code outside the store uses the objects above."""
        return self._engine

    def ping(self) -> None:
        """Raise unless the database answers a trivial query (the health check)."""
        ping(self._engine)

    def schema_revision(self) -> str | None:
        """The schema revision the database is at."""
        return current_revision(self._engine)

    def outbox(self, *, after_id: int = 0, limit: int = 1000) -> list[OutboxEntry]:
        """Address state changes with an id above `after_id`, oldest first."""
        with self._engine.connect() as connection:
            return read_outbox(connection, after_id=after_id, limit=limit)

    def run_due_jobs(self, now: datetime | None = None) -> JobReport:
        """Expire soft-bouncing addresses past the grace period and report due retries, once."""
        return run_due_jobs(self._engine, self.settings.policy, now or self._clock())

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Service:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _read_batch(inputs: Sequence[RawInput], rules: Sequence[OperatorRule]) -> list[Reading]:
    """The one reader (`parse.reader.read_batch`), loaded on the first read: commands that
    never read anything (`check`, `export`) do not load the parsers."""
    from bouncewarden.parse.reader import read_batch

    return read_batch(inputs, rules)
