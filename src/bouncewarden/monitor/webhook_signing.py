"""Signing outgoing webhook requests, and checking a signature as a receiver does.

Each request carries `Bouncewarden-Timestamp` (Unix seconds when it was sent) and
`Bouncewarden-Signature: v1=<hex>`, the HMAC-SHA256 under the webhook's secret of the
timestamp, a full stop and the raw body bytes. A receiver recomputes it, compares in constant
time, and refuses a timestamp further than its replay window (default 5 minutes) from its own
clock; a resent event gets a fresh timestamp and signature over the same body.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "EVENT_HEADER",
    "REPLAY_WINDOW_SECONDS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOPIC_HEADER",
    "sign",
    "signature_headers",
    "verify_signature",
]

TIMESTAMP_HEADER = "Bouncewarden-Timestamp"
SIGNATURE_HEADER = "Bouncewarden-Signature"
EVENT_HEADER = "Bouncewarden-Event-Id"
TOPIC_HEADER = "Bouncewarden-Topic"
REPLAY_WINDOW_SECONDS = 300
_SCHEME = "v1="


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `v1=` signature of `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return _SCHEME + mac.hexdigest()


def signature_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The timestamp and signature headers of one request."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify_signature(
    secret: str,
    body: bytes,
    timestamp_header: str,
    signature_header: str,
    *,
    now: float,
    window: float = REPLAY_WINDOW_SECONDS,
) -> bool:
    """True when the headers sign `body` under `secret` and the timestamp is within `window`
    seconds of `now` (Unix seconds). For receivers written in Python."""
    if not timestamp_header.isdigit():
        return False
    timestamp = int(timestamp_header)
    if abs(now - timestamp) > window:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature_header.strip())
