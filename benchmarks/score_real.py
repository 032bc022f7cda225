"""Score `bouncewarden parse` on real-MTA samples against expected rows, per receiver table.

    python benchmarks/score_real.py EXPECTED.tsv ROOT [--jsonl MTA=FILE ...] [--by-mta]

EXPECTED.tsv has expected.tsv's columns (sample, address, status, reason, hard, severity,
kind; lines starting with '#' are comments); its samples are ROOT/<mta>/<file>.eml. Without
--jsonl the script runs `bouncewarden parse --format jsonl` on each MTA folder itself; with
--jsonl it reads that command's saved output for the MTA instead. Each expected row counts
once: recall is the share of rows whose address was reported for the sample; status,
reason, hard and severity are the shares of rows reported with that value right (a missing
row counts as wrong). "extra" counts reported rows no expected row names, "wrongly hard"
the rows reported hard whose expectation is not; --pending lists the samples whose rows
differ in any way (status, reason, hard, severity, kind, or a row missing or extra), the
form of tests/samples/real/pending.txt. Rows are grouped by the receiver named by
the first word of the sample's case (gmail-..., msft-...); other cases are "earlier cases".
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

RECEIVERS = {
    "gmail": "Gmail / Google Workspace",
    "msft": "Microsoft 365 / Outlook.com",
    "yahoo": "Yahoo / AOL",
    "icloud": "Apple iCloud",
    "comcast": "Comcast / Xfinity",
    "gmx": "GMX / web.de / 1&1",
    "orange": "Orange",
    "mailru": "Mail.ru",
    "yandex": "Yandex",
    "qq": "QQ / Tencent",
    "zoho": "Zoho Mail",
    "mimecast": "Mimecast",
    "proofpoint": "Proofpoint",
    "barracuda": "Barracuda",
    "cisco": "Cisco Secure Email",
    "trend": "Trend Micro",
    "sophos": "Sophos",
    "symc": "Broadcom MessageLabs",
}
EARLIER = "earlier cases"
FIELDS = ("status", "reason", "hard", "severity")
ROW = (*FIELDS, "kind")  # what a sample's test compares

Verdict = dict[str, str]  # field -> value, as text


@dataclass
class Tally:
    """Agreement counts of one group of expected rows."""

    rows: int = 0
    found: int = 0
    extra: int = 0
    wrongly_hard: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))

    def add(self, expected: Verdict, reported: Verdict | None) -> None:
        self.rows += 1
        if reported is None:
            return
        self.found += 1
        for name in FIELDS:
            self.right[name] += expected[name] == reported[name]
        if reported["hard"] == "true" and expected["hard"] != "true":
            self.wrongly_hard += 1

    def line(self, label: str) -> str:
        shares = [self.found / self.rows] + [self.right[name] / self.rows for name in FIELDS]
        cells = " | ".join(f"{share:.3f}" for share in shares)
        return f"| {label} | {self.rows} | {cells} | {self.extra} | {self.wrongly_hard} |"


def group_of(sample: str) -> str:
    case = Path(sample).stem
    return RECEIVERS.get(case.split("-", 1)[0], EARLIER)


def read_expected(path: Path) -> dict[str, dict[str, Verdict]]:
    """sample -> lower-case address -> expected values."""
    table: dict[str, dict[str, Verdict]] = defaultdict(dict)
    with path.open(newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t"):
            table[row["sample"]][row["address"].lower()] = {name: row[name] for name in ROW}
    return table


def parse_output(lines: list[str], mta: str) -> dict[str, dict[str, Verdict]]:
    """sample -> lower-case address -> reported values, from `parse --format jsonl` output."""
    reported: dict[str, dict[str, Verdict]] = defaultdict(dict)
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        sample = f"{mta}/{record['file']}"
        for recipient in record.get("recipients") or []:
            reported[sample][str(recipient["address"]).lower()] = {
                "status": recipient.get("status") or "-",
                "reason": str(recipient.get("reason")),
                "hard": "true" if recipient.get("hard") else "false",
                "severity": str(recipient.get("severity")),
                "kind": str(recipient.get("kind")),
            }
    return reported


def run_parse(folder: Path, samples: list[str]) -> list[str]:
    """`bouncewarden parse --format jsonl` over the named samples of one MTA folder."""
    command = shutil.which("bouncewarden", path=str(Path(sys.executable).parent)) or "bouncewarden"
    files = [str(folder / Path(sample).name) for sample in samples]
    done = subprocess.run(
        [command, "parse", "--format", "jsonl", *files], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        sys.exit(f"bouncewarden parse failed: {done.stderr.strip()}")
    return done.stdout.splitlines()


def score(
    expected: dict[str, dict[str, Verdict]], reported: dict[str, dict[str, Verdict]], by_mta: bool
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for sample, rows in expected.items():
        groups = [group_of(sample), "overall"]
        if by_mta:
            groups.append(f"MTA {sample.split('/', 1)[0]}")
        got = reported.get(sample, {})
        for address, verdict in rows.items():
            for group in groups:
                tallies[group].add(verdict, got.get(address))
        extra = len(set(got) - set(rows))
        for group in groups:
            tallies[group].extra += extra
    return tallies


def disagreements(
    expected: dict[str, dict[str, Verdict]], reported: dict[str, dict[str, Verdict]]
) -> list[str]:
    """One line per expected row read wrong: what was expected, what was reported."""
    lines = []
    for sample, rows in sorted(expected.items()):
        got = reported.get(sample, {})
        for address, verdict in rows.items():
            found = got.get(address)
            if found != verdict:
                want = " ".join(verdict[name] for name in ROW)
                have = " ".join(found[name] for name in ROW) if found else "not reported"
                lines.append(f"{sample} {address}: expected {want}; got {have}")
    return lines


def wrong_samples(
    expected: dict[str, dict[str, Verdict]], reported: dict[str, dict[str, Verdict]]
) -> list[str]:
    """The samples whose reported rows differ from the expected ones in any way (pending.txt's form)."""
    return sorted(sample for sample, rows in expected.items() if reported.get(sample, {}) != rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("expected", type=Path)
    parser.add_argument("root", type=Path)
    parser.add_argument("--jsonl", action="append", default=[], help="MTA=FILE: saved parse output")
    parser.add_argument("--by-mta", action="store_true", help="also one line per MTA")
    parser.add_argument("--show", action="store_true", help="also list the rows read wrong")
    parser.add_argument("--pending", action="store_true", help="only list the samples read wrong")
    args = parser.parse_args()
    expected = read_expected(args.expected)
    saved = dict(item.split("=", 1) for item in args.jsonl)
    reported: dict[str, dict[str, Verdict]] = {}
    by_folder: dict[str, list[str]] = defaultdict(list)
    for sample in expected:
        by_folder[sample.split("/", 1)[0]].append(sample)
    for mta, samples in sorted(by_folder.items()):
        if mta in saved:
            lines = Path(saved[mta]).read_text().splitlines()
        else:
            lines = run_parse(args.root / mta, samples)
        reported.update(parse_output(lines, mta))
    if args.pending:
        print("\n".join(wrong_samples(expected, reported)))
        return
    tallies = score(expected, reported, args.by_mta)
    if args.show:
        for line in disagreements(expected, reported):
            print(line)
    print("| table | rows | recall | status | reason | hard | severity | extra | wrongly hard |")
    print("|---|---|---|---|---|---|---|---|---|")
    order = [*RECEIVERS.values(), EARLIER]
    labels = [label for label in order if label in tallies]
    labels += [*sorted(label for label in tallies if label.startswith("MTA")), "overall"]
    for label in labels:
        print(tallies[label].line(label))


if __name__ == "__main__":
    main()
