"""Parse throughput and peak memory: bouncewarden beside Sisimai and flufl.bounce, same run.

    pip install -e '.[bench]'     # flufl.bounce
    python benchmarks/bench_parse.py [DIR] [--passes N] [--rounds R] [--cpu K] [--skip-sisimai]
                                     [--skip-flufl]

Each system runs in its own child process pinned to one CPU core, parses every message file
of DIR (default: the shared corpus) N times, reading the files from disk on every pass, and
reports how many emails it parsed and how long that took. Peak memory is the child's maximum
resident set size (`wait4` rusage), interpreter included. Sisimai is driven by a small Perl
program (`Sisimai->make` per file, Debian package libsisimai-perl); flufl.bounce by
`all_failures` on a compat32 message. The last lines print each rival's numbers and our
ratio to them, by wall clock and by the CPU time each child spent parsing.

On a shared machine other work takes turns on the same core: `--rounds R` runs the systems R
times, taking turns (ours, Sisimai, flufl.bounce, ours, ...), and keeps each system's fastest
round (by emails per CPU-second), so that a burst of load in one round does not decide the
ratio. The default is one round.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(os.environ.get("BOUNCEWARDEN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DEFAULT = SHARED / "corpus" / "maildir" / "bsd"

_OURS = """
import json, sys, time
from bouncewarden.parse import parse_file
paths = [line.rstrip("\\n") for line in open(sys.argv[1])]
passes = int(sys.argv[2])
count = 0
began, cpu = time.perf_counter(), time.process_time()
for _ in range(passes):
    for path in paths:
        for _name, _result in parse_file(path):
            count += 1
print(json.dumps({"emails": count, "seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu}))
"""

_FLUFL = """
import email, json, sys, time
from email.policy import compat32
from flufl.bounce import all_failures
paths = [line.rstrip("\\n") for line in open(sys.argv[1])]
passes = int(sys.argv[2])
count = 0
began, cpu = time.perf_counter(), time.process_time()
for _ in range(passes):
    for path in paths:
        with open(path, "rb") as handle:
            message = email.message_from_binary_file(handle, policy=compat32)
        all_failures(message)
        count += 1
print(json.dumps({"emails": count, "seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu}))
"""

_SISIMAI = r"""
use strict; use warnings; use Sisimai; use Time::HiRes qw(time);
open(my $fh, '<', $ARGV[0]) or die; my @paths = map { chomp; $_ } <$fh>; close $fh;
my $passes = $ARGV[1]; my $count = 0; my $began = time; my @cpu = times;
for (1 .. $passes) { for my $path (@paths) { Sisimai->make($path); $count++; } }
my @done = times;
printf("{\"emails\": %d, \"seconds\": %.6f, \"cpu\": %.6f}\n", $count, time - $began,
       $done[0] + $done[1] - $cpu[0] - $cpu[1]);
"""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One system's run: emails parsed, seconds spent (wall clock and CPU), peak memory in MiB."""

    name: str
    emails: int
    seconds: float
    cpu_seconds: float
    peak_mib: float

    @property
    def rate(self) -> float:
        """Emails parsed per second."""
        return self.emails / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        """Emails parsed per CPU-second of the child (steadier than `rate` on a busy machine)."""
        return self.emails / self.cpu_seconds if self.cpu_seconds else 0.0


def _run(name: str, command: list[str], cpu: int) -> Measurement | None:
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )
    assert child.stdout is not None and child.stderr is not None
    output, errors = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        print(
            f"{name}: failed ({child.returncode}): {errors.decode(errors='replace')[-400:]}", file=sys.stderr
        )
        return None
    numbers = json.loads(output.decode().strip().splitlines()[-1])
    return Measurement(name, numbers["emails"], numbers["seconds"], numbers["cpu"], usage.ru_maxrss / 1024)


def main() -> None:
    """Run the three systems and print the table and the ratios."""
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("directory", nargs="?", type=Path, default=DEFAULT)
    options.add_argument("--passes", type=int, default=5)
    options.add_argument("--rounds", type=int, default=1, help="runs per system, taking turns; best kept")
    options.add_argument("--cpu", type=int, default=0, help="the CPU core every child is pinned to")
    options.add_argument("--skip-sisimai", action="store_true")
    options.add_argument("--skip-flufl", action="store_true")
    args = options.parse_args()
    paths = sorted(str(p) for p in args.directory.iterdir() if p.is_file() and not p.name.startswith("."))
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    runs = [("bouncewarden", [sys.executable, "-c", _OURS, listing.name, str(args.passes)])]
    if not args.skip_sisimai:
        runs.append(("Sisimai", ["perl", "-e", _SISIMAI, listing.name, str(args.passes)]))
    if not args.skip_flufl:
        runs.append(("flufl.bounce", [sys.executable, "-c", _FLUFL, listing.name, str(args.passes)]))
    print(
        f"files: {len(paths)} in {args.directory}, {args.passes} passes, one process each, CPU {args.cpu}, "
        f"best of {max(args.rounds, 1)} round(s)"
    )
    best: dict[str, Measurement] = {}
    for _ in range(max(args.rounds, 1)):
        for name, command in runs:
            m = _run(name, command, args.cpu)
            if m is not None and (name not in best or m.cpu_rate > best[name].cpu_rate):
                best[name] = m
    results = [best[name] for name, _ in runs if name in best]
    os.unlink(listing.name)
    for m in results:
        print(
            f"  {m.name:14} {m.emails:7d} emails  {m.seconds:7.2f} s  "
            f"{m.rate:8,.0f} emails/s  {m.cpu_rate:8,.0f} emails/CPU-s  peak {m.peak_mib:6.1f} MiB"
        )
    ours = next((m for m in results if m.name == "bouncewarden"), None)
    for rival in results:
        if ours is not None and rival is not ours and rival.rate:
            print(
                f"bouncewarden / {rival.name}: {ours.rate / rival.rate:.2f}x emails/s, "
                f"{ours.cpu_rate / (rival.cpu_rate or ours.cpu_rate):.2f}x emails/CPU-s, "
                f"{ours.peak_mib / rival.peak_mib:.2f}x peak memory"
            )


if __name__ == "__main__":
    main()
