"""`ingest --format pmta|postfix-log|exim-log|sendmail-log FILE...` and the `[[logs]]` followers.

Reading with a format goes through `sources.logs.FileStream`, the same code `serve` uses to
follow the files configured under `[[logs]]`: positions are shared, so a file `ingest` has
read is not read again by the follower, nor by a second `ingest`.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from bouncewarden.config import LogSettings
from bouncewarden.errors import ConfigurationError
from bouncewarden.service import Service
from bouncewarden.sources.logs import FileStream, StreamReport

__all__ = ["EXIT_STORE_UNAVAILABLE", "follow_logs", "ingest_formatted", "log_threads", "report_lines"]

EXIT_STORE_UNAVAILABLE = 4
_log = logging.getLogger(__name__)


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigurationError(f"unknown time zone {name!r}") from err


def _files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(entry for entry in path.iterdir() if entry.is_file()) if path.is_dir() else [path]
    return files


def report_lines(report: StreamReport) -> list[str]:
    """The summary of a read for people."""
    stored = report.stored
    lines = [
        f"files read:          {report.files}",
        f"records read:        {report.records}",
        f"new events:          {stored.new_events}",
        f"duplicates skipped:  {stored.duplicates}",
    ]
    lines += [f"{severity + ':':<21}{count}" for severity, count in sorted(stored.by_severity.items())]
    lines += [f"skipped ({label}): {count}" for label, count in sorted(report.skipped.items())]
    lines.append(f"quarantined:         {stored.quarantined}")
    return lines + [f"error: {failure}" for failure in [*report.read_failures, *report.store_failures]]


def ingest_formatted(
    service: Service, format_name: str, paths: tuple[Path, ...], *, as_json: bool, zone: str
) -> int:
    """Read each file once (from where an earlier read stopped); the exit status."""
    stream = FileStream(service.files, name=format_name, format_name=format_name, zone=_zone(zone))
    report = StreamReport()
    for path in _files(paths):
        report.add(stream.read_once(path))
    if as_json:
        counts = {
            "files": report.files,
            "records": report.records,
            "new_events": report.stored.new_events,
            "duplicates": report.stored.duplicates,
            "quarantined": report.stored.quarantined,
            "skipped": report.skipped,
            **report.stored.by_severity,
            "errors": [*report.read_failures, *report.store_failures],
        }
        click.echo(json.dumps(counts))
    else:
        for line in report_lines(report):
            click.echo(line)
    if report.store_failures:
        return EXIT_STORE_UNAVAILABLE
    return 3 if report.stored.quarantined or report.read_failures else 0


def follow_logs(stream: FileStream, label: str, poll_seconds: float, stop: threading.Event) -> None:
    """Poll one `[[logs]]` stream, then every `poll_seconds`, until `stop` is set."""
    while True:
        try:
            report = stream.poll()
        except Exception:  # the worker boundary: log, wait, try again
            _log.exception("following %s failed", label)
        else:
            stored = report.stored
            if stored.new_events or stored.quarantined:
                _log.info("%s: %d new events, %d quarantined", label, stored.new_events, stored.quarantined)
        if stop.wait(poll_seconds):
            return


def log_threads(
    service: Service, streams: list[LogSettings], stop: threading.Event
) -> list[threading.Thread]:
    """One thread per `[[logs]]` entry (a bad time zone fails here, before any starts)."""
    threads = []
    for entry in streams:
        label = entry.name or entry.format
        stream = FileStream(
            service.files,
            name=label,
            format_name=entry.format,
            paths=[Path(path) for path in entry.paths],
            zone=_zone(entry.timezone),
        )
        threads.append(
            threading.Thread(
                target=follow_logs, args=(stream, label, entry.poll_seconds, stop), name=f"logs:{label}"
            )
        )
    return threads
