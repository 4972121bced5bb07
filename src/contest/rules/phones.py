"""Vietnamese mobile numbers: one E.164 form for every common spelling, and the public mask."""

from __future__ import annotations

import unicodedata

from contest.rules.errors import InvalidPhone

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


MASK_HIDDEN = "•" * 7  # a 10-digit national number less its last three digits
SHOWN_DIGITS = 3


def mask(phone: str) -> str:
    """The one public form of a phone number: only its last three digits, e.g. +84912345678 -> •••••••678.

    Everything else is hidden with a fixed run of bullets, so the mask says nothing about the prefix
    (carrier) or the length. It accepts an E.164 number or any earlier mask (a stored "091****678" is
    masked again to "•••••••678"), so data stored under an older mask is published the same way.
    """
    tail = phone[-SHOWN_DIGITS:]
    if len(tail) == SHOWN_DIGITS and tail.isascii() and tail.isdigit():  # the usual case
        return MASK_HIDDEN + tail
    digits = [ch for ch in phone if ch.isascii() and ch.isdigit()]
    if not digits:
        return ""
    return MASK_HIDDEN + "".join(digits[-SHOWN_DIGITS:])
