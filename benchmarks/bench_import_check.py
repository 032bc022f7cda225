"""Suppression-list import and bulk check speed, through the real command line.

1. Writes a 1,000,000-row suppression list in the export format (CSV), runs
   `bouncewarden import` on a fresh SQLite database as a subprocess, prints the seconds
   (target: under 30 s, schema creation included).
2. Runs `bouncewarden check --file` on 10,000 addresses (half present, half absent, a
   quarter of them in other letter case) in one subprocess and prints addresses per second,
   process start-up included (target: at least 10,000/s).

    python benchmarks/bench_import_check.py [--rows N] [--checks N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REASONS = ("hard_bounce", "complaint", "soft_expired", "manual", "imported")


def address(number: int) -> str:
    return f"user{number}@example{number % 997}.com"


def write_list(path: Path, rows: int) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("address", "reason", "created_at", "note", "source"))
        for number in range(rows):
            created = (start + timedelta(seconds=number)).isoformat(timespec="microseconds")
            note = f"ticket {number}" if number % 10 == 0 else ""
            writer.writerow((address(number), REASONS[number % len(REASONS)], created, note, "bench"))


def check_addresses(rows: int, count: int) -> list[str]:
    chooser = random.Random(7)
    wanted = []
    for index in range(count):
        number = chooser.randrange(rows) if index % 2 == 0 else rows + index
        text = address(number)
        wanted.append(text.upper() if index % 4 == 0 else text)
    return wanted


def command() -> list[str]:
    script = Path(sys.executable).with_name("bouncewarden")
    return [str(script)] if script.exists() else [shutil.which("bouncewarden") or "bouncewarden"]


def run(arguments: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command() + arguments, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="work in DIR and keep the files")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="bw-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        listing, database = folder / "suppressions.csv", folder / "bench.db"
        database.unlink(missing_ok=True)
        write_list(listing, options.rows)
        url = f"sqlite:///{database}"
        seconds, output = run(["import", str(listing), "--db", url])
        print(f"import: {options.rows} rows in {seconds:.2f} s ({options.rows / seconds:,.0f} rows/s)")
        print(f"  {output.strip()}")
        wanted = check_addresses(options.rows, options.checks)
        (folder / "check.txt").write_text("\n".join(wanted) + "\n", encoding="utf-8")
        seconds, output = run(["check", "--file", str(folder / "check.txt"), "--db", url])
        lines = output.splitlines()
        suppressed = sum(1 for line in lines if "\tsuppressed" in line)
        assert len(lines) == len(wanted), (len(lines), len(wanted))
        print(
            f"check: {len(wanted)} addresses in {seconds:.3f} s including start-up "
            f"({len(wanted) / seconds:,.0f} addresses/s; {suppressed} suppressed)"
        )
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
