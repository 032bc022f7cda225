"""`bouncewarden serve --demo`: a fresh database with sample data and a one-time admin password.

The database is SQLite in a new temporary folder (never the configured one), so a demo can
never mix with real data. The password is printed once, to the terminal only; it is stored
scrypt-hashed like every other.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import click

from bouncewarden.clock import system_clock
from bouncewarden.config import Settings, default_database_url

__all__ = ["prepare_demo"]


def prepare_demo(settings: Settings) -> Settings:
    """`settings` pointed at a new demo database, which is filled; prints how to sign in."""
    from bouncewarden.demo import load_demo
    from bouncewarden.service import Service
    from bouncewarden.store.users import Role

    folder = Path(tempfile.mkdtemp(prefix="bouncewarden-demo-"))
    demo = settings.model_copy(update={"database_url": default_database_url(folder), "data_dir": folder})
    password = secrets.token_urlsafe(12)
    with Service.open(demo) as service:
        summary = load_demo(service, now=system_clock())
        service.users.add("admin", password, Role.ADMINISTRATOR)
    host = demo.http.host if demo.http.host not in {"0.0.0.0", "::"} else "127.0.0.1"
    click.echo(
        f"demo database: {folder} ({summary.files.inputs} sample files, {summary.generated} generated events)"
    )
    click.echo(f"admin UI:      http://{host}:{demo.http.port}/")
    click.echo("user:          admin")
    click.echo(f"password:      {password}   (shown once; delete the folder above when you are done)")
    return demo
