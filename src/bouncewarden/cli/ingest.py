"""`bouncewarden ingest PATH...`: files and folders through the intake, in batches.

    bouncewarden ingest PATH... [--db URL] [--config FILE] [--json] [--source NAME]

Inputs are read (`sources.files`) and handed to the intake in batches of up to
`BATCH_INPUTS` inputs or `BATCH_BYTES` bytes, each batch one transaction. Exit status: 0 when
every input was stored or found not to be feedback, 3 when some were quarantined, 4 when the
database became unavailable (one line says so and how far the run got; nothing of the batch in
flight was stored, and running the same command again is safe: what is stored is found as
duplicates), 2 on misuse. On a terminal a progress line with the rate goes to stderr; in a pipe
and with `--json` nothing does.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bouncewarden.cli.options import database_options, load, open_service
from bouncewarden.cli.progress import Progress, file_size, progress
from bouncewarden.errors import BouncewardenError
from bouncewarden.logsafe import escape_controls

if TYPE_CHECKING:
    from bouncewarden.config import Settings
    from bouncewarden.intake import Intake, RawInput, Tally

__all__ = [
    "BATCH_BYTES",
    "BATCH_INPUTS",
    "EXIT_QUARANTINED",
    "EXIT_STORE_UNAVAILABLE",
    "ingest_command",
    "register",
]

EXIT_QUARANTINED = 3
EXIT_STORE_UNAVAILABLE = 4
BATCH_INPUTS = 1000
BATCH_BYTES = 16 * 1024 * 1024
# Below this much input a progress line is more noise than help.
_PROGRESS_MIN_BYTES = 4 * 1024 * 1024
_PROGRESS_MIN_FILES = 50


def _database_files(settings: Settings) -> frozenset[Path]:
    """The SQLite database's own files, which a folder being ingested may hold."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return frozenset()
    database = Path(url.database).expanduser().resolve()
    suffixes = ("", "-wal", "-shm", "-journal")
    return frozenset(database.with_name(database.name + suffix) for suffix in suffixes)


def _batches(inputs: Iterable[RawInput]) -> Iterator[list[RawInput]]:
    """`inputs` in batches of at most `BATCH_INPUTS` inputs or about `BATCH_BYTES` bytes."""
    batch: list[RawInput] = []
    size = 0
    for raw in inputs:
        batch.append(raw)
        size += len(raw.data)
        if len(batch) >= BATCH_INPUTS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _inputs(files: list[Path], source: str, shown: Progress, sizes: list[int]) -> Iterator[RawInput]:
    from bouncewarden.clock import system_clock
    from bouncewarden.sources.files import read_file

    position = 0
    for path, size in zip(files, sizes, strict=True):
        yield from read_file(path, received_at=system_clock(), source=source)
        position += size
        shown.update(position=position, items=shown.items)


def _run(intake: Intake, files: list[Path], source: str, as_json: bool) -> tuple[Tally, str | None]:
    """Ingest `files`; stops at the first batch the database could not take (and says why)."""
    from bouncewarden.intake import Outcome, Tally

    sizes = [file_size(path) for path in files]
    small = sum(sizes) < _PROGRESS_MIN_BYTES and len(files) < _PROGRESS_MIN_FILES
    tally = Tally()
    problem = None
    with progress("ingesting", sum(sizes), "inputs", quiet=as_json or small) as shown:
        for outcomes in intake.take_all(_batches(_inputs(files, source, shown, sizes))):
            for outcome in outcomes:
                tally.add(outcome)
                if outcome.outcome is Outcome.QUARANTINED:
                    why = escape_controls(outcome.reason or "")
                    click.echo(f"quarantined {escape_controls(outcome.origin)}: {why}", err=True)
                elif outcome.outcome is Outcome.STORE_UNAVAILABLE:
                    problem = outcome.reason
            shown.update(position=shown.position, items=tally.inputs)
            if problem is not None:
                break
    return tally, problem


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--source", default=None, help="Source name stored with the inputs (default: file).")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["pmta", "postfix-log", "exim-log", "sendmail-log"]),
    default=None,
    help="Read PowerMTA accounting files or MTA logs (record by record) instead.",
)
@click.option("--timezone", default="UTC", show_default=True, help="Zone of log times written without one.")
@database_options
def ingest_command(
    paths: tuple[Path, ...],
    as_json: bool,
    source: str | None,
    format_name: str | None,
    timezone: str,
    config_file: Path | None,
    database_url: str | None,
) -> None:
    """Read bounce emails, mboxes, Maildirs and SES JSON files and store their feedback.

    Folders are read recursively. Input that cannot be read is quarantined with the reason;
    the exit status is then 3. When the database becomes unavailable the run stops with
    status 4; run it again once the database is back. With --format, each file is read as
    PowerMTA accounting records or MTA log lines, from where an earlier read of it stopped; a
    broken record is quarantined with its file and line (exit 3, as for a file that cannot
    be read).
    """
    if format_name is not None:
        _ingest_formatted(
            format_name, paths, as_json=as_json, timezone=timezone, settings=load(config_file, database_url)
        )
        return
    from bouncewarden.intake import Outcome
    from bouncewarden.sources.files import SOURCE, find_files

    settings = load(config_file, database_url)
    own = _database_files(settings)
    files = [path for path in find_files(paths) if path.resolve() not in own]
    with open_service(settings) as service:
        tally, problem = _run(service.intake, files, source or SOURCE, as_json)
    if as_json:
        click.echo(json.dumps(tally.as_dict()))
    else:
        for line in tally.lines():
            click.echo(line)
    if problem is not None:
        stored = tally.inputs - tally[Outcome.STORE_UNAVAILABLE]
        click.echo(
            f"bouncewarden ingest: stopped after {stored} inputs, {problem}; the batch in flight was"
            " not stored. Run the same command again once the database is back.",
            err=True,
        )
        sys.exit(EXIT_STORE_UNAVAILABLE)
    if tally[Outcome.QUARANTINED]:
        sys.exit(EXIT_QUARANTINED)


def _ingest_formatted(
    format_name: str, paths: tuple[Path, ...], *, as_json: bool, timezone: str, settings: Settings
) -> None:
    from bouncewarden.cli.line_files import ingest_formatted

    with open_service(settings) as service:
        try:
            status = ingest_formatted(service, format_name, paths, as_json=as_json, zone=timezone)
        except BouncewardenError as err:
            raise click.UsageError(str(err)) from err
    if status:
        sys.exit(status)


def register(group: click.Group) -> None:
    """Add `ingest` to the `bouncewarden` command."""
    group.add_command(ingest_command)
