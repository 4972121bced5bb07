"""One-time codes: random, six digits, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_LENGTH = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def code_hash(secret: bytes, phone: str, purpose: str, code: str) -> str:
    message = f"{purpose}|{phone}|{code}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def code_matches(secret: bytes, phone: str, purpose: str, code: object, stored_hash: str) -> bool:
    if not isinstance(code, str) or len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        return False
    return hmac.compare_digest(code_hash(secret, phone, purpose, code), stored_hash)
