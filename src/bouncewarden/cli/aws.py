"""Commands for Amazon SES: `aws setup`, `aws status`, `aws suppression sync`, and `worker --sqs`.

    bouncewarden aws setup --identity example.com [--configuration-set NAME] [--dry-run]
    bouncewarden aws status [--days 14]
    bouncewarden aws suppression sync [--direction pull|push|both] [--dry-run]
    bouncewarden worker --sqs QUEUE_URL

All take `--config FILE`, `--endpoint-url URL` (moto, private endpoints) and `--region`; those
that touch the database take `--db URL`. AWS credentials come from boto3's usual chain.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from bouncewarden.config import Settings, load_settings
from bouncewarden.errors import BouncewardenError
from bouncewarden.logsafe import configure_logging

__all__ = ["aws_group", "register", "worker_command"]

F = TypeVar("F", bound=Callable[..., Any])


def _aws_options(function: F) -> F:
    function = click.option("--region", default=None, help="AWS region (default: settings, us-east-1).")(
        function
    )
    function = click.option(
        "--endpoint-url", default=None, help="AWS endpoint override (moto, VPC endpoint)."
    )(function)
    function = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="TOML settings.",
    )(function)
    return function


def _db_option(function: F) -> F:
    return click.option("--db", "database_url", default=None, help="Database URL (default: settings).")(
        function
    )


def _settings(
    config_file: Path | None, endpoint_url: str | None, region: str | None, database_url: str | None = None
) -> Settings:
    aws = {key: value for key, value in (("endpoint_url", endpoint_url), ("region", region)) if value}
    try:
        return load_settings(config_file, database_url=database_url, aws=aws or None)
    except BouncewardenError as err:
        raise click.ClickException(str(err)) from err


@click.group("aws")
def aws_group() -> None:
    """Amazon SES: wire up feedback, compare statistics, sync the suppression list."""


@aws_group.command("setup")
@click.option("--identity", required=True, help="SES identity (domain or address) whose feedback to route.")
@click.option(
    "--configuration-set", default=None, help="Use this configuration set's event destination instead."
)
@click.option("--topic-name", default="bouncewarden-ses-feedback", show_default=True)
@click.option("--queue-name", default="bouncewarden-ses-feedback", show_default=True)
@click.option(
    "--raw-delivery/--enveloped", default=False, show_default=True, help="SNS raw message delivery."
)
@click.option("--dry-run", is_flag=True, help="Only say what would be done.")
@_aws_options
def setup_command(
    identity: str,
    configuration_set: str | None,
    topic_name: str,
    queue_name: str,
    raw_delivery: bool,
    dry_run: bool,
    config_file: Path | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Create or check the SNS topic, SQS queue and DLQ, and point SES at them (idempotent)."""
    from bouncewarden.aws.clients import ses_client, sns_client, sqs_client
    from bouncewarden.aws.plan import SetupError, SetupPlan
    from bouncewarden.aws.setup import run_setup

    settings = _settings(config_file, endpoint_url, region)
    plan = SetupPlan(
        identity=identity,
        configuration_set=configuration_set,
        topic_name=topic_name,
        queue_name=queue_name,
        raw_delivery=raw_delivery,
        visibility_timeout=max(settings.sqs.visibility_timeout, 30),
    )
    try:
        report = run_setup(
            sns_client(settings), sqs_client(settings), ses_client(settings), plan, dry_run=dry_run
        )
    except SetupError as err:
        raise click.ClickException(str(err)) from err
    for step in report.steps:
        click.echo(step.describe(dry_run))
    if not report.changed:
        click.echo("nothing to change: everything is already set up")
    elif dry_run:
        click.echo("dry run: nothing was changed")
    if report.queue_url:
        click.echo(f"queue: {report.queue_url}  (run: bouncewarden worker --sqs {report.queue_url})")


@aws_group.command("status")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_db_option
@_aws_options
def status_command(
    output: str,
    database_url: str | None,
    config_file: Path | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """SES sending quota and two weeks of send statistics beside bouncewarden's own counts."""
    from bouncewarden.aws.clients import ses_client
    from bouncewarden.aws.status import StoreCounts, build_status, render_json, render_text
    from bouncewarden.service import Service

    settings = _settings(config_file, endpoint_url, region, database_url)
    with Service.open(settings) as service:
        report = build_status(ses_client(settings), StoreCounts(service.engine))
    click.echo(render_json(report) if output == "json" else render_text(report))


@aws_group.group("suppression")
def suppression_group() -> None:
    """The SES account-level suppression list."""


@suppression_group.command("sync")
@click.option("--direction", type=click.Choice(["pull", "push", "both"]), default="both", show_default=True)
@click.option("--dry-run", is_flag=True, help="Only count what would change.")
@_db_option
@_aws_options
def suppression_sync_command(
    direction: str,
    dry_run: bool,
    database_url: str | None,
    config_file: Path | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Pull SES's suppressed addresses into ours, push our hard bounces and complaints to SES."""
    from bouncewarden.aws.clients import sesv2_client
    from bouncewarden.aws.suppression_sync import Direction, sync_suppressions
    from bouncewarden.service import Service

    settings = _settings(config_file, endpoint_url, region, database_url)
    with Service.open(settings) as service:
        report = sync_suppressions(sesv2_client(settings), service, Direction(direction), dry_run=dry_run)
    for line in report.lines(dry_run):
        click.echo(line)


@click.command("worker")
@click.option(
    "--sqs", "queue_urls", multiple=True, help="SQS queue URL to consume (repeatable; default: settings)."
)
@click.option(
    "--per-message-delay", type=float, default=0.0, hidden=True, help="Testing: seconds of extra work."
)
@_db_option
@_aws_options
def worker_command(
    queue_urls: tuple[str, ...],
    per_message_delay: float,
    database_url: str | None,
    config_file: Path | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """Consume SES feedback from SQS until SIGTERM or Ctrl-C (stops within a second or two)."""
    from bouncewarden.service import Service
    from bouncewarden.sources.sqs import run_sqs_worker

    configure_logging()
    settings = _settings(config_file, endpoint_url, region, database_url)
    urls = list(queue_urls) or settings.sqs.queue_urls
    if not urls:
        raise click.UsageError("no queue: give --sqs QUEUE_URL or set [sqs] queue_urls")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with Service.open(settings) as service:
        threads = [
            threading.Thread(
                target=run_sqs_worker,
                args=(service, settings, url, stop),
                kwargs={"per_message_delay": per_message_delay},
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
    """Add `aws` and `worker` to the `bouncewarden` command."""
    group.add_command(aws_group)
    group.add_command(worker_command)
