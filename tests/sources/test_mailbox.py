"""Mailbox scanning end to end: Debian's dovecot on 127.0.0.1 (IMAP, POP3), a Maildir, an mbox."""

from __future__ import annotations

import mailbox
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bouncewarden.config import Settings
from bouncewarden.config_mail import MailboxSettings
from bouncewarden.policy import AddressStatus
from bouncewarden.service import Service
from bouncewarden.sources.mail_intake import mail_recorder
from bouncewarden.sources.mailbox import scan_mailbox
from bouncewarden.sources.mailbox_watch import watch_mailbox
from bouncewarden.store.mail_sources import MailSourceLedger
from dovecot import PASSWORD, USER, Dovecot, is_installed, running_dovecot
from mail_support import arf, dsn, free_port, human_reply, stored_counts

needs_dovecot = pytest.mark.skipif(
    not is_installed(), reason="dovecot is not installed (.ci/run installs it)"
)
PASSWORD_ENV = "BW_TEST_MAILBOX_PASSWORD"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Service]:
    service = Service.open(Settings(database_url=f"sqlite:///{tmp_path / 'bw.db'}", data_dir=tmp_path))
    yield service
    service.close()


@pytest.fixture
def dovecot(monkeypatch: pytest.MonkeyPatch) -> Iterator[Dovecot]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    # Not under pytest's tmp folder: dovecot's unprivileged processes must reach these files.
    folder = Path(tempfile.mkdtemp(prefix="bw-dovecot-"))
    try:
        with running_dovecot(folder) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fill(server: Dovecot) -> None:
    server.deliver("hard", dsn("gone@example.com", original_id="<m1@sender.example.com>"))
    server.deliver(
        "soft",
        dsn(
            "full@example.com",
            status="5.2.2",
            diagnostic="smtp; 552 5.2.2 <{rcpt}>: Mailbox full",
            original_id="<m2@sender.example.com>",
        ),
    )
    server.deliver("complaint", arf("annoyed@example.com"))
    server.deliver("reply", human_reply())


def _scan(store: Service, **options: Any) -> dict[str, int]:
    settings = MailboxSettings(**options)
    report = scan_mailbox(settings, mail_recorder(store), MailSourceLedger(store.engine))
    assert report.error is None
    return report.counts


def _imap(server: Dovecot, **options: Any) -> dict[str, Any]:
    return {
        "name": "bounces",
        "kind": "imap",
        "host": "127.0.0.1",
        "port": server.imaps_port,
        "ca_file": server.ca_file,
        "username": USER,
        "password_env": PASSWORD_ENV,
        **options,
    }


def _assert_states(store: Service) -> None:
    states = store.admin.lookup(["gone@example.com", "full@example.com", "annoyed@example.com"])
    assert states["gone@example.com"].status is AddressStatus.SUPPRESSED
    assert states["full@example.com"].status is AddressStatus.SOFT
    assert states["annoyed@example.com"].status is AddressStatus.SUPPRESSED


@needs_dovecot
def test_imap_over_tls_moves_feedback_and_leaves_the_human_reply_unread(
    store: Service, dovecot: Dovecot
) -> None:
    _fill(dovecot)
    counts = _scan(store, **_imap(dovecot, after="move", move_to="Processed"))
    assert counts == {"recorded": 3, "not_feedback": 1}
    _assert_states(store)
    inbox = list((dovecot.maildir / "cur").iterdir()) + list((dovecot.maildir / "new").iterdir())
    assert len(inbox) == 1 and b"please tell me more" in inbox[0].read_bytes()
    assert "S" not in inbox[0].name.partition(":2,")[2]  # never marked read
    assert len(dovecot.messages("Processed")) == 3
    assert _scan(store, **_imap(dovecot, after="move", move_to="Processed")) == {}  # a second scan: nothing
    assert stored_counts(store.engine)["events"] == 3


