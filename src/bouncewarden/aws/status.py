"""`bouncewarden aws status`: what SES says about sending, next to what bouncewarden counted.

SES v1 `GetSendQuota` gives the 24-hour quota, the maximum send rate and what was sent in the
last 24 hours; `GetSendStatistics` gives the last two weeks in 15-minute buckets
(`DeliveryAttempts`, `Bounces`, `Complaints`, `Rejects`), at most one call a second (AWS SES API
reference). We add the buckets up per UTC day and put our own hourly counters for the same days
beside them. The two never match exactly: SES's bounce count includes soft bounces it gave up
on, its reputation rates use a "representative volume" rather than a fixed window, and our
counts only cover what reached us. Rates shown are therefore labelled estimates.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bouncewarden.store.counters import COUNTER_FIELDS
from bouncewarden.store.series import DailyTotals

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient

__all__ = [
    "CountsSource",
    "DayCounts",
    "SesQuota",
    "StatusReport",
    "build_status",
    "fetch_ses_days",
    "render_json",
    "render_text",
]

WINDOW = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class SesQuota:
    """GetSendQuota."""

    max_24_hour_send: float
    max_send_rate: float
    sent_last_24_hours: float


@dataclass(slots=True)
class DayCounts:
    """SES send statistics of one UTC day (sums of its 15-minute buckets)."""

    delivery_attempts: int = 0
    bounces: int = 0
    complaints: int = 0
    rejects: int = 0


class CountsSource(Protocol):
    """Where our own numbers come from (the store's hourly counters)."""

    def daily_totals(self, *, since: datetime, until: datetime) -> list[DailyTotals]: ...


@dataclass(slots=True)
class StatusReport:
    """Quota, and SES's and our numbers per day over the window."""

    quota: SesQuota
    start: datetime
    end: datetime
    ses_days: dict[date, DayCounts] = field(default_factory=dict)
    local_days: dict[date, DailyTotals] = field(default_factory=dict)

    def ses_total(self) -> DayCounts:
        """SES's numbers summed over the window."""
        total = DayCounts()
        for day in self.ses_days.values():
            total.delivery_attempts += day.delivery_attempts
            total.bounces += day.bounces
            total.complaints += day.complaints
            total.rejects += day.rejects
        return total

    def local_total(self) -> DailyTotals:
        """Our numbers summed over the window (dated with its last day)."""
        days = self.local_days.values()
        return DailyTotals(
            self.end.date(), *(sum(getattr(day, name) for day in days) for name in COUNTER_FIELDS)
        )


def fetch_ses_days(ses: SESClient) -> dict[date, DayCounts]:
    """GetSendStatistics summed per UTC day."""
    days: dict[date, DayCounts] = {}
    for point in ses.get_send_statistics().get("SendDataPoints", []):
        stamp = point.get("Timestamp")
        if stamp is None:
            continue
        day = days.setdefault(stamp.astimezone(UTC).date(), DayCounts())
        day.delivery_attempts += int(point.get("DeliveryAttempts", 0))
        day.bounces += int(point.get("Bounces", 0))
        day.complaints += int(point.get("Complaints", 0))
        day.rejects += int(point.get("Rejects", 0))
    return days


def build_status(ses: SESClient, counts: CountsSource, now: datetime | None = None) -> StatusReport:
    """Ask SES, ask the store, for the last two weeks."""
    end = (now or datetime.now(UTC)).astimezone(UTC)
    start = end - WINDOW
    quota = ses.get_send_quota()
    report = StatusReport(
        quota=SesQuota(
            float(quota.get("Max24HourSend", 0.0)),
            float(quota.get("MaxSendRate", 0.0)),
            float(quota.get("SentLast24Hours", 0.0)),
        ),
        start=start,
        end=end,
    )
    report.ses_days = {day: counts for day, counts in fetch_ses_days(ses).items() if day >= start.date()}
    report.local_days = {
        day.day: day for day in counts.daily_totals(since=start, until=end) if day != DailyTotals(day.day)
    }
    return report


def _rate(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f} %" if whole else "n/a"


def render_text(report: StatusReport) -> str:
    """A plain table for the terminal."""
    quota = report.quota
    used = _rate(int(quota.sent_last_24_hours), int(quota.max_24_hour_send))
    lines = [
        f"SES quota: {quota.sent_last_24_hours:.0f} of {quota.max_24_hour_send:.0f} sent in the last 24 h "
        f"({used}), max send rate {quota.max_send_rate:g}/s",
        f"window: {report.start:%Y-%m-%d %H:%M} .. {report.end:%Y-%m-%d %H:%M} UTC",
        "",
        f"{'day':<10} | {'SES attempts':>12} {'bounces':>8} {'complaints':>10} {'rejects':>7} |"
        f" {'ours: sends':>11} {'deliveries':>10} {'hard':>5} {'soft':>5} {'complaints':>10}",
    ]
    for day in sorted(set(report.ses_days) | set(report.local_days)):
        ses = report.ses_days.get(day, DayCounts())
        ours = report.local_days.get(day, DailyTotals(day))
        lines.append(
            f"{day.isoformat():<10} | {ses.delivery_attempts:>12} {ses.bounces:>8} {ses.complaints:>10}"
            f" {ses.rejects:>7} | {ours.sends:>11} {ours.deliveries:>10} {ours.hard:>5} {ours.soft:>5}"
            f" {ours.complaints:>10}"
        )
    ses, ours = report.ses_total(), report.local_total()
    lines += [
        "",
        f"SES (estimate):  bounce rate {_rate(ses.bounces, ses.delivery_attempts)},"
        f" complaint rate {_rate(ses.complaints, ses.delivery_attempts)}",
        f"ours (estimate): bounce rate {_rate(ours.hard, ours.sends)} (hard / sends),"
        f" complaint rate {_rate(ours.complaints, ours.deliveries)} (complaints / deliveries)",
    ]
    return "\n".join(lines)


def render_json(report: StatusReport) -> str:
    """The same numbers as JSON."""
    document = {
        "quota": asdict(report.quota),
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "ses": {day.isoformat(): asdict(counts) for day, counts in sorted(report.ses_days.items())},
        "bouncewarden": {
            day.isoformat(): _ours_json(counts) for day, counts in sorted(report.local_days.items())
        },
        "ses_total": asdict(report.ses_total()),
        "bouncewarden_total": _ours_json(report.local_total()),
    }
    return json.dumps(document, indent=2)


def _ours_json(counts: DailyTotals) -> dict[str, int]:
    return {name: getattr(counts, name) for name in COUNTER_FIELDS}
