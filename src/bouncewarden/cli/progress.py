"""Progress of a long run (`ingest`, `import`, `clean`, `quarantine replay`) on a terminal.

    with progress("ingesting", total_bytes, "inputs", quiet=as_json) as shown:
        shown.update(position=bytes_read, items=inputs_done)

One line on stderr, redrawn at most twice a second: how far (a percentage of `total`, when it is
known), how many items and how many per second. Nothing is drawn when stderr is not a terminal
(a pipe, a file, a service's log) or when the command is `quiet` (`--json`, a small run).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Progress", "file_size", "progress"]

_REDRAW_SECONDS = 0.5


class Progress:
    """Position and count of a long run, drawn with a rate on stderr at most twice a second."""

    def __init__(self, label: str, total: int, noun: str, shown: bool) -> None:
        self._label = label
        self._total = total
        self._noun = noun
        self._shown = shown
        self._started = time.monotonic()
        self._last = 0.0
        self._position = 0
        self._items = 0

    @property
    def position(self) -> int:
        """How far the run got, in the unit of `total`."""
        return self._position

    @property
    def items(self) -> int:
        """How many items were done."""
        return self._items

    def update(self, *, position: int, items: int) -> None:
        """`position` of `total` reached, `items` done in all."""
        self._position, self._items = position, items
        now = time.monotonic()
        if self._shown and now - self._last >= _REDRAW_SECONDS:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self._items / max(now - self._started, 1e-9)
        done = f"{min(100 * self._position // self._total, 100):3d}%  " if self._total > 0 else ""
        sys.stderr.write(f"\r{self._label}: {done}{self._items:,} {self._noun}, {rate:,.0f}/s\033[K")
        sys.stderr.flush()

    def finish(self) -> None:
        """Draw the last state and end the line."""
        if self._shown:
            self._draw(time.monotonic())
            sys.stderr.write("\n")
            sys.stderr.flush()


@contextmanager
def progress(label: str, total: int, noun: str, *, quiet: bool = False) -> Iterator[Progress]:
    """A `Progress` (`total` 0: unknown), drawn only on a terminal and when not `quiet`."""
    counter = Progress(label, total, noun, shown=not quiet and sys.stderr.isatty())
    try:
        yield counter
    finally:
        counter.finish()


def file_size(path: Path) -> int:
    """The size of the file at `path`, as a progress total; 0 (unknown) for `-` or what cannot be read."""
    if str(path) == "-":
        return 0
    try:
        return path.stat().st_size
    except OSError:
        return 0