@needs_dovecot
def test_imap_over_starttls_flags_feedback_and_resumes_from_its_cursor(
    store: Service, dovecot: Dovecot
) -> None:
    _fill(dovecot)
    options = _imap(dovecot, port=dovecot.imap_port, security="starttls", after="flag", flag="$Done")
    assert _scan(store, **options) == {"recorded": 3, "not_feedback": 1}
    assert len(dovecot.messages()) == 4  # all still in the INBOX
    dovecot.deliver("late", dsn("late@example.com", original_id="<m9@sender.example.com>"))
    assert _scan(store, **options) == {"recorded": 1}
    assert _scan(store, **options) == {}
    assert store.admin.lookup(["late@example.com"])["late@example.com"].status is AddressStatus.SUPPRESSED


@needs_dovecot
def test_imap_delete_removes_only_feedback_and_a_new_uidvalidity_doubles_nothing(
    store: Service, dovecot: Dovecot
) -> None:
    _fill(dovecot)
    options = _imap(dovecot, after="delete")
    assert _scan(store, **options) == {"recorded": 3, "not_feedback": 1}
    remaining = dovecot.messages()
    assert len(remaining) == 1 and b"please tell me more" in remaining[0]
    # The server renumbered the folder: everything is read again, and nothing is doubled.
    ledger = MailSourceLedger(store.engine)
    ledger.save_cursor("bounces", "INBOX", 1, 10**6, datetime.now(UTC))
    assert _scan(store, **options) == {"not_feedback": 1}
    assert stored_counts(store.engine)["events"] == 3


@needs_dovecot
def test_pop3_over_tls_deletes_feedback_and_keeps_the_rest(store: Service, dovecot: Dovecot) -> None:
    _fill(dovecot)
    options = {
        "name": "pop",
        "kind": "pop3",
        "host": "127.0.0.1",
        "port": dovecot.pop3s_port,
        "ca_file": dovecot.ca_file,
        "username": USER,
        "password_env": PASSWORD_ENV,
        "after": "delete",
    }
    assert _scan(store, **options) == {"recorded": 3, "not_feedback": 1}
    _assert_states(store)
    remaining = dovecot.messages()
    assert len(remaining) == 1 and b"please tell me more" in remaining[0]
    assert _scan(store, **options) == {}


def test_a_password_on_neither_env_nor_file_is_a_clear_error() -> None:
    box = MailboxSettings(
        name="x", kind="imap", host="127.0.0.1", username="u", password_env="BW_NOT_SET_ANYWHERE"
    )
    with pytest.raises(Exception, match="BW_NOT_SET_ANYWHERE is not set"):
        box.password()


