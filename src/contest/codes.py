"""One-time codes: random, six digits, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TypeGuard

CODE_LENGTH = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def code_hash(secret: bytes, phone: str, purpose: str, code: str) -> str:
    message = f"{purpose}|{phone}|{code}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def well_formed(code: object) -> TypeGuard[str]:
    """Six ASCII digits: anything else is a typing slip, refused without using up a try."""
    return isinstance(code, str) and len(code) == CODE_LENGTH and code.isascii() and code.isdigit()


def code_matches(secret: bytes, phone: str, purpose: str, code: object, stored_hash: str) -> bool:
    if not well_formed(code):
        return False
    return hmac.compare_digest(code_hash(secret, phone, purpose, code), stored_hash)
