"""`mail.headers`: plain string pairs are read directly, anything else the careful way."""

from __future__ import annotations

import pytest

from bouncewarden.parse.ses_schema import SesPayloadError, read_document


def _document(headers: object) -> dict[str, object]:
    return {
        "notificationType": "Delivery",
        "mail": {"messageId": "m-1", "timestamp": "2025-11-03T09:14:24.003Z", "headers": headers},
        "delivery": {"timestamp": "2025-11-03T09:14:25.003Z", "recipients": ["a@example.org"]},
    }


def test_plain_headers_are_kept_in_order() -> None:
    headers = [{"name": "From", "value": "a@example.com"}, {"name": "X-Campaign", "value": "c1"}]
    mail = read_document(_document(headers)).mail
    assert mail.headers == (("From", "a@example.com"), ("X-Campaign", "c1"))
    assert mail.header("x-campaign") == "c1"


def test_a_number_is_read_as_text_and_a_pair_without_value_is_left_out() -> None:
    headers = [{"name": "X-Count", "value": 5}, {"name": "X-Empty"}, {"name": "To", "value": "b"}]
    assert read_document(_document(headers)).mail.headers == (("X-Count", "5"), ("To", "b"))


@pytest.mark.parametrize(
    ("headers", "where"),
    [
        ([{"name": "A", "value": "1"}, "not an object"], "$.mail.headers[1]"),
        ([{"name": "A", "value": ["x"]}], "$.mail.headers[0].value"),
        ({"name": "A"}, "$.mail.headers"),
    ],
)
def test_wrong_shapes_say_where(headers: object, where: str) -> None:
    with pytest.raises(SesPayloadError, match=where.replace("[", r"\[").replace("$", r"\$")):
        read_document(_document(headers))
