"""A bounce email read once into the pieces every parser needs.

Reading the MIME tree is the expensive part of parsing a bounce, so it happens here once,
with the small reader of `parse.mime` (the standard `email` parser walks every line of the
attached original too), and parsers work on the decoded strings this module hands them.
Line endings are made LF first: the same mail arrives with LF, CRLF or CR-only endings and
must read the same.

Pieces:
- `text`: the human-readable text of the bounce (text/plain parts, or text/html made plain),
  outside any attached original message. Non-standard MTAs put everything here, often with
  the original message pasted inline after a marker line.
- `delivery_status`: the text of `message/delivery-status` parts (RFC 3464).
- `feedback_report`: the text of a `message/feedback-report` part (RFC 5965).
- `original`: the header block of the attached original message (`message/rfc822`), or
  the text of a `text/rfc822-headers` part.
- `header()`/`headers()`: the bounce's own header fields, RFC 2047 words decoded.
- `message`: the top-level headers as a `compat32` `email.message.Message`, built on demand.
- `defects`: what was wrong with the MIME structure (names as in `email.errors`).
"""

from __future__ import annotations

import email.message
import re
from email.errors import MessageError
from email.header import decode_header, make_header
from email.policy import compat32

from bouncewarden.parse.mime import (
    MAX_DEPTH,
    Entity,
    decode_body,
    parse_entity,
    split_multipart,
    used_boundary,
)

__all__ = ["BounceMessage", "decode_header_value", "decode_payload", "normalise_newlines"]

_TAG = re.compile(r"<[^>]*>")
_ENTITY = {"&nbsp;": " ", "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'"}
_ENTITY_RE = re.compile("|".join(map(re.escape, _ENTITY)))
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.IGNORECASE)
_STYLE = re.compile(r"<(style|script)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)

_HEADER_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers"})
_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})


def normalise_newlines(data: bytes) -> bytes:
    """Turn CRLF and lone CR line endings into LF."""
    if b"\r" not in data:
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _decode_bytes(raw: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return raw.decode(candidate)
        except (LookupError, ValueError):  # unknown, misspelt or malformed charset names
            continue
    return raw.decode("latin-1")


def decode_payload(part: email.message.Message) -> str:
    """The decoded text of a leaf part of an `email` message, whatever its encoding and charset."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        inner = part.get_payload()
        return inner if isinstance(inner, str) else ""
    return _decode_bytes(payload, part.get_content_charset())


def _html_to_text(html: str) -> str:
    html = _STYLE.sub(" ", html)
    html = _BLOCK_TAG.sub("\n", html)
    html = _TAG.sub("", html)
    return _ENTITY_RE.sub(lambda m: _ENTITY[m.group(0)], html)


def decode_header_value(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded (unchanged when unreadable)."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError, AssertionError, MessageError):
        return value


def _leaf_text(entity: Entity, params: dict[str, str]) -> str:
    return _decode_bytes(
        decode_body(entity.body, entity.get("content-transfer-encoding")), params.get("charset")
    )


class BounceMessage:
    """A bounce email, read once; see the module docstring for its pieces."""

    __slots__ = (
        "_entity",
        "_headers",
        "_message",
        "defects",
        "delivery_status",
        "feedback_report",
        "original",
        "raw",
        "text",
    )

    def __init__(self, data: bytes) -> None:
        self.raw = normalise_newlines(data)
        self._entity = parse_entity(self.raw)
        self._headers: dict[str, list[str]] | None = None
        self._message: email.message.Message | None = None
        self.defects: list[str] = list(self._entity.defects)
        self.delivery_status: str | None = None
        self.feedback_report: str | None = None
        self.original: str | None = None
        texts: list[str] = []
        htmls: list[str] = []
        self._collect(self._entity, texts, htmls, 0)
        if not texts and htmls:
            texts = [_html_to_text(h) for h in htmls]
        self.text = "\n".join(texts)

    def _collect(self, entity: Entity, texts: list[str], htmls: list[str], depth: int) -> None:
        media, params = entity.content_type()
        if media.startswith("multipart/") and depth < MAX_DEPTH:
            self._collect_parts(entity, params, texts, htmls, depth)
        elif media == "message/rfc822":
            if self.original is None:
                inner = decode_body(entity.body, entity.get("content-transfer-encoding"))
                fields = parse_entity(inner).headers
                self.original = "\n".join(map(": ".join, fields)) + "\n" if fields else ""
        elif media in _HEADER_TYPES:
            if self.original is None:
                self.original = _leaf_text(entity, params)
        elif media in _STATUS_TYPES:
            status = _leaf_text(entity, params)
            self.delivery_status = (
                status if self.delivery_status is None else self.delivery_status + "\n" + status
            )
        elif media == "message/feedback-report":
            self.feedback_report = _leaf_text(entity, params)
        elif media == "text/html":
            htmls.append(_leaf_text(entity, params))
        elif media.startswith(("text/", "multipart/")) or media == "message/partial":
            texts.append(_leaf_text(entity, params))

    def _collect_parts(
        self, entity: Entity, params: dict[str, str], texts: list[str], htmls: list[str], depth: int
    ) -> None:
        boundary = params.get("boundary")
        if not boundary:
            self.defects.append("NoBoundaryInMultipartDefect")
        parts = split_multipart(entity.body, boundary, self.defects) if boundary else None
        if parts is None:
            self.defects.append("StartBoundaryNotFoundDefect")
            repaired = used_boundary(entity.body)
            if repaired is not None:
                self.defects.append("BoundaryRepaired")
                parts = split_multipart(entity.body, repaired, self.defects)
        if parts is None:
            texts.append(_leaf_text(entity, params))
            return
        for part in parts:
            self._collect(parse_entity(part), texts, htmls, depth + 1)

    def _header_map(self) -> dict[str, list[str]]:
        """Every header of the bounce by lower-case name, decoded, read once on first use."""
        if self._headers is None:
            headers: dict[str, list[str]] = {}
            for name, value in self._entity.headers:
                # (the test of decode_header_value, written out: most values have no encoded word)
                decoded = decode_header_value(value) if "=?" in value else value
                headers.setdefault(name.lower(), []).append(decoded)
            self._headers = headers
        return self._headers

    def header(self, name: str) -> str:
        """The first value of a header of the bounce itself, decoded; '' when absent."""
        values = (self._headers if self._headers is not None else self._header_map()).get(name.lower())
        return values[0] if values else ""

    def has_header(self, name: str) -> bool:
        """Whether the bounce itself has a header of that name (even an empty one)."""
        return name.lower() in self._header_map()

    def headers(self, name: str) -> list[str]:
        """Every value of a header of the bounce itself, decoded."""
        return list(self._header_map().get(name.lower(), ()))

    @property
    def message(self) -> email.message.Message:
        """The top-level header fields as a `compat32` Message (no body), built on first use."""
        if self._message is None:
            message = email.message.Message(policy=compat32)
            for name, value in self._entity.headers:
                message[name] = value
            self._message = message
        return self._message

    @property
    def subject(self) -> str:
        """The decoded Subject of the bounce."""
        return self.header("Subject")

    @property
    def sender(self) -> str:
        """The decoded From of the bounce."""
        return self.header("From")

    @property
    def content_type(self) -> str:
        """The top-level MIME type, lower case."""
        return self._entity.content_type()[0]
