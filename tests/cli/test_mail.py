"""`bouncewarden smtp`, `smtp status`, `mailbox list`, `mailbox scan`, and `serve` with `[smtp]`."""

from __future__ import annotations

import json
import mailbox
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mail_support import dsn, free_port, human_reply

BOUNCEWARDEN = str(Path(sys.executable).with_name("bouncewarden"))
DOMAIN = "bounces.example.com"


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("BOUNCEWARDEN_")}


def _run(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BOUNCEWARDEN, *arguments], cwd=cwd, capture_output=True, text=True, timeout=60, env=_env()
    )


def _wait_listening(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def _config(tmp_path: Path, port: int, extra: str = "") -> Path:
    config = tmp_path / "bw.toml"
    config.write_text(f'[smtp]\nport = {port}\ndomains = ["{DOMAIN}"]\n{extra}')
    return config


def test_smtp_runs_alone_and_status_shows_what_it_did(tmp_path: Path) -> None:
    port = free_port()
    config = _config(tmp_path, port)
    database = f"sqlite:///{tmp_path / 'bw.db'}"
    process = subprocess.Popen(
        [BOUNCEWARDEN, "smtp", "--config", str(config), "--db", database, "--host", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        _wait_listening(port, process)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("<>", [f"bounces+gone=example.com@{DOMAIN}"], dsn("gone@example.com"))
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("<>", ["x@elsewhere.example.org"], dsn("x@example.com"))
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert f"listening on 127.0.0.1:{port}" in stderr
    status = _run("smtp", "status", "--json", "--config", str(config), "--db", database, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["configured"]["domains"] == [DOMAIN]
    assert shown["counts"]["recorded"] == 1 and shown["counts"]["refused_recipients"] == 1
    assert shown["last_seen_at"] is not None
    checked = _run("check", "gone@example.com", "--db", database, cwd=tmp_path)
    assert "suppressed" in checked.stdout


def test_smtp_without_domains_refuses_to_start(tmp_path: Path) -> None:
    result = _run("smtp", "--db", f"sqlite:///{tmp_path / 'bw.db'}", cwd=tmp_path)
    assert result.returncode == 1 and "no [smtp] domains or addresses" in result.stderr


def test_serve_starts_the_receiver_when_smtp_is_configured(tmp_path: Path) -> None:
    smtp_port, http_port = free_port(), free_port()
    config = _config(tmp_path, smtp_port)
    database = f"sqlite:///{tmp_path / 'bw.db'}"
    process = subprocess.Popen(
        [BOUNCEWARDEN, "serve", "--port", str(http_port), "--config", str(config), "--db", database],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        _wait_listening(smtp_port, process)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
            client.sendmail("<>", [f"b@{DOMAIN}"], dsn("served@example.com"))
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert f"smtp 127.0.0.1:{smtp_port}" in stderr
    assert "suppressed" in _run("check", "served@example.com", "--db", database, cwd=tmp_path).stdout


def test_mailbox_scan_and_list(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(dsn("gone@example.com"))
    box.add(human_reply())
    config = tmp_path / "bw.toml"
    config.write_text(
        f'[[mailboxes]]\nname = "local"\nkind = "maildir"\npath = "{tmp_path / "Maildir"}"\n'
        'after = "delete"\n'
    )
    database = f"sqlite:///{tmp_path / 'bw.db'}"
    scanned = _run("mailbox", "scan", "--config", str(config), "--db", database, cwd=tmp_path)
    assert scanned.returncode == 0, scanned.stderr
    assert scanned.stdout.strip() == "local: not_feedback 1, recorded 1"
    assert len(box) == 1  # the human reply stays
    assert _run(
        "mailbox", "scan", "local", "--config", str(config), "--db", database, cwd=tmp_path
    ).stdout.strip() == ("local: nothing new")
    listed = json.loads(
        _run("mailbox", "list", "--json", "--config", str(config), "--db", database, cwd=tmp_path).stdout
    )
    assert [(row["name"], row["kind"], row["counts"]) for row in listed] == [
        ("local", "maildir", {"recorded": 1, "not_feedback": 1, "scans": 2})
    ]
    missing = _run("mailbox", "scan", "nosuch", "--config", str(config), "--db", database, cwd=tmp_path)
    assert missing.returncode == 2 and "no mailbox named nosuch" in missing.stderr


def test_a_mailbox_password_is_never_an_option(tmp_path: Path) -> None:
    result = _run("mailbox", "scan", "--password", "x", cwd=tmp_path)
    assert result.returncode == 2 and "No such option" in result.stderr


def test_serve_scans_the_configured_mailboxes(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    config = tmp_path / "bw.toml"
    config.write_text(
        f'[[mailboxes]]\nname = "local"\nkind = "maildir"\npath = "{tmp_path / "Maildir"}"\n'
        'after = "move"\npoll_seconds = 0.2\n'
    )
    database = f"sqlite:///{tmp_path / 'bw.db'}"
    http_port = free_port()
    process = subprocess.Popen(
        [BOUNCEWARDEN, "serve", "--port", str(http_port), "--config", str(config), "--db", database],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        _wait_listening(http_port, process)
        box.add(dsn("scanned@example.com"))
        deadline = time.monotonic() + 30
        while "suppressed" not in _run("check", "scanned@example.com", "--db", database, cwd=tmp_path).stdout:
            assert time.monotonic() < deadline, "the mailbox was not scanned in time"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert len(box) == 0 and len(box.get_folder("Processed")) == 1
