"""`export` and `import`: the suppression list as a CSV or JSON Lines file.

    bouncewarden export [--format csv|jsonl] [-o FILE] [--unsafe-raw]
    bouncewarden import FILE [--format csv|jsonl] [--unsafe-raw]

The file format, the spreadsheet-formula neutralising and what `import` refuses are
described in `bouncewarden.store.listfile`. A file `export` writes is created readable by
its owner only (it lists people's addresses). `import` stores nothing when the file cannot
be read (`FILE:LINE: what is wrong`, exit 1); rows whose address is impossible are skipped,
each named on standard error, the rest imported, and the exit status is then 3. On a terminal
`import` shows its progress and rate on stderr.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO, TypeVar

import click

from bouncewarden.cli.options import actor, database_options, load, open_service
from bouncewarden.cli.progress import Progress, file_size, progress
from bouncewarden.errors import BouncewardenError

__all__ = ["register"]

SKIPPED_EXIT = 3
_PROGRESS_EVERY = 1000
T = TypeVar("T")
_FORMATS = click.Choice(["csv", "jsonl"])
_UNSAFE_RAW = click.option(
    "--unsafe-raw",
    "raw",
    is_flag=True,
    help="CSV cells as stored, without spreadsheet-formula neutralising (for machine consumers).",
)


@click.command("export")
@database_options
@click.option("--format", "list_format", type=_FORMATS, default=None, help="csv (default) or jsonl.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File (default: stdout).",
)
@_UNSAFE_RAW
def export_command(
    config_file: Path | None,
    database_url: str | None,
    list_format: str | None,
    output: Path | None,
    raw: bool,
) -> None:
    """Write the suppression list (address, reason, created_at, note, source)."""
    from bouncewarden.store.listfile import ListFormat, detect_format, write_suppressions

    chosen = ListFormat(list_format) if list_format else ListFormat.CSV
    if list_format is None and output is not None:
        chosen = detect_format(output, "")
    with open_service(load(config_file, database_url)) as service:
        if output is None:
            count = write_suppressions(service.admin.iter_suppressions(), sys.stdout, chosen, raw=raw)
        else:
            with _private_text_file(output) as handle:
                count = write_suppressions(service.admin.iter_suppressions(), handle, chosen, raw=raw)
    click.echo(f"exported {count} suppressions", err=True)


@contextmanager
def _private_text_file(path: Path) -> Iterator[IO[str]]:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as err:
        raise click.FileError(str(path), err.strerror) from err
    with open(descriptor, "w", encoding="utf-8", newline="") as handle:
        yield handle


@click.command("import")
@database_options
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--format", "list_format", type=_FORMATS, default=None, help="Default: from extension or content."
)
@_UNSAFE_RAW
def import_command(
    config_file: Path | None, database_url: str | None, file: Path, list_format: str | None, raw: bool
) -> None:
    """Suppress every address of a suppression-list file (CSV or JSON Lines), in one transaction.

    The reason comes from the file (default `imported`). Audit: one transition per address
    whose state changes, noting the file; already suppressed addresses are kept as they are.
    A file that cannot be read stores nothing; rows with impossible addresses are skipped
    (named on standard error, exit status 3).
    """
    from bouncewarden.store.listfile import ListFormat, detect_format, physical_lines, read_suppressions

    where = str(file)
    skipped: list[str] = []

    def skip(message: str) -> None:
        skipped.append(message)
        click.echo(f"skipped {message}", err=True)

    with _open_binary(file) as handle:
        first = handle.peek(4096)[:4096]
        chosen = ListFormat(list_format) if list_format else detect_format(file, _head_text(first))
        lines = physical_lines(handle, where)
        rows = read_suppressions(lines, chosen, where, raw=raw, on_skipped=skip)
        size = file_size(file)
        with (
            open_service(load(config_file, database_url)) as service,
            progress("importing", size, "rows") as shown,
        ):
            try:
                report = service.admin.import_suppressions(
                    _counted(rows, handle, shown), label=f"import of {file.name}", actor=actor()
                )
            except BouncewardenError as err:
                raise click.ClickException(str(err)) from err
            shown.update(position=size, items=report.rows)
    click.echo(
        f"read {report.rows + len(skipped)} rows, {report.addresses} addresses: {report.suppressed} "
        f"suppressed, {report.already_suppressed} already suppressed"
        + (f", {len(skipped)} skipped" if skipped else "")
    )
    if skipped:
        sys.exit(SKIPPED_EXIT)


def _counted(rows: Iterable[T], handle: io.BufferedReader, shown: Progress) -> Iterator[T]:
    """`rows`, telling `shown` how many went by and how far into `handle` they were read."""
    for count, row in enumerate(rows, start=1):
        yield row
        if count % _PROGRESS_EVERY == 0:
            shown.update(position=handle.tell() if handle.seekable() else 0, items=count)


def _head_text(head: bytes) -> str:
    return head.lstrip(b"\xef\xbb\xbf").decode("utf-8", errors="replace")


@contextmanager
def _open_binary(file: Path) -> Iterator[io.BufferedReader]:
    if str(file) == "-":
        stream: BinaryIO = sys.stdin.buffer
        yield stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)  # type: ignore[arg-type]  # a BytesIO in tests reads like a raw stream
        return
    try:
        handle = file.open("rb")
    except OSError as err:
        raise click.FileError(str(file), err.strerror) from err
    with handle:
        yield handle


def register(group: click.Group) -> None:
    """Add `export` and `import` to the `bouncewarden` group."""
    group.add_command(export_command)
    group.add_command(import_command)
