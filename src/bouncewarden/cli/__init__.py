"""The `bouncewarden` command: one click group, one module per area of commands.

Each module under `bouncewarden.cli` defines its commands and a `register(group)` function;
`COMMANDS` says which module holds each command. A module is imported only when one of its
commands runs (or `--help` lists them all), so `bouncewarden check` does not pay for loading
the parsers and `bouncewarden parse` does not pay for the database layer.
"""

from __future__ import annotations

import gc
import importlib

import click

from bouncewarden import __version__

__all__ = ["COMMANDS", "main"]

_AWS = "bouncewarden.cli.aws"
_ADMIN = "bouncewarden.cli.admin"
_PARSE = "bouncewarden.cli.parse"
_INGEST = "bouncewarden.cli.ingest"
_RULES = "bouncewarden.cli.rules"
_RECLASSIFY = "bouncewarden.cli.reclassify"
_ACCESS = "bouncewarden.cli.access"
_MAIL = "bouncewarden.cli.mail"
_QUARANTINE = "bouncewarden.cli.quarantine"
_LIST = "bouncewarden.cli.suppression_list"
_HEALTH = "bouncewarden.cli.health"

COMMANDS: dict[str, str] = {
    "aws": _AWS,
    "worker": "bouncewarden.cli.worker",
    "check": _ADMIN,
    "config": _ADMIN,
    "db": _ADMIN,
    "export": _LIST,
    "history": _ADMIN,
    "import": _LIST,
    "jobs": _ADMIN,
    "stats": _HEALTH,
    "alerts": _HEALTH,
    "record-sends": _HEALTH,
    "suppress": _ADMIN,
    "unsuppress": _ADMIN,
    "parse": _PARSE,
    "ingest": _INGEST,
    "clean": "bouncewarden.cli.clean",
    "serve": "bouncewarden.cli.serve",
    "quarantine": _QUARANTINE,
    "rules": _RULES,
    "reclassify": _RECLASSIFY,
    "tokens": _ACCESS,
    "users": _ACCESS,
    "smtp": _MAIL,
    "mailbox": _MAIL,
    "webhooks": "bouncewarden.cli.webhooks",
}
"""Command name -> the module that registers it."""


_COLLECT_AFTER_ALLOCATIONS = 50_000


class _LazyGroup(click.Group):
    """A group that imports a command's module the first time the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(module).register(self)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bouncewarden")
def main() -> None:
    """bouncewarden: email bounce and complaint handling."""
    # Reading feedback makes and drops millions of small objects (decoded JSON, events); at
    # the default threshold of 700 the cycle collector runs thousands of times a run, each
    # time walking the young objects, for garbage that reference counting frees anyway.
    gc.set_threshold(_COLLECT_AFTER_ALLOCATIONS, 20, 100)
