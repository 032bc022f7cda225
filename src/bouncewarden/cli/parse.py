"""The `parse` command: read feedback files and print what they say, without a database.

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
Inputs are read by the same reader as `ingest` (`parse.reader`): SES JSON files, SNS
envelopes and SQS `ReceiveMessage` responses print their recipients too, and binary garbage is
an `"error"` here as it is quarantined there. `--rules` applies an operator's rules from a file
(`classify.patterns`), as `ingest` applies the stored ones: a way to try rules before adding them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from bouncewarden.classify import OperatorRules, RuleSyntaxError, parse_rules
from bouncewarden.clock import system_clock
from bouncewarden.intake import Feedback, NotFeedback, Reading, Unreadable
from bouncewarden.parse.email_checks import MAX_MESSAGE_BYTES
from bouncewarden.parse.reader import read_input
from bouncewarden.sources.files import read_bytes, read_file

__all__ = ["file_to_json", "parse_command", "reading_to_json", "register"]


def reading_to_json(name: str, reading: Reading, position: int | None = None) -> dict[str, object]:
    """The JSON object the command prints for one message."""
    line: dict[str, object] = {"file": name}
    if position is not None:
        line["message"] = position
    if isinstance(reading, Feedback):
        line["recipients"] = [r.to_json() for r in reading.report.recipients]
        line["parser"] = reading.report.parser
    elif isinstance(reading, NotFeedback):
        line["recipients"] = []
        line["not_a_bounce"] = reading.reason
    else:
        line["recipients"] = []
        line["error"] = reading.why
    return line


def _message_summary(reading: Reading, position: int) -> dict[str, object]:
    summary = reading_to_json("", reading, position)
    del summary["file"], summary["recipients"]
    return summary


def file_to_json(name: str, readings: list[Reading]) -> dict[str, object]:
    """The JSON object the command prints for one input file (of one or several messages)."""
    if len(readings) <= 1:
        return reading_to_json(name, readings[0] if readings else Unreadable("no message found"))
    rows: list[dict[str, object]] = []
    for position, reading in enumerate(readings, start=1):
        if isinstance(reading, Feedback):
            rows.extend({**r.to_json(), "message": position} for r in reading.report.recipients)
    return {
        "file": name,
        "recipients": rows,
        "messages": [
            _message_summary(reading, position) for position, reading in enumerate(readings, start=1)
        ],
    }


def _readings(source: str, rules: OperatorRules) -> list[Reading]:
    """What the reader makes of each input of `source` (a file, or - for standard input)."""
    now = system_clock()
    if source == "-":
        # One byte over the limit is enough for the reader to refuse it; no more is read.
        inputs = read_bytes(sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1), "-", received_at=now)
    else:
        inputs = list(read_file(Path(source), received_at=now))
    return [read_input(raw, rules) for raw in inputs]


def _numbered(readings: list[Reading]) -> Iterator[tuple[Reading, int | None]]:
    several = len(readings) > 1
    for position, reading in enumerate(readings, start=1):
        yield reading, position if several else None


def _pretty(name: str, reading: Reading, position: int | None) -> str:
    title = name if position is None else f"{name} (message {position})"
    if isinstance(reading, Unreadable):
        return f"{title}: unreadable: {reading.why}"
    if isinstance(reading, NotFeedback):
        return f"{title}: not a bounce ({reading.what}): {reading.reason}"
    report = reading.report
    lines = [f"{title}: {report.parser}, {len(report.recipients)} recipient(s)"]
    for row in report.recipients:
        codes = " ".join(c for c in (row.reply_code, row.status) if c) or "-"
        lines.append(f"  {row.address}  {row.kind.value} {row.reason.value} ({row.severity.value})  {codes}")
        if row.diagnostic:
            lines.append(f"    {row.diagnostic[:200]}")
    return "\n".join(lines)


def _name(source: str) -> str:
    """The base name printed for `source`; `-` for standard input."""
    return source if source == "-" else Path(source).name


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
        readings = _readings(source, rules)
        if output_format == "jsonl":
            out.write(json.dumps(file_to_json(_name(source), readings), ensure_ascii=False) + "\n")
            continue
        for reading, position in _numbered(readings):
            out.write(_pretty(_name(source), reading, position) + "\n")


def register(group: click.Group) -> None:
    """Add the parse command to the `bouncewarden` group."""
    group.add_command(parse_command)
