"""Sender-health commands: totals and rates per sender, alerts, and sends told from a file.

    bouncewarden stats [--since 7d] [--now ISO-8601] [--json]
    bouncewarden alerts list [--open] [--json]
    bouncewarden alerts ack ID [--json]
    bouncewarden record-sends FILE [--json]

`stats` prints the database's totals, then one table row per sender identity over the period:
its counts, its bounce, complaint, soft and sender-side rates, and a sparkline of its sends
per day. `record-sends` reads a CSV or JSON Lines file of sends (`bouncewarden.sends`); lines
that cannot be read are kept in quarantine with their reason, the others are recorded, and the
command exits non-zero when the database could not take them.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import click

from bouncewarden.cli.options import (
    MOMENT,
    actor,
    database_options,
    json_option,
    load,
    open_service,
    print_json,
)
from bouncewarden.errors import BouncewardenError

if TYPE_CHECKING:
    from bouncewarden.monitor.alerts import Alert
    from bouncewarden.monitor.rates import Counts
    from bouncewarden.service import Service

__all__ = ["register", "sparkline"]

_BARS = "▁▂▃▄▅▆▇█"
_SPAN = re.compile(r"^\s*(\d+)\s*([dh])\s*$")
_BATCH = 5000


def sparkline(values: list[int]) -> str:
    """One bar per value, scaled to the largest (all lowest when all are zero)."""
    top = max(values, default=0)
    if top <= 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[round(value * (len(_BARS) - 1) / top)] for value in values)


def _span(value: str) -> timedelta:
    found = _SPAN.match(value)
    if found is None:
        raise click.BadParameter(f"not a span like 7d or 24h: {value!r}", param_hint="--since")
    number, unit = int(found.group(1)), found.group(2)
    return timedelta(days=number) if unit == "d" else timedelta(hours=number)


def _hour_end(moment: datetime) -> datetime:
    """`moment` moved up to a whole hour: the counters are hourly, so the period is whole hours."""
    start = moment.replace(minute=0, second=0, microsecond=0)
    return start if start == moment else start + timedelta(hours=1)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _rates(counts: Counts) -> dict[str, float | None]:
    def ratio(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    return {
        "bounce_rate": ratio(counts.hard, counts.sends),
        "complaint_rate": ratio(counts.complaints, counts.deliveries),
        "soft_rate": ratio(counts.soft, counts.sends),
        "sender_side_rate": ratio(counts.sender_side, counts.sends),
    }


def _senders(service: Service, since: datetime, until: datetime) -> list[dict[str, Any]]:
    from bouncewarden.monitor.rates import Counts

    by_sender = service.health.daily_counts(since=since, until=until)
    days = [since.date() + timedelta(days=n) for n in range((until.date() - since.date()).days + 1)]
    senders = []
    for identity, by_day in by_sender.items():
        sums = [sum(getattr(counts, name) for counts in by_day.values()) for name in Counts.__slots__]
        total = Counts(*sums)
        senders.append(
            {
                "sender_identity": identity,
                "counts": {name: getattr(total, name) for name in Counts.__slots__},
                **_rates(total),
                "days": [_day(day, by_day.get(day, Counts())) for day in days],
            }
        )
    return senders


def _day(day: date, counts: Counts) -> dict[str, Any]:
    return {"day": day.isoformat(), **{name: getattr(counts, name) for name in counts.__slots__}}


@click.command("stats")
@database_options
@json_option
@click.option("--since", "since_text", default="7d", show_default=True, help="Period per sender: Nd or Nh.")
@click.option("--now", type=MOMENT, default=None, help="End of the period (default: now), up to the hour.")
def stats_command(
    config_file: Path | None, database_url: str | None, as_json: bool, since_text: str, now: datetime | None
) -> None:
    """Totals, then counts and rates per sender over the period with a sparkline of sends per day."""
    until = _hour_end(now or datetime.now(UTC))
    since = until - _span(since_text)
    with open_service(load(config_file, database_url)) as service:
        stats = service.admin.stats()
        senders = _senders(service, since, until)
        open_alerts = service.health.alerts(open_only=True)
    if as_json:
        print_json(
            {
                "events": stats.events,
                "addresses": stats.addresses,
                "suppressions": stats.suppressions,
                "quarantined": stats.quarantined,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "senders": senders,
                "open_alerts": [alert.as_json() for alert in open_alerts],
            }
        )
        return
    click.echo(f"events: {sum(sum(by.values()) for by in stats.events.values())}")
    for kind in sorted(stats.events):
        for severity in sorted(stats.events[kind]):
            click.echo(f"  {kind}\t{severity}\t{stats.events[kind][severity]}")
    click.echo(f"addresses: {sum(stats.addresses.values())}")
    for state in stats.addresses:
        click.echo(f"  {state}\t{stats.addresses[state]}")
    click.echo(f"suppressions: {sum(stats.suppressions.values())}")
    for reason in sorted(stats.suppressions):
        click.echo(f"  {reason}\t{stats.suppressions[reason]}")
    click.echo(f"quarantined: {stats.quarantined}")
    _print_senders(senders, since, until)
    click.echo(f"open alerts: {len(open_alerts)}")
    for alert in open_alerts:
        click.echo(f"  {_alert_line(alert)}")


def _print_senders(senders: list[dict[str, Any]], since: datetime, until: datetime) -> None:
    from bouncewarden.store.counters import COUNTER_FIELDS

    click.echo(
        f"senders from {since.isoformat(timespec='minutes')} to {until.isoformat(timespec='minutes')}:"
    )
    # `refused`: the sender-side refusals (a listed IP, throttling, authentication).
    counted = ("sender", "sends", "deliv", "hard", "soft", "compl", "refused")
    header = (*counted, "bounce", "complaint", "soft%", "refused%")
    rows: list[tuple[str, ...]] = [header]
    for sender in senders:
        counts = sender["counts"]
        rows.append(
            (
                sender["sender_identity"] or "(unknown)",
                *(str(counts[name]) for name in COUNTER_FIELDS),
                *(
                    _percent(sender[name])
                    for name in ("bounce_rate", "complaint_rate", "soft_rate", "sender_side_rate")
                ),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for index, row in enumerate(rows):
        cells = [
            row[0].ljust(widths[0]),
            *(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)),
        ]
        line = "  ".join(cells)
        if index:
            line += "  " + sparkline([day["sends"] for day in senders[index - 1]["days"]])
        else:
            line += "  sends/day"
        click.echo("  " + line)


def _alert_line(alert: Alert) -> str:
    state = (
        "open" if alert.is_open else f"resolved {alert.resolved_at.isoformat() if alert.resolved_at else ''}"
    )
    acknowledged = f" ack by {alert.acknowledged_by}" if alert.acknowledged_by else ""
    return (
        f"{alert.id}\t{alert.sender_identity or '(unknown)'}\t{alert.metric} {alert.level}\t"
        f"{alert.value:.3%} (threshold {alert.threshold:.3%}, peak {alert.peak:.3%})\t"
        f"raised {alert.raised_at.isoformat()}\t{state}{acknowledged}"
    )


@click.group("alerts")
def alerts_group() -> None:
    """Sender-health alerts: list them, acknowledge them."""


@alerts_group.command("list")
@database_options
@json_option
@click.option("--open", "open_only", is_flag=True, help="Only the alerts not resolved yet.")
def alerts_list(config_file: Path | None, database_url: str | None, as_json: bool, open_only: bool) -> None:
    """Alerts, newest first: ID, sender, measure and level, value, when, state."""
    with open_service(load(config_file, database_url)) as service:
        alerts = service.health.alerts(open_only=open_only)
    if as_json:
        print_json([alert.as_json() for alert in alerts])
        return
    for alert in alerts:
        click.echo(_alert_line(alert))


@alerts_group.command("ack")
@database_options
@json_option
@click.argument("alert_id", type=click.IntRange(min=1, max=2**31 - 1))
def alerts_ack(config_file: Path | None, database_url: str | None, as_json: bool, alert_id: int) -> None:
    """Acknowledge alert ID (who and when are kept)."""
    from bouncewarden.monitor.alerts import UnknownAlert

    with open_service(load(config_file, database_url)) as service:
        try:
            alert = service.health.acknowledge(alert_id, actor=actor(), now=datetime.now(UTC))
        except UnknownAlert as err:
            raise click.ClickException(str(err)) from err
    if as_json:
        print_json(alert.as_json())
        return
    click.echo(_alert_line(alert))


@click.command("record-sends")
@database_options
@json_option
@click.argument("file", type=click.Path(dir_okay=False, exists=True, allow_dash=True))
def record_sends(config_file: Path | None, database_url: str | None, as_json: bool, file: str) -> None:
    """Count the sends listed in FILE (CSV with a header, or JSON Lines; `-` reads standard input)."""
    from bouncewarden.sends import InvalidSendsFile
    from bouncewarden.store.listfile import physical_lines

    with click.open_file(file, "rb") as handle:
        try:
            text = "".join(line for _, line in physical_lines(cast("BinaryIO", handle), file))
        except BouncewardenError as err:  # not UTF-8, or a line over the limit: FILE:LINE says where
            raise click.ClickException(str(err)) from err
    with open_service(load(config_file, database_url)) as service:
        try:
            totals = _record_sends(service, text, origin=file)
        except InvalidSendsFile as err:
            raise click.ClickException(f"{file}:{err}") from err
        except BouncewardenError as err:
            raise click.ClickException(str(err)) from err
    if as_json:
        print_json(totals)
    else:
        click.echo(
            f"{file}: {totals['recorded']} sends recorded, {totals['duplicates']} already known, "
            f"{totals['quarantined']} lines quarantined"
        )
    if totals["unavailable"]:
        click.echo(f"{file}: the database could not take {totals['unavailable']} sends; run again", err=True)
        sys.exit(1)


def _record_sends(service: Service, text: str, *, origin: str) -> dict[str, int]:
    from bouncewarden.intake import Feedback, Outcome, RawInput, ReadInput, Unreadable
    from bouncewarden.parse.report import ParsedReport
    from bouncewarden.sends import SOURCE, read_sends, send_event

    now = datetime.now(UTC)
    totals = {"recorded": 0, "duplicates": 0, "quarantined": 0, "unavailable": 0}
    good, items = [], []
    for line in read_sends(text):
        if line.send is None:
            raw = RawInput(line.text.encode(), f"{origin} line {line.number}", now, SOURCE)
            items.append(ReadInput.of(raw, Unreadable(f"line {line.number}: {line.problem}")))
        else:
            good.append((line, send_event(line.send, now, source=SOURCE)))
    for start in range(0, len(good), _BATCH):
        chunk = good[start : start + _BATCH]
        data = "\n".join(line.text for line, _ in chunk).encode()
        raw = RawInput(data, f"{origin} lines {chunk[0][0].number}-{chunk[-1][0].number}", now, SOURCE)
        reading = Feedback(ParsedReport((), SOURCE), tuple(event for _, event in chunk))
        items.append(ReadInput.of(raw, reading))
    for item in items:
        [outcome] = service.recorder.record([item])
        if outcome.outcome is Outcome.STORE_UNAVAILABLE:
            totals["unavailable"] += len(item.reading.events) if isinstance(item.reading, Feedback) else 1
        elif outcome.outcome is Outcome.QUARANTINED:
            totals["quarantined"] += 1
        else:
            totals["recorded"] += outcome.counts.new_events
            totals["duplicates"] += outcome.counts.duplicates
    return totals


def register(group: click.Group) -> None:
    """Add the sender-health commands to the `bouncewarden` group."""
    for command in (stats_command, alerts_group, record_sends):
        group.add_command(command)
