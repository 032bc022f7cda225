"""List-hygiene speed and memory: `bouncewarden clean` over a large CSV, through the command line.

1. Writes a 1,000,000-address suppression list (`--stored`) in the export format and loads
   it with `bouncewarden import` into a fresh SQLite database.
2. Writes a 1,000,000-row mailing list (id, email, first name, last name, signup date,
   plan) in which 100,000 of the suppressed addresses (`--suppressed`) appear (a quarter of
   them in other letter case) and 1 % of the rows hold a syntactically invalid address.
3. Runs `bouncewarden clean` on it as a subprocess, and prints wall time, the child's CPU
   time (steadier than wall time on a shared machine) and its peak resident memory
   (resource.getrusage(RUSAGE_CHILDREN); each run in a fresh `python` wrapper process, so one
   run's peak never hides another's). Targets: under 5 s and under 200 MiB.
4. Does the same on a 2,000,000-row list: memory must not grow with the file.

    python benchmarks/bench_clean.py [--rows N] [--stored N] [--suppressed N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIME_TARGET_SECONDS = 5.0
MEMORY_TARGET_MIB = 200.0

# Run in a fresh interpreter: runs `bouncewarden clean`, then prints the child's CPU time and peak RSS.
_MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(done.returncode, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
sys.stderr.write(done.stdout + done.stderr)
"""


def suppressed_address(number: int) -> str:
    return f"gone{number}@example{number % 997}.com"


def list_address(row: int, suppressed: int, every: int) -> str:
    if row % every == 0 and row // every < suppressed:
        text = suppressed_address(row // every)
        return text.upper() if row % (every * 4) == 0 else text
    if row % 100 == 7:
        return f"broken{row}.example.com"  # no @
    return f"Reader.{row}@mail{row % 211}.example.org"


def write_suppressions(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("address", "reason", "created_at", "note", "source"))
        reasons = ("hard_bounce", "complaint", "soft_expired")
        for number in range(count):
            writer.writerow((suppressed_address(number), reasons[number % 3], "", "", "bench"))


def write_list(path: Path, rows: int, suppressed: int) -> None:
    every = max(rows // suppressed, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("id", "email", "first_name", "last_name", "signed_up", "plan"))
        for row in range(rows):
            writer.writerow(
                (
                    row,
                    list_address(row, suppressed, every),
                    f"First{row % 500}",
                    f"Last {row % 733}",
                    f"2024-{row % 12 + 1:02d}-{row % 28 + 1:02d}",
                    ("free", "pro", "team")[row % 3],
                )
            )


def bouncewarden() -> str:
    script = Path(sys.executable).with_name("bouncewarden")
    return str(script) if script.exists() else shutil.which("bouncewarden") or "bouncewarden"


def measure(arguments: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak MiB of one `bouncewarden` run, and its output."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, bouncewarden(), *arguments],
        capture_output=True,
        text=True,
        check=True,
    )
    returncode, seconds, cpu_seconds, peak_kib = done.stdout.split()
    if returncode != "0":
        raise SystemExit(f"bouncewarden {' '.join(arguments)} failed ({returncode}):\n{done.stderr}")
    return float(seconds), float(cpu_seconds), int(peak_kib) / 1024, done.stderr


def clean_run(folder: Path, database_url: str, rows: int, suppressed: int) -> tuple[float, float]:
    source = folder / f"list-{rows}.csv"
    started = time.perf_counter()
    write_list(source, rows, suppressed)
    size = source.stat().st_size / 1024 / 1024
    print(f"wrote {rows:,} rows ({size:.0f} MiB) in {time.perf_counter() - started:.1f} s")
    target = folder / f"clean-{rows}.csv"
    seconds, cpu_seconds, peak, output = measure(
        ["clean", str(source), "-o", str(target), "--json", "--db", database_url]
    )
    report = json.loads(output.splitlines()[0])
    print(
        f"clean {rows:,} rows: {seconds:.2f} s (CPU {cpu_seconds:.2f} s), peak RSS {peak:.0f} MiB,"
        f" {rows / seconds:,.0f} rows/s"
    )
    print(f"  report: {json.dumps(report)}")
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stored", type=int, default=1_000_000, help="Suppressions in the database.")
    parser.add_argument("--suppressed", type=int, default=100_000, help="Of them, rows in the list.")
    parser.add_argument("--keep", type=Path, default=None, help="Work in DIR and keep the files.")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="bw-bench-clean-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        database_url = f"sqlite:///{(folder / 'bench.db').as_posix()}"
        suppressions = folder / "suppressions.csv"
        write_suppressions(suppressions, max(options.stored, options.suppressed))
        seconds, _, _, _ = measure(["import", str(suppressions), "--db", database_url])
        print(f"imported {max(options.stored, options.suppressed):,} suppressions in {seconds:.1f} s")
        one = clean_run(folder, database_url, options.rows, options.suppressed)
        two = clean_run(folder, database_url, options.rows * 2, options.suppressed)
        verdict = "OK" if one[0] < TIME_TARGET_SECONDS and one[1] < MEMORY_TARGET_MIB else "MISSED"
        print(
            f"target (< {TIME_TARGET_SECONDS:.0f} s, < {MEMORY_TARGET_MIB:.0f} MiB"
            f" on {options.rows:,} rows): {verdict}"
        )
        print(f"memory growth from {options.rows:,} to {options.rows * 2:,} rows: {two[1] - one[1]:+.1f} MiB")
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
