"""The short attempt code: 8 characters, grouped, deterministic and reversible to the id's prefix."""

from __future__ import annotations

import re
import uuid

from hypothesis import given
from hypothesis import strategies as st

from contest.receipts import attempt_code, attempt_id_prefix


def test_a_known_id_gives_a_known_code():
    assert attempt_code("0123456789abcdef0123456789abcdef") == "04HM-ASW9"
    assert attempt_code("ffffffffff" + "0" * 22) == "ZZZZ-ZZZZ"


@given(st.uuids(version=4))
def test_every_code_is_eight_unambiguous_characters_and_leads_back_to_the_id(u: uuid.UUID):
    code = attempt_code(u.hex)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert attempt_code(u.hex) == code  # deterministic
    assert attempt_id_prefix(code) == u.hex[:10]
    assert attempt_id_prefix(code.lower().replace("-", " ")) == u.hex[:10]


def test_what_is_not_a_code_is_refused():
    assert attempt_id_prefix("ABCD-EFG") is None
    assert attempt_id_prefix("ABCD-EFGU") is None
    assert attempt_code("not-hex") == "not-hex"
