"""What the commands share: the `--db`/`--config` options, opening the store, `--json`, progress.

Every command that reads settings takes `--config FILE` (a TOML file that must exist) and those
that touch the database `--db URL` (over `BOUNCEWARDEN_DATABASE_URL` and the settings file).
Bad settings are misuse (one line on stderr, exit status 2); a database that cannot be opened
is one line and exit status 1.
"""

from __future__ import annotations

import getpass
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bouncewarden.errors import BouncewardenError

if TYPE_CHECKING:
    from bouncewarden.config import Settings
    from bouncewarden.service import Service

__all__ = [
    "Progress",
    "actor",
    "config_option",
    "database_options",
    "json_option",
    "load",
    "open_service",
    "parse_time",
    "print_json",
    "progress",
    "safe_url",
]

F = TypeVar("F", bound=Callable[..., Any])


def config_option(function: F) -> F:
    """`--config FILE`, passed as `config_file`."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="TOML settings file.",
    )(function)


def database_options(function: F) -> F:
    """`--db URL` (passed as `database_url`) and `--config FILE`."""
    function = config_option(function)
    return click.option(
        "--db",
        "database_url",
        default=None,
        metavar="URL",
        help="Database URL (over BOUNCEWARDEN_DATABASE_URL and the settings file).",
    )(function)


def json_option(function: F) -> F:
    """`--json`, passed as `as_json`."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(function)


def load(config_file: Path | None, database_url: str | None = None, **overrides: Any) -> Settings:
    """The settings; bad ones are misuse (one line, exit status 2)."""
    from bouncewarden.config import load_settings

    try:
        return load_settings(config_file, database_url=database_url, **overrides)
    except BouncewardenError as err:
        raise click.UsageError(str(err)) from err


def open_service(settings: Settings) -> Service:
    """The store over `settings`, migrated; a one-line error when the database cannot be used."""
    from bouncewarden.service import Service

    try:
        return Service.open(settings)
    except BouncewardenError as err:
        raise click.ClickException(str(err)) from err


def parse_time(value: str, option: str) -> datetime:
    """An ISO 8601 time given to `option` (naive is UTC); a bad one is a usage error."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}", param_hint=option) from err
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def actor() -> str:
    """Who runs this command, for the audit trail."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def print_json(value: object) -> None:
    """`value` as indented JSON on stdout."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def safe_url(url: str) -> str:
    """`url` without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


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
        if self._shown and now - self._last >= 0.5:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self._items / max(now - self._started, 1e-9)
        percent = 100 * self._position // self._total if self._total else 100
        line = f"{self._label}: {percent:3d}%  {self._items:,} {self._noun}, {rate:,.0f}/s"
        sys.stderr.write(f"\r{line}\033[K")
        sys.stderr.flush()

    def finish(self) -> None:
        """Draw the last state and end the line."""
        if self._shown:
            self._draw(time.monotonic())
            sys.stderr.write("\n")


@contextmanager
def progress(label: str, total: int, noun: str, *, quiet: bool = False) -> Iterator[Progress]:
    """A `Progress`, drawn only when stderr is a terminal and the command is not `quiet` (`--json`)."""
    shown = not quiet and sys.stderr.isatty()
    counter = Progress(label, total, noun, shown)
    try:
        yield counter
    finally:
        counter.finish()
