"""List hygiene: drop the rows of a mailing list whose address may not be mailed.

`bouncewarden clean` streams a CSV through `clean_csv`: the header and every column are
kept, rows whose address is suppressed (compared in normalised, lower-case form) or not a
syntactically usable address are dropped and counted, by suppression reason and as
"invalid". Domains are compared in their IDNA form (`bouncewarden.addresses`), so a
suppressed `user@xn--bcher-kva.example` drops the row `user@bücher.example`.

The rows are read a few thousand at a time and the store is asked only about their addresses
(`Administration.statuses`), so memory holds one batch of rows and its answer, whatever the
size of the file or of the suppression list. Loading the whole suppression list instead cost
140 MB for a million addresses (a dict of a million strings), more than the rest of the
command, and took longer than asking about the addresses of the list.

"Usable" is stricter than RFC 5321 on purpose, because the question is whether a bulk
sender should try the address: a dot-atom local part (no quoted strings, no leading,
trailing or doubled dots, at most 64 characters), a domain of at least two labels of
letters, digits and inner hyphens (at most 63 each) ending in an alphabetic or `xn--`
top-level label, at most 254 characters in all. Non-ASCII letters are allowed (SMTPUTF8,
internationalised domains). Address literals (`user@[192.0.2.1]`) are refused.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from bouncewarden.addresses import normalise_address
from bouncewarden.errors import BouncewardenError
from bouncewarden.policy import AddressStatus, SuppressionReason

__all__ = [
    "CleanReport",
    "ColumnNotFound",
    "UnreadableList",
    "clean_csv",
    "clean_file",
    "is_usable_address",
]

DEFAULT_COLUMN = "email"
_PROGRESS_EVERY = 50_000
# Rows whose addresses go to the store in one question: few enough to hold (a few MB), many
# enough that the questions cost little (one statement per 5,000 addresses).
_ROWS_PER_LOOKUP = 5000


class Statuses(Protocol):
    """`Administration.statuses`: the stored status and reason of each known one of `addresses`."""

    def __call__(
        self, addresses: Iterable[str], *, normalised: bool
    ) -> Mapping[str, tuple[AddressStatus, SuppressionReason | None]]: ...


_OTHER = r"\u0080-\U0010ffff"
_ATOM = rf"[a-z0-9!#$%&'*+/=?^_`{{|}}~\-{_OTHER}]+"
_LABEL = rf"[a-z0-9{_OTHER}](?:[a-z0-9\-{_OTHER}]{{0,61}}[a-z0-9{_OTHER}])?"
_TOP_LABEL = rf"(?:[a-z{_OTHER}]{{2,63}}|xn--[a-z0-9\-]{{1,59}})"
_USABLE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+{_TOP_LABEL}")
_MAX_LOCAL = 64
_MAX_ADDRESS = 254
_DELIMITERS = (",", ";", "\t", "|")


class ColumnNotFound(BouncewardenError, ValueError):
    """The CSV header has no column of the name asked for."""


class UnreadableList(BouncewardenError, ValueError):
    """The list is not readable as CSV (a field over 128 KiB, an unclosed quote); says the line."""


@dataclass(slots=True)
class CleanReport:
    """How many rows were read, kept and dropped, and why."""

    rows: int = 0
    kept: int = 0
    invalid: int = 0
    suppressed: Counter[str] = field(default_factory=Counter)

    @property
    def dropped(self) -> int:
        """Rows left out, for any reason."""
        return self.invalid + self.suppressed.total()

    def as_dict(self) -> dict[str, object]:
        """The report as `--json` prints it."""
        return {
            "rows": self.rows,
            "kept": self.kept,
            "dropped": self.dropped,
            "suppressed": self.suppressed.total(),
            "suppressed_by_reason": dict(sorted(self.suppressed.items())),
            "invalid": self.invalid,
        }

    def lines(self) -> list[str]:
        """The report for people."""
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(self.suppressed.items()))
        lines = [
            f"rows read: {self.rows}",
            f"kept:      {self.kept}",
            f"dropped:   {self.dropped}",
            f"  suppressed: {self.suppressed.total()}" + (f" ({reasons})" if reasons else ""),
            f"  invalid:    {self.invalid}",
        ]
        return lines


def is_usable_address(address: str) -> bool:
    """Whether a normalised (lower-case, trimmed) address is worth mailing, by its syntax."""
    if len(address) > _MAX_ADDRESS or _USABLE.fullmatch(address) is None:
        return False
    return address.index("@") <= _MAX_LOCAL


def _delimiter(header: str) -> str:
    counts = {delimiter: header.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _column_index(header: list[str], column: str) -> int:
    wanted = column.strip().lower()
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    if wanted in names:
        return names.index(wanted)
    raise ColumnNotFound(f"no column {column!r} in the header (columns: {', '.join(header)})")


def clean_csv(
    source: TextIO,
    target: TextIO,
    *,
    statuses: Statuses,
    column: str = DEFAULT_COLUMN,
    on_progress: Callable[[int], object] | None = None,
) -> CleanReport:
    """Copy `source` to `target` without the rows that may not be mailed; the counts.

    `source` should be opened with `newline=""`; the delimiter (`,` `;` tab `|`) and the line
    ending are taken from the header line and used for the output too. `statuses` is asked
    about the addresses of every few thousand rows. `on_progress(rows)` is called every few
    tens of thousands of rows.
    """
    report = CleanReport()
    header_line = source.readline()
    if not header_line:
        return report
    delimiter = _delimiter(header_line)
    ending = "\r\n" if header_line.endswith("\r\n") else "\n"
    reader = csv.reader(itertools.chain([header_line], source), delimiter=delimiter)
    writer = csv.writer(target, delimiter=delimiter, lineterminator=ending)
    try:
        header = next(reader)
        index = _column_index(header, column)
        writer.writerow(header)
        _copy_rows(reader, _Batch(writer.writerows, index, statuses, report), on_progress)
    except csv.Error as err:
        raise UnreadableList(f"{reader.line_num}: not readable as CSV: {err}") from err
    return report


def _copy_rows(rows: Iterable[list[str]], batch: _Batch, on_progress: Callable[[int], object] | None) -> None:
    # Rows are gathered in batches whose addresses the store is asked about together.
    rows_read = 0
    pending: list[list[str]] = []
    try:
        for row in rows:
            pending.append(row)
            if len(pending) == _ROWS_PER_LOOKUP:
                batch.settle(pending)
                pending = []
                rows_read += _ROWS_PER_LOOKUP
                if on_progress is not None and rows_read % _PROGRESS_EVERY == 0:
                    on_progress(rows_read)
    except csv.Error:
        # The rows before the unreadable one are written, as they were before rows came in batches.
        batch.settle(pending)
        raise
    batch.settle(pending)


@dataclass(slots=True)
class _Batch:
    """Decides a batch of rows: writes the mailable ones (`write`: all at once), counts the others."""

    write: Callable[[list[list[str]]], object]
    index: int
    statuses: Statuses
    report: CleanReport

    def settle(self, rows: list[list[str]]) -> None:
        """Write or count every row of `rows`, in order."""
        # The hot loop: a million rows should take about two seconds, so no per-row helper calls.
        index = self.index
        addresses: list[str] = []
        for row in rows:
            # normalise_address, inlined for ASCII (an internationalised domain takes the slow road)
            address = row[index].strip().strip("<>").strip().lower() if index < len(row) else ""
            addresses.append(address if address.isascii() else normalise_address(address))
        reasons = {
            address: reason.value if reason is not None else ""
            for address, (status, reason) in self.statuses(addresses, normalised=True).items()
            if status is AddressStatus.SUPPRESSED
        }
        mailable: list[list[str]] = []
        invalid = 0
        dropped = self.report.suppressed
        usable = _USABLE.fullmatch
        keep = mailable.append
        for row, address in zip(rows, addresses, strict=True):
            reason = reasons.get(address)
            if reason is not None:
                dropped[reason] += 1
            elif usable(address) is None or len(address) > _MAX_ADDRESS or address.index("@") > _MAX_LOCAL:
                invalid += 1
            else:
                keep(row)
        self.write(mailable)
        self.report.rows += len(rows)
        self.report.kept += len(mailable)
        self.report.invalid += invalid


STANDARD_STREAM = Path("-")


@contextmanager
def _text_input(path: Path) -> Iterator[tuple[TextIO, BinaryIO]]:
    """The list as text for the csv module (UTF-8; bytes that are not UTF-8 pass through)."""
    if path == STANDARD_STREAM:
        binary: BinaryIO = sys.stdin.buffer
        text = io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape", newline="")
        try:
            yield text, binary
        finally:
            text.detach()
        return
    with path.open("rb") as opened:
        text = io.TextIOWrapper(opened, encoding="utf-8", errors="surrogateescape", newline="")
        yield text, opened


@contextmanager
def _text_output(path: Path) -> Iterator[TextIO]:
    """The output, written beside its final name and renamed into place once complete."""
    if path == STANDARD_STREAM:
        text = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="surrogateescape", newline="")
        try:
            yield text
        finally:
            text.flush()
            text.detach()
        return
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def clean_file(
    input_path: Path,
    output_path: Path,
    *,
    statuses: Statuses,
    column: str = DEFAULT_COLUMN,
    on_progress: Callable[[int, int], object] | None = None,
) -> CleanReport:
    """`clean_csv` from one file to another (`-` for stdin/stdout); `on_progress(bytes_read, rows)`."""
    with _text_input(input_path) as (source, binary), _text_output(output_path) as target:
        tick = None if on_progress is None else (lambda rows: on_progress(binary.tell(), rows))
        return clean_csv(source, target, statuses=statuses, column=column, on_progress=tick)
