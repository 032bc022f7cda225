"""Commands that move feedback in and lists out: `ingest`, `clean`, and `serve`.

    bouncewarden ingest PATH... [--db URL] [--config FILE] [--json] [--source NAME]
    bouncewarden clean IN.csv -o OUT.csv [--column email] [--db URL] [--json]
    bouncewarden serve [--host H] [--port P] [--db URL] [--config FILE]

`ingest` exits 0 when every input was stored or found not to be feedback, 3 when some
were quarantined, 2 on misuse. Progress bars go to stderr, and only when it is a terminal.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bouncewarden.config import Settings, load_settings
from bouncewarden.errors import BouncewardenError
from bouncewarden.logsafe import configure_logging, escape_controls

if TYPE_CHECKING:
    import uvicorn

    from bouncewarden.service import Service

__all__ = ["EXIT_QUARANTINED", "clean_command", "ingest_command", "register", "serve_command"]

EXIT_QUARANTINED = 3
F = TypeVar("F", bound=Callable[..., Any])
# Below this much input a progress bar is more noise than help.
_PROGRESS_MIN_BYTES = 4 * 1024 * 1024
_PROGRESS_MIN_FILES = 50


def _common_options(function: F) -> F:
    function = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="TOML settings file.",
    )(function)
    return click.option("--db", "database_url", default=None, help="Database URL (default: settings).")(
        function
    )


def _settings(config_file: Path | None, database_url: str | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config_file, database_url=database_url, **overrides)
    except BouncewardenError as err:
        raise click.UsageError(str(err)) from err


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--source", default=None, help="Source name stored with the inputs (default: file).")
@_common_options
def ingest_command(
    paths: tuple[Path, ...],
    as_json: bool,
    source: str | None,
    config_file: Path | None,
    database_url: str | None,
) -> None:
    """Read bounce emails, mboxes, Maildirs and SES JSON files and store their feedback.

    Folders are read recursively. Input that cannot be parsed is quarantined with the
    reason; the exit status is then 3.
    """
    from bouncewarden.clock import system_clock
    from bouncewarden.ingest import IngestSummary, Outcome, ingest_input
    from bouncewarden.service import Service
    from bouncewarden.sources.files import SOURCE, find_files, read_file

    settings = _settings(config_file, database_url)
    own = _database_files(settings)
    files = [path for path in find_files(paths) if path.resolve() not in own]
    sizes = [_file_size(path) for path in files]
    summary = IngestSummary()
    with Service.open(settings) as service, _byte_progress(sum(sizes), len(files), "ingesting") as advance:
        rules = service.operator_rules()
        for path, size in zip(files, sizes, strict=True):
            consumed = 0
            for raw in read_file(path, received_at=system_clock(), source=source or SOURCE):
                result = ingest_input(service, raw, rules=rules)
                summary.add(result)
                if result.outcome is Outcome.QUARANTINED:
                    why = escape_controls(result.reason or "")
                    click.echo(f"quarantined {escape_controls(result.origin)}: {why}", err=True)
                consumed += len(raw.data)
                advance(len(raw.data))
            advance(max(size - consumed, 0))
    if as_json:
        click.echo(json.dumps(summary.counts()))
    else:
        for line in summary.lines():
            click.echo(line)
    if summary.quarantined:
        sys.exit(EXIT_QUARANTINED)


def _database_files(settings: Settings) -> frozenset[Path]:
    """The SQLite database's own files, which a folder being ingested may hold."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return frozenset()
    database = Path(url.database).expanduser().resolve()
    suffixes = ("", "-wal", "-shm", "-journal")
    return frozenset(database.with_name(database.name + suffix) for suffix in suffixes)


@contextmanager
def _byte_progress(total: int, files: int, label: str) -> Iterator[Callable[[int], None]]:
    """A function to report bytes done; a bar on stderr for long runs on a terminal."""
    if not _stderr_is_terminal() or (total < _PROGRESS_MIN_BYTES and files < _PROGRESS_MIN_FILES):
        yield lambda done: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=False) as bar:
        yield bar.update


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
@_common_options
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
    from bouncewarden.ingest.hygiene import ColumnNotFound, UnreadableList, clean_file, load_suppressed
    from bouncewarden.service import Service

    settings = _settings(config_file, database_url)
    with Service.open(settings) as service:
        suppressed = load_suppressed((entry.address, entry.reason) for entry in service.iter_suppressions())
    size = 0 if str(input_file) == "-" else _file_size(input_file)
    try:
        with _position_progress(size, "cleaning") as advance:
            report = clean_file(input_file, output, suppressed=suppressed, column=column, on_progress=advance)
    except ColumnNotFound as err:
        raise click.UsageError(str(err)) from err
    except UnreadableList as err:
        raise click.ClickException(f"{escape_controls(str(input_file))}:{err}") from err
    if as_json:
        click.echo(json.dumps(report.as_dict()), err=str(output) == "-")
    else:
        for line in report.lines():
            click.echo(line, err=True)


