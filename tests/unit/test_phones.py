"""phones: every common spelling of a Vietnamese mobile number becomes one E.164 form; the rest is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.rules import phones
from contest.rules.errors import InvalidPhone

EXPECTED = "+84912345678"


@pytest.mark.parametrize(
    "spelling",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84 912 345 678",
        "84912345678",
        "+84912345678",
        "(+84) 912-345-678",
        "０９１２３４５６７８",  # full-width digits
        "  0912345678  ",
        "\t+84 912 345 678 ",
    ],
)
def test_common_spellings_normalise_to_one_e164_form(spelling: str) -> None:
    # Given a contestant types their mobile number in a common way
    # When it is normalised
    result = phones.normalize(spelling)
    # Then it is the single E.164 form
    assert result == EXPECTED


@pytest.mark.parametrize(
    "raw",
    [
        "024 3825 1234",  # Hà Nội landline
        "+1 202 555 0143",  # USA
        "+33 6 12 34 56 78",  # France (a mobile there)
        "01212345678",  # old 11-digit mobile, retired in 2018
        "091234",  # too short
        "09123456789012",  # too long
        "0912abc678",  # letters
        "zero nine one two",
        "",
        "   ",
        None,
        912345678,
        84912345678,
        "0" * 100,
        "0912345678" + " " * 90,  # a 100-char string around a valid number
    ],
)
def test_anything_but_a_vietnamese_mobile_is_refused(raw: object) -> None:
    # Given something that is not a Vietnamese mobile number
    # When it is normalised
    # Then InvalidPhone is raised
    with pytest.raises(InvalidPhone):
        phones.normalize(raw)


@pytest.mark.parametrize(
    "national",
    [
        "0321234567",  # 03x (Viettel)
        "0391234567",
        "0559123456",  # 0559 (Reddi)
        "0561234567",  # 05x (Vietnamobile)
        "0581234567",
        "0701234567",  # 07x (MobiFone)
        "0791234567",
        "0812345678",  # 08x (VinaPhone)
        "0888123456",
        "0901234567",  # 09x
        "0981234567",
    ],
)
def test_other_mobile_prefixes_are_accepted(national: str) -> None:
    # Given a number from another current mobile range
    # When it is normalised
    result = phones.normalize(national)
    # Then it becomes +84 followed by the national number without its leading 0
    assert result == "+84" + national[1:]


def test_mask_shows_only_the_last_three_digits() -> None:
    # Given a stored E.164 number
    # When it is masked for publication
    masked = phones.mask("+84912345678")
    # Then only the last three digits remain, behind a fixed run of bullets
    assert masked == "•••••••678"


@given(nsn=st.from_regex(r"\A(?:3[0-9]|5[1689]|7[06-9]|8[1-8]|9[0-8])[0-9]{7}\Z"))
def test_mask_keeps_only_the_last_three_national_digits(nsn: str) -> None:
    # Given any valid mobile number (spelled nationally)
    national = "0" + nsn
    e164 = phones.normalize(national)
    # When it is masked
    masked = phones.mask(e164)
    # Then the last three digits show and nothing else: not the carrier prefix, not the length
    assert masked == "•" * 7 + national[-3:]
    assert sum(c.isdigit() for c in masked) == 3
    # And a mask stored under the older, wider form is masked the same way
    assert phones.mask(national[:3] + "****" + national[-3:]) == masked
