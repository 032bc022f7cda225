"""Who may use the HTTP API and the admin UI: tokens and users.

    bouncewarden tokens create --scope read|write|admin [--name N]   prints the token once
    bouncewarden tokens list      ID, SCOPE, PREFIX, NAME, LAST USE, STATE (tab-separated)
    bouncewarden tokens revoke ID
    bouncewarden users add NAME --role viewer|operator|administrator   asks for the password
    bouncewarden users list
    bouncewarden users remove NAME

Passwords are read from the terminal (twice), or from stdin with `--password-stdin`; they
never appear in arguments, the process list or the shell history.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from bouncewarden.cli.options import database_options, load, open_service
from bouncewarden.store.tokens import Scope
from bouncewarden.store.users import Role, UserExists

__all__ = ["register"]


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="seconds")


@click.group("tokens")
def tokens_group() -> None:
    """Bearer tokens of the HTTP API."""


@tokens_group.command("create")
@click.option("--scope", type=click.Choice([scope.value for scope in Scope]), required=True)
@click.option("--name", default="", help="A label to tell the token apart.")
@database_options
def tokens_create(scope: str, name: str, config_file: Path | None, database_url: str | None) -> None:
    """Create a token and print it (this is the only time it is shown)."""
    with open_service(load(config_file, database_url)) as service:
        created = service.tokens.create(Scope(scope), name)
    click.echo(created.secret)
    click.echo(f"token {created.info.id} ({scope}) created; store it now, it cannot be shown again", err=True)


@tokens_group.command("list")
@database_options
def tokens_list(config_file: Path | None, database_url: str | None) -> None:
    """List the tokens (never the tokens themselves)."""
    with open_service(load(config_file, database_url)) as service:
        tokens = service.tokens.list()
    for token in tokens:
        state = "revoked" if token.revoked_at else "live"
        fields = (
            str(token.id),
            token.scope,
            token.prefix + "…",
            token.name,
            _when(token.last_used_at),
            state,
        )
        click.echo("\t".join(fields))


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@database_options
def tokens_revoke(token_id: int, config_file: Path | None, database_url: str | None) -> None:
    """Revoke a token by id (from `tokens list`)."""
    with open_service(load(config_file, database_url)) as service:
        revoked = service.tokens.revoke(token_id)
    if not revoked:
        raise click.ClickException(f"no live token with id {token_id}")
    click.echo(f"token {token_id} revoked")


@click.group("users")
def users_group() -> None:
    """People who sign in to the admin UI."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("a password needs at least 10 characters")
    return password


@users_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.VIEWER.value)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@database_options
def users_add(
    username: str, role: str, password_stdin: bool, config_file: Path | None, database_url: str | None
) -> None:
    """Add a user (asks for the password)."""
    password = _read_password(password_stdin)
    with open_service(load(config_file, database_url)) as service:
        try:
            user = service.users.add(username, password, Role(role))
        except (UserExists, ValueError) as err:
            raise click.ClickException(str(err)) from err
    click.echo(f"user {user.username} ({user.role}) added")


@users_group.command("list")
@database_options
def users_list(config_file: Path | None, database_url: str | None) -> None:
    """List the users: NAME<TAB>ROLE<TAB>LAST LOGIN."""
    with open_service(load(config_file, database_url)) as service:
        users = service.users.list()
    for user in users:
        click.echo(f"{user.username}\t{user.role}\t{_when(user.last_login_at)}")


@users_group.command("remove")
@click.argument("username")
@database_options
def users_remove(username: str, config_file: Path | None, database_url: str | None) -> None:
    """Remove a user."""
    with open_service(load(config_file, database_url)) as service:
        removed = service.users.remove(username)
    if not removed:
        raise click.ClickException(f"no user called {username!r}")
    click.echo(f"user {username} removed")


def register(group: click.Group) -> None:
    """Add `tokens` and `users` to the `bouncewarden` command."""
    group.add_command(tokens_group)
    group.add_command(users_group)
