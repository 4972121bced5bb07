"""Names people type: NFC, trimmed, single-spaced, bounded, no control or invisible characters."""

from __future__ import annotations

import unicodedata

from contest.errors import InvalidName

MIN_LENGTH, MAX_LENGTH = 2, 100
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_name(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidName()
    text = unicodedata.normalize("NFC", raw)
    if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in text):
        raise InvalidName("Họ và tên chứa ký tự điều khiển hoặc ký tự ẩn không được phép.")
    text = " ".join(text.split())
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH or not any(ch.isalpha() for ch in text):
        raise InvalidName(f"Họ và tên phải có từ {MIN_LENGTH} đến {MAX_LENGTH} ký tự.")
    return text
