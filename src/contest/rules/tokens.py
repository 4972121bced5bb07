"""Signed tokens: compact JWS with the algorithm pinned to HS256.

Hand-written on purpose (about forty lines, stdlib only): the header is fixed, so there is no
algorithm negotiation to attack ("alg": "none", RS/HS confusion), and no crypto library is loaded
at cold start. Verification compares the whole header byte for byte before anything else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from contest.rules.errors import InvalidToken

_HEADER = {"alg": "HS256", "typ": "JWT"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _unb64(text: str) -> bytes:
    """Decode canonical unpadded base64url only: no padding, no `+/`, no non-zero trailing bits.

    Each byte string has exactly one accepted spelling, so a token cannot be altered (and a stored or
    logged token compared) without changing its bytes."""
    if not text or not _ALPHABET.issuperset(text):
        raise InvalidToken()
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:  # binascii.Error: impossible length (4n + 1)
        raise InvalidToken() from exc
    if _b64(data) != text:  # the last character carried bits that decoding silently dropped
        raise InvalidToken()
    return data


_HEADER_B64 = _b64(json.dumps(_HEADER, separators=(",", ":"), sort_keys=True).encode())


def sign(claims: dict[str, Any], secret: bytes) -> str:
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{_HEADER_B64}.{payload}".encode("ascii")
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{_HEADER_B64}.{payload}.{_b64(signature)}"


def verify(token: object, secret: bytes, *, kind: str, now_s: int, leeway_s: int = 0) -> dict[str, Any]:
    """Return the claims of a token of `kind` valid at `now_s`, or raise InvalidToken."""
    if not isinstance(token, str) or len(token) > 4096 or not token.isascii():
        raise InvalidToken()
    parts = token.split(".")
    if len(parts) != 3 or not hmac.compare_digest(parts[0], _HEADER_B64):
        raise InvalidToken()
    expected = hmac.new(secret, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _unb64(parts[2])):
        raise InvalidToken()
    try:
        claims = json.loads(_unb64(parts[1]))
    except ValueError as exc:
        raise InvalidToken() from exc
    if not isinstance(claims, dict) or claims.get("kind") != kind:
        raise InvalidToken()
    exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, int) or not isinstance(nbf, int):
        raise InvalidToken()
    if now_s >= exp + leeway_s or now_s < nbf - leeway_s:
        raise InvalidToken()
    return claims
