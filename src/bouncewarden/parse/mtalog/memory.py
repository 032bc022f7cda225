"""What a log reader remembers between lines, kept across files, polls and restarts.

A log tells one message's story over many lines, sometimes days apart: Postfix names the
sender in a `from=` line and the recipients in later ones; Exim writes the sender at `<=`
and a recipient's last deferral long before it gives up; sendmail says "Cannot send message
for 5 days" five days after the deferral that said why. So:

- `QueueMemory` keeps what one kind of line said, per queue id. It is bounded (the oldest
  entry is forgotten first), so a busy log costs bounded memory, and an MTA's "message
  removed" line forgets an entry early.
- `LogMemory` holds one reader's memories by name. A followed stream (`sources.logs`) keeps
  one `LogMemory` for all its files and polls, because a rotation does not empty the MTA's
  queue.
- `snapshot()` is stored with each batch's file position, in the same transaction
  (`store.batches`). A restart resumes with the memory of the position it resumes from.

Every value must be JSON: a string, or an object of strings, numbers and booleans.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections import OrderedDict
from typing import Any, Generic, TypeVar

__all__ = ["QUEUE_IDS_KEPT", "LogMemory", "QueueMemory"]

QUEUE_IDS_KEPT = 100_000
_SNAPSHOT_VERSION = 1
_log = logging.getLogger(__name__)
V = TypeVar("V")


class QueueMemory(Generic[V]):
    """What the log said of recent queue ids (a sender, a Message-ID), oldest forgotten first."""

    def __init__(self, size: int = QUEUE_IDS_KEPT) -> None:
        self._values: OrderedDict[str, V] = OrderedDict()
        self._size = size

    def remember(self, queue_id: str, value: V) -> None:
        """Note `value` for `queue_id`."""
        self._values[queue_id] = value
        self._values.move_to_end(queue_id)
        if len(self._values) > self._size:
            self._values.popitem(last=False)

    def recall(self, queue_id: str) -> V | None:
        """What was noted for `queue_id`; None when nothing or an empty value ("<>", a bounce's
        null sender) was."""
        return self._values.get(queue_id) or None

    def forget(self, queue_id: str) -> V | None:
        """The message left the queue: what was noted for it, now forgotten."""
        return self._values.pop(queue_id, None)

    def items(self) -> list[tuple[str, V]]:
        """Every entry, oldest first."""
        return list(self._values.items())

    def __len__(self) -> int:
        return len(self._values)


class LogMemory:
    """A reader's queue memories by name (see the module docstring)."""

    def __init__(self, size: int = QUEUE_IDS_KEPT) -> None:
        self._size = size
        self._queues: dict[str, QueueMemory[Any]] = {}

    def queue(self, name: str) -> QueueMemory[Any]:
        """The memory called `name`, empty the first time it is asked for."""
        found = self._queues.get(name)
        if found is None:
            found = self._queues[name] = QueueMemory(self._size)
        return found

    def snapshot(self) -> bytes:
        """Every memory, as bytes `restored` reads back (compressed JSON)."""
        queues = {name: memory.items() for name, memory in sorted(self._queues.items()) if len(memory)}
        text = json.dumps({"version": _SNAPSHOT_VERSION, "queues": queues}, separators=(",", ":"))
        return zlib.compress(text.encode(), 1)

    @classmethod
    def restored(cls, snapshot: bytes | None, size: int = QUEUE_IDS_KEPT) -> LogMemory:
        """The memory a snapshot holds; an empty one (with a warning) for no or unreadable bytes."""
        memory = cls(size)
        if not snapshot:
            return memory
        try:
            document = json.loads(zlib.decompress(snapshot))
            if document.get("version") != _SNAPSHOT_VERSION:
                raise ValueError(f"version {document.get('version')!r}")
            for name, entries in document["queues"].items():
                queue = memory.queue(str(name))
                for queue_id, value in entries:
                    queue.remember(str(queue_id), value)
        except (zlib.error, ValueError, TypeError, KeyError, AttributeError, RecursionError) as err:
            _log.warning("the stored log memory cannot be read (%s): starting without it", err)
            return cls(size)
        return memory
