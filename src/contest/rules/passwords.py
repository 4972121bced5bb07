"""Password hashing with scrypt (memory-hard, salted, from the standard library).

Stored form: scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>, so parameters can be raised later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

from contest.rules.errors import WeakPassword

N, R, P = 2**14, 8, 1  # 16 MiB of memory per hash
MIN_LENGTH, MAX_LENGTH = 8, 128


_common: frozenset[str] | None = None


def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's list, from leaked password corpora), lowercase.

    Loaded on first use, never at import: the list costs tens of milliseconds that a login, a quiz
    start or a submit should not pay at cold start (benchmarks/cold_start.py)."""
    global _common
    if _common is None:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS  # lazy on purpose: tens of ms

        _common = frozenset(FREQUENCY_LISTS["passwords"])
    return _common


# Letters that render as nothing (Hangul fillers, the Braille blank) though Unicode calls them letters.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(c: str) -> bool:
    return not c.isspace() and c not in _BLANK_LETTERS and unicodedata.category(c) not in ("Cc", "Cf", "Mn", "Zs")


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c in "0123456789")


def check_strength(password: object, phone: str | None = None) -> str:
    """The NFC password if it may be used, else WeakPassword with the reason in Vietnamese.

    Refused: outside 8-128 characters; only spaces or other whitespace; one of the most common
    passwords (case-insensitive, surrounding spaces ignored); anything containing the account's own
    phone number in any spelling (`phone` in E.164: 0912 345 678, +84912345678, 912.345.678 …)."""
    if not isinstance(password, str):
        raise WeakPassword()
    password = unicodedata.normalize("NFC", password)
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword()
    if not any(_visible(c) for c in password):
        raise WeakPassword("Mật khẩu không được chỉ gồm khoảng trắng hoặc ký tự không nhìn thấy.")
    if phone and phone[-9:] in _digits(password):
        raise WeakPassword("Mật khẩu không được chứa số điện thoại của bạn.")
    folded = unicodedata.normalize("NFKC", password).strip().casefold()
    if folded in common_passwords() or "".join(folded.split()) in common_passwords():
        raise WeakPassword("Mật khẩu này quá phổ biến, rất dễ bị đoán. Vui lòng chọn mật khẩu khác.")
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
