"""The `parse` command: read bounce emails and print what they say, without a database.

    bouncewarden parse FILE... [--format jsonl|pretty] [--rules FILE]

One JSON object per input file (DESIGN.md, "Interfaces"):
`{"file": NAME, "recipients": [{address, action, status, reply_code, reason, hard, severity,
kind, diagnostic, remote_mta, feedback_type}, ...]}`, NAME being the input's base name. A
file holding an mbox of several messages still gives one object: its recipients are those of
every message in order (a recipient reported twice appears twice), each row numbered by
`"message"` from 1, and `"messages"` lists each message's parser or refusal. `-` reads
standard input. Bad input never stops the run: an input that could not be read gets
`"error"`, one that holds no feedback `"not_a_bounce"`, both with empty recipients. The exit
code is 0 unless the command itself was misused. The pretty format prints every message.
`--rules` applies an operator's rules from a file (`classify.patterns`), as `ingest` applies
the stored ones: a way to try rules before adding them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from bouncewarden.classify import OperatorRules, RuleSyntaxError, parse_rules
from bouncewarden.parse import NotABounce, ParsedReport, ParseResult, Unparseable, parse_bytes, parse_file

__all__ = ["file_to_json", "parse_command", "register", "result_to_json"]


def result_to_json(name: str, result: ParseResult, position: int | None = None) -> dict[str, object]:
    """The JSON object the command prints for one message."""
    line: dict[str, object] = {"file": name}
    if position is not None:
        line["message"] = position
    if isinstance(result, ParsedReport):
        line["recipients"] = [r.to_json() for r in result.recipients]
        line["parser"] = result.parser
    else:
        line["recipients"] = []
        key = "error" if isinstance(result, Unparseable) else "not_a_bounce"
        line[key] = result.reason
    return line


def _message_summary(result: ParseResult, position: int) -> dict[str, object]:
    summary = result_to_json("", result, position)
    del summary["file"], summary["recipients"]
    return summary


def file_to_json(name: str, results: list[ParseResult]) -> dict[str, object]:
    """The JSON object the command prints for one input file (of one or several messages)."""
    if len(results) <= 1:
        return result_to_json(name, results[0] if results else Unparseable("no message found"))
    rows: list[dict[str, object]] = []
    for position, result in enumerate(results, start=1):
        if isinstance(result, ParsedReport):
            rows.extend({**r.to_json(), "message": position} for r in result.recipients)
    return {
        "file": name,
        "recipients": rows,
        "messages": [_message_summary(result, position) for position, result in enumerate(results, start=1)],
    }


def _results(source: str, rules: OperatorRules) -> Iterator[tuple[str, ParseResult]]:
    if source == "-":
        for result in parse_bytes(sys.stdin.buffer.read(), rules):
            yield "-", result
    else:
        yield from parse_file(source, rules)


def _numbered(source: str, rules: OperatorRules) -> Iterator[tuple[str, ParseResult, int | None]]:
    results = list(_results(source, rules))
    several = len(results) > 1
    for position, (name, result) in enumerate(results, start=1):
        yield name, result, position if several else None


def _pretty(name: str, result: ParseResult, position: int | None) -> str:
    title = name if position is None else f"{name} (message {position})"
    if isinstance(result, Unparseable):
        return f"{title}: unreadable: {result.reason}"
    if isinstance(result, NotABounce):
        return f"{title}: not a bounce: {result.reason}"
    lines = [f"{title}: {result.parser}, {len(result.recipients)} recipient(s)"]
    for row in result.recipients:
        codes = " ".join(c for c in (row.reply_code, row.status) if c) or "-"
        lines.append(f"  {row.address}  {row.kind.value} {row.reason.value} ({row.severity.value})  {codes}")
        if row.diagnostic:
            lines.append(f"    {row.diagnostic[:200]}")
    return "\n".join(lines)


def _read_rules(rules_file: TextIO | None) -> OperatorRules:
    if rules_file is None:
        return OperatorRules()
    try:
        return parse_rules(rules_file.read())
    except RuleSyntaxError as err:
        raise click.BadParameter(str(err), param_hint="--rules") from err


@click.command("parse")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "pretty"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one JSON object per message; pretty: for people.",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Operator rules to apply, one 'PATTERN ==> SEVERITY [REASON]' per line.",
)
def parse_command(files: tuple[str, ...], output_format: str, rules_file: TextIO | None) -> None:
    """Parse bounce, complaint and auto-reply emails (FILE or - for standard input)."""
    rules = _read_rules(rules_file)
    out = sys.stdout
    for source in files:
        if output_format == "jsonl":
            results = list(_results(source, rules))
            name = results[0][0] if results else Path(source).name
            out.write(json.dumps(file_to_json(name, [r for _, r in results]), ensure_ascii=False) + "\n")
            continue
        for name, result, position in _numbered(source, rules):
            out.write(_pretty(name, result, position) + "\n")


def register(group: click.Group) -> None:
    """Add the parse command to the `bouncewarden` group."""
    group.add_command(parse_command)
