"""Commands for bounce mail arriving as mail: the SMTP receiver and the mailbox scanner.

    bouncewarden smtp [--host H] [--port P] [--db URL] [--config FILE]   run the receiver
    bouncewarden smtp status [--json]                                    what it last reported
    bouncewarden mailbox list [--json]                                   configured mailboxes
    bouncewarden mailbox scan [NAME] [--json]                            read new mail once

`mailbox scan` exits 0 when every mailbox was read to the end, 1 when one stopped on an
error (the store down, the server unreachable); what it stopped at is read next time.
Passwords come from `password_env` or `password_file` in the settings, never from options.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from bouncewarden.cli.options import database_options as _options
from bouncewarden.cli.options import load as _settings
from bouncewarden.cli.options import open_service as _open
from bouncewarden.errors import BouncewardenError

if TYPE_CHECKING:
    from bouncewarden.config import Settings
    from bouncewarden.config_mail import SmtpSettings
    from bouncewarden.service import Service
    from bouncewarden.sources.smtp import SmtpReceiver
    from bouncewarden.store.mail_sources import SourceState

__all__ = ["mailbox_group", "register", "smtp_group", "start_mail_sources"]


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


def _state_dict(state: SourceState | None) -> dict[str, Any]:
    if state is None:
        return {
            "counts": {},
            "last_seen_at": None,
            "last_error": None,
            "last_error_at": None,
            "updated_at": None,
        }
    return {
        "counts": dict(state.counts),
        "started_at": state.started_at.isoformat() if state.started_at else None,
        "last_seen_at": state.last_seen_at.isoformat() if state.last_seen_at else None,
        "last_error": state.last_error,
        "last_error_at": state.last_error_at.isoformat() if state.last_error_at else None,
        "updated_at": state.updated_at.isoformat(),
    }


def _smtp_settings(settings: Settings, host: str | None, port: int | None) -> SmtpSettings:
    from bouncewarden.config_mail import SmtpSettings

    configured = settings.smtp or SmtpSettings()
    if not configured.domains and not configured.addresses:
        raise click.ClickException(
            "no [smtp] domains or addresses configured: the receiver would refuse all mail"
        )
    changes = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    return configured.model_copy(update=changes)


@click.group("smtp", invoke_without_command=True)
@click.option("--host", default=None, help="Address to listen on (default: [smtp] host, 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Port (default: [smtp] port, 2525)."
)
@_options
@click.pass_context
def smtp_group(
    context: click.Context,
    host: str | None,
    port: int | None,
    config_file: Path | None,
    database_url: str | None,
) -> None:
    """Run the SMTP bounce receiver (the MX of the return-path domains) until stopped."""
    if context.invoked_subcommand is not None:
        return
    settings = _settings(config_file, database_url)
    smtp = _smtp_settings(settings, host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_smtp_library()
    stop = _stop_on_signals()
    with _open(settings) as service:
        receiver = _start_receiver(service, smtp)
        click.echo(f"bouncewarden smtp: listening on {smtp.host}:{receiver.port}", err=True)
        try:
            stop.wait()
        finally:
            receiver.stop()
    click.echo("bouncewarden smtp: stopped", err=True)


@smtp_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_options
def smtp_status(as_json: bool, config_file: Path | None, database_url: str | None) -> None:
    """Show the receiver's configuration and what it last reported (counts, last message, errors)."""
    from bouncewarden.sources.smtp import SMTP_SOURCE

    settings = _settings(config_file, database_url)
    with _open(settings) as service:
        states = service.mail_sources.states(SMTP_SOURCE)
    state = states[0] if states else None
    smtp = settings.smtp
    configured = (
        None
        if smtp is None
        else {"listen": f"{smtp.host}:{smtp.port}", "domains": smtp.domains, "addresses": smtp.addresses}
    )
    if as_json:
        click.echo(json.dumps({"configured": configured, **_state_dict(state)}, indent=2))
        return
    if configured is None:
        click.echo("smtp: not configured (no [smtp] section)")
    else:
        click.echo(
            f"smtp: {configured['listen']}, domains {', '.join(smtp.domains) if smtp else ''}"
            f"{', addresses ' + ', '.join(smtp.addresses) if smtp and smtp.addresses else ''}"
        )
    if state is None:
        click.echo("no status reported yet (the receiver has not run against this database)")
        return
    click.echo(f"started {_stamp(state.started_at)}, last report {_stamp(state.updated_at)}")
    click.echo(f"last message {_stamp(state.last_seen_at)}")
    for name, value in sorted(state.counts.items()):
        click.echo(f"  {name:<20} {value}")
    if state.last_error:
        click.echo(f"last error {_stamp(state.last_error_at)}: {state.last_error}")


