"""Throughput of the MTA family parsers: messages per second over a directory of bounces.

    python benchmarks/mta_parsers.py [DIR] [--rounds N]

Reads every *.eml under DIR (default: the shared corpus) once, then times, per message,
reading it into a BounceMessage and running every registered parser's detect() and the
parse() of those that detect it. Prints messages/s for the whole and for detect+parse
alone (the parsers' own cost), and the slowest parsers.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta import PARSERS

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "maildir" / "bsd"


def main() -> None:
    """Run the measurement and print the numbers."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("directory", nargs="?", type=Path, default=DEFAULT)
    options.add_argument("--rounds", type=int, default=5)
    args = options.parse_args()
    blobs = [path.read_bytes() for path in sorted(args.directory.glob("*.eml"))]
    spent: Counter[str] = Counter()
    total = parsers_only = 0.0
    for _ in range(args.rounds):
        for data in blobs:
            began = time.perf_counter()
            message = BounceMessage(data)
            read = time.perf_counter()
            for parser in PARSERS:
                start = time.perf_counter()
                if parser.detect(message):
                    parser.parse(message)
                spent[parser.NAME] += time.perf_counter() - start
            done = time.perf_counter()
            total += done - began
            parsers_only += done - read
    count = len(blobs) * args.rounds
    print(f"messages: {len(blobs)} x {args.rounds} rounds")
    print(f"read + detect + parse: {count / total:,.0f} messages/s")
    print(f"detect + parse only:   {count / parsers_only:,.0f} messages/s")
    for name, seconds in spent.most_common(5):
        print(f"  {name:20} {seconds / count * 1e6:7.1f} us/message")


if __name__ == "__main__":
    main()
