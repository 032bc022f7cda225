"""Outside text in logs: escaped (issue 8, defect 3)."""

from __future__ import annotations

import logging

from bouncewarden.logsafe import EscapingFormatter, escape_controls, shown


def test_shown_is_repr_and_cut() -> None:
    assert shown("a\nb") == "'a\\nb'"
    assert shown("x" * 500, 10) == repr("x" * 10 + "…")


def test_escape_controls_keeps_text_and_tabs() -> None:
    assert escape_controls("bücher\tok\r\nnext\x1b[31m\u2028") == "bücher\tok\\r\\nnext\\x1b[31m\\u2028"


def test_formatter_escapes_messages_but_not_tracebacks() -> None:
    """Defect 3: a TopicArn with a newline wrote a second log line that looked real."""
    formatter = EscapingFormatter("%(levelname)s %(message)s")
    topic = "arn:aws:sns:us-east-1:1:t\nINFO SNS message m-1: 5 new events"
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.WARNING, __file__, 1, "refused %s", (topic,), sys.exc_info())
    text = formatter.format(record)
    first, *rest = text.splitlines()
    assert first == "WARNING refused arn:aws:sns:us-east-1:1:t\\nINFO SNS message m-1: 5 new events"
    assert rest[0] == "Traceback (most recent call last):"