def test_a_maildir_moves_feedback_to_a_subfolder(store: Service, tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for data in (dsn("gone@example.com"), arf("annoyed@example.com"), human_reply()):
        box.add(data)
    options = {
        "name": "local",
        "kind": "maildir",
        "path": tmp_path / "Maildir",
        "after": "move",
        "move_to": "Done",
    }
    assert _scan(store, **options) == {"recorded": 2, "not_feedback": 1}
    assert len(box) == 1 and len(box.get_folder("Done")) == 2
    assert _scan(store, **options) == {}


def test_an_mbox_is_read_once_and_left_alone(store: Service, tmp_path: Path) -> None:
    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(path)
    for data in (dsn("gone@example.com"), human_reply()):
        box.add(data)
    box.close()
    before = path.read_bytes()
    options = {"name": "spool", "kind": "mbox", "path": path, "after": "keep"}
    assert _scan(store, **options) == {"recorded": 1, "not_feedback": 1}
    assert _scan(store, **options) == {}
    assert path.read_bytes() == before


@needs_dovecot
def test_a_scan_killed_halfway_loses_and_doubles_nothing(dovecot: Dovecot, tmp_path: Path) -> None:
    total = 60
    for number in range(total):
        dovecot.deliver(
            f"b{number}", dsn(f"user{number}@example.com", original_id=f"<k{number}@sender.example.com>")
        )
    dovecot.deliver("reply", human_reply())
    database = tmp_path / "killed.db"
    config = tmp_path / "bw.toml"
    config.write_text(
        f'database_url = "sqlite:///{database}"\n'
        "[[mailboxes]]\n"
        f'name = "bounces"\nkind = "imap"\nhost = "127.0.0.1"\nport = {dovecot.imaps_port}\n'
        f'ca_file = "{dovecot.ca_file}"\nusername = "{USER}"\npassword_env = "{PASSWORD_ENV}"\n'
        'after = "move"\nmove_to = "Processed"\n'
    )
    command = [
        str(Path(sys.executable).with_name("bouncewarden")),
        "mailbox",
        "scan",
        "--config",
        str(config),
    ]
    environment = {**os.environ, PASSWORD_ENV: PASSWORD}
    first = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    service = Service.open(Settings(database_url=f"sqlite:///{database}", data_dir=tmp_path), migrate=False)
    try:
        deadline = time.monotonic() + 60
        while first.poll() is None and time.monotonic() < deadline:
            if database.exists() and _events(service) >= 10:
                break
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert _events(service) < total, "the scan finished before it could be killed"
        second = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        assert _events(service) == total
        assert len(dovecot.messages("Processed")) == total
        inbox = dovecot.messages()
        assert len(inbox) == 1 and b"please tell me more" in inbox[0]
    finally:
        service.close()


def _events(service: Service) -> int:
    try:
        return stored_counts(service)["events"]
    except Exception:  # the schema is still being created by the scan
        return 0


@needs_dovecot
def test_serve_s_watcher_reads_new_mail_as_it_lands(store: Service, dovecot: Dovecot) -> None:
    settings = MailboxSettings(**_imap(dovecot, after="move", poll_seconds=30))
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_mailbox,
        args=(settings, mail_recorder(store), MailSourceLedger(store.engine), stop),
    )
    watcher.start()
    try:
        deadline = time.monotonic() + 20
        ledger = MailSourceLedger(store.engine)
        while not ledger.states("mailbox") and time.monotonic() < deadline:
            time.sleep(0.05)  # until the first scan (of the empty INBOX) has reported
        time.sleep(0.5)  # and the watcher has entered IDLE
        dovecot.deliver("idle", dsn("idle@example.com", original_id="<idle@sender.example.com>"))
        # Well within poll_seconds: IDLE woke the watcher.
        while time.monotonic() < deadline and "idle@example.com" not in store.admin.lookup(
            ["idle@example.com"]
        ):
            time.sleep(0.05)
        assert "idle@example.com" in store.admin.lookup(["idle@example.com"])
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not watcher.is_alive()


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"kind": "imap", "host": "127.0.0.1", "username": "u", "password_env": PASSWORD_ENV}, "refused"),
        (
            {
                "kind": "pop3",
                "host": "127.0.0.1",
                "username": "u",
                "password_env": PASSWORD_ENV,
                "after": "keep",
            },
            "refused",
        ),
        (
            {"kind": "imap", "host": "127.0.0.1", "username": "u", "password_env": "BW_UNSET_VARIABLE"},
            "not set",
        ),
    ],
)
def test_a_mailbox_that_cannot_be_read_is_reported_not_raised(
    store: Service, monkeypatch: pytest.MonkeyPatch, options: dict[str, Any], said: str
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "x")
    monkeypatch.delenv("BW_UNSET_VARIABLE", raising=False)
    settings = MailboxSettings(name="away", port=free_port(), **options)
    report = scan_mailbox(settings, mail_recorder(store), MailSourceLedger(store.engine))
    assert report.error is not None and said in report.error.lower()
    (state,) = MailSourceLedger(store.engine).states("mailbox")
    assert state.last_error == report.error


def test_a_folder_that_is_no_maildir_is_reported(store: Service, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    settings = MailboxSettings(name="odd", kind="maildir", path=tmp_path / "plain")
    report = scan_mailbox(settings, mail_recorder(store), MailSourceLedger(store.engine))
    assert report.error is not None and "odd" in report.error
