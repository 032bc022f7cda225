"""`bouncewarden webhooks`: the outgoing webhooks' queues, their dead letters, and delivery by hand.

    bouncewarden webhooks list [--json]                 each webhook: url, topics, queue counts
    bouncewarden webhooks dead [--webhook NAME] [--json] deliveries given up after their last try
    bouncewarden webhooks replay ID... | --all [--webhook NAME]   queue dead deliveries again
    bouncewarden webhooks deliver [--json]              queue new changes and send what is due, once

`serve` delivers continuously and `bouncewarden jobs run` once; `deliver` is for cron set-ups
and for trying a receiver.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bouncewarden.cli.options import database_options, json_option, load, open_service, print_json
from bouncewarden.config import Settings
from bouncewarden.errors import BouncewardenError
from bouncewarden.monitor.webhooks import DeliveryReport, WebhookDeliverer
from bouncewarden.service import Service

__all__ = ["deliver_webhooks", "register", "webhooks_group"]


def deliver_webhooks(service: Service, settings: Settings) -> DeliveryReport:
    """Queue new changes and send every delivery due now, once (nothing without `[[webhooks]]`)."""
    if not settings.webhooks:
        return DeliveryReport()
    deliverer = WebhookDeliverer(service.webhooks, settings.webhooks)
    try:
        return deliverer.run_once()
    finally:
        deliverer.close()


@click.group("webhooks")
def webhooks_group() -> None:
    """Outgoing webhooks: queues, dead letters, replay, delivery."""


@webhooks_group.command("list")
@database_options
@json_option
def list_command(config_file: Path | None, database_url: str | None, as_json: bool) -> None:
    """Show each configured webhook and its queue."""
    settings = load(config_file, database_url)
    with open_service(settings) as service:
        summaries = service.webhooks.summaries([webhook.name for webhook in settings.webhooks], history=True)
    rows: list[dict[str, Any]] = [
        {
            "name": webhook.name,
            "url": webhook.url,
            "topics": webhook.topics or ["*"],
            "pending": summary.pending,
            "retrying": summary.retrying,
            "delivered": summary.delivered,
            "dead": summary.dead,
            "failed_attempts": summary.failed_attempts,
            "unqueued_changes": summary.unqueued,
        }
        for webhook, summary in zip(settings.webhooks, summaries, strict=True)
    ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("no webhooks configured ([[webhooks]] in the settings)")
    for row in rows:
        click.echo(
            f"{row['name']}\t{row['url']}\ttopics={','.join(row['topics'])}\tpending={row['pending']}"
            f"\tretrying={row['retrying']}"
            f"\tdelivered={row['delivered']}\tdead={row['dead']}\tfailed_attempts={row['failed_attempts']}"
            f"\tunqueued={row['unqueued_changes']}"
        )


@webhooks_group.command("dead")
@click.option("--webhook", default=None, help="Only this webhook's dead letters.")
@database_options
@json_option
def dead_command(
    webhook: str | None, config_file: Path | None, database_url: str | None, as_json: bool
) -> None:
    """List the deliveries given up after their last attempt."""
    with open_service(load(config_file, database_url)) as service:
        letters = service.webhooks.dead_letters(webhook)
    if as_json:
        print_json(
            [
                {
                    "id": letter.id,
                    "webhook": letter.webhook,
                    "event_id": letter.event_id,
                    "topic": letter.topic,
                    "key": letter.ordering_key,
                    "attempts": letter.attempts,
                    "last_status": letter.last_status,
                    "last_error": letter.last_error,
                    "created_at": letter.created_at.isoformat(),
                }
                for letter in letters
            ]
        )
        return
    for letter in letters:
        click.echo(
            f"{letter.id}\t{letter.webhook}\t{letter.topic}\t{letter.ordering_key}\t"
            f"attempts={letter.attempts}\t{letter.last_error or ''}"
        )
    click.echo(f"{len(letters)} dead letters", err=True)


@webhooks_group.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
@click.option("--webhook", default=None, help="Only this webhook's dead letters.")
@database_options
def replay_command(
    ids: tuple[int, ...],
    replay_all: bool,
    webhook: str | None,
    config_file: Path | None,
    database_url: str | None,
) -> None:
    """Queue dead deliveries again (by the ids `webhooks dead` shows, or --all); sent on the next run."""
    if bool(ids) == replay_all:
        raise click.UsageError("give delivery ids or --all (not both)")
    with open_service(load(config_file, database_url)) as service:
        count = service.webhooks.replay(None if replay_all else ids, now=datetime.now(UTC), webhook=webhook)
    click.echo(f"{count} dead letters queued again")
    if ids and count < len(set(ids)):
        raise click.ClickException(f"{len(set(ids)) - count} of the ids are not dead letters")


@webhooks_group.command("deliver")
@database_options
@json_option
def deliver_command(config_file: Path | None, database_url: str | None, as_json: bool) -> None:
    """Queue new changes and send every delivery due now, once."""
    settings = load(config_file, database_url)
    try:
        with open_service(settings) as service:
            report = deliver_webhooks(service, settings)
    except BouncewardenError as err:
        raise click.ClickException(str(err)) from err
    if as_json:
        print_json(
            {
                "queued": report.queued,
                "delivered": report.delivered,
                "failed": report.failed,
                "dead": report.dead,
            }
        )
        return
    click.echo(report.line())


def register(group: click.Group) -> None:
    """Add `webhooks` to the `bouncewarden` command."""
    group.add_command(webhooks_group)
