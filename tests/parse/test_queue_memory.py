"""`LogMemory`: bounded queue memories that a snapshot carries across a restart."""

from __future__ import annotations

import json
import zlib

import pytest

from bouncewarden.events import Kind, Reason
from bouncewarden.parse.mtalog._common import LineFacts, facts_from_json, facts_json
from bouncewarden.parse.mtalog.memory import LogMemory


def test_a_snapshot_gives_back_every_memory_in_its_order() -> None:
    memory = LogMemory()
    senders = memory.queue("senders")
    for number in range(5):
        senders.remember(f"Q{number}", f"sender{number}@example.com")
    senders.forget("Q2")
    senders.remember("Q0", "again@example.com")  # remembered again: now the newest
    memory.queue("deferred").remember("Q9", {"a@example.org": {"kind": "delay"}})
    memory.queue("unused")

    restored = LogMemory.restored([memory.snapshot()])

    assert restored.queue("senders").items() == [
        ("Q1", "sender1@example.com"),
        ("Q3", "sender3@example.com"),
        ("Q4", "sender4@example.com"),
        ("Q0", "again@example.com"),
    ]
    assert restored.queue("deferred").recall("Q9") == {"a@example.org": {"kind": "delay"}}
    assert restored.snapshot() == memory.snapshot()


def test_the_oldest_entry_goes_first_and_a_restored_memory_keeps_the_bound() -> None:
    memory = LogMemory(size=3)
    for number in range(5):
        memory.queue("senders").remember(f"Q{number}", "s@example.com")
    assert [key for key, _ in memory.queue("senders").items()] == ["Q2", "Q3", "Q4"]
    restored = LogMemory.restored([memory.snapshot()], size=2)
    assert [key for key, _ in restored.queue("senders").items()] == ["Q3", "Q4"]


@pytest.mark.parametrize(
    "snapshot",
    [
        b"not compressed",
        zlib.compress(b"{not json"),
        zlib.compress(json.dumps({"version": 99, "queues": {}}).encode()),
        zlib.compress(json.dumps({"version": 1, "queues": {"senders": [["Q1"]]}}).encode()),
        zlib.compress(json.dumps({"version": 1, "queues": []}).encode()),
        zlib.compress(json.dumps([1, 2]).encode()),
        zlib.compress(b"[" * 200_000 + b"]" * 200_000),  # nested too deeply for the json module
        zlib.compress(b'{"version": 1, "queues": {"senders": [["Q1", "\xff\xfe"]]}}'),  # not UTF-8
    ],
)
def test_an_unreadable_snapshot_starts_an_empty_memory_with_a_warning(
    snapshot: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    good = LogMemory()
    good.queue("senders").remember("Q1", "s@example.com")
    restored = LogMemory.restored([good.snapshot(), snapshot])
    assert restored.queue("senders").items() == []
    assert "cannot be read" in caplog.text


def test_no_snapshot_is_an_empty_memory() -> None:
    assert LogMemory.restored([]).queue("senders").items() == []


def test_changes_after_a_snapshot_give_the_memory_back() -> None:
    """What a followed stream stores: a snapshot now and then, the changes of each batch after it."""
    memory = LogMemory.restored([])
    senders = memory.queue("senders")
    assert memory.changes() is None
    senders.remember("Q1", "a@example.com")
    senders.remember("Q2", "")  # a bounce's null sender is kept, and told from a forgotten one
    parts = [memory.changes()]
    senders.forget("Q1")
    senders.forget("Q9")  # never noted: no change
    memory.queue("deferred").remember("Q2", {"x@example.org": {"kind": "delay"}})
    parts.append(memory.changes())
    assert memory.changes() is None
    assert all(part is not None for part in parts)
    restored = LogMemory.restored([part for part in parts if part is not None])
    assert restored.snapshot() == memory.snapshot()
    assert restored.queue("senders").items() == [("Q2", "")]

    whole = memory.snapshot()  # it holds every change so far: nothing is left to store
    assert memory.changes() is None
    senders.remember("Q3", "c@example.com")
    later = memory.changes()
    assert later is not None
    assert LogMemory.restored([whole, later]).snapshot() == memory.snapshot()
    assert LogMemory.restored([*parts, whole, later]).snapshot() == memory.snapshot()


def test_a_memory_made_for_one_reading_notes_no_changes() -> None:
    memory = LogMemory()
    memory.queue("senders").remember("Q1", "a@example.com")
    assert memory.changes() is None


def test_line_facts_go_through_json_unchanged() -> None:
    facts = LineFacts(
        kind=Kind.DELAY,
        recipient="Someone@Example.org",
        status="4.4.1",
        reply_code="451",
        diagnostic="Deferred: Connection refused",
        remote_mta="mx.example.org",
        sender="news@example.com",
        message_id="m1@example.com",
        label="mailer=esmtp",
        tags={"queue_id": "6B5N5r3M023945"},
        text_classifies=False,
        hint=Reason.NETWORKERROR,
        gave_up=True,
    )
    through = facts_from_json(json.loads(json.dumps(facts_json(facts))))
    assert through == facts
    assert facts_from_json(
        json.loads(json.dumps(facts_json(LineFacts(Kind.BOUNCE, "a@b.example"))))
    ) == LineFacts(Kind.BOUNCE, "a@b.example")
