"""Accuracy with severity: the shared corpus, the real-MTA samples and the doc-based case tables.

    python benchmarks/score_severity.py [--corpus DIR] [--cases TSV ...] [-v]

Prints, per set, recall / precision / status / reason / hard and severity agreement. Severity
is derived from the *expected* reason with DESIGN.md's table (hard: userunknown hostunknown
hasmoved notaccept; soft: mailboxfull suspend filtered expired onhold undefined systemerror
systemfull networkerror mailererror; complaint: feedback; none: vacation delivered; sender: the
other failure reasons) and compared with the severity the parser gives. Matching mimics the
corpus scorer (`shared/bench/score.py`): per file, by address, case-insensitively, each found
recipient used once. The case tables (tests/classify/*.tsv, cases.tsv's columns) are scored
by calling `classify` on each row: reason and severity agreement.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from bouncewarden.classify import classify
from bouncewarden.events import Kind, Reason
from bouncewarden.parse import ParsedReport, parse_file, parse_message
from bouncewarden.parse.report import RecipientFinding

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BOUNCEWARDEN_SHARED", ROOT.parent / "shared"))
REAL = ROOT / "tests" / "samples" / "real"

_SEVERITY = {
    **dict.fromkeys(("userunknown", "hostunknown", "hasmoved", "notaccept"), "hard"),
    **dict.fromkeys(
        (
            "mailboxfull",
            "suspend",
            "filtered",
            "expired",
            "onhold",
            "undefined",
            "systemerror",
            "systemfull",
            "networkerror",
            "mailererror",
        ),
        "soft",
    ),
    "feedback": "complaint",
    "vacation": "none",
    "delivered": "none",
}


def severity_of(reason: str) -> str:
    """DESIGN.md's default severity of a reason."""
    return _SEVERITY.get(reason, "sender")


def _norm(address: str | None) -> str:
    return (address or "").strip().strip("<>").strip().lower()


class Tally:
    """Counts for one set; `line` formats them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.c: Counter[str] = Counter()
        self.misses: list[str] = []

    def add_file(
        self, name: str, truth: Sequence[dict[str, object]], found: Sequence[dict[str, object]]
    ) -> None:
        used = [False] * len(found)
        self.c["truth"] += len(truth)
        self.c["sys"] += len(found)
        for row in truth:
            j = next(
                (
                    j
                    for j, r in enumerate(found)
                    if not used[j] and _norm(str(r["address"])) == _norm(str(row["address"]))
                ),
                None,
            )
            if j is None:
                self.misses.append(f"{name}: {row['address']} not found")
                continue
            used[j] = True
            got = found[j]
            self.c["match"] += 1
            self.c["status"] += str(got.get("status") or "") == str(row.get("status") or "")
            self.c["reason"] += got["reason"] == row["reason"]
            self.c["hard"] += bool(got["hard"]) == bool(row["hard"])
            expected_severity = severity_of(str(row["reason"]))
            ok = got["severity"] == expected_severity
            self.c["severity"] += ok
            if got["reason"] != row["reason"] or not ok:
                self.misses.append(
                    f"{name}: {row['address']} want {row['reason']}/{expected_severity}"
                    f" got {got['reason']}/{got['severity']} [{str(got.get('diagnostic') or '')[:150]}]"
                )

    def line(self) -> str:
        c = self.c

        def rate(n: str, d: str) -> str:
            return "n/a" if not c[d] else f"{c[n] / c[d]:.3f}"

        return (
            f"{self.name:7} n={c['truth']:4} recall={rate('match', 'truth')} precision={rate('match', 'sys')}"
            f" status={rate('status', 'match')} reason={rate('reason', 'match')} hard={rate('hard', 'match')}"
            f" severity={rate('severity', 'match')}"
        )


def _found(report: object) -> list[dict[str, object]]:
    if not isinstance(report, ParsedReport):
        return []
    return [
        {
            "address": r.address,
            "status": r.status,
            "reason": r.reason.value,
            "hard": r.hard,
            "severity": r.severity.value,
            "diagnostic": r.diagnostic,
        }
        for r in report.recipients
    ]


def score_corpus(directory: Path) -> Tally:
    """The shared corpus (LF copies) against truth.json."""
    truth = json.loads((directory / "truth.json").read_text())
    tally = Tally("corpus")
    for name in sorted(truth):
        path = directory / "maildir" / "bsd" / name
        # parse_file as `bouncewarden parse` does: a file may hold several messages
        found = [row for _, result in parse_file(path) for row in _found(result)] if path.exists() else []
        tally.add_file(name, truth[name], found)
    return tally


def score_real(directory: Path) -> Tally:
    """tests/samples/real against expected.tsv."""
    rows: dict[str, list[dict[str, object]]] = {}
    with (directory / "expected.tsv").open(newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t"):
            status = "" if row["status"] == "-" else row["status"]
            rows.setdefault(row["sample"], []).append(
                {
                    "address": row["address"],
                    "status": status,
                    "reason": row["reason"],
                    "hard": row["hard"] == "true",
                }
            )
    tally = Tally("real")
    for sample, truth in sorted(rows.items()):
        tally.add_file(sample, truth, _found(parse_message((directory / sample).read_bytes())))
    return tally


def _value(text: str) -> str | None:
    return None if text in ("-", "") else text


def score_cases(paths: Iterable[Path]) -> Tally:
    """Case tables (cases.tsv's columns): classify each row; reason and severity agreement."""
    tally = Tally("cases")
    for path in paths:
        lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
        for number, row in enumerate(csv.DictReader(lines, delimiter="\t"), 1):
            finding = RecipientFinding(
                address=row["address"],
                action=_value(row["action"]),
                status=_value(row["status"]),
                reply_code=_value(row["reply"]),
                diagnostic=_value(row["diagnostic"]),
                remote_mta=_value(row["remote_mta"]),
                kind=Kind(row["kind"]),
            )
            got = classify(finding, command=_value(row["command"]))
            truth = {"address": "x", "status": "", "reason": row["reason"], "hard": row["severity"] == "hard"}
            found = {
                "address": "x",
                "status": "",
                "reason": got.reason.value,
                "hard": got.severity.value == "hard",
                "severity": got.severity.value,
                "diagnostic": row["diagnostic"],
            }
            assert Reason(row["reason"])
            tally.add_file(f"{path.name}:{number}", [truth], [found])
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--cases", type=Path, nargs="*", default=[])
    parser.add_argument("-v", "--verbose", action="store_true", help="list the disagreements")
    args = parser.parse_args()
    tallies = []
    if (args.corpus / "truth.json").exists():
        tallies.append(score_corpus(args.corpus))
    tallies.append(score_real(REAL))
    if args.cases:
        tallies.append(score_cases(args.cases))
    for tally in tallies:
        if args.verbose:
            for miss in tally.misses:
                print(f"  {tally.name}: {miss}")
        print(tally.line())


if __name__ == "__main__":
    main()
