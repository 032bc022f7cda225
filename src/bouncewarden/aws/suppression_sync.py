"""Keep bouncewarden's suppressions and the SES account-level suppression list in step.

SES keeps its own per-account, per-region list (AWS SES guide, "Using the Amazon SES
account-level suppression list"; SESv2 API `ListSuppressedDestinations`,
`PutSuppressedDestination`), with reasons `BOUNCE` and `COMPLAINT`. SES stores addresses with
their case; we compare them lower-cased.

- pull: every SES entry not suppressed here is imported through the store's bulk import
  (reason `imported` for SES's `BOUNCE`, `complaint` for `COMPLAINT`; source
  `ses-suppression`; note and audit trail name the sync). Addresses suppressed here already are
  left as they are, so pulling again changes nothing. An address lifted here but still on SES's
  list comes back at the next pull, since SES will not send to it anyway: lift it in SES too.
- push: our hard-bounce and complaint suppressions that SES does not list yet are put there,
  one `PutSuppressedDestination` each (the API has no batch form); soft-expired or manual
  suppressions stay ours. Each push is logged, and the report counts them.

Sandbox accounts cannot call `PutSuppressedDestination`; SES answers 429 when busy and botocore's
standard retry mode backs off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bouncewarden.events import normalise_address
from bouncewarden.policy import SuppressionReason
from bouncewarden.store.queries import Suppression

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

__all__ = [
    "ACTOR",
    "SOURCE",
    "Direction",
    "LocalSuppression",
    "RemoteSuppression",
    "SyncReport",
    "list_remote",
    "sync_suppressions",
]

SOURCE = "ses-suppression"
ACTOR = "aws suppression sync"
_log = logging.getLogger(__name__)


class Direction(StrEnum):
    """Which way to sync."""

    PULL = "pull"
    PUSH = "push"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class RemoteSuppression:
    """One entry of the SES account-level suppression list."""

    email: str
    reason: str
    last_update: datetime | None


class LocalSuppression(Protocol):
    """One of our suppressed addresses and why (`hard_bounce`, `complaint`, `soft_expired`, ...)."""

    @property
    def address(self) -> str: ...

    @property
    def reason(self) -> str: ...


class _Imported(Protocol):
    @property
    def suppressed(self) -> int: ...


class SuppressionStore(Protocol):
    """What the sync needs from the store (`store.admin.Administration`)."""

    def iter_suppressions(self) -> Iterator[LocalSuppression]: ...

    def import_suppressions(self, rows: Iterable[Suppression], *, label: str, actor: str) -> _Imported: ...


@dataclass(slots=True)
class SyncReport:
    """What a sync found and did."""

    remote: int = 0
    local: int = 0
    pulled: int = 0
    pushed: int = 0
    skipped_push: int = 0
    errors: list[str] = field(default_factory=list)

    def lines(self, dry_run: bool) -> list[str]:
        """Lines for the operator."""
        verb = "would " if dry_run else ""
        lines = [
            f"SES suppression list: {self.remote} addresses; bouncewarden: {self.local} suppressed",
            f"pull: {verb}suppress {self.pulled} addresses listed by SES",
            f"push: {verb}add {self.pushed} hard-bounce/complaint addresses to SES"
            + (f" ({self.skipped_push} other suppressions stay local)" if self.skipped_push else ""),
        ]
        return lines + [f"error: {error}" for error in self.errors]


def list_remote(client: SESV2Client, page_size: int = 1000) -> Iterator[RemoteSuppression]:
    """Every entry of the SES account-level suppression list (follows NextToken)."""
    token: str | None = None
    while True:
        if token:
            page = client.list_suppressed_destinations(PageSize=page_size, NextToken=token)
        else:
            page = client.list_suppressed_destinations(PageSize=page_size)
        for entry in page.get("SuppressedDestinationSummaries", []):
            updated = entry.get("LastUpdateTime")
            yield RemoteSuppression(
                entry["EmailAddress"], entry["Reason"], updated.astimezone(UTC) if updated else None
            )
        token = page.get("NextToken")
        if not token:
            return


def _imported(entry: RemoteSuppression) -> Suppression:
    complaint = entry.reason == "COMPLAINT"
    reason = SuppressionReason.COMPLAINT if complaint else SuppressionReason.IMPORTED
    return Suppression(
        address=normalise_address(entry.email),
        reason=reason.value,
        created_at=entry.last_update,
        note=f"SES account-level suppression list, reason {entry.reason}",
        source=SOURCE,
    )


# Only what SES itself would have listed; soft-expired, manual and imported entries stay ours.
_PUSH_REASONS = {
    SuppressionReason.HARD_BOUNCE.value: "BOUNCE",
    SuppressionReason.COMPLAINT.value: "COMPLAINT",
}


def _push(client: SESV2Client, wanted: list[LocalSuppression], report: SyncReport, dry_run: bool) -> None:
    for suppression in wanted:
        if dry_run:
            report.pushed += 1
            continue
        try:
            client.put_suppressed_destination(
                EmailAddress=suppression.address,
                Reason="COMPLAINT" if _PUSH_REASONS[suppression.reason] == "COMPLAINT" else "BOUNCE",
            )
        except Exception as err:  # one refused address must not stop the others
            report.errors.append(f"{suppression.address}: {err}")
            continue
        report.pushed += 1
        _log.info("pushed %r to the SES suppression list (%s)", suppression.address, suppression.reason)


def sync_suppressions(
    client: SESV2Client,
    store: SuppressionStore,
    direction: Direction,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> SyncReport:
    """Pull, push or both; idempotent, and `dry_run` only counts."""
    moment = now or datetime.now(UTC)
    remote = list(list_remote(client))
    local = list(store.iter_suppressions())
    report = SyncReport(remote=len(remote), local=len(local))
    local_addresses = {normalise_address(item.address) for item in local}
    remote_addresses = {normalise_address(item.email) for item in remote}
    if direction in (Direction.PULL, Direction.BOTH):
        rows = [_imported(entry) for entry in remote if normalise_address(entry.email) not in local_addresses]
        if dry_run or not rows:
            report.pulled = len(rows)
        else:
            label = f"SES account-level suppression list, {moment:%Y-%m-%d %H:%M} UTC"
            report.pulled = store.import_suppressions(rows, label=label, actor=ACTOR).suppressed
    if direction in (Direction.PUSH, Direction.BOTH):
        missing = [item for item in local if normalise_address(item.address) not in remote_addresses]
        wanted = [item for item in missing if item.reason in _PUSH_REASONS]
        report.skipped_push = len(missing) - len(wanted)
        _push(client, wanted, report, dry_run)
    return report
