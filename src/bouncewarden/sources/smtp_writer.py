"""The SMTP receiver's one writer: messages from many sessions, read and committed in batches.

Each session's DATA handler submits its message and waits for the result before it
answers. Two threads share the work:

- the reader takes each message as it is submitted and reads it (the parsers: Python work);
- the committer hands everything read so far (at most `batch_size` messages) to the store in
  one transaction, while the reader goes on reading what arrives meanwhile.

So twenty sessions finishing at once cost one round of commits rather than twenty, and the
reading of the next batch overlaps the commit of this one (the database's work and, on
PostgreSQL, the wait for it, do not hold the interpreter). A recorder that raises is a bug
or a broken store: every message of that batch is answered "store unavailable" (451), never
250.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from bouncewarden.intake import Outcome
from bouncewarden.sources.mail_intake import IntakeMailRecorder, MailResult, ReadMail, ReceivedMail

__all__ = ["BatchWriter"]

_log = logging.getLogger(__name__)
_POLL_SECONDS = 0.2
_Read = tuple[ReadMail, list["Future[MailResult]"]]


class BatchWriter:
    """A reader thread and a committer thread recording submitted messages in batches."""

    def __init__(self, recorder: IntakeMailRecorder, *, batch_size: int = 64) -> None:
        self._recorder = recorder
        self._batch_size = batch_size
        self._queue: queue.Queue[tuple[ReceivedMail, Future[MailResult]]] = queue.Queue()
        self._stop = threading.Event()
        self._read: list[_Read] = []  # read, waiting for the committer
        self._reading_done = False
        self._ready = threading.Condition()
        self._reader = threading.Thread(target=self._run_reader, name="smtp-reader", daemon=True)
        self._committer = threading.Thread(target=self._run_committer, name="smtp-writer", daemon=True)
        self.batches = 0

    def start(self) -> None:
        """Start the reader and committer threads."""
        self._reader.start()
        self._committer.start()

    def stop(self) -> None:
        """Record what is queued, then end the threads."""
        self._stop.set()
        self._reader.join()
        self._committer.join()

    def submit(self, mail: ReceivedMail) -> Future[MailResult]:
        """Queue one message; the future holds its result once committed (or not)."""
        future: Future[MailResult] = Future()
        if self._stop.is_set():
            future.set_result(MailResult(Outcome.STORE_UNAVAILABLE, "the receiver is stopping"))
        else:
            self._queue.put((mail, future))
        return future

    def _take(self) -> list[tuple[ReceivedMail, Future[MailResult]]]:
        try:
            taken = [self._queue.get(timeout=_POLL_SECONDS)]
        except queue.Empty:
            return []
        while len(taken) < self._batch_size:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return taken

    def _run_reader(self) -> None:
        while not (self._stop.is_set() and self._queue.empty()):
            taken = self._take()
            if not taken:
                continue
            futures = [future for _, future in taken]
            try:
                read = self._recorder.read_mail([mail for mail, _ in taken])
            except Exception as err:  # the worker boundary: answer 451 and go on
                _log.exception("reading %d messages failed", len(taken))
                _answer(futures, [_unavailable(err)] * len(futures))
                continue
            with self._ready:
                self._read.append((read, futures))
                self._ready.notify()
        with self._ready:
            self._reading_done = True
            self._ready.notify()

    def _next_batch(self) -> list[_Read] | None:
        """Everything read so far, up to `batch_size` messages; None once all is done."""
        with self._ready:
            self._ready.wait_for(lambda: bool(self._read) or self._reading_done)
            if not self._read:
                return None
            batch: list[_Read] = []
            size = 0
            while self._read and (not batch or size + len(self._read[0][1]) <= self._batch_size):
                item = self._read.pop(0)
                batch.append(item)
                size += len(item[1])
            return batch

    def _run_committer(self) -> None:
        while (batch := self._next_batch()) is not None:
            futures = [future for _, waiting in batch for future in waiting]
            try:
                results = self._commit([read for read, _ in batch])
                if len(results) != len(futures):
                    raise RuntimeError(
                        f"recorder answered {len(results)} results for {len(futures)} messages"
                    )
            except Exception as err:  # the worker boundary: answer 451 and go on
                _log.exception("recording a batch of %d messages failed", len(futures))
                results = [_unavailable(err)] * len(futures)
            self.batches += 1
            _answer(futures, results)

    def _commit(self, reads: list[ReadMail]) -> list[MailResult]:
        """One transaction for every read batch the store can take; results in order."""
        storable = [read for read in reads if read.unavailable is None]
        together = ReadMail(
            [item for read in storable for item in read.inputs], sum(r.count for r in storable)
        )
        committed = iter(self._recorder.commit_mail(together))
        results: list[MailResult] = []
        for read in reads:
            if read.unavailable is not None:
                results += self._recorder.commit_mail(read)  # answered without the store
            else:
                results += [next(committed) for _ in range(read.count)]
        return results


def _unavailable(err: Exception) -> MailResult:
    return MailResult(Outcome.STORE_UNAVAILABLE, f"{type(err).__name__}: {err}")


def _answer(futures: list[Future[MailResult]], results: list[MailResult]) -> None:
    for future, result in zip(futures, results, strict=True):
        future.set_result(result)
