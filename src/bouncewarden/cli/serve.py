"""`bouncewarden serve`: one process runs the HTTP API, the SQS consumers, the scheduled jobs, the
SMTP receiver and mailbox scanners when `[smtp]` / `[[mailboxes]]` are configured, and the
outgoing webhooks when `[[webhooks]]` are.

    bouncewarden serve [--host H] [--port P] [--db URL] [--config FILE] [--demo]

Without settings it keeps its data in SQLite under ./data. SIGTERM or Ctrl-C stop it cleanly
(the current request, poll and job run finish first). `--demo` runs on a fresh database with
sample data and prints a one-time admin password (`bouncewarden.cli.demo`).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from bouncewarden.cli.options import database_options, load, open_service, safe_url
from bouncewarden.config import Settings
from bouncewarden.errors import BouncewardenError
from bouncewarden.logsafe import configure_logging

if TYPE_CHECKING:
    import uvicorn

    from bouncewarden.service import Service

__all__ = ["register", "serve_command"]

_WEBHOOK_INTERVAL_SECONDS = 1.0
"""How often `serve` looks for new changes to send to the webhooks."""


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
@database_options
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
    settings = load(config_file, database_url, http=http or None)
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


def _http_server(service: Service, settings: Settings) -> uvicorn.Server:
    """A uvicorn server for the HTTP app."""
    from bouncewarden.api.app import create_app
    from bouncewarden.api.server import http_server

    return http_server(create_app(service, settings), settings.http)


def _sqs_threads(service: Service, settings: Settings, stop: threading.Event) -> list[threading.Thread]:
    if not settings.sqs.queue_urls:
        return []
    from bouncewarden.sources.sqs import run_sqs_worker

    return [
        threading.Thread(
            target=run_sqs_worker,
            args=(service.intake, settings, url, stop),
            kwargs={"ledger": service.mail_sources},
            name=f"sqs:{url}",
        )
        for url in settings.sqs.queue_urls
    ]


def _webhook_threads(
    service: Service, settings: Settings, stop: threading.Event, closers: list[Callable[[], None]]
) -> list[threading.Thread]:
    if not settings.webhooks:
        return []
    from bouncewarden.monitor.webhooks import WebhookDeliverer

    deliverer = WebhookDeliverer(service.webhooks, settings.webhooks)
    closers.append(deliverer.close)
    return [threading.Thread(target=deliverer.run, args=(stop, _WEBHOOK_INTERVAL_SECONDS), name="webhooks")]


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
    from bouncewarden.cli.mail import start_mail_sources
    from bouncewarden.scheduler import JobScheduler

    closers: list[Callable[[], None]] = []
    with open_service(settings) as service:
        scheduler = JobScheduler(service.run_due_jobs, interval=jobs_interval)
        threads = [threading.Thread(target=scheduler.run, args=(stop,), name="scheduler")]
        threads += _sqs_threads(service, settings, stop)
        mailbox_threads, smtp_receiver = start_mail_sources(service, settings, stop)
        threads += mailbox_threads
        threads += _webhook_threads(service, settings, stop, closers)
        if settings.logs:
            from bouncewarden.cli.line_files import log_threads

            threads += log_threads(service, settings.logs, stop)
        server = _http_server(service, settings)
        http_thread = threading.Thread(target=server.run, name="http")
        for thread in [*threads, http_thread]:
            thread.start()
        try:
            _wait_until_listening(server, http_thread, stop)
            where = f"http://{settings.http.host}:{settings.http.port}"
            if smtp_receiver is not None and settings.smtp is not None:
                where += f", smtp {settings.smtp.host}:{smtp_receiver.port}"
            url = safe_url(settings.resolved_database_url)
            click.echo(f"bouncewarden serve: ready ({where}, database {url})", err=True)
            while not stop.wait(0.5):
                if not http_thread.is_alive():
                    raise BouncewardenError("the HTTP server stopped unexpectedly")
        finally:
            stop.set()
            server.should_exit = True
            if smtp_receiver is not None:
                smtp_receiver.stop()
            for thread in [*threads, http_thread]:
                thread.join()
            for close in closers:
                close()
    click.echo("bouncewarden serve: stopped", err=True)


def register(group: click.Group) -> None:
    """Add `serve` to the `bouncewarden` command."""
    group.add_command(serve_command)
