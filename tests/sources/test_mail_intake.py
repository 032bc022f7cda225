"""The mail recorder over a real store: one batch, each message's own outcome."""

from __future__ import annotations

from datetime import UTC, datetime

from bouncewarden.intake import Outcome
from bouncewarden.parse.verp import VerpTemplate
from bouncewarden.service import Service
from bouncewarden.sources.mail_intake import ReceivedMail, mail_recorder
from mail_support import dsn, human_reply, stored_counts

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _mail(data: bytes, origin: str = "test") -> ReceivedMail:
    return ReceivedMail(data, origin, "smtp", NOW)


def test_a_batch_answers_per_message_in_order(service: Service) -> None:
    first = dsn("one@example.com", original_id="<a@sender.example.com>")
    batch = [
        _mail(first),
        _mail(dsn("two@example.com", original_id="<b@sender.example.com>")),
        _mail(human_reply()),
        _mail(b"\x00\x01 not mail at all"),
        _mail(first),  # the same report twice in one batch
    ]
    results = mail_recorder(service).record_mail(batch)
    assert [result.outcome for result in results] == [
        Outcome.RECORDED,
        Outcome.RECORDED,
        Outcome.NOT_FEEDBACK,
        Outcome.QUARANTINED,
        Outcome.DUPLICATE,
    ]
    assert results[2].detail.startswith("not feedback: ")
    assert stored_counts(service) == {"evidence": 2, "events": 2, "quarantine": 2}
    again = mail_recorder(service).record_mail([_mail(first)])
    assert [result.outcome for result in again] == [Outcome.DUPLICATE]


def test_verp_fills_in_what_the_report_lacks(service: Service) -> None:
    verp = VerpTemplate("b.{campaign}.{message_id}.{local}={domain}").decode(
        "b.spring.m7.lost=example.com@bounces.example.com"
    )
    mail = ReceivedMail(dsn("lost@example.com", original_id="<>"), "test", "smtp", NOW, verp=verp)
    (result,) = mail_recorder(service).record_mail([mail])
    assert result.outcome is Outcome.RECORDED
    (event,) = service.admin.events_of(["lost@example.com"])["lost@example.com"]
    assert (event.campaign, event.message_id) == ("spring", "m7")
