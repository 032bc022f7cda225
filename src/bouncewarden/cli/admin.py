"""Operator commands: the database, settings, jobs, and the suppression list.

    bouncewarden db upgrade
    bouncewarden config show [--json]
    bouncewarden jobs run [--now ISO-8601] [--json]
    bouncewarden check ADDRESS... [--file F | -] [--json]
    bouncewarden suppress ADDRESS... --reason TEXT
    bouncewarden unsuppress ADDRESS... --note TEXT
    bouncewarden history ADDRESS [--json]
    bouncewarden export ... / import ...     (cli.suppression_list)
    bouncewarden stats [--json]

Every command takes `--db URL` (over BOUNCEWARDEN_DATABASE_URL and the settings file) and
`--config FILE`. `check` prints `address<TAB>state[<TAB>reason]`, one line per address in
the order given, the address as given; unknown addresses are `active`. Heavy modules (the
service, SQLAlchemy) are imported inside the commands, so `--help` and short runs start fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bouncewarden.cli.options import (
    MOMENT,
    actor,
    database_options,
    json_option,
    load,
    open_service,
    print_json,
    safe_url,
)
from bouncewarden.errors import BouncewardenError
from bouncewarden.logsafe import escape_controls

if TYPE_CHECKING:
    from bouncewarden.policy import AddressState

__all__ = ["register"]

F = TypeVar("F", bound=Callable[..., Any])


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@click.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@database_options
def db_upgrade(config_file: Path | None, database_url: str | None) -> None:
    """Create or migrate the schema to the newest revision."""
    with open_service(load(config_file, database_url)) as service:
        revision = service.schema_revision()
        click.echo(f"{safe_url(service.settings.resolved_database_url)}: schema at revision {revision}")


@click.group("config")
def config_group() -> None:
    """Settings."""


@config_group.command("show")
@database_options
@json_option
def config_show(config_file: Path | None, database_url: str | None, as_json: bool) -> None:
    """Print the resolved settings (file, environment and options merged)."""
    settings = load(config_file, database_url)
    values = settings.model_dump(mode="json")
    values["database_url"] = safe_url(settings.resolved_database_url)
    if as_json:
        print_json(values)
        return
    for key, value in _flatten(values):
        click.echo(f"{key} = {json.dumps(value)}")


def _flatten(values: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in values.items():
        if isinstance(value, dict) and value:
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


@click.group("jobs")
def jobs_group() -> None:
    """Scheduled work (soft-bounce expiry, due retries)."""


@jobs_group.command("run")
@database_options
@json_option
@click.option("--now", type=MOMENT, default=None, help="Run as of this time (default: now).")
def jobs_run(config_file: Path | None, database_url: str | None, as_json: bool, now: datetime | None) -> None:
    """Run the due scheduled work once and print what was done."""
    now = now or datetime.now(UTC)
    with open_service(load(config_file, database_url)) as service:
        report = service.run_due_jobs(now)
    if not as_json:
        click.echo("\n".join(report.lines()))
        return
    print_json(
        {
            "now": _stamp(report.now),
            "skipped": report.skipped,
            "expired": list(report.expired),
            "retries_due": [
                {"address": retry.address, "attempts": retry.attempts, "due_at": _stamp(retry.due_at)}
                for retry in report.retries_due
            ],
        }
    )


def _read_addresses(addresses: tuple[str, ...], file: str | None) -> list[str]:
    wanted = [address for address in addresses if address != "-"]
    sources = [file] if file else []
    if "-" in addresses:
        sources.append("-")
    for source in sources:
        with click.open_file(source, encoding="utf-8-sig") as handle:
            wanted.extend(line.strip() for line in handle if line.strip())
    return wanted


def _state_json(given: str, state: AddressState, events: list[Any]) -> dict[str, Any]:
    from bouncewarden.store.queries import as_json

    return {
        "address": given,
        "normalised": state.address,
        "state": state.status.value,
        "reason": state.suppression_reason.value if state.suppression_reason else None,
        "suppressed_at": _stamp(state.suppressed_at),
        "soft_count": state.soft_count,
        "first_soft_at": _stamp(state.first_soft_at),
        "next_retry_at": _stamp(state.next_retry_at),
        "last_delivery_at": _stamp(state.last_delivery_at),
        "events": [as_json(event) for event in events],
    }


@click.command("check")
@database_options
@json_option
@click.argument("addresses", nargs=-1)
@click.option("--file", "file", default=None, metavar="FILE", help="Read addresses from FILE, one per line.")
def check(
    config_file: Path | None,
    database_url: str | None,
    as_json: bool,
    addresses: tuple[str, ...],
    file: str | None,
) -> None:
    """Print each address's state: ADDRESS<TAB>STATE[<TAB>REASON]. `-` reads standard input."""
    from bouncewarden.events import normalise_address
    from bouncewarden.policy import AddressState, AddressStatus

    wanted = _read_addresses(addresses, file)
    if not as_json:
        with open_service(load(config_file, database_url)) as service:
            statuses = service.admin.statuses(wanted)
        lines = []
        for given in wanted:
            status, reason = statuses.get(normalise_address(given), (AddressStatus.ACTIVE, None))
            shown = f"\t{reason.value}" if status is AddressStatus.SUPPRESSED and reason else ""
            lines.append(f"{given.strip()}\t{status.value}{shown}\n")
        sys.stdout.write("".join(lines))
        return
    with open_service(load(config_file, database_url)) as service:
        states = service.admin.lookup(wanted)
        events = service.admin.events_of(list(states))
    found = [
        (given, states.get(normalise_address(given)) or AddressState(normalise_address(given)))
        for given in wanted
    ]
    print_json([_state_json(given, state, events.get(state.address, [])) for given, state in found])


