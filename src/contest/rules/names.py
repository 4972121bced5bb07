"""Names people type: NFC, trimmed, single-spaced, bounded; no control, invisible, markup or look-alike text.

A full name is printed on results, certificates and the organisers' spreadsheets, so what is accepted is
what a person's name is made of, and nothing that a spreadsheet, a browser or an eye would read as more:

- letters of any alphabet with their tone and vowel marks (Vietnamese NFC letters are precomposed; an
  ethnic minority letter such as ơ̆ keeps one extra mark), spaces, and the punctuation of names: hyphen,
  apostrophe (K'Điệp, H'Hen Niê; typographic ’ and ʼ too), full stop and comma; digits after the first
  letter ("Nguyễn Văn An 2");
- it starts with a letter: nothing starting with = + - @ (a spreadsheet formula) or a quote;
- no markup or formula syntax anywhere (< > = ( ) " & | and the other symbols; `HYPERLINK(` is refused);
- no invisible characters: controls and format characters (categories Cc, Cf, …) and every Unicode
  Default_Ignorable_Code_Point (the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, variation selectors,
  combining grapheme joiner, …), and the Braille blank U+2800 (a symbol);
- no flood of combining marks (at most two on one letter, after NFC);
- no look-alike letters: a letter of another script that looks like a Latin letter (Cyrillic а, Greek ο)
  and names mixing scripts are refused. The confusables data is Unicode's, through the
  `confusable-homoglyphs` library, imported only when a name holds a non-Latin letter (it loads ~1 MB of
  JSON; every ordinary Vietnamese name is decided without it, so the register handler's cold start and
  its usual request do not pay for it).
"""

from __future__ import annotations

import unicodedata
from typing import Any, overload

from contest.rules.errors import InvalidName

MIN_LENGTH, MAX_LENGTH = 2, 100
MAX_MARKS_PER_LETTER = 2
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# The punctuation of names: hyphen, apostrophes (ASCII, typographic, modifier letter), full stop, comma.
_NAME_PUNCTUATION = frozenset("-'.,\u2019\u2018\u02bc\u2010\u2011")
# Unicode 15.1 DerivedCoreProperties.txt, Default_Ignorable_Code_Point: drawn as nothing.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)

LENGTH = f"Họ và tên phải có từ {MIN_LENGTH} đến {MAX_LENGTH} ký tự, trong đó có chữ cái."
INVISIBLE = "Họ và tên chứa ký tự điều khiển hoặc ký tự ẩn không được phép."
MARKUP = (
    "Họ và tên chỉ gồm chữ cái, dấu cách, dấu gạch nối (-), dấu nháy (') và dấu chấm; "
    'không dùng ký hiệu như < > = + @ ( ) " & hay công thức bảng tính.'
)
FIRST_LETTER = "Họ và tên phải bắt đầu bằng một chữ cái (không bắt đầu bằng = + - @ hay dấu nháy)."
MARK_FLOOD = "Họ và tên chứa quá nhiều dấu chồng lên một chữ cái."
LOOKALIKE = (
    "Họ và tên chứa chữ cái của bảng chữ khác trông giống chữ Latinh ({detail}). "
    "Vui lòng gõ lại họ tên bằng bàn phím tiếng Việt."
)
MIXED = "Họ và tên trộn chữ cái của nhiều bảng chữ khác nhau. Vui lòng gõ lại họ tên bằng bàn phím tiếng Việt."


def _ignorable(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _DEFAULT_IGNORABLE)


def _is_latin(ch: str) -> bool:
    return ch < "\u0080" or unicodedata.name(ch, "").startswith("LATIN ")


@overload
def nfc(value: str) -> str: ...
@overload
def nfc(value: Any) -> Any: ...
def nfc(value: Any) -> Any:
    """The one Unicode form of every text stored, compared or published (NFC), also inside dicts and lists.

    NFC does not merge old and new tone placement ("Hoà" / "Hòa"): those stay two spellings."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nfc(v) for v in value]
    return value


def clean_name(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidName()
    text = nfc(raw)
    if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES or _ignorable(ord(ch)) for ch in text):
        raise InvalidName(INVISIBLE)
    text = " ".join(text.split())
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise InvalidName(LENGTH)
    marks = 0
    foreign = False
    previous = ""
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "L":
            marks = 0
            foreign = foreign or not _is_latin(ch)
        elif category[0] == "M":
            marks += 1
            if marks > MAX_MARKS_PER_LETTER or unicodedata.category(previous)[0] not in "LM":
                raise InvalidName(MARK_FLOOD)
        elif ch == " " or ch in _NAME_PUNCTUATION or ("0" <= ch <= "9"):
            marks = 0
        else:  # symbols (= < > + @ ( ) " & …, emoji, Braille), other punctuation, other digits
            raise InvalidName(MARKUP)
        previous = ch
    if not any(ch.isalpha() for ch in text):
        raise InvalidName(LENGTH)
    if not text[0].isalpha():
        raise InvalidName(FIRST_LETTER)
    if foreign:
        _refuse_lookalikes(text)
    return text


def _refuse_lookalikes(text: str) -> None:
    """A name holding a non-Latin letter: refuse Latin look-alikes and mixed scripts (Unicode's data)."""
    from confusable_homoglyphs import categories, confusables

    found = confusables.is_confusable(text, greedy=True, preferred_aliases=["latin", "common", "inherited"])
    if found:
        detail = ", ".join(f"“{f['character']}” giống “{_latin_twin(f['homoglyphs'])}”" for f in found[:3])
        raise InvalidName(LOOKALIKE.format(detail=detail))
    scripts = {categories.alias(ch) for ch in text if ch.isalpha()} - {"COMMON", "INHERITED"}
    if len(scripts) > 1:
        raise InvalidName(MIXED)


def _latin_twin(homoglyphs: list[dict[str, str]]) -> str:
    latin = [h["c"] for h in homoglyphs if h["n"].startswith("LATIN ")]
    return (latin or [homoglyphs[0]["c"]])[0]
