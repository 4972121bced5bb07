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
        problems.append("the template must contain {code}")
    unknown = fields - PLACEHOLDERS
    if unknown:
        problems.append(f"unknown placeholders {sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}")
        return problems
    longest = render(template, "0" * 6, 99, LONGEST_PURPOSE)
    septets = gsm7_septets(longest)
    if septets is None:
        problems.append("the template must use the GSM 7-bit alphabet only (Vietnamese without diacritics)")
    elif septets > GSM7_PART_SEPTETS:
        problems.append(f"the longest message takes {septets} septets; one SMS part holds {GSM7_PART_SEPTETS}")
    return problems


def render(template: str, code: str, minutes: int, purpose: str) -> str:
    return template.format(code=code, minutes=minutes, purpose=purpose)


def code_text(template: str, code: str, minutes: int, purpose: str) -> str:
    """The message for one code; `purpose` is a key of PURPOSES or already a GSM-7 phrase."""
    return render(template, code, minutes, PURPOSES.get(purpose, purpose))
