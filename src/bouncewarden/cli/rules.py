"""Operator rules: the operator's own classification overrides, kept in the database.

    bouncewarden rules list [--json]
    bouncewarden rules add 'PATTERN ==> SEVERITY [REASON]' [--note TEXT]
    bouncewarden rules remove ID...
    bouncewarden rules test DIAGNOSTIC [--reply-code CODE] [--status X.Y.Z] [--json]

A rule is a regular expression searched case-insensitively in a failure's diagnostic (also
with the reply code and status written before it), `==>`, a severity (hard, soft, sender,
complaint, none) and optionally a reason of DESIGN.md's list. Rules are tried oldest first;
the first that matches decides. `ingest` applies them as it reads, and a running service or
worker sees a change within `store.rules.RULES_MAX_AGE` seconds; events already stored keep
their classification. `test` shows what a diagnostic gets with the stored rules and without.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bouncewarden.cli.options import database_options, json_option, load, open_service, print_json

if TYPE_CHECKING:
    from bouncewarden.classify import OperatorRule

__all__ = ["register"]


def _rule_text(rule: OperatorRule) -> str:
    """The rule as it is written to `rules add`."""
    return f"{rule.pattern} ==> {rule.severity.value}" + (f" {rule.reason.value}" if rule.reason else "")


@click.group("rules")
def rules_group() -> None:
    """Operator rules that override the classification of matching diagnostics."""


@rules_group.command("list")
@database_options
@json_option
def rules_list(config_file: Path | None, database_url: str | None, as_json: bool) -> None:
    """Print the rules in the order they are tried: ID<TAB>RULE[<TAB>NOTE]."""
    with open_service(load(config_file, database_url)) as service:
        stored = service.rules.stored_rules()
    if as_json:
        print_json(
            [
                {
                    "id": s.id,
                    "pattern": s.rule.pattern,
                    "severity": s.rule.severity.value,
                    "reason": s.rule.reason.value if s.rule.reason else None,
                    "note": s.note,
                    "created_at": s.created_at.isoformat(),
                }
                for s in stored
            ]
        )
        return
    for s in stored:
        click.echo(f"{s.id}\t{_rule_text(s.rule)}" + (f"\t{s.note}" if s.note else ""))


@rules_group.command("add")
@database_options
@click.argument("rule")
@click.option("--note", default=None, help="Why the rule exists (shown by `rules list`).")
def rules_add(config_file: Path | None, database_url: str | None, rule: str, note: str | None) -> None:
    """Add RULE ('PATTERN ==> SEVERITY [REASON]') after the others; prints its id."""
    from bouncewarden.classify import RuleSyntaxError, parse_rule

    try:
        parsed = parse_rule(rule)
    except RuleSyntaxError as err:
        raise click.BadParameter(str(err), param_hint="RULE") from err
    with open_service(load(config_file, database_url)) as service:
        click.echo(service.rules.add_operator_rule(parsed, note=note))


@rules_group.command("remove")
@database_options
@click.argument("rule_ids", nargs=-1, required=True, type=int, metavar="ID...")
def rules_remove(config_file: Path | None, database_url: str | None, rule_ids: tuple[int, ...]) -> None:
    """Remove rules by id (see `rules list`); fails for an id that does not exist."""
    with open_service(load(config_file, database_url)) as service:
        missing = [rule_id for rule_id in rule_ids if not service.rules.remove_operator_rule(rule_id)]
    if missing:
        raise click.ClickException("no rule with id " + ", ".join(map(str, missing)))


@rules_group.command("test")
@database_options
@json_option
@click.argument("diagnostic")
@click.option("--reply-code", default=None, metavar="CODE", help="The SMTP reply code, e.g. 550.")
@click.option("--status", default=None, metavar="X.Y.Z", help="The enhanced status code, e.g. 5.7.1.")
def rules_test(
    config_file: Path | None,
    database_url: str | None,
    as_json: bool,
    diagnostic: str,
    reply_code: str | None,
    status: str | None,
) -> None:
    """Classify DIAGNOSTIC with the stored rules and without them."""
    from bouncewarden.classify import classify
    from bouncewarden.parse import RecipientFinding

    with open_service(load(config_file, database_url)) as service:
        stored = service.rules.stored_rules()
    finding = RecipientFinding(address="", diagnostic=diagnostic, reply_code=reply_code, status=status)
    built_in = classify(finding)
    verdict = classify(finding, [s.rule for s in stored])
    matched = next((s for s in stored if s.rule == verdict.rule), None)
    if as_json:
        print_json(
            {
                "rule_id": matched.id if matched else None,
                "reason": verdict.reason.value,
                "severity": verdict.severity.value,
                "without_rules": {"reason": built_in.reason.value, "severity": built_in.severity.value},
            }
        )
        return
    if matched is None:
        click.echo("no rule matches")
    else:
        click.echo(f"rule {matched.id}: {_rule_text(matched.rule)}")
    click.echo(f"with rules:    {verdict.reason.value} ({verdict.severity.value})")
    click.echo(f"without rules: {built_in.reason.value} ({built_in.severity.value})")


def register(group: click.Group) -> None:
    """Add the `rules` group to the `bouncewarden` group."""
    group.add_command(rules_group)
