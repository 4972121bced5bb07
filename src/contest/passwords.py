"""Password hashing with scrypt (memory-hard, salted, from the standard library).

Stored form: scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>, so parameters can be raised later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

from contest.errors import WeakPassword

N, R, P = 2**14, 8, 1  # 16 MiB of memory per hash
MIN_LENGTH, MAX_LENGTH = 8, 128


def check_strength(password: object) -> str:
    if not isinstance(password, str):
        raise WeakPassword()
    password = unicodedata.normalize("NFC", password)
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword()
    return password


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        unicodedata.normalize("NFC", password).encode(),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=64 * 1024 * 1024,
        dklen=32,
    )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, N, R, P)
    enc = base64.b64encode
    return f"scrypt${N}${R}${P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True only for the right password; any malformed stored value is simply False."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest, validate=True)
        if scheme != "scrypt" or len(expected) != 32:
            return False
        actual = _derive(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except (ValueError, TypeError, AttributeError):  # binascii.Error is a ValueError
        return False
    return hmac.compare_digest(actual, expected)


# A real hash to compare against when the phone is unknown, so both paths cost the same.
DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + base64.b64encode(b"\0" * 32).decode()
