"""Commands for Amazon SES: `aws setup`, `aws status` and `aws suppression sync`.

    bouncewarden aws setup --identity example.com [--configuration-set NAME] [--dry-run]
    bouncewarden aws status [--days 14]
    bouncewarden aws suppression sync [--direction pull|push|both] [--dry-run]

(`worker --sqs QUEUE_URL`, which consumes the queue these set up, is `cli.worker`.)

All take `--config FILE`, `--endpoint-url URL` (moto, private endpoints) and `--region`; those
that touch the database take `--db URL`. AWS credentials come from boto3's usual chain.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bouncewarden.cli.options import config_option, database_options, load, open_service

if TYPE_CHECKING:
    from bouncewarden.config import Settings

__all__ = ["aws_group", "aws_options", "aws_settings", "register"]

F = TypeVar("F", bound=Callable[..., Any])


def aws_options(function: F) -> F:
    """`--region` and `--endpoint-url`."""
    function = click.option("--region", default=None, help="AWS region (default: settings, us-east-1).")(
        function
    )
    return click.option("--endpoint-url", default=None, help="AWS endpoint override (moto, VPC endpoint).")(
        function
    )


def aws_settings(
    config_file: Path | None, endpoint_url: str | None, region: str | None, database_url: str | None = None
) -> Settings:
    """The settings, with the AWS options over them."""
    aws = {key: value for key, value in (("endpoint_url", endpoint_url), ("region", region)) if value}
    return load(config_file, database_url, aws=aws or None)


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
@aws_options
@config_option
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

    settings = aws_settings(config_file, endpoint_url, region)
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
@aws_options
@database_options
def status_command(
    output: str,
    database_url: str | None,
    config_file: Path | None,
    endpoint_url: str | None,
    region: str | None,
) -> None:
    """SES sending quota and two weeks of send statistics beside bouncewarden's own counts."""
    from bouncewarden.aws.clients import ses_client
    from bouncewarden.aws.status import build_status, render_json, render_text

    settings = aws_settings(config_file, endpoint_url, region, database_url)
    with open_service(settings) as service:
        report = build_status(ses_client(settings), service.counters)
    click.echo(render_json(report) if output == "json" else render_text(report))


@aws_group.group("suppression")
def suppression_group() -> None:
    """The SES account-level suppression list."""


@suppression_group.command("sync")
@click.option("--direction", type=click.Choice(["pull", "push", "both"]), default="both", show_default=True)
@click.option("--dry-run", is_flag=True, help="Only count what would change.")
@aws_options
@database_options
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

    settings = aws_settings(config_file, endpoint_url, region, database_url)
    with open_service(settings) as service:
        report = sync_suppressions(
            sesv2_client(settings), service.admin, Direction(direction), dry_run=dry_run
        )
    for line in report.lines(dry_run):
        click.echo(line)


def register(group: click.Group) -> None:
    """Add `aws` to the `bouncewarden` command."""
    group.add_command(aws_group)
