"""`[[logs]]` followers as `serve` runs them: one thread per entry, polling until stopped."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bouncewarden.cli.line_files import log_threads
from bouncewarden.config import LogSettings
from bouncewarden.errors import ConfigurationError
from bouncewarden.service import Service


class _StopAfter(threading.Event):
    """A stop event that is set once the follower has waited `polls` times."""

    def __init__(self, polls: int) -> None:
        super().__init__()
        self._polls = polls

    def wait(self, timeout: float | None = None) -> bool:
        self._polls -= 1
        if self._polls <= 0:
            self.set()
        return self.is_set()


def test_a_follower_reads_new_lines_on_each_poll(service: Service, tmp_path: Path) -> None:
    folder = tmp_path / "pmta"
    folder.mkdir()
    (folder / "acct.csv").write_text(
        "type,timeLogged,rcpt,dsnStatus,dsnDiag\nb,1796522700,a@example.org,5.1.1,x\n"
    )
    entry = LogSettings(format="pmta", paths=[str(folder)], poll_seconds=0.01)
    stop = _StopAfter(polls=2)
    (thread,) = log_threads(service, [entry], stop)
    assert thread.name == "logs:pmta"
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert service.files.file_positions("pmta")[0].line == 3


def test_a_bad_time_zone_fails_before_any_thread_starts(service: Service, tmp_path: Path) -> None:
    entry = LogSettings(format="postfix-log", paths=[str(tmp_path)], timezone="Nowhere/City")
    with pytest.raises(ConfigurationError, match="unknown time zone"):
        log_threads(service, [entry], threading.Event())
