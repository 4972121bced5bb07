"""passwords: salted scrypt; both Unicode forms of a password verify the same; bad stored data is False."""

from __future__ import annotations

import unicodedata

import pytest

from contest.rules import passwords
from contest.rules.errors import WeakPassword

VIETNAMESE = "Mật khẩu Việt Nam ồ ạt 2023"


def test_hash_is_salted() -> None:
    # Given one password
    # When it is hashed twice
    first, second = passwords.hash_password("mat-khau-123"), passwords.hash_password("mat-khau-123")
    # Then the stored forms differ, and both verify
    assert first != second
    assert passwords.verify_password("mat-khau-123", first)
    assert passwords.verify_password("mat-khau-123", second)


def test_stored_form_names_scheme_and_parameters_and_hides_the_password() -> None:
    # Given / When a password is hashed
    stored = passwords.hash_password("mat-khau-123")
    # Then the stored form is scrypt$n$r$p$salt$hash and does not contain the password
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", passwords.N, passwords.R, passwords.P)
    assert salt and digest
    assert "mat-khau-123" not in stored


def test_verify_is_false_for_another_password() -> None:
    # Given a stored hash
    stored = passwords.hash_password("mat-khau-123")
    # When other passwords are checked
    # Then none verifies
    for other in ("mat-khau-124", "Mat-khau-123", "mat-khau-123 ", "", "mat-khau-12"):
        assert passwords.verify_password(other, stored) is False, other


@pytest.mark.parametrize(("hashed_form", "typed_form"), [("NFC", "NFD"), ("NFD", "NFC"), ("NFC", "NFC")])
def test_nfc_and_nfd_forms_of_a_vietnamese_password_verify_the_same(hashed_form: str, typed_form: str) -> None:
    # Given a Vietnamese password hashed as typed on one keyboard
    stored = passwords.hash_password(unicodedata.normalize(hashed_form, VIETNAMESE))
    typed = unicodedata.normalize(typed_form, VIETNAMESE)
    assert hashed_form == typed_form or typed != unicodedata.normalize(hashed_form, VIETNAMESE)
    # When it is typed in the other Unicode form
    # Then it verifies
    assert passwords.verify_password(typed, stored) is True


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plaintext",
        "scrypt$16384$8$1$salt",  # too few fields
        "scrypt$16384$8$1$AAAA$AAAA$AAAA",  # too many fields
        "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # another scheme
        "scrypt$many$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # non-numeric n
        "scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # n not a power of two
        "scrypt$16384$0$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # r = 0
        "scrypt$1099511627776$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # n beyond the memory limit
        "scrypt$16384$8$1$abc$AAAA",  # salt with bad padding
    ],
)
def test_malformed_stored_hash_is_false_never_an_exception(stored: str) -> None:
    # Given a stored hash that is malformed
    # When a password is checked against it
    # Then the answer is False (no exception)
    assert passwords.verify_password("mat-khau-123", stored) is False


@pytest.mark.parametrize(
    "stored",
    [
        "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$abc",  # digest with bad padding
        "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$A",  # impossible base64 length
    ],
)
def test_malformed_digest_field_is_false_never_an_exception(stored: str) -> None:
    # Given a stored hash whose digest field is not valid base64
    # When a password is checked against it
    # Then the answer is False (no exception)
    assert passwords.verify_password("mat-khau-123", stored) is False


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("a" * 7, False),
        ("a" * 8, True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("", False),
        (unicodedata.normalize("NFD", "ệ" * 8), True),  # 24 code points typed, 8 characters
        (unicodedata.normalize("NFD", "ệ" * 128), True),
        ("ệ" * 7, False),
    ],
)
def test_strength_bounds_are_eight_to_128_characters(password: str, ok: bool) -> None:
    # Given a password at or past a length bound
    # When its strength is checked
    # Then 8..128 characters (counted composed) pass and come back in NFC, others are refused
    if ok:
        assert passwords.check_strength(password) == unicodedata.normalize("NFC", password)
    else:
        with pytest.raises(WeakPassword):
            passwords.check_strength(password)


@pytest.mark.parametrize("password", [None, 12345678, b"password123", ["password123"]])
def test_strength_refuses_non_strings(password: object) -> None:
    # Given / When something that is not a string is checked
    # Then it is refused
    with pytest.raises(WeakPassword):
        passwords.check_strength(password)


@pytest.mark.parametrize("password", ["", "password", "mat-khau-123", "\0" * 8, "AAAAAAAAAAAAAAAAAAAAAA=="])
def test_dummy_hash_verifies_nothing(password: str) -> None:
    # Given the hash used when a phone is unknown
    # When any password is checked against it
    # Then none verifies
    assert passwords.verify_password(password, passwords.DUMMY_HASH) is False


def test_dummy_hash_costs_a_real_derivation() -> None:
    # Given the dummy hash, When it is parsed, Then it uses the same scheme and parameters as real hashes
    scheme, n, r, p, _salt, _digest = passwords.DUMMY_HASH.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", passwords.N, passwords.R, passwords.P)
