"""Vietnamese mobile numbers: one E.164 form for every common spelling, and the public mask."""

from __future__ import annotations

import unicodedata

from contest.errors import InvalidPhone

_MAX_INPUT = 40


def normalize(raw: object) -> str:
    """Return the E.164 form ("+84912345678") of a Vietnamese mobile number, or raise InvalidPhone.

    Accepts 0912 345 678, 0912.345.678, +84 912 345 678, 84912345678, full-width digits, ...
    Refuses landlines, foreign numbers, old 11-digit numbers and anything that is not a number.
    """
    import phonenumbers  # ~40 ms: paid by the first registration or login, never by quiz/submit

    if not isinstance(raw, str) or not raw.strip() or len(raw) > _MAX_INPUT:
        raise InvalidPhone()
    text = unicodedata.normalize("NFKC", raw).strip()  # full-width digits and plus sign -> ASCII
    if any(ch.isalpha() for ch in text):
        raise InvalidPhone()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        candidate = "+" + digits
    elif digits.startswith("84") and len(digits) == 11:
        candidate = "+" + digits
    else:
        candidate = digits
    try:
        number = phonenumbers.parse(candidate, "VN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone() from exc
    if (
        number.country_code != 84
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(e164: str) -> str:
    """Public form: national number with the middle hidden, e.g. +84912345678 -> 091****678."""
    national = "0" + e164[3:] if e164.startswith("+84") else e164
    return national[:3] + "*" * (len(national) - 6) + national[-3:]
