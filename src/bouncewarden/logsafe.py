"""Outside text in logs and messages: escaped, so it cannot forge lines or hide in control codes.

A value that came from outside (an SNS TopicArn, a file name, an address, a parser's error
about hostile bytes) may hold a newline that would start a second, real-looking log line, or
terminal escape sequences. `shown` gives its `repr` (quotes, `\\n`, `\\x1b` escaped), cut to
a length; use it, or `%r`, wherever such a value is logged or printed. `EscapingFormatter`
is the net under that rule for the long-running commands: it escapes every control character
left in a log message, while the traceback it appends keeps its lines.
"""

from __future__ import annotations

import logging
import re

__all__ = ["EscapingFormatter", "configure_logging", "escape_controls", "shown"]

# C0 controls but tab, DEL, C1 controls, and the Unicode line and paragraph separators.
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def shown(value: object, limit: int = 120) -> str:
    """`value` as text for a message or log line: its repr, cut to about `limit` characters."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def escape_controls(text: str) -> str:
    """`text` with every control character written as a backslash escape."""
    return _CONTROLS.sub(lambda found: repr(found.group(0))[1:-1], text)


class EscapingFormatter(logging.Formatter):
    """A formatter whose messages hold no raw control characters (tracebacks still span lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr through `EscapingFormatter` (the long-running commands: serve, worker)."""
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
