"""`bouncewarden clean IN.csv -o OUT.csv`: a mailing list without its suppressed and invalid rows.

    bouncewarden clean IN.csv -o OUT.csv [--column email] [--db URL] [--config FILE] [--json]

The report (rows read, kept, dropped and why) goes to stderr, or as JSON to stdout with
`--json`. A progress line with the rate goes to stderr for big files, only on a terminal and without
`--json`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bouncewarden.cli.options import database_options, load, open_service
from bouncewarden.cli.progress import file_size, progress
from bouncewarden.logsafe import escape_controls

__all__ = ["clean_command", "register"]

# Below this much input a progress line is more noise than help.
_PROGRESS_MIN_BYTES = 4 * 1024 * 1024


@click.command("clean")
@click.argument("input_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Where to write the rows that may be mailed ('-' for stdout).",
)
@click.option("--column", default="email", show_default=True, help="Header of the address column.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@database_options
def clean_command(
    input_file: Path,
    output: Path,
    column: str,
    as_json: bool,
    config_file: Path | None,
    database_url: str | None,
) -> None:
    """Copy a CSV mailing list without its suppressed and syntactically invalid addresses.

    The header and all columns are kept; counts of rows read, kept and dropped (and why) go
    to stderr, or as JSON to stdout with --json.
    """
    from bouncewarden.lists.clean import ColumnNotFound, UnreadableList, clean_file

    settings = load(config_file, database_url)
    size = file_size(input_file)
    try:
        with (
            open_service(settings) as service,
            progress("cleaning", size, "rows", quiet=as_json or size < _PROGRESS_MIN_BYTES) as shown,
        ):

            def advance(position: int, rows: int) -> None:
                shown.update(position=position, items=rows)

            report = clean_file(
                input_file, output, statuses=service.admin.statuses, column=column, on_progress=advance
            )
            shown.update(position=size, items=report.rows)
    except ColumnNotFound as err:
        raise click.UsageError(str(err)) from err
    except UnreadableList as err:
        raise click.ClickException(f"{escape_controls(str(input_file))}:{err}") from err
    if as_json:
        click.echo(json.dumps(report.as_dict()), err=str(output) == "-")
    else:
        for line in report.lines():
            click.echo(line, err=True)


def register(group: click.Group) -> None:
    """Add `clean` to the `bouncewarden` command."""
    group.add_command(clean_command)
