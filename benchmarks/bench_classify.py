"""Classification speed: `classify` over the findings of the shared bounce corpus.

Reads every message of ../shared/corpus/maildir/bsd once through the parse pipeline's own
finding stage, then times `classify` alone over all findings, repeated, with no operator rules
and with 50 operator rules (none of which match, the worst case). Target: at least 5,000
findings per second on one core without rules, several times the parse rate, so that
classification never dominates parsing.

    python benchmarks/bench_classify.py [--corpus DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bouncewarden.classify import OperatorRule, classify
from bouncewarden.events import Severity
from bouncewarden.parse import pipeline
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.original import original_headers
from bouncewarden.parse.report import RecipientFinding

TARGET_PER_SECOND = 5_000
_DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "maildir" / "bsd"


def _findings(corpus: Path) -> list[RecipientFinding]:
    found: list[RecipientFinding] = []
    for path in sorted(corpus.glob("*.eml")):
        message = BounceMessage(path.read_bytes())
        found.extend(pipeline._find(message, original_headers(message)).findings)
    return found


def _rate(findings: list[RecipientFinding], rules: list[OperatorRule], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for finding in findings:
            classify(finding, rules)
    return len(findings) * repeat / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=_DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    findings = _findings(args.corpus)
    rules = [
        OperatorRule(f"operator pattern number {n} that never matches", Severity.HARD) for n in range(50)
    ]
    plain = _rate(findings, [], args.repeat)
    ruled = _rate(findings, rules, args.repeat)
    print(f"findings: {len(findings)} x {args.repeat}")
    verdict = "ok" if plain >= TARGET_PER_SECOND else "MISSED"
    print(f"classify, no rules:  {plain:,.0f}/s (target {TARGET_PER_SECOND:,}/s: {verdict})")
    print(f"classify, 50 rules:  {ruled:,.0f}/s")


if __name__ == "__main__":
    main()