@contextmanager
def _position_progress(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A function to report the position reached in a file; a bar on stderr for big files."""
    if not _stderr_is_terminal() or total < _PROGRESS_MIN_BYTES:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=False) as bar:
        done = [0]

        def advance(position: int) -> None:
            bar.update(position - done[0])
            done[0] = position

        yield advance


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: settings, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default: settings, 8025).")
@click.option(
    "--jobs-interval",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds between runs of the scheduled jobs.",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Load sample bounces, complaints and sends into a fresh temporary database first.",
)
@_common_options
def serve_command(
    host: str | None,
    port: int | None,
    jobs_interval: float,
    demo: bool,
    config_file: Path | None,
    database_url: str | None,
) -> None:
    """Run the service: migrations, scheduled jobs, the HTTP API, the admin UI and the SQS consumers.

    Without settings it keeps its data in SQLite under ./data. SIGTERM or Ctrl-C stop it
    cleanly (the current request, poll and job run finish first). With --demo it runs on a
    fresh SQLite database in a temporary folder, filled with sample data, and prints the
    admin UI's address and a one-time password for the user `admin`.
    """
    http = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    if demo and database_url:
        raise click.UsageError("--demo makes its own fresh database; leave out --db")
    settings = _settings(config_file, database_url, http=http or None)
    if demo:
        from bouncewarden.cli.demo import prepare_demo

        settings = prepare_demo(settings)
    configure_logging()
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin: noise
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        _serve(settings, stop, jobs_interval)
    except BouncewardenError as err:
        raise click.ClickException(str(err)) from err


def _http_server(service: Service, settings: Settings) -> uvicorn.Server | None:
    """A uvicorn server for the HTTP app, when this installation has one."""
    try:
        from bouncewarden.api.app import create_app
    except ImportError:
        return None
    from bouncewarden.api.server import http_server

    return http_server(create_app(service, settings), settings.http)


def _sqs_threads(service: Service, settings: Settings, stop: threading.Event) -> list[threading.Thread]:
    if not settings.sqs.queue_urls:
        return []
    from bouncewarden.sources.sqs import run_sqs_worker

    return [
        threading.Thread(target=run_sqs_worker, args=(service, settings, url, stop), name=f"sqs:{url}")
        for url in settings.sqs.queue_urls
    ]


def _wait_until_listening(server: uvicorn.Server, thread: threading.Thread, stop: threading.Event) -> None:
    while not server.started:
        if not thread.is_alive():
            raise BouncewardenError(
                f"the HTTP server could not start on {server.config.host}:{server.config.port}"
            )
        if stop.wait(0.05):
            return


def _serve(settings: Settings, stop: threading.Event, jobs_interval: float) -> None:
    """Run every part in its own thread until `stop` is set (by a signal) or the HTTP server dies."""
    from bouncewarden.scheduler import JobScheduler
    from bouncewarden.service import Service

    with Service.open(settings) as service:
        scheduler = JobScheduler(service.run_due_jobs, interval=jobs_interval)
        threads = [threading.Thread(target=scheduler.run, args=(stop,), name="scheduler")]
        threads += _sqs_threads(service, settings, stop)
        server = _http_server(service, settings)
        http_thread = threading.Thread(target=server.run, name="http") if server is not None else None
        for thread in [*threads, *([http_thread] if http_thread else [])]:
            thread.start()
        try:
            if server is not None and http_thread is not None:
                _wait_until_listening(server, http_thread, stop)
            where = (
                f"http://{settings.http.host}:{settings.http.port}" if server is not None else "no HTTP app"
            )
            click.echo(f"bouncewarden serve: ready ({where}, database {_safe_url(settings)})", err=True)
            while not stop.wait(0.5):
                if http_thread is not None and not http_thread.is_alive():
                    raise BouncewardenError("the HTTP server stopped unexpectedly")
        finally:
            stop.set()
            if server is not None:
                server.should_exit = True
            for thread in [*threads, *([http_thread] if http_thread else [])]:
                thread.join()
    click.echo("bouncewarden serve: stopped", err=True)


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


def register(group: click.Group) -> None:
    """Add `ingest`, `clean` and `serve` to the `bouncewarden` command."""
    group.add_command(ingest_command)
    group.add_command(clean_command)
    group.add_command(serve_command)
