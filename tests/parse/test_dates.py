"""RFC 5322 dates: the direct reading of the canonical form agrees with email.utils."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.parse.dates import parse_date


def _reference(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def test_canonical_dates() -> None:
    assert parse_date("Wed, 16 Oct 2013 14:15:34 +0900") == datetime(
        2013, 10, 16, 14, 15, 34, tzinfo=timezone(timedelta(hours=9))
    )
    assert parse_date("1 Jan 2020 00:00:00 -0000") == datetime(2020, 1, 1)
    assert parse_date("Mon, 31 Feb 2020 10:00:00 +0000") is None
    assert parse_date("") is None and parse_date(None) is None


_NUMBER = st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}")


@settings(max_examples=500)
@given(
    st.sampled_from(["", "Mon, ", "Sun, ", "mon, "]),
    st.integers(min_value=0, max_value=39).map(str),
    st.sampled_from(["Jan", "Feb", "Jun", "Dec", "jan", "Foo"]),
    st.sampled_from(["2013", "1999", "0099", "9999", "1000"]),
    _NUMBER,
    _NUMBER,
    _NUMBER,
    st.sampled_from(["+", "-"]),
    _NUMBER,
    _NUMBER,
    st.sampled_from(["", " ", " (JST)", "\n", "(PST)", "\t x", "\xa0(JST)", " \n (x)"]),
)
def test_agrees_with_email_utils(
    weekday: str,
    day: str,
    month: str,
    year: str,
    hour: str,
    minute: str,
    second: str,
    sign: str,
    zone_hours: str,
    zone_minutes: str,
    tail: str,
) -> None:
    text = f"{weekday}{day} {month} {year} {hour}:{minute}:{second} {sign}{zone_hours}{zone_minutes}{tail}"
    found, expected = parse_date(text), _reference(text)
    assert found == expected
    assert (found.utcoffset() if found else None) == (expected.utcoffset() if expected else None)


@given(st.text(max_size=40))
def test_any_text_agrees_with_email_utils(text: str) -> None:
    found, expected = parse_date(text), _reference(text)
    assert found == expected
