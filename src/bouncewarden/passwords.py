"""Password hashing for the admin UI's users: scrypt from the standard library.

A stored hash reads `scrypt$N$r$p$SALT$HASH` (salt and hash in hex), so the cost can be
raised later without breaking stored hashes. N=2**14, r=8, p=1 is the cost RFC 7914 section 2
calls interactive-login strength, and about 16 MiB of memory per check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["hash_password", "verify_password"]

_N, _R, _P = 2**14, 8, 1
_LENGTH = 32
_MAX_MEMORY = 64 * 1024 * 1024


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEMORY, dklen=_LENGTH
    )


def hash_password(password: str) -> str:
    """The storable hash of `password`, with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored` (False for a hash in any other form)."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        return False
    return hmac.compare_digest(_derive(password, salt, n, r, p), expected)
