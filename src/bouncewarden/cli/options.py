"""What the commands share: the `--db`/`--config` options, opening the store, `--json`, times.

Every command that reads settings takes `--config FILE` (a TOML file that must exist) and those
that touch the database `--db URL` (over `BOUNCEWARDEN_DATABASE_URL` and the settings file).
Bad settings are misuse (one line on stderr, exit status 2); a database that cannot be opened
is one line and exit status 1.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bouncewarden.errors import BouncewardenError

if TYPE_CHECKING:
    from bouncewarden.config import Settings
    from bouncewarden.service import Service

__all__ = [
    "MOMENT",
    "actor",
    "config_option",
    "database_options",
    "json_option",
    "load",
    "open_service",
    "print_json",
    "safe_url",
]

F = TypeVar("F", bound=Callable[..., Any])


class _Moment(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click releases
    """An ISO 8601 date or time (`--since`, `--now`); one written without a zone is UTC."""

    name = "ISO-8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or time", param, ctx)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


MOMENT = _Moment()


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
