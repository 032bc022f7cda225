"""`parse` and `ingest` read every sample the same way: they share the reader and the files source.

For each file under tests/samples and the shared corpus, `parse` says how many recipients each
message has, or "not a bounce", or "error"; `ingest` of the same file must record those events,
count the same messages as not feedback, and quarantine exactly the errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bouncewarden.cli import main
from shared_files import CORPUS

SAMPLES = Path(__file__).parent / "samples"


def _files() -> list[Path]:
    roots = [SAMPLES, CORPUS / "maildir"] if CORPUS.is_dir() else [SAMPLES]
    return sorted(path for root in roots for path in root.rglob("*") if path.is_file())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_parse_and_ingest_agree_on_every_sample(database_url: str) -> None:
    files = _files()
    parsed = CliRunner().invoke(main, ["parse", *map(str, files)])
    assert parsed.exit_code == 0
    lines = [json.loads(line) for line in parsed.output.splitlines()]
    assert len(lines) == len(files)
    rows = sum(len(line["recipients"]) for line in lines)
    not_feedback, errors = 0, set()
    for path, line in zip(files, lines, strict=True):
        parts = line.get("messages", [line])
        not_feedback += sum(1 for part in parts if "not_a_bounce" in part)
        errors |= {str(path) for part in parts if "error" in part}

    result = CliRunner().invoke(main, ["ingest", "--db", database_url, "--json", *map(str, files)])
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    # Every row `parse` prints is an event `ingest` stored or found stored already.
    assert summary["new_events"] + summary["duplicates"] == rows
    assert summary["not_feedback"] == not_feedback
    quarantined = {
        line.split(": ", 1)[0].removeprefix("quarantined ").split("#")[0]
        for line in result.stderr.splitlines()
        if line.startswith("quarantined ")
    }
    assert quarantined == errors
