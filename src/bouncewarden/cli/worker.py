"""`bouncewarden worker --sqs QUEUE_URL`: SQS consumers only, for scaling out on PostgreSQL.

Each queue gets a thread that long-polls it and hands every receive batch to the intake as one
transaction (`sources.sqs`). A database outage does not stop it: the messages stay on the
queue and the worker retries with backoff.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from bouncewarden.cli.aws import aws_options, aws_settings
from bouncewarden.cli.options import database_options, open_service
from bouncewarden.logsafe import configure_logging

__all__ = ["register", "worker_command"]


@click.command("worker")
@click.option(
    "--sqs", "queue_urls", multiple=True, help="SQS queue URL to consume (repeatable; default: settings)."
)
@click.option(
    "--per-message-delay", type=float, default=0.0, hidden=True, help="Testing: seconds of extra work."
)
@aws_options
@database_options
def worker_command(
    queue_urls: tuple[str, ...],
    per_message_delay: float,
    database_url: str | None,
    config_file: Path | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Consume SES feedback from SQS until SIGTERM or Ctrl-C (stops within a second or two)."""
    from bouncewarden.sources.sqs import run_sqs_worker

    configure_logging()
    settings = aws_settings(config_file, endpoint_url, region, database_url)
    urls = list(queue_urls) or settings.sqs.queue_urls
    if not urls:
        raise click.UsageError("no queue: give --sqs QUEUE_URL or set [sqs] queue_urls")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with open_service(settings) as service:
        threads = [
            threading.Thread(
                target=run_sqs_worker,
                args=(service.intake, settings, url, stop),
                kwargs={"per_message_delay": per_message_delay, "ledger": service.mail_sources},
                name=f"sqs:{url}",
            )
            for url in urls
        ]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.5)


def register(group: click.Group) -> None:
    """Add `worker` to the `bouncewarden` command."""
    group.add_command(worker_command)
