"""`bouncewarden reclassify`: run today's parsers and rules over stored evidence.

    bouncewarden reclassify [--since DATE] [--source S] [--dry-run] [--json]

Prints each address whose state would change (or did), with the event and the rule or
parser version behind it; with --dry-run nothing is written. See
`bouncewarden.store.reclassify` for what is replayed and what is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from bouncewarden import __version__
from bouncewarden.cli.options import MOMENT, database_options, json_option, load, open_service

__all__ = ["reclassify_command", "register"]


@click.command("reclassify")
@click.option(
    "--since", type=MOMENT, default=None, help="Only events that happened at or after this ISO 8601 time."
)
@click.option(
    "--source", default=None, help="Only events of this source (ses, file, pmta, postfix-log, ...)."
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@json_option
@database_options
def reclassify_command(
    since: datetime | None,
    source: str | None,
    dry_run: bool,
    as_json: bool,
    database_url: str | None,
    config_file: Path | None,
) -> None:
    """Re-read stored evidence with today's parsers and rules; change what they now say otherwise."""
    from bouncewarden.classify import match_rule
    from bouncewarden.events import FeedbackEvent
    from bouncewarden.parse.mtalog.memory import LogMemory
    from bouncewarden.parse.replay import read_evidence
    from bouncewarden.store.reclassify import describe

    with open_service(load(config_file, database_url)) as service:
        stored = service.rules.stored_rules()
        rules = [entry.rule for entry in stored]

        memories: dict[str, LogMemory] = {}  # the plan reads stored batches in stored order

        def read(media_type: str, data: bytes, received_at: datetime) -> list[FeedbackEvent]:
            return read_evidence(media_type, data, received_at=received_at, rules=rules, memories=memories)

        def explain(event: FeedbackEvent) -> str:
            rule = match_rule(rules, event.diagnostic, reply_code=event.reply_code, status=event.status)
            for entry in stored:
                if rule is not None and entry.rule == rule:
                    return f"rule {entry.id}: {rule.pattern} ==> {rule.severity.value}"
            return f"classifier of bouncewarden {__version__}"

        plan = service.reclassifier.plan(read=read, explain=explain, since=since, source=source)
        changed = 0 if dry_run else service.reclassifier.apply(plan, rules=rules)
    verb = "would change" if dry_run else "changed"
    if as_json:
        click.echo(
            json.dumps(
                {
                    "examined": plan.examined,
                    "events_reclassified": len(plan.changes),
                    "addresses": [describe(item) for item in plan.addresses],
                    "skipped": [f"{address}\t{why}" for address, why in plan.skipped],
                    "dry_run": dry_run,
                    "applied": changed,
                }
            )
        )
        return
    for item in plan.addresses:
        click.echo(f"{verb}\t{describe(item)}")
    for address, why in plan.skipped:
        click.echo(f"skipped\t{address}\t{why}")
    click.echo(
        f"{plan.examined} events examined, {len(plan.changes)} classified differently, "
        f"{len(plan.addresses)} addresses {verb}",
        err=True,
    )


def register(group: click.Group) -> None:
    """Add `reclassify` to the `bouncewarden` command."""
    group.add_command(reclassify_command)
