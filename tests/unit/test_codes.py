"""codes: six random digits, matched only for the right phone, purpose, code and secret."""

from __future__ import annotations

import pytest

from contest.rules import codes

SECRET = b"s" * 32
PHONE = "+84912345678"


def test_new_code_is_six_ascii_digits() -> None:
    # Given / When many codes are drawn
    drawn = [codes.new_code() for _ in range(300)]
    # Then each is exactly six ASCII digits, and they are not all the same
    for code in drawn:
        assert len(code) == 6 and code.isascii() and code.isdigit(), code
    assert len(set(drawn)) > 1


def test_code_matches_only_everything_right() -> None:
    # Given a code stored as a keyed hash for one phone and purpose
    stored = codes.code_hash(SECRET, PHONE, "verify", "012345")
    # When / Then it matches with every part right
    assert codes.code_matches(SECRET, PHONE, "verify", "012345", stored) is True
    # and fails if any one part differs
    assert codes.code_matches(SECRET, "+84912345679", "verify", "012345", stored) is False
    assert codes.code_matches(SECRET, PHONE, "reset", "012345", stored) is False
    assert codes.code_matches(SECRET, PHONE, "verify", "012346", stored) is False
    assert codes.code_matches(b"t" * 32, PHONE, "verify", "012345", stored) is False


def test_stored_form_is_not_the_code() -> None:
    # Given / When a code is hashed
    stored = codes.code_hash(SECRET, PHONE, "verify", "123456")
    # Then the code itself does not appear in what is stored
    assert "123456" not in stored


@pytest.mark.parametrize(
    "code",
    [
        "12345a",
        " 12345",
        "12345",
        "1234567",
        "",
        123456,
        None,
        "１２３４５６",  # full-width digits
        "١٢٣٤٥٦",  # Arabic-Indic digits
    ],
)
def test_malformed_codes_never_match(code: object) -> None:
    # Given a stored hash computed for the same-looking value where possible
    as_text = str(code)
    stored = codes.code_hash(SECRET, PHONE, "verify", as_text)
    # When the malformed code is checked against it
    # Then it does not match
    assert codes.code_matches(SECRET, PHONE, "verify", code, stored) is False
