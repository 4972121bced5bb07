"""Erasure rules: pure functions over plain values, no clock, no AWS.

An erased contestant's entry in a week whose results are PUBLISHED stays in the standings (ranks, tie groups,
unit counts and the published SHA-256 of `standings.tsv` must not change) but carries nothing personal:

- `phone_masked` holds `ERASED_MARK` (not a phone, not a mask): the close reads it as "erased" and publishes
  the neutral `ERASED_LABEL` instead of the name and no phone digits;
- `full_name` holds only `listing_prefix(...)`: the shortest start of the (case-folded) name that keeps the
  entry at the same place inside its undecided tie group, whose members are listed by name (layout only).
  Usually one letter; empty for an entry outside any tie group. Without it, the label would sort elsewhere in
  the group and change the listing order, hence the bytes and the SHA-256 of `standings.tsv`.

The phone number of an erased account is kept only as `erasure_key` (HMAC-SHA256 under the signing secret, so a
table reader cannot brute-force the ~10^9 Vietnamese mobile numbers) until the retention date: registration
refuses that number so nobody erases and re-registers to get fresh attempts in the same contest.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from contest.rules.names import nfc

ERASED_LABEL = "Thí sinh đã yêu cầu xoá dữ liệu"
ERASED_MARK = "ERASED"  # stored in place of the masked phone; mask() of it has no digit: publishes ""
ERASED_NOTE = (
    "Kết quả này đã được công bố lại sau khi có thí sinh yêu cầu xoá dữ liệu cá nhân: tên của thí sinh đó được thay "
    "bằng «" + ERASED_LABEL + "». Thứ hạng, điểm, nhóm đồng hạng và tệp standings.tsv (SHA-256) không thay đổi."
)


def listing_key_name(name: str) -> str:
    """What the tie-group listing compares (ranking._listing_key): the NFC name, case-folded."""
    return nfc(name).casefold()


def listing_prefix(name: str, others: Iterable[str]) -> str:
    """The shortest prefix p of `name` (case-folded) with the same order as `name` against every other name.

    For a name m sorting before the erased name, p must still sort after m: p needs one character past their
    common start. Names after it stay after p (p <= name < m). An identical name needs the whole name (the
    listing then falls back to the masked phone and the account id; see docs/privacy.md, known limits)."""
    mine = listing_key_name(name)
    need = 0
    for other in others:
        key = listing_key_name(other)
        if key < mine:
            common = 0
            for a, b in zip(key, mine, strict=False):
                if a != b:
                    break
                common += 1
            need = max(need, common + 1)
        elif key == mine:
            need = len(mine)
    return mine[:need]


def erasure_key(secret: bytes, phone: str) -> str:
    """The only form an erased phone number is kept in (E.164 in, hex out)."""
    return hmac.new(secret, b"erased-phone|" + phone.encode(), hashlib.sha256).hexdigest()
