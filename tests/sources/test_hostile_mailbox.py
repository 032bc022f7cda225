"""Hostile messages in a Maildir, an mbox and over IMAP (dovecot) through `scan_mailbox` (issue 8).

Every message ends recorded or kept (quarantined with its reason, or labelled not feedback),
none is lost, the scan reports no error and logs no traceback, and a second scan does nothing.
"""

from __future__ import annotations

import itertools
import logging
import mailbox
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bouncewarden.config_mail import MailboxSettings
from bouncewarden.service import Service
from bouncewarden.sources.mail_intake import mail_recorder
from bouncewarden.sources.mailbox import scan_mailbox
from dovecot import PASSWORD, USER, Dovecot, is_installed, running_dovecot
from hostile import hostile_input
from mail_support import dsn

STORED = {"recorded", "duplicate", "quarantined", "not_feedback"}
HYPOTHESIS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_serial = itertools.count()
messages = st.lists(
    hostile_input | st.builds(lambda n: dsn(f"m{n}@example.com"), st.integers(0, 5)), min_size=1, max_size=6
)


@pytest.fixture
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bw-hostile-") as name:
        yield Path(name)


def _scan(service: Service, caplog: pytest.LogCaptureFixture, **options: Any) -> dict[str, int]:
    report = scan_mailbox(MailboxSettings(**options), mail_recorder(service), service.mail_sources)
    assert report.error is None
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]
    for outcome in report.counts:
        event(f"{options['kind']}: scans with {outcome}")
    return report.counts


@HYPOTHESIS
@given(contents=messages)
def test_a_maildir_of_hostile_messages_loses_nothing(
    service: Service, folder: Path, caplog: pytest.LogCaptureFixture, contents: list[bytes]
) -> None:
    path = folder / f"Maildir{next(_serial)}"
    box = mailbox.Maildir(path, create=True)
    for content in contents:
        box.add(content)
    options = {"name": path.name, "kind": "maildir", "path": path, "after": "move", "move_to": "Done"}
    counts = _scan(service, caplog, **options)
    assert set(counts) <= STORED and sum(counts.values()) == len(contents)
    done = len(box.get_folder("Done")) if "Done" in box.list_folders() else 0
    assert len(box) + done == len(contents)  # moved or left in place, never gone
    assert done == len(contents) - counts.get("not_feedback", 0) - counts.get("quarantined", 0)
    assert _scan(service, caplog, **options) == {}


@HYPOTHESIS
@given(contents=messages)
def test_an_mbox_of_hostile_messages_loses_nothing(
    service: Service, folder: Path, caplog: pytest.LogCaptureFixture, contents: list[bytes]
) -> None:
    path = folder / f"spool{next(_serial)}.mbox"
    box = mailbox.mbox(path)
    for content in contents:
        box.add(content)
    box.close()
    stored = mailbox.mbox(path)
    distinct = len({stored.get_bytes(key) for key in stored.iterkeys()})  # known by their hash
    stored.close()
    before = path.read_bytes()
    options = {"name": path.name, "kind": "mbox", "path": path, "after": "keep"}
    counts = _scan(service, caplog, **options)
    assert set(counts) <= STORED and sum(counts.values()) == distinct
    assert _scan(service, caplog, **options) == {}
    assert path.read_bytes() == before


@pytest.fixture
def dovecot(monkeypatch: pytest.MonkeyPatch) -> Iterator[Dovecot]:
    monkeypatch.setenv("BW_TEST_MAILBOX_PASSWORD", PASSWORD)
    # Not under pytest's tmp folder: dovecot's unprivileged processes must reach these files.
    root = Path(tempfile.mkdtemp(prefix="bw-dovecot-"))
    try:
        with running_dovecot(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.skipif(not is_installed(), reason="dovecot is not installed (.ci/run installs it)")
@settings(HYPOTHESIS, max_examples=40)
@given(contents=messages)
def test_imap_hostile_messages_lose_nothing(
    service: Service, dovecot: Dovecot, caplog: pytest.LogCaptureFixture, contents: list[bytes]
) -> None:
    held = len(dovecot.messages()) + len(dovecot.messages("Done"))
    for content in contents:  # the inbox keeps what earlier examples left; the cursor skips it
        dovecot.deliver(f"h{next(_serial)}", content)
    options = {
        "name": "hostile",
        "kind": "imap",
        "host": "127.0.0.1",
        "port": dovecot.imaps_port,
        "ca_file": dovecot.ca_file,
        "username": USER,
        "password_env": "BW_TEST_MAILBOX_PASSWORD",
        "after": "move",
        "move_to": "Done",
    }
    counts = _scan(service, caplog, **options)
    assert set(counts) <= STORED and sum(counts.values()) == len(contents)
    assert len(dovecot.messages()) + len(dovecot.messages("Done")) == held + len(contents)  # none gone
    assert _scan(service, caplog, **options) == {}
