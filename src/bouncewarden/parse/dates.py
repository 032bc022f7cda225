"""RFC 5322 dates (section 3.3) as bounces write them: Date, Arrival-Date, Last-Attempt-Date.

Nearly every date we meet has the canonical form "Wed, 16 Oct 2013 14:15:34 +0900", often
with a comment after it ("(JST)"), which is read here directly; anything else (obsolete zone
names, two-digit years, missing seconds, odd spacing) goes to
`email.utils.parsedate_to_datetime`, whose lenient reading is the reference: for the canonical
form both give the same datetime, to the time zone. Dates are read for every bounce (its own
Date, each recipient's Arrival-Date), and the general reader costs several times more.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

__all__ = ["parse_date"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CANONICAL = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) (" + "|".join(_MONTHS) + r") ([1-9][0-9]{3}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"
    # What follows the zone, after a space, is ignored: "+0900 (JST)".
    r"(?:[ \t\n].*)?",
    re.DOTALL,
)
_MONTH_NUMBERS = {name: number for number, name in enumerate(_MONTHS, start=1)}


@lru_cache(maxsize=256)
def _zone(seconds: int) -> timezone:
    """The fixed-offset zone, made once per offset (dates repeat a handful of zones)."""
    return timezone(timedelta(seconds=seconds))


def _canonical(found: re.Match[str]) -> datetime:
    day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = found.groups()
    when = (int(year), _MONTH_NUMBERS[month], int(day), int(hour), int(minute), int(second))
    offset = int(zone_hours) * 3600 + int(zone_minutes) * 60
    if offset == 0 and sign == "-":
        return datetime(*when)  # "-0000": local time of an unknown zone (RFC 5322 3.3)
    return datetime(*when, tzinfo=_zone(-offset if sign == "-" else offset))


def parse_date(value: str | None) -> datetime | None:
    """An RFC 5322 date, or None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        found = _CANONICAL.fullmatch(text)
        return _canonical(found) if found else parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
