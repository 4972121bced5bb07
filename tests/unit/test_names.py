"""names: what people type as their full name, cleaned (NFC, trimmed, single-spaced) and bounded."""

from __future__ import annotations

import unicodedata

import pytest

from contest.errors import InvalidName
from contest.names import clean_name


def test_nfd_input_becomes_nfc() -> None:
    # Given a name typed in decomposed form (macOS keyboards, some IMEs)
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert nfd != "Nguyễn Thị Ánh"
    # When it is cleaned
    cleaned = clean_name(nfd)
    # Then it is stored composed
    assert cleaned == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", cleaned)


def test_trims_and_collapses_spaces() -> None:
    # Given a name with stray spaces
    # When it is cleaned
    cleaned = clean_name("   Trần    Văn \u00a0 Bình  ")
    # Then it is trimmed, with single spaces between words
    assert cleaned == "Trần Văn Bình"


@pytest.mark.parametrize(("raw", "ok"), [("A", False), ("An", True), ("a" * 100, True), ("a" * 101, False)])
def test_length_bounds_two_to_hundred(raw: str, ok: bool) -> None:
    # Given a name at or just past a length bound
    # When it is cleaned
    # Then 2..100 characters are accepted, anything else refused
    if ok:
        assert clean_name(raw) == raw
    else:
        with pytest.raises(InvalidName):
            clean_name(raw)


def test_length_is_counted_after_trimming() -> None:
    # Given a one-letter name padded with spaces
    # When / Then it is refused (spaces do not count)
    with pytest.raises(InvalidName):
        clean_name("   B   ")


@pytest.mark.parametrize(
    "raw",
    [
        "Nguyễn\x00Văn An",
        "Nguyễn \x1b[31mVăn An",
        "Nguyễn Văn\nAn",
        "Nguyễn Văn An\u202e",  # right-to-left override
        "Nguyễn\u200bVăn An",  # zero-width space
        "\ufeffNguyễn Văn An",  # byte order mark
        "Nguyễn\u2028Văn An",  # line separator
        "12345",  # no letters
        "!!! ???",
        "   ",
        "",
        None,
        42,
    ],
)
def test_control_invisible_and_letterless_names_are_refused(raw: object) -> None:
    # Given a name holding control/invisible characters, or no letters at all
    # When / Then it is refused
    with pytest.raises(InvalidName):
        clean_name(raw)


@pytest.mark.parametrize(
    "name",
    [
        "<img src=x onerror=alert(1)>",  # stored as text; the site inserts it as text
        "Trần Lê Ánh Phạm Thủy Nguyễn Đức",  # huyền, sắc, nặng, hỏi, ngã, and đ
        "Hoàng Bá Thảo Vũ Mạnh Đặng Ơn Ư",
    ],
)
def test_ordinary_text_is_accepted_unchanged(name: str) -> None:
    # Given a name made of ordinary printable characters (markup included)
    # When it is cleaned
    # Then it comes back exactly as typed
    assert clean_name(name) == name


def test_refusal_message_is_vietnamese() -> None:
    # Given / When a control character is typed
    with pytest.raises(InvalidName) as caught:
        clean_name("An\x00")
    # Then the contestant reads why, in Vietnamese
    assert caught.value.code == "INVALID_NAME"
    assert "ký tự" in caught.value.message
