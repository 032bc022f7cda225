"""Accuracy on the shared corpus: `bouncewarden parse` output scored by bench/score.py.

Runs the parse command over ../shared/corpus/maildir/{bsd,dos,mac}, scores the JSON lines
with the corpus' own scorer and asserts the bars of issue 3. The CRLF and CR-only copies
must give results identical to the LF ones, file by file (so they score the same).
Skipped where the shared corpus is absent.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bouncewarden.cli import main
from shared_files import CORPUS as CORPUS_ROOT
from shared_files import SHARED

CORPUS = CORPUS_ROOT / "maildir"
SCORER = SHARED / "bench" / "score.py"

# The bars; raise them, never lower them.
BARS = {"recall": 0.99, "precision": 0.99, "status": 0.98, "reason": 0.975, "hard": 0.99}

pytestmark = pytest.mark.skipif(not SCORER.exists(), reason="shared corpus not present")


def _parse(directory: Path, out: Path) -> list[dict[str, object]]:
    files = sorted(str(p) for p in directory.glob("*.eml"))
    result = CliRunner().invoke(main, ["parse", "--format", "jsonl", *files])
    assert result.exit_code == 0
    out.write_text(result.output)
    return [json.loads(line) for line in result.output.splitlines()]


def _score(results: Path) -> dict[str, float]:
    command = [sys.executable, str(SCORER), str(results)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = output.strip().splitlines()[-1]
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}


def test_bsd_scores_reach_the_bars(tmp_path: Path) -> None:
    _parse(CORPUS / "bsd", tmp_path / "bsd.jsonl")
    score = _score(tmp_path / "bsd.jsonl")
    for name in BARS:
        assert score[name] >= BARS[name], (name, score)


@pytest.mark.parametrize("variant", ["dos", "mac"])
def test_line_ending_copies_give_identical_results(tmp_path: Path, variant: str) -> None:
    lf = {json.dumps(o, sort_keys=True) for o in _parse(CORPUS / "bsd", tmp_path / "bsd.jsonl")}
    other = _parse(CORPUS / variant, tmp_path / f"{variant}.jsonl")
    assert len(other) >= len(list((CORPUS / variant).glob("*.eml")))
    assert [o["file"] for o in other if json.dumps(o, sort_keys=True) not in lf] == []
