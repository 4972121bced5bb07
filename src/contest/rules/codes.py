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


def new_salt() -> str:
    return secrets.token_hex(16)


def award_code_hash(salt: str, account_id: str, week: int, code: str) -> str:
    """Award codes are written by the close, which never holds the signing secret: a random salt per award
    keys the hash instead (the code is worth only `code_max_tries` guesses and only with the winner's session)."""
    message = f"award|{account_id}|{week}|{code}".encode()
    return hmac.new(bytes.fromhex(salt), message, hashlib.sha256).hexdigest()


def award_code_matches(salt: str, account_id: str, week: int, code: object, stored_hash: str) -> bool:
    if not isinstance(code, str) or len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        return False
    return hmac.compare_digest(award_code_hash(salt, account_id, week, code), stored_hash)


def ticket_hash(ticket: object) -> str | None:
    """The registrant's ticket (returned by register/reclaim) is stored only as a hash."""
    if not isinstance(ticket, str) or not 16 <= len(ticket) <= 128:
        return None
    return hashlib.sha256(b"ticket|" + ticket.encode()).hexdigest()
