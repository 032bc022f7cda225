"""The SMTP receiver's one writer: messages from many sessions, committed in batches.

Each session's DATA handler submits its message and waits for the result before it
answers. One thread takes whatever has queued up (at most `batch_size` messages) and hands
it to the `MailRecorder` in one call, so twenty sessions finishing at once cost one round
of commits rather than twenty queued behind each other. A recorder that raises is a bug or
a broken store: every message of that batch is answered "store unavailable" (451), never
250.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from bouncewarden.intake import Outcome
from bouncewarden.sources.mail_intake import MailRecorder, MailResult, ReceivedMail

__all__ = ["BatchWriter"]

_log = logging.getLogger(__name__)
_POLL_SECONDS = 0.2


class BatchWriter:
    """A thread that records submitted messages in batches."""

    def __init__(self, recorder: MailRecorder, *, batch_size: int = 64) -> None:
        self._recorder = recorder
        self._batch_size = batch_size
        self._queue: queue.Queue[tuple[ReceivedMail, Future[MailResult]]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="smtp-writer", daemon=True)
        self.batches = 0

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def stop(self) -> None:
        """Record what is queued, then end the thread."""
        self._stop.set()
        self._thread.join()

    def submit(self, mail: ReceivedMail) -> Future[MailResult]:
        """Queue one message; the future holds its result once committed (or not)."""
        future: Future[MailResult] = Future()
        if self._stop.is_set():
            future.set_result(MailResult(Outcome.STORE_UNAVAILABLE, "the receiver is stopping"))
        else:
            self._queue.put((mail, future))
        return future

    def _take_batch(self) -> list[tuple[ReceivedMail, Future[MailResult]]]:
        try:
            batch = [self._queue.get(timeout=_POLL_SECONDS)]
        except queue.Empty:
            return []
        while len(batch) < self._batch_size:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while not (self._stop.is_set() and self._queue.empty()):
            batch = self._take_batch()
            if batch:
                self._record(batch)

    def _record(self, batch: list[tuple[ReceivedMail, Future[MailResult]]]) -> None:
        try:
            results = self._recorder.record_mail([mail for mail, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"recorder answered {len(results)} results for {len(batch)} messages")
        except Exception as err:  # the worker boundary: answer 451 and go on
            _log.exception("recording a batch of %d messages failed", len(batch))
            results = [MailResult(Outcome.STORE_UNAVAILABLE, f"{type(err).__name__}: {err}")] * len(batch)
        self.batches += 1
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
