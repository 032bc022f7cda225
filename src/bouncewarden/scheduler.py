"""The periodic job runner of `bouncewarden serve`: `Service.run_due_jobs` every N seconds.

One `JobScheduler` runs the jobs at start and then every `interval` seconds until its stop
event is set, with the time taken from a clock parameter (tests pass a fixed clock and call
`tick` themselves; no sleeping). Within a process only one run happens at a time: a tick
that finds a run still going skips instead of queueing behind it. Across processes and
hosts the jobs guard themselves in the database (`bouncewarden.jobs`).

A run that fails (database gone, a bug) is logged and the next tick tries again: one bad
run must not stop a long-lived service.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from bouncewarden.clock import Clock, system_clock
from bouncewarden.jobs import JobReport

__all__ = ["DEFAULT_INTERVAL_SECONDS", "JobScheduler", "TickResult"]

DEFAULT_INTERVAL_SECONDS = 60.0
_log = logging.getLogger(__name__)


class TickResult(StrEnum):
    """What one tick did."""

    RAN = "ran"
    BUSY = "busy"
    FAILED = "failed"


class JobScheduler:
    """Runs `run_jobs(now)` periodically, one run at a time."""

    def __init__(
        self,
        run_jobs: Callable[[datetime], JobReport],
        *,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        clock: Clock = system_clock,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"the job interval must be positive, not {interval}")
        self._run_jobs = run_jobs
        self._interval = interval
        self._clock = clock
        self._running = threading.Lock()
        self.runs = 0
        self.last_report: JobReport | None = None

    def tick(self) -> TickResult:
        """Run the jobs once now, unless a run is already going."""
        if not self._running.acquire(blocking=False):
            _log.info("scheduled jobs still running; this tick is skipped")
            return TickResult.BUSY
        try:
            report = self._run_jobs(self._clock())
        except Exception:  # the service keeps going; the next tick tries again
            _log.exception("scheduled jobs failed")
            return TickResult.FAILED
        finally:
            self._running.release()
        self.runs += 1
        self.last_report = report
        if report.skipped or report.expired or report.retries_due:
            for line in report.lines():
                _log.info("%s", line)
        return TickResult.RAN

    def run(self, stop: threading.Event) -> None:
        """Tick now and every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            self.tick()
            stop.wait(self._interval)
