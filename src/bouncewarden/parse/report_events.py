"""From a parsed bounce, complaint or auto-reply to canonical `FeedbackEvent`s.

One event per recipient. The dedupe key makes re-delivery of the same report harmless:
`dsn:<message id>:<normalised recipient>:<kind>`, where the message id is the returned
original's Message-ID (the same for every copy of a report about that message), else the
report's own, else the SHA-256 of the raw input. The time is the report's own (its Date,
else Arrival-Date / Last-Attempt-Date), falling back to the time it was received.
"""

from __future__ import annotations

from datetime import datetime

from bouncewarden.events import FeedbackEvent, normalise_address
from bouncewarden.parse.report import ParsedReport, RecipientResult

__all__ = ["dedupe_key", "report_to_events"]


def _bare_message_id(value: str | None) -> str | None:
    if not value:
        return None
    bare = value.strip().strip("<>").strip()
    return bare or None


def dedupe_key(report: ParsedReport, result: RecipientResult, raw_sha256: str) -> str:
    """The stable key of one recipient's event in one report."""
    identity = (
        _bare_message_id(report.original_message_id) or _bare_message_id(report.message_id) or raw_sha256
    )
    return f"dsn:{identity}:{normalise_address(result.address)}:{result.kind.value}"


def report_to_events(
    report: ParsedReport, *, source: str, raw_sha256: str, received_at: datetime
) -> list[FeedbackEvent]:
    """One FeedbackEvent per recipient of the report."""
    occurred_at = report.occurred_at or received_at
    return [
        FeedbackEvent(
            kind=result.kind,
            recipient=result.address,
            severity=result.severity,
            reason=result.reason,
            dedupe_key=dedupe_key(report, result, raw_sha256),
            occurred_at=occurred_at,
            source=source,
            status=result.status,
            reply_code=result.reply_code,
            diagnostic=result.diagnostic,
            remote_mta=result.remote_mta,
            reporting_mta=result.reporting_mta,
            sender=report.original_sender,
            message_id=_bare_message_id(report.original_message_id),
            campaign=report.campaign,
            feedback_type=result.feedback_type,
            received_at=received_at,
            tags={"parser": report.parser},
        )
        for result in report.recipients
    ]
