"""`bouncewarden tokens` and `bouncewarden users`: created, listed, revoked; secrets stored hashed."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner, Result

from bouncewarden.cli import main


def invoke(database_url: str, *arguments: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, [*arguments, "--db", database_url], input=stdin, catch_exceptions=False)


def test_tokens_are_printed_once_stored_hashed_and_revocable(database_url: str) -> None:
    created = invoke(database_url, "tokens", "create", "--scope", "write", "--name", "crm")
    assert created.exit_code == 0
    secret = created.stdout.strip()
    assert secret.startswith("bw_") and len(secret) > 40
    listed = invoke(database_url, "tokens", "list").stdout
    assert secret not in listed and listed.split("\t")[:2] == ["1", "write"] and "live" in listed
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_sha256, prefix FROM api_tokens")).one()
    engine.dispose()
    assert secret not in stored[0] and len(stored[0]) == 64 and secret.startswith(stored[1])
    assert invoke(database_url, "tokens", "revoke", "1").exit_code == 0
    assert "revoked" in invoke(database_url, "tokens", "list").stdout
    assert invoke(database_url, "tokens", "revoke", "1").exit_code == 1
    assert invoke(database_url, "tokens", "create", "--scope", "root").exit_code == 2


def test_users_are_added_with_a_hashed_password(database_url: str) -> None:
    added = invoke(
        database_url,
        "users",
        "add",
        "alice",
        "--role",
        "operator",
        "--password-stdin",
        stdin="s3cret-enough\n",
    )
    assert added.exit_code == 0, added.output
    assert invoke(database_url, "users", "list").stdout.startswith("alice\toperator\t")
    again = invoke(database_url, "users", "add", "alice", "--password-stdin", stdin="s3cret-enough\n")
    assert again.exit_code == 1 and "already" in again.output
    short = invoke(database_url, "users", "add", "bob", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    engine.dispose()
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert invoke(database_url, "users", "remove", "alice").exit_code == 0
    assert invoke(database_url, "users", "remove", "alice").exit_code == 1
