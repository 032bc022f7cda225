"""`bouncewarden quarantine`: list, show, replay and drop the inputs that could not be read.

    bouncewarden quarantine list [--since 2026-01-01] [--source sqs] [--state held|replayed|dropped] [--json]
    bouncewarden quarantine show ID [--json]
    bouncewarden quarantine replay [ID...|--all] [--json]
    bouncewarden quarantine drop ID... --note TEXT

`show` prints the raw input with every control character but line breaks and tabs escaped
(`\\x1b`, `\\r`, ...), so a hostile input cannot drive the terminal. `replay` runs held inputs
through today's reader (`sources.quarantine`): what reads now is recorded (never twice) and
marked `replayed`. `drop` marks inputs dropped, with who and the note, for the audit.
Exit status of `replay`: 0, 3 when some still do not read, 4 when the database became
unavailable.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

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
from bouncewarden.cli.progress import progress

if TYPE_CHECKING:
    from bouncewarden.store.quarantine import QuarantineEntry

__all__ = ["quarantine_group", "register", "safe_text"]

EXIT_STILL_UNREADABLE = 3
EXIT_STORE_UNAVAILABLE = 4
_STATES = ("held", "replayed", "dropped")


def safe_text(data: bytes) -> str:
    """`data` as text a terminal shows as is: control characters other than newline and tab escaped."""
    text = data.decode("utf-8", errors="backslashreplace")
    out = []
    for character in text:
        if character in "\n\t" or unicodedata.category(character) not in ("Cc", "Cf", "Zl", "Zp"):
            out.append(character)
        else:
            out.append(character.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _row(entry: QuarantineEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(),
        "source": entry.source,
        "origin": entry.origin,
        "reason": entry.reason,
        "media_type": entry.media_type,
        "size": entry.size,
        "sha256": entry.sha256,
        "state": entry.state.value,
        "resolved_at": entry.resolved_at.isoformat() if entry.resolved_at else None,
        "resolved_by": entry.resolved_by,
        "note": entry.note,
    }


@click.group("quarantine")
def quarantine_group() -> None:
    """Inputs that could not be read: list, show, replay after a fix, drop."""


@quarantine_group.command("list")
@click.option(
    "--since", type=MOMENT, default=None, help="Only inputs quarantined at or after this ISO date/time (UTC)."
)
@click.option("--source", default=None, help="Only inputs from this source (file, sqs, sns, ...).")
@click.option(
    "--state", "states", multiple=True, type=click.Choice(_STATES), help="States to list (default: held)."
)
@json_option
@database_options
def quarantine_list(
    since: datetime | None,
    source: str | None,
    states: tuple[str, ...],
    as_json: bool,
    config_file: Path | None,
    database_url: str | None,
) -> None:
    """List quarantined inputs, oldest first."""
    from bouncewarden.store.quarantine import QuarantineState

    wanted = tuple(QuarantineState(state) for state in states) or (QuarantineState.HELD,)
    with open_service(load(config_file, database_url)) as service:
        entries = service.quarantine.entries(since=since, source=source, states=wanted)
    if as_json:
        print_json([_row(entry) for entry in entries])
        return
    for entry in entries:
        where = safe_text((entry.origin or "-").encode())
        click.echo(
            f"{entry.id}\t{entry.created_at:%Y-%m-%d %H:%M:%S}\t{entry.source}\t{entry.state.value}\t"
            f"{entry.size}\t{where}\t{safe_text(entry.reason.encode())}"
        )


@quarantine_group.command("show")
@click.argument("quarantine_id", type=int)
@json_option
@database_options
def quarantine_show(
    quarantine_id: int, as_json: bool, config_file: Path | None, database_url: str | None
) -> None:
    """Print one quarantined input: what is known of it, then its raw bytes, safely."""
    with open_service(load(config_file, database_url)) as service:
        entry = service.quarantine.entry(quarantine_id)
        raw = service.quarantine.raw(quarantine_id)
    if entry is None or raw is None:
        raise click.ClickException(f"no quarantined input with id {quarantine_id}")
    if as_json:
        print_json({**_row(entry), "raw": safe_text(raw)})
        return
    for key, value in _row(entry).items():
        if value is not None:
            click.echo(f"{key}: {safe_text(str(value).encode())}")
    click.echo("")
    click.echo(safe_text(raw))


@quarantine_group.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every held input.")
@json_option
@database_options
def quarantine_replay(
    ids: tuple[int, ...], replay_all: bool, as_json: bool, config_file: Path | None, database_url: str | None
) -> None:
    """Run held inputs through today's reader; record what reads now (never twice)."""
    from bouncewarden.intake import Outcome, Tally
    from bouncewarden.sources.quarantine import replay

    if bool(ids) == replay_all:
        raise click.UsageError("give quarantine ids, or --all")
    tally = Tally()
    still: list[dict[str, object]] = []
    with open_service(load(config_file, database_url)) as service:
        entries = service.quarantine.entries(ids=ids or None)
        with progress("replaying", len(entries), "inputs", quiet=as_json) as shown:
            for done in replay(service.quarantine, service.intake, entries, actor=actor()):
                tally.add(done.outcome)
                shown.update(position=tally.inputs, items=tally.inputs)
                if done.outcome.outcome is Outcome.QUARANTINED:
                    still.append({"id": done.entry.id, "reason": done.outcome.reason})
    if as_json:
        click.echo(
            json.dumps({**tally.as_dict(), "replayed": tally.inputs - len(still), "still_unreadable": still})
        )
    else:
        for line in tally.lines():
            click.echo(line)
        for item in still:
            click.echo(f"still unreadable {item['id']}: {item['reason']}", err=True)
    if tally[Outcome.STORE_UNAVAILABLE]:
        click.echo("bouncewarden quarantine replay: the database became unavailable; run it again.", err=True)
        sys.exit(EXIT_STORE_UNAVAILABLE)
    if still:
        sys.exit(EXIT_STILL_UNREADABLE)


@quarantine_group.command("drop")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--note", required=True, help="Why they are dropped (kept for the audit).")
@database_options
def quarantine_drop(
    ids: tuple[int, ...], note: str, config_file: Path | None, database_url: str | None
) -> None:
    """Drop held inputs for good (the bytes stay, marked dropped with who and why)."""
    from bouncewarden.store.quarantine import QuarantineState

    with open_service(load(config_file, database_url)) as service:
        dropped = service.quarantine.resolve(ids, QuarantineState.DROPPED, actor=actor(), note=note)
    missing = sorted(set(ids) - set(dropped))
    click.echo(f"dropped: {len(dropped)}")
    if missing:
        raise click.ClickException(f"not held (unknown, replayed or dropped already): {missing}")


def register(group: click.Group) -> None:
    """Add `quarantine` to the `bouncewarden` command."""
    group.add_command(quarantine_group)
