"""The `bouncewarden` command: one click group, one module per area of commands.

Each module under `bouncewarden.cli` defines its commands and a `register(group)` function;
`COMMAND_MODULES` lists them, in the order `--help` shows them.
"""

from __future__ import annotations

import importlib

import click

from bouncewarden import __version__

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bouncewarden")
def main() -> None:
    """bouncewarden: email bounce and complaint handling."""


COMMAND_MODULES: tuple[str, ...] = (
    "bouncewarden.cli.aws",
    "bouncewarden.cli.admin",
    "bouncewarden.cli.parse",
    "bouncewarden.cli.ingest",
)

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(main)
