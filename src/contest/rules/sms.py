"""The text of a code message: one GSM-7 part, never UCS-2 (pure rules, no I/O).

A Vietnamese text with diacritics is sent as UCS-2: 70 characters per part, and carriers charge per part.
The code message is therefore written WITHOUT diacritics from a template in contest.yaml (`sms.template`, the
text a brandname gateway's carriers approve), and checked to fit one 160-septet GSM 03.38 part.
"""

from __future__ import annotations

import string

GSM7_PART_SEPTETS = 160
PLACEHOLDERS = frozenset({"code", "minutes", "purpose"})
# What each purpose reads like inside the template (no diacritics: GSM-7).
PURPOSES = {
    "verify": "xac thuc dang ky",
    "reset": "dat lai mat khau",
    "award": "xac nhan giai thuong",
    "reclaim": "xac nhan so dien thoai",
}
LONGEST_PURPOSE = max(PURPOSES.values(), key=len)


def gsm7_septets(text: str) -> int | None:
    """Septets `text` takes in the GSM 03.38 default alphabet (extension characters count 2), or None when a
    character is outside it (the message would go out as UCS-2)."""
    import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

    try:
        return len(text.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def template_problems(template: str) -> list[str]:
    """Why a template cannot be used (empty list: it can)."""
    problems = []
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    if "code" not in fields:
        problems.append("mẫu tin nhắn phải chứa {code}")
    unknown = fields - PLACEHOLDERS
    if unknown:
        problems.append(f"chỗ điền không được hỗ trợ {sorted(unknown)}; dùng: {sorted(PLACEHOLDERS)}")
        return problems
    longest = render(template, "0" * 6, 99, LONGEST_PURPOSE)
    septets = gsm7_septets(longest)
    if septets is None:
        problems.append("mẫu tin nhắn chỉ được dùng bảng chữ GSM 7-bit (tiếng Việt không dấu)")
    elif septets > GSM7_PART_SEPTETS:
        problems.append(f"tin nhắn dài nhất chiếm {septets} ký tự GSM-7; một tin SMS chỉ chứa {GSM7_PART_SEPTETS}")
    return problems


def render(template: str, code: str, minutes: int, purpose: str) -> str:
    return template.format(code=code, minutes=minutes, purpose=purpose)


def code_text(template: str, code: str, minutes: int, purpose: str) -> str:
    """The message for one code; `purpose` is a key of PURPOSES or already a GSM-7 phrase."""
    return render(template, code, minutes, PURPOSES.get(purpose, purpose))