@click.command("suppress")
@database_options
@click.argument("addresses", nargs=-1, required=True)
@click.option("--reason", "note", required=True, help="Why (kept as the suppression's note).")
def suppress_command(
    config_file: Path | None, database_url: str | None, addresses: tuple[str, ...], note: str
) -> None:
    """Suppress addresses by hand (suppression reason `manual`; audited)."""
    with open_service(load(config_file, database_url)) as service:
        try:
            changed = set(service.admin.suppress(addresses, note=note, actor=actor()))
        except BouncewardenError as err:
            raise click.ClickException(str(err)) from err
    _print_changes(addresses, changed, "suppressed", "already suppressed")


@click.command("unsuppress")
@database_options
@click.argument("addresses", nargs=-1, required=True)
@click.option("--note", required=True, help="Why the suppression is lifted (audited).")
def unsuppress_command(
    config_file: Path | None, database_url: str | None, addresses: tuple[str, ...], note: str
) -> None:
    """Lift suppressions: back to active, soft-bounce counters cleared (audited)."""
    with open_service(load(config_file, database_url)) as service:
        try:
            changed = set(service.admin.unsuppress(addresses, note=note, actor=actor()))
        except BouncewardenError as err:
            raise click.ClickException(str(err)) from err
    _print_changes(addresses, changed, "active", "unchanged (not suppressed)")


def _print_changes(addresses: tuple[str, ...], changed: set[str], done: str, skipped: str) -> None:
    from bouncewarden.events import normalise_address

    for address in addresses:
        click.echo(f"{address}\t{done if normalise_address(address) in changed else skipped}")


@click.command("history")
@database_options
@json_option
@click.argument("address")
def history_command(config_file: Path | None, database_url: str | None, as_json: bool, address: str) -> None:
    """Print an address's events and state changes, oldest first."""
    from bouncewarden.store.queries import as_json as record_json

    with open_service(load(config_file, database_url)) as service:
        history = service.admin.history(address)
    state = history.state
    if as_json:
        print_json(
            _state_json(address, state, list(history.events))
            | {"transitions": [record_json(row) for row in history.transitions]}
        )
        return
    reason = f" ({state.suppression_reason.value})" if state.suppression_reason else ""
    click.echo(f"{history.address}: {state.status.value}{reason}, soft bounces {state.soft_count}")
    lines = [(event.occurred_at, 0, event.id, _event_line(event)) for event in history.events]
    lines += [(row.at, 1, row.id, _transition_line(row)) for row in history.transitions]
    for at, _, _, text in sorted(lines):
        click.echo(f"{at.isoformat()}\t{text}")


def _event_line(event: Any) -> str:
    from bouncewarden.policy.unreadable import unreadable_note

    codes = " ".join(code for code in (event.status, event.reply_code) if code)
    diagnostic = f" {json.dumps(event.diagnostic, ensure_ascii=False)}" if event.diagnostic else ""
    note = unreadable_note(event.kind, event.severity, event.reason)
    return (
        f"event {event.id}\t{event.kind} {event.severity} {event.reason}"
        f"{' ' + codes if codes else ''}{diagnostic} (source {event.source}, key {event.dedupe_key})"
        f"{'; ' + note if note else ''}"
    )


def _transition_line(row: Any) -> str:
    cause = f", event {row.event_id}" if row.event_id is not None else ""
    note = f": {escape_controls(row.note)}" if row.note else ""
    return f"change\t{row.from_state} -> {row.to_state} ({row.reason}) by {row.actor}{cause}{note}"


@click.command("stats")
@database_options
@json_option
def stats_command(config_file: Path | None, database_url: str | None, as_json: bool) -> None:
    """Totals: events by kind and severity, addresses by state and reason, quarantine."""
    with open_service(load(config_file, database_url)) as service:
        stats = service.admin.stats()
    if as_json:
        print_json(
            {
                "events": stats.events,
                "addresses": stats.addresses,
                "suppressions": stats.suppressions,
                "quarantined": stats.quarantined,
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


def register(group: click.Group) -> None:
    """Add the operator commands to the `bouncewarden` group."""
    for command in (
        db_group,
        config_group,
        jobs_group,
        check,
        suppress_command,
        unsuppress_command,
        history_command,
        stats_command,
    ):
        group.add_command(command)
