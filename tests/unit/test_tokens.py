"""tokens: compact JWS pinned to HS256; anything not signed by us, or outside its time, is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from contest.rules import tokens
from contest.rules.errors import InvalidToken

SECRET = b"k" * 32
NOW = 1_700_000_000
CLAIMS = {"kind": "attempt", "sub": "acc-1", "iat": NOW - 60, "exp": NOW + 600}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def enc(obj: Any) -> str:
    return b64(json.dumps(obj, separators=(",", ":"), sort_keys=True).encode())


def forge(header: dict[str, Any], claims: dict[str, Any], key: bytes = SECRET, digest: Any = hashlib.sha256) -> str:
    """A token with any header, signed with HMAC over header.payload (what an attacker can build)."""
    signing_input = f"{enc(header)}.{enc(claims)}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(signature)}"


def verify(token: object, *, kind: str = "attempt", now_s: int = NOW) -> dict[str, Any]:
    return tokens.verify(token, SECRET, kind=kind, now_s=now_s)


def test_sign_then_verify_returns_the_claims() -> None:
    # Given a signed token
    token = tokens.sign(CLAIMS, SECRET)
    # When it is verified within its lifetime
    claims = verify(token)
    # Then the claims come back unchanged
    assert claims == CLAIMS


def test_forge_helper_reproduces_our_own_tokens() -> None:
    # Given the helper used below to build hostile tokens
    # When it builds a token with our header
    # Then it is byte for byte what sign() makes (so the refusals below are about the change made)
    assert forge({"alg": "HS256", "typ": "JWT"}, CLAIMS) == tokens.sign(CLAIMS, SECRET)


def test_alg_none_unsigned_is_refused() -> None:
    # Given an unsigned token claiming "alg": "none"
    token = f"{enc({'alg': 'none', 'typ': 'JWT'})}.{enc(CLAIMS)}."
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(token)


def test_alg_none_with_a_valid_hmac_is_refused() -> None:
    # Given an "alg": "none" header carrying a correct HMAC over header.payload
    token = forge({"alg": "none", "typ": "JWT"}, CLAIMS)
    # When / Then the header itself is refused
    with pytest.raises(InvalidToken):
        verify(token)


@pytest.mark.parametrize(
    ("alg", "digest"), [("HS512", hashlib.sha512), ("RS256", hashlib.sha256), ("HS384", hashlib.sha384)]
)
def test_other_algorithms_resigned_with_the_secret_are_refused(alg: str, digest: Any) -> None:
    # Given a token re-signed under another algorithm header (even with our own secret)
    token = forge({"alg": alg, "typ": "JWT"}, CLAIMS, digest=digest)
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(token)


def test_tampered_payload_with_original_signature_is_refused() -> None:
    # Given a genuine token whose payload is re-encoded with another subject
    header, _, signature = tokens.sign(CLAIMS, SECRET).split(".")
    tampered = f"{header}.{enc(CLAIMS | {'sub': 'acc-2'})}.{signature}"
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(tampered)


def test_wrong_key_is_refused() -> None:
    # Given a token signed with another key
    token = tokens.sign(CLAIMS, b"x" * 32)
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(token)


@pytest.mark.parametrize("cut", [1, 3, 4, 5])
def test_truncated_token_is_refused(cut: int) -> None:
    # Given a genuine token with its last characters cut off
    token = tokens.sign(CLAIMS, SECRET)[:-cut]
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(token)


@pytest.mark.parametrize("cut", [2, 6])
def test_truncated_token_with_impossible_base64_length_is_refused(cut: int) -> None:
    # Given a genuine token cut so the signature has 41 (or 37) characters: impossible base64 lengths
    token = tokens.sign(CLAIMS, SECRET)[:-cut]
    # When / Then it is refused like any other bad token
    with pytest.raises(InvalidToken):
        verify(token)


def test_token_without_its_signature_segment_is_refused() -> None:
    # Given header.payload only
    token = tokens.sign(CLAIMS, SECRET).rsplit(".", 1)[0]
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(token)


@pytest.mark.parametrize("extra", [".", ".e30", ".abc.def"])
def test_extra_segment_is_refused(extra: str) -> None:
    # Given a genuine token with another segment appended
    token = tokens.sign(CLAIMS, SECRET) + extra
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(token)


@pytest.mark.parametrize("part", [1, 2])
@pytest.mark.parametrize("char", ["+", "/", "=", " ", "!"])
def test_non_base64url_ascii_characters_are_refused(part: int, char: str) -> None:
    # Given a genuine token with a character outside base64url put into the payload or signature
    segments = tokens.sign(CLAIMS, SECRET).split(".")
    segments[part] = segments[part][:5] + char + segments[part][5:]
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(".".join(segments))


@pytest.mark.parametrize("part", [0, 1])
def test_non_ascii_characters_are_refused(part: int) -> None:
    # Given a genuine token with "é" put into its header or payload segment
    segments = tokens.sign(CLAIMS, SECRET).split(".")
    segments[part] = segments[part][:5] + "é" + segments[part][5:]
    # When / Then it is refused like any other bad token
    with pytest.raises(InvalidToken):
        verify(".".join(segments))


def test_non_ascii_in_signature_segment_is_refused() -> None:
    # Given a genuine token with "é" put into its signature
    header, payload, signature = tokens.sign(CLAIMS, SECRET).split(".")
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(f"{header}.{payload}.{signature[:5]}é{signature[5:]}")


def test_expiry_is_exclusive() -> None:
    # Given a token expiring at exp
    token = tokens.sign(CLAIMS, SECRET)
    # When verified one second before exp, then at exp and after
    # Then it is valid before and refused from exp on
    assert verify(token, now_s=CLAIMS["exp"] - 1)["sub"] == "acc-1"
    for now in (CLAIMS["exp"], CLAIMS["exp"] + 1, CLAIMS["exp"] + 86_400):
        with pytest.raises(InvalidToken):
            verify(token, now_s=now)


def test_not_yet_valid_before_iat() -> None:
    # Given a token issued at iat
    token = tokens.sign(CLAIMS, SECRET)
    # When verified before iat / at iat
    # Then it is refused before and accepted from iat on
    with pytest.raises(InvalidToken):
        verify(token, now_s=CLAIMS["iat"] - 1)
    assert verify(token, now_s=CLAIMS["iat"])["sub"] == "acc-1"


def test_not_yet_valid_before_nbf() -> None:
    # Given a token with a not-before instant in the future
    token = tokens.sign({"kind": "attempt", "sub": "a", "nbf": NOW + 10, "exp": NOW + 600}, SECRET)
    # When / Then it is refused before nbf and accepted at nbf
    with pytest.raises(InvalidToken):
        verify(token, now_s=NOW + 9)
    assert verify(token, now_s=NOW + 10)["sub"] == "a"


def test_wrong_kind_is_refused() -> None:
    # Given a session token
    token = tokens.sign(CLAIMS | {"kind": "session"}, SECRET)
    # When it is presented where an attempt token is needed
    # Then it is refused (and accepted as a session)
    with pytest.raises(InvalidToken):
        verify(token, kind="attempt")
    assert verify(token, kind="session")["kind"] == "session"


@pytest.mark.parametrize("token", [None, 123, b"a.b.c", ["a", "b", "c"], {"token": "x"}])
def test_non_string_is_refused(token: object) -> None:
    # Given / When something that is not a string is presented
    # Then it is refused
    with pytest.raises(InvalidToken):
        verify(token)


def _token_with_length_around(limit: int) -> tuple[str, str]:
    """The longest genuine token of at most `limit` chars, and the shortest one longer."""
    shorter = longer = ""
    for pad in range(limit):
        token = tokens.sign(CLAIMS | {"pad": "x" * pad}, SECRET)
        if len(token) <= limit:
            shorter = token
        else:
            longer = token
            break
    return shorter, longer


def test_tokens_longer_than_4096_characters_are_refused() -> None:
    # Given genuine tokens just under/at and just over 4096 characters
    shorter, longer = _token_with_length_around(4096)
    assert len(shorter) >= 4093 and len(longer) > 4096
    # When / Then the short one verifies and the long one is refused unread
    assert verify(shorter)["sub"] == "acc-1"
    with pytest.raises(InvalidToken):
        verify(longer)


@pytest.mark.parametrize(
    "claims",
    [
        {"kind": "attempt", "sub": "a", "iat": NOW - 60},  # no exp
        {"kind": "attempt", "sub": "a", "iat": NOW - 60, "exp": str(NOW + 600)},
        {"kind": "attempt", "sub": "a", "iat": NOW - 60, "exp": float(NOW + 600)},
        {"kind": "attempt", "sub": "a", "exp": NOW + 600},  # neither iat nor nbf
        {"sub": "a", "iat": NOW - 60, "exp": NOW + 600},  # no kind
    ],
)
def test_tokens_missing_or_mistyped_time_claims_are_refused(claims: dict[str, Any]) -> None:
    # Given a correctly signed token lacking a well-typed exp / iat / kind
    token = tokens.sign(claims, SECRET)
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(token)


def test_payload_that_is_not_an_object_is_refused() -> None:
    # Given a correctly signed token whose payload is a JSON list
    header = tokens.sign(CLAIMS, SECRET).split(".")[0]
    payload = b64(b'["kind","attempt"]')
    signature = b64(hmac.new(SECRET, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    # When / Then it is refused
    with pytest.raises(InvalidToken):
        verify(f"{header}.{payload}.{signature}")
