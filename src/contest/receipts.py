"""Receipts of a submission: the short attempt code people read aloud.

The attempt id is a random UUID in hex; its first 40 bits written in Crockford base 32 (no I, L, O, U:
nothing to confuse) in two groups of four make the code on the receipt and on "Trang của tôi", e.g. "7K3M-Q9XD".
It is deterministic (the site's JavaScript computes the same) and reversible to the id's first 10 hex digits,
so support can find the attempt from what a contestant reads over the phone.
"""

from __future__ import annotations

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