@click.group("mailbox")
def mailbox_group() -> None:
    """Read bounces from mailboxes: IMAP, POP3, Maildir, mbox (`[[mailboxes]]` in the settings)."""


@mailbox_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_options
def mailbox_list(as_json: bool, config_file: Path | None, database_url: str | None) -> None:
    """Show the configured mailboxes, when each was last read, and its last error."""
    from bouncewarden.sources.mailbox import MAILBOX_KIND

    settings = _settings(config_file, database_url)
    with _open(settings) as service:
        states = {state.name: state for state in service.mail_sources.states(MAILBOX_KIND)}
    rows = []
    for box in settings.mailboxes:
        where = str(box.path) if box.path else f"{box.username}@{box.host}:{box.resolved_port}/{box.folder}"
        state = states.get(f"{MAILBOX_KIND}:{box.name}")
        rows.append(
            {
                "name": box.name,
                "kind": box.kind.value,
                "where": where,
                "after": box.after.value,
                **_state_dict(state),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no mailboxes configured ([[mailboxes]] in the settings)")
    for row in rows:
        last = row["updated_at"] or "-"
        click.echo(f"{row['name']}\t{row['kind']}\t{row['where']}\tafter={row['after']}\tlast read {last}")
        if row["last_error"]:
            click.echo(f"\tlast error {row['last_error_at']}: {row['last_error']}")


@mailbox_group.command("scan")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_options
def mailbox_scan(name: str | None, as_json: bool, config_file: Path | None, database_url: str | None) -> None:
    """Read the new messages of every mailbox (or of NAME) once, and act on them as configured."""
    from bouncewarden.sources.mail_intake import mail_recorder
    from bouncewarden.sources.mailbox import scan_mailbox

    settings = _settings(config_file, database_url)
    boxes = [box for box in settings.mailboxes if name is None or box.name == name]
    if not boxes:
        raise click.UsageError(f"no mailbox named {name}" if name else "no mailboxes configured")
    with _open(settings) as service:
        recorder, ledger = mail_recorder(service), service.mail_sources
        try:
            reports = [scan_mailbox(box, recorder, ledger) for box in boxes]
        except BouncewardenError as err:
            raise click.ClickException(str(err)) from err
    if as_json:
        click.echo(
            json.dumps([{"mailbox": r.mailbox, "counts": r.counts, "error": r.error} for r in reports])
        )
    else:
        for report in reports:
            click.echo(report.line())
    if any(report.error for report in reports):
        raise SystemExit(1)


def quiet_smtp_library() -> None:
    """aiosmtpd logs every command at INFO ("mail.log"): noise, and a cost per message."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return stop


def _start_receiver(service: Service, smtp: SmtpSettings) -> SmtpReceiver:
    from bouncewarden.sources.mail_intake import mail_recorder
    from bouncewarden.sources.smtp import SmtpReceiver

    receiver = SmtpReceiver(smtp, mail_recorder(service), ledger=service.mail_sources)
    try:
        receiver.start()
    except OSError as err:
        raise click.ClickException(
            f"the SMTP receiver cannot listen on {smtp.host}:{smtp.port}: {err}"
        ) from err
    return receiver


def start_mail_sources(
    service: Service, settings: Settings, stop: threading.Event
) -> tuple[list[threading.Thread], SmtpReceiver | None]:
    """For `serve`: the SMTP receiver (when `[smtp]` is set, started) and a watcher thread per mailbox."""
    from bouncewarden.sources.mail_intake import mail_recorder
    from bouncewarden.sources.mailbox_watch import watch_mailbox

    receiver = None
    if settings.smtp is not None:
        quiet_smtp_library()
        receiver = _start_receiver(service, settings.smtp)
    recorder, ledger = mail_recorder(service), service.mail_sources
    threads = [
        threading.Thread(target=watch_mailbox, args=(box, recorder, ledger, stop), name=f"mailbox:{box.name}")
        for box in settings.mailboxes
    ]
    return threads, receiver


def register(group: click.Group) -> None:
    """Add `smtp` and `mailbox` to the `bouncewarden` command."""
    group.add_command(smtp_group)
    group.add_command(mailbox_group)
