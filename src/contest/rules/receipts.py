"""Receipts of a submission: the short attempt code people read aloud, and the server's signature.

The attempt id is a random UUID in hex; its first 40 bits written in Crockford base 32 (no I, L, O, U:
nothing to confuse) in two groups of four make the code on the receipt and on "Trang của tôi", e.g. "7K3M-Q9XD".
It is deterministic (the site's JavaScript computes the same) and reversible to the id's first 10 hex digits,
so support can find the attempt from what a contestant reads over the phone.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(CROCKFORD)} | {"I": 1, "L": 1, "O": 0}


def attempt_code(attempt_id: str) -> str:
    """'0f3a9c27b1…' -> '1WX9-R9XH' (8 characters, grouped); an id that is not hex is returned as it is."""
    head = attempt_id[:10].lower()
    if len(head) < 10 or any(c not in "0123456789abcdef" for c in head):
        return attempt_id
    n = int(head, 16)
    chars = "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(8)))
    return f"{chars[:4]}-{chars[4:]}"


def attempt_id_prefix(code: str) -> str | None:
    """The first 10 hex digits of the attempt id a code stands for (case, dashes and spaces ignored)."""
    clean = "".join(code.split()).replace("-", "").upper()
    if len(clean) != 8 or any(c not in _DECODE for c in clean):
        return None
    n = 0
    for c in clean:
        n = n * 32 + _DECODE[c]
    return f"{n:010x}"


# ---------------------------------------------------------------- signed receipts (Ed25519)
#
# The receipt of a submission is signed by the server with an Ed25519 key that is NOT the token secret: the
# private key lives in Secrets Manager (AWS) or .dev/receipt-key (local stack); the public key is published
# with the results (results/receipt-key.json). Anyone can check a receipt offline: `contest receipts verify`,
# or the site's page "Kiểm tra biên nhận" (WebCrypto). `cryptography` is imported at the first signing only,
# so the submit handler's cold start does not pay for it (benchmarks/cold_start.py).

RECEIPT_VERSION = 1
SIGNED_FIELDS = ("v", "attempt_id", "week", "received_at", "duration_ms", "score", "answers_sha256", "code")
_SEED_LABEL = b"contest receipt ed25519 v1|"


def signed_payload(fields: dict[str, Any]) -> bytes:
    """The exact bytes signed: the signed fields as compact JSON with sorted keys (ASCII values only)."""
    body = {name: fields.get(name) for name in SIGNED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def seed_from_secret(secret: bytes) -> bytes:
    """The 32-byte Ed25519 seed from the stored secret (a random string of at least 32 characters)."""
    if len(secret) < 32:
        raise ValueError("the receipt key secret must hold at least 32 bytes")
    return hashlib.sha256(_SEED_LABEL + secret).digest()


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


class ReceiptSigner:
    """Signs receipts; the key (and `cryptography`) is loaded at the first signing, then kept."""

    def __init__(self, load_secret: Callable[[], bytes]) -> None:
        self._load_secret = load_secret
        self._key: Any = None
        self.public_key = b""

    def _ready(self) -> Any:
        if self._key is None:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

            key = Ed25519PrivateKey.from_private_bytes(seed_from_secret(self._load_secret()))
            self.public_key = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            self._key = key
        return self._key

    def sign(self, fields: dict[str, Any]) -> dict[str, Any]:
        """fields (attempt_id, week, received_at, duration_ms, score, answers_sha256) -> the signed receipt
        fields: the same plus v, code, alg, key_id and signature (base64)."""
        key = self._ready()
        full = {**fields, "v": RECEIPT_VERSION, "code": attempt_code(fields["attempt_id"])}
        signature = key.sign(signed_payload(full))
        return {
            **full,
            "alg": "Ed25519",
            "key_id": key_id(self.public_key),
            "signature": base64.b64encode(signature).decode("ascii"),
        }

    def public_key_document(self) -> dict[str, Any]:
        self._ready()
        return public_key_document(self.public_key)


def public_key_document(public_key: bytes) -> dict[str, Any]:
    """results/receipt-key.json: what a verifier needs."""
    return {
        "alg": "Ed25519",
        "key_id": key_id(public_key),
        "public_key": base64.b64encode(public_key).decode("ascii"),
        "signed_fields": list(SIGNED_FIELDS),
        "note": "Khóa công khai để kiểm tra chữ ký trên biên nhận bài thi (Ed25519).",
    }


class ReceiptInvalid(ValueError):
    pass


def verify_receipt(receipt: dict[str, Any], key_document: dict[str, Any]) -> dict[str, Any]:
    """Check a receipt (as downloaded, or the API's answer) against the published key; returns the signed
    fields or raises ReceiptInvalid with the reason in Vietnamese."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if key_document.get("alg") != "Ed25519" or receipt.get("alg", "Ed25519") != "Ed25519":
        raise ReceiptInvalid("Thuật toán chữ ký không được hỗ trợ.")
    try:
        public = base64.b64decode(key_document["public_key"], validate=True)
        signature = base64.b64decode(receipt["signature"], validate=True)
    except (KeyError, ValueError, TypeError) as exc:
        raise ReceiptInvalid("Biên nhận hoặc khóa công khai không đúng định dạng.") from exc
    if receipt.get("key_id") not in (None, key_id(public)):
        raise ReceiptInvalid("Biên nhận được ký bằng một khóa khác với khóa công khai này.")
    if receipt.get("code") != attempt_code(str(receipt.get("attempt_id", ""))):
        raise ReceiptInvalid("Mã bài thi không khớp với mã đầy đủ.")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, signed_payload(receipt))
    except (InvalidSignature, ValueError) as exc:
        raise ReceiptInvalid("Chữ ký không hợp lệ: biên nhận đã bị sửa hoặc không do máy chủ cuộc thi cấp.") from exc
    return {name: receipt.get(name) for name in SIGNED_FIELDS}
