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
- What changed is stored with each batch's file position, in the same transaction
  (`store.batches`), so a restart resumes with the memory of the position it resumes from.
  A batch stores its changes (`changes()`), not the whole memory, which may hold a hundred
  thousand queue ids; now and then the whole memory (`snapshot()`) replaces the stored parts.
  `restored(parts)` reads a snapshot and the changes after it, in order.

Every value must be JSON: a string, or an object of strings, numbers and booleans.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

__all__ = ["QUEUE_IDS_KEPT", "LogMemory", "QueueMemory"]

QUEUE_IDS_KEPT = 100_000
_SNAPSHOT_VERSION = 1
_log = logging.getLogger(__name__)
V = TypeVar("V")
Change = tuple[str, str, Any]  # memory name, queue id, its new value (None: forgotten)


class QueueMemory(Generic[V]):
    """What the log said of recent queue ids (a sender, a Message-ID), oldest forgotten first."""

    def __init__(
        self, size: int = QUEUE_IDS_KEPT, *, name: str = "", journal: list[Change] | None = None
    ) -> None:
        self._values: OrderedDict[str, V] = OrderedDict()
        self._size = size
        self._name = name
        self._journal = journal  # where changes are noted, when someone keeps them

    def remember(self, queue_id: str, value: V) -> None:
        """Note `value` for `queue_id`."""
        self._values[queue_id] = value
        self._values.move_to_end(queue_id)
        if len(self._values) > self._size:
            self._values.popitem(last=False)  # replaying the changes in order drops it again
        if self._journal is not None:
            self._journal.append((self._name, queue_id, value))

    def recall(self, queue_id: str) -> V | None:
        """What was noted for `queue_id`; None when nothing or an empty value ("<>", a bounce's
        null sender) was."""
        return self._values.get(queue_id) or None

    def forget(self, queue_id: str) -> V | None:
        """The message left the queue: what was noted for it, now forgotten."""
        value = self._values.pop(queue_id, None)
        if value is not None and self._journal is not None:
            self._journal.append((self._name, queue_id, None))
        return value

    def items(self) -> list[tuple[str, V]]:
        """Every entry, oldest first."""
        return list(self._values.items())

    def __len__(self) -> int:
        return len(self._values)


class LogMemory:
    """A reader's queue memories by name, with the changes made since `changes` was last
    asked (see the module docstring)."""

    def __init__(self, size: int = QUEUE_IDS_KEPT, *, noting_changes: bool = False) -> None:
        self._size = size
        self._queues: dict[str, QueueMemory[Any]] = {}
        self._journal: list[Change] | None = [] if noting_changes else None

    def queue(self, name: str) -> QueueMemory[Any]:
        """The memory called `name`, empty the first time it is asked for."""
        found = self._queues.get(name)
        if found is None:
            found = self._queues[name] = QueueMemory(self._size, name=name, journal=self._journal)
        return found

    def changes(self) -> bytes | None:
        """What changed since the last call (or the last snapshot), as bytes `restored` reads
        after the snapshot; None when nothing did."""
        if not self._journal:
            return None
        data = _packed({"version": _SNAPSHOT_VERSION, "changes": self._journal})
        self._journal.clear()
        return data

    def snapshot(self) -> bytes:
        """Every memory, as bytes `restored` reads back; the changes so far are in it."""
        self._drop_changes()
        queues = {name: memory.items() for name, memory in sorted(self._queues.items()) if len(memory)}
        return _packed({"version": _SNAPSHOT_VERSION, "queues": queues})

    @classmethod
    def restored(cls, parts: Sequence[bytes], size: int = QUEUE_IDS_KEPT) -> LogMemory:
        """The memory a snapshot and the changes after it give (parts in the order written),
        noting its changes from here on; an empty one, with a warning, when a part cannot be
        read."""
        memory = cls(size, noting_changes=True)
        try:
            for part in parts:
                memory._apply(json.loads(zlib.decompress(part)))
        except (zlib.error, ValueError, TypeError, KeyError, AttributeError, RecursionError) as err:
            _log.warning("the stored log memory cannot be read (%s): starting without it", err)
            memory = cls(size, noting_changes=True)
        memory._drop_changes()  # what was read back is stored already
        return memory

    def _drop_changes(self) -> None:
        if self._journal is not None:
            self._journal.clear()

    def _apply(self, document: dict[str, Any]) -> None:
        if document.get("version") != _SNAPSHOT_VERSION:
            raise ValueError(f"version {document.get('version')!r}")
        if "queues" in document:
            self._queues.clear()
            for name, entries in document["queues"].items():
                queue = self.queue(str(name))
                for queue_id, value in entries:
                    queue.remember(str(queue_id), value)
        for name, queue_id, value in document.get("changes", ()):
            if value is None:
                self.queue(str(name)).forget(str(queue_id))
            else:
                self.queue(str(name)).remember(str(queue_id), value)


def _packed(document: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 1)
