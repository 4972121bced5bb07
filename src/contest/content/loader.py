"""Loading what organisers edit under content/: the contest definition, the units, the question bank.

Every problem is reported as `file:line: message`, all of them at once, before anything is used.
The same parsers turn the stored JSON bundle (what `contest content load` writes to the table) back
into domain objects at cold start, so files and database can never be read two different ways.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from contest.content.files import (
    ContentError,
    ContentIssue,
    Lines,
    did_you_mean,
    read_front_matter,
    read_yaml,
)
from contest.rules.model import (
    OPTION_LETTERS,
    Bank,
    CertificateStyle,
    ConsentPurpose,
    Contest,
    Difficulty,
    DurationResolution,
    Limits,
    ParticipantsCount,
    PrivacyPolicy,
    Prize,
    Processor,
    Question,
    QuestionsLint,
    QuizRules,
    QuoteSource,
    SmsPolicy,
    Source,
    Unit,
    UnitGroup,
    Verification,
    Week,
)
from contest.rules.names import nfc

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Content:
    """The whole contest as the code reads it: contest.yaml, the units and the question bank."""

    contest: Contest
    groups: tuple[UnitGroup, ...]
    units: tuple[Unit, ...]
    bank: Bank
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def group_name(self, group_id: str) -> str:
        return next((g.name for g in self.groups if g.id == group_id), group_id)


# --- typed values out of YAML data ----------------------------------------------------------


_KIND_NAMES = {
    "int": "số nguyên",
    "float": "số",
    "str": "văn bản",
    "bool": "true hoặc false",
    "list": "danh sách",
    "dict": "ánh xạ (khóa: giá trị)",
    "Lines": "ánh xạ (khóa: giá trị)",
    "datetime": "thời điểm",
    "NoneType": "giá trị trống",
}


def _kind_name(kind: type) -> str:
    return _KIND_NAMES.get(kind.__name__, kind.__name__)


_Choice = TypeVar("_Choice", bound=StrEnum)


class _Values:
    """Reads typed values out of one file's data, collecting issues that point at the line of each bad value."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[ContentIssue] = []

    def issue(self, where: Any, key: str | None, message: str) -> None:
        line = 1
        if isinstance(where, Lines):
            line = where.key_lines.get(key, where.line) if key else where.line
        self.issues.append(ContentIssue(self.file, line, message))

    def get(self, data: Any, key: str, kind: type | tuple[type, ...], default: Any = ..., label: str = "") -> Any:
        name = label or key
        if not isinstance(data, dict):
            self.issue(data, None, f"cần một ánh xạ (khóa: giá trị) chứa '{name}'")
            return None
        if key not in data:
            if default is ...:
                self.issue(data, None, f"thiếu '{name}'")
                return None
            return default
        value = data[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            wanted = _kind_name(kind) if isinstance(kind, type) else " hoặc ".join(_kind_name(k) for k in kind)
            self.issue(data, key, f"'{name}' phải là {wanted}, không phải {_kind_name(type(value))}")
            return None
        if isinstance(value, str):
            value = nfc(value).strip()
        return value

    def positive(self, data: Any, key: str, label: str, default: Any = ...) -> int:
        """A whole number ≥ 1 (1 when missing or wrong, the issue recorded)."""
        value = self.get(data, key, int, default, label=label)
        if value is not None and value < 1:
            self.issue(data, key, f"'{label}' phải ≥ 1")
        return value or 1

    def choice(self, data: Any, key: str, label: str, default: _Choice, *, required: bool = False) -> _Choice:
        """One of the values of `default`'s StrEnum (the default when missing or wrong, the issue recorded)."""
        kind = type(default)
        value = self.get(data, key, str, ... if required else default.value, label=label)
        if value is None:
            return default
        try:
            return kind(value)
        except ValueError:
            allowed = " hoặc ".join(f"'{v.value}'" for v in kind)
            self.issue(data, key, f"'{label}' phải là {allowed}")
            return default

    def instant(self, data: Any, key: str) -> datetime | None:
        raw = self.get(data, key, (str, datetime))
        if raw is None:
            return None
        try:
            value = raw if isinstance(raw, datetime) else datetime.fromisoformat(raw)
        except ValueError:
            self.issue(data, key, f"'{key}' không phải thời điểm dạng ISO (ví dụ 2023-10-22T20:00:00+07:00): {raw!r}")
            return None
        if value.tzinfo is None:
            self.issue(data, key, f"'{key}' cần ghi độ lệch múi giờ, ví dụ +07:00")
            return None
        return value


# --- the strict schema ---------------------------------------------------------------------------
#
# Every key a content file may hold. A key not listed is an error with its file:line and the closest allowed
# key ("did you mean"), so a misspelt setting never silently keeps its default. A leaf is None, a nested
# mapping is a dict, a list of mappings is a one-element list. Add a new key here AND in its parser.

PRIZE_KEYS: dict[str, Any] = {"rank": None, "label": None, "count": None, "amount": None}
CONTEST_SCHEMA: dict[str, Any] = {
    "schema": None,
    "name": None,
    "theme": None,
    "year": None,
    "organiser": None,
    "plan": None,
    "timezone": None,
    "site": {"title": None, "description": None},
    "weeks": [{"number": None, "opens_at": None, "closes_at": None, "results_at": None, "prediction_question": None}],
    "quiz": {
        "questions_per_attempt": None,
        "options_per_question": None,
        "points_per_question": None,
        "pool_factor": None,
        "prediction_question": None,
        "prediction_max": None,
        "attempts_per_week": None,
        "time_limit_minutes": None,
        "grace_seconds": None,
        "duration_resolution": None,
        "show_score_on_submit": None,
        "human_floor_seconds": None,
    },
    "participants": {"count": None},
    "registration": {
        "verification": None,
        "award_confirmation_hours": None,
        "consent_version": None,
        "consent_text": None,
        "consent_purposes": [{"id": None, "title": None, "text": None, "required": None}],
    },
    "limits": {
        "code_ttl_minutes": None,
        "code_max_tries": None,
        "code_resend_seconds": None,
        "code_sends_per_hour": None,
        "registrations_per_ip_per_hour": None,
        "login_failures_before_delay": None,
        "login_failures_per_ip_per_hour": None,
        "session_hours": None,
    },
    "sms": {
        "template": None,
        "contest_name": None,
        "proof_of_work": {"cost": None, "max_counter": None, "expires_minutes": None},
        "per_address_per_hour": None,
        "global_per_hour": None,
        "global_shards": None,
        "monthly_spend_limit_usd": None,
        "breaker_fraction": None,
        "price_per_message_usd": None,
    },
    "prizes": {"weekly": [PRIZE_KEYS], "final_units": [PRIZE_KEYS], "currency": None},
    "results": {"published_top": None},
    "reports": {"scope_label": None},
    "certificates": {f.name: None for f in fields(CertificateStyle)},
    "questions_lint": {f.name: None for f in fields(QuestionsLint)},
    "final_units": {"weights": {"participation": None, "participation_rate": None, "mean_score": None}},
    "secretariat": None,
    "excluded_roles": None,
    "privacy": {
        "controller": None,
        "address": None,
        "contact_email": None,
        "contact_phone": None,
        "contact_person": None,
        "region": None,
        "region_name": None,
        "processors": [{"name": None, "role": None, "location": None}],
        "retention": None,
        "response_hours": None,
        "erasure_hours": None,
    },
}
UNITS_SCHEMA: dict[str, Any] = {
    "groups": [{"id": None, "name": None}],
    "units": [{"id": None, "name": None, "group": None, "headcount": None}],
}
DOCUMENT_KEYS: dict[str, Any] = {
    "id": None,
    "number": None,
    "date": None,
    "issuer": None,
    "title": None,
    "order": None,
}
# Keys that were renamed: the message says what replaced them.
RENAMED = {
    "registration.phone_verification": "'registration.phone_verification' đã được thay bằng "
    "'registration.verification: at_registration | at_award'",
}


def _all_paths(schema: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, sub in schema.items():
        path = f"{prefix}{key}"
        out.append(path)
        inner = sub[0] if isinstance(sub, list) else sub
        if isinstance(inner, dict):
            out += _all_paths(inner, f"{path}.")
    return out


def check_keys(r: _Values, data: Any, schema: dict[str, Any], prefix: str = "", root: Any = None) -> None:
    """Report every key of `data` not in `schema`, recursively, with its line and a suggestion."""
    root = schema if root is None else root
    if not isinstance(data, dict):
        return
    for key, line, first in getattr(data, "duplicates", ()):
        r.issues.append(ContentIssue(r.file, line, f"khóa '{prefix}{key}' được ghi hai lần (lần đầu ở dòng {first})"))
    for key in data:
        path = f"{prefix}{key}"
        if key not in schema:
            if path in RENAMED:
                r.issue(data, str(key), RENAMED[path])
                continue
            hint = did_you_mean(str(key), schema)
            if not hint:  # the right key in the wrong place (e.g. `attempts_per_week` outside `quiz:`)
                elsewhere = [p for p in _all_paths(root) if p.rsplit(".", 1)[-1] == str(key)]
                hint = f"; có phải '{elsewhere[0]}'?" if elsewhere else ""
            allowed = ", ".join(str(k) for k in schema)
            r.issue(data, str(key), f"khóa '{path}' không được hỗ trợ{hint} (dùng ở đây: {allowed})")
            continue
        sub = schema[key]
        if isinstance(sub, dict):
            check_keys(r, data[key], sub, f"{path}.", root)
        elif isinstance(sub, list) and isinstance(data[key], list):
            for position, item in enumerate(data[key], start=1):
                check_keys(r, item, sub[0], f"{path}[{position}].", root)


# --- contest.yaml --------------------------------------------------------------------------------


def parse_contest(data: Any, file: str = "contest.yaml") -> Contest:
    r = _Values(file)
    check_keys(r, data, CONTEST_SCHEMA)
    quiz = r.get(data, "quiz", dict) or {}
    reg = r.get(data, "registration", dict) or {}
    prizes = r.get(data, "prizes", dict) or {}
    results = r.get(data, "results", dict, {}) or {}
    site = r.get(data, "site", dict, {}) or {}
    reports = r.get(data, "reports", dict, {}) or {}
    weeks = _weeks(r, data, quiz)
    rules = _quiz_rules(r, quiz)
    participants_count = _participants_count(r, data)
    questions_lint = _questions_lint(r, r.get(data, "questions_lint", dict, {}) or {})
    purposes, consent_text = _consent_purposes(r, reg)
    contest = Contest(
        name=r.get(data, "name", str) or "",
        theme=r.get(data, "theme", str) or "",
        year=r.get(data, "year", int) or 0,
        organiser=r.get(data, "organiser", str, "") or "",
        plan=r.get(data, "plan", str, "") or "",
        timezone=r.get(data, "timezone", str, "Asia/Ho_Chi_Minh") or "Asia/Ho_Chi_Minh",
        weeks=weeks,
        quiz=rules,
        participants_count=participants_count,
        verification=_verification(r, reg),
        award_confirmation_hours=r.positive(
            reg, "award_confirmation_hours", "registration.award_confirmation_hours", 72
        ),
        consent_version=r.get(reg, "consent_version", str) or "",
        consent_text=consent_text,
        consent_purposes=purposes,
        privacy=_privacy(r, r.get(data, "privacy", dict, {}) or {}, r.get(data, "organiser", str, "") or ""),
        limits=_limits(r, r.get(data, "limits", dict) or {}),
        weekly_prizes=_prize_list(r, prizes, "weekly"),
        final_unit_prizes=_prize_list(r, prizes, "final_units"),
        currency=r.get(prizes, "currency", str, "đồng") or "đồng",
        published_top=r.positive(results, "published_top", "results.published_top", 100),
        excluded_roles=r.get(data, "excluded_roles", str) or "",
        secretariat=r.get(data, "secretariat", str, "Tổ Thư ký") or "Tổ Thư ký",
        scope_label=r.get(reports, "scope_label", str, "Toàn Cuộc thi", label="reports.scope_label") or "Toàn Cuộc thi",
        site_title=r.get(site, "title", str, "", label="site.title") or "",
        site_description=r.get(site, "description", str, "", label="site.description") or "",
        final_formula=_final_formula(r, data),
        sms=_sms_policy(r, data),
        questions_lint=questions_lint,
        certificates=_certificate_style(r, data),
    )
    if r.issues:
        raise ContentError(r.issues)
    return contest


def _weeks(r: _Values, data: Any, quiz: Any) -> tuple[Week, ...]:
    """`weeks:` numbered 1, 2, 3 … in order, each window inside its own and before the next one."""
    default_prediction = r.get(quiz, "prediction_question", str, label="quiz.prediction_question") or ""
    grace = quiz.get("grace_seconds", 0) if isinstance(quiz.get("grace_seconds"), int) else 0
    weeks: list[Week] = []
    for position, raw in enumerate(r.get(data, "weeks", list) or [], start=1):
        number = r.get(raw, "number", int)
        opens, closes, results_at = (
            r.instant(raw, "opens_at"),
            r.instant(raw, "closes_at"),
            r.instant(raw, "results_at"),
        )
        text = r.get(raw, "prediction_question", str, default_prediction) if isinstance(raw, dict) else ""
        if number is None or opens is None or closes is None or results_at is None:
            continue
        week = f"tuần {number}"
        if results_at.second or results_at.microsecond:
            r.issue(raw, "results_at", f"{week}: 'results_at' phải là một phút tròn (lịch chốt tuần chạy theo phút)")
        if not opens < closes:
            r.issue(raw, "closes_at", f"{week}: 'closes_at' phải sau 'opens_at'")
        if (closes.timestamp() + grace) > results_at.timestamp():
            r.issue(
                raw,
                "results_at",
                f"{week}: thời gian làm bài ('closes_at' cộng 'quiz.grace_seconds') phải kết thúc trước 'results_at'",
            )
        if weeks and opens < weeks[-1].closes_at:
            r.issue(raw, "opens_at", f"{week} trùng thời gian với tuần {weeks[-1].number}")
        if number != position:
            r.issue(raw, "number", "các tuần phải đánh số 1, 2, 3, … theo thứ tự")
        weeks.append(Week(number, opens, closes, results_at, text or default_prediction))
    if not weeks:
        r.issue(data, "weeks", "cần ít nhất một tuần ('weeks')")
    return tuple(weeks)


def _quiz_rules(r: _Values, quiz: Any) -> QuizRules:
    """`quiz:`: the shape of one attempt."""
    rules = QuizRules(
        questions_per_attempt=r.positive(quiz, "questions_per_attempt", "quiz.questions_per_attempt"),
        prediction_max=r.positive(quiz, "prediction_max", "quiz.prediction_max", 10_000_000),
        attempts_per_week=r.positive(quiz, "attempts_per_week", "quiz.attempts_per_week", 1),
        time_limit_seconds=60 * r.positive(quiz, "time_limit_minutes", "quiz.time_limit_minutes", 30),
        grace_seconds=r.get(quiz, "grace_seconds", int, 30) or 0,
        duration_resolution=r.choice(
            quiz, "duration_resolution", "quiz.duration_resolution", DurationResolution.SECONDS
        ),
        show_score_on_submit=bool(r.get(quiz, "show_score_on_submit", bool, True)),
        human_floor_seconds=r.get(quiz, "human_floor_seconds", int, 30) or 0,
        options_per_question=r.get(quiz, "options_per_question", int, 4) or 4,
        points_per_question=r.positive(quiz, "points_per_question", "quiz.points_per_question", 1),
        pool_factor=r.positive(quiz, "pool_factor", "quiz.pool_factor", 2),
    )
    if not 2 <= rules.options_per_question <= len(OPTION_LETTERS):
        r.issue(quiz, "options_per_question", f"'quiz.options_per_question' phải từ 2 đến {len(OPTION_LETTERS)}")
    return rules


def _participants_count(r: _Values, data: Any) -> ParticipantsCount:
    """`participants.count`: what the participation figures count."""
    participants = r.get(data, "participants", dict, {}) or {}
    return r.choice(participants, "count", "participants.count", ParticipantsCount.CONTESTANTS)


def _limits(r: _Values, limits: Any) -> Limits:
    """`limits:`: one-time codes, sign-in and registration rates, sessions."""

    def positive(key: str, default: int) -> int:
        return r.positive(limits, key, f"limits.{key}", default)

    result = Limits(
        code_ttl_seconds=60 * positive("code_ttl_minutes", 5),
        code_max_tries=positive("code_max_tries", 5),
        code_resend_seconds=r.get(limits, "code_resend_seconds", int, 60) or 0,
        code_sends_per_hour=positive("code_sends_per_hour", 5),
        registrations_per_ip_per_hour=positive("registrations_per_ip_per_hour", 200),
        login_failures_before_delay=positive("login_failures_before_delay", 5),
        login_failures_per_ip_per_hour=positive("login_failures_per_ip_per_hour", 100),
        session_seconds=3600 * positive("session_hours", 12),
    )
    if result.code_ttl_seconds > 300:
        r.issue(limits, "code_ttl_minutes", "mã xác thực dùng một lần chỉ được có hiệu lực tối đa 5 phút")
    return result


def _prize_list(r: _Values, prizes: Any, key: str) -> tuple[Prize, ...]:
    """`prizes.weekly` or `prizes.final_units`: rank, label, count, amount."""
    out = []
    for raw in r.get(prizes, key, list, label=f"prizes.{key}") or []:
        rank, label = r.get(raw, "rank", str), r.get(raw, "label", str)
        count, amount = r.get(raw, "count", int), r.get(raw, "amount", int)
        if None not in (rank, label, count, amount):
            if count < 0 or amount < 0:
                r.issue(raw, "count", "số giải ('count') và giá trị giải ('amount') phải ≥ 0")
            out.append(Prize(rank, label, count, amount))
    return tuple(out)


def _final_formula(r: _Values, data: Any) -> dict[str, float]:
    """`final_units.weights`: the weight of each measure in the final ranking of units."""
    formula: dict[str, float] = {}
    final = r.get(data, "final_units", dict, {}) or {}
    for name, weight in (r.get(final, "weights", dict, {}) or {}).items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            r.issue(final.get("weights"), str(name), f"trọng số '{name}' phải là một số")
        else:
            formula[str(name)] = float(weight)
    return formula


REQUIRED_PURPOSE = "participation"  # taking part and results: always required (the contest cannot run without it)
LEGACY_PURPOSE_TITLE = "Tham gia Cuộc thi và kết quả"


def _consent_purposes(r: _Values, reg: Any) -> tuple[tuple[ConsentPurpose, ...], str]:
    """`registration.consent_purposes`: one consent per purpose, each with its text, recorded with
    `consent_version`. The older single `consent_text` is read as the one required purpose `participation`.
    Returns the purposes and the whole text shown at registration (every purpose's text, in order)."""
    version = r.get(reg, "consent_version", str, label="registration.consent_version")
    if isinstance(reg, dict) and not version:
        r.issue(reg, "consent_version", "'registration.consent_version' không được để trống")
    raw = reg.get("consent_purposes") if isinstance(reg, dict) else None
    if raw is None:
        text = r.get(reg, "consent_text", str, label="registration.consent_text") or ""
        if not text:
            return (), ""
        return (ConsentPurpose(REQUIRED_PURPOSE, LEGACY_PURPOSE_TITLE, text, True),), text
    if "consent_text" in reg:
        r.issue(reg, "consent_text", "chỉ ghi một trong hai: 'consent_text' (một mục đích) hoặc 'consent_purposes'")
    if not isinstance(raw, list) or not raw:
        r.issue(reg, "consent_purposes", "'registration.consent_purposes' phải là một danh sách không trống")
        return (), ""
    purposes: list[ConsentPurpose] = []
    for item in raw:
        purpose_id = r.get(item, "id", str, label="consent_purposes[].id")
        title = r.get(item, "title", str, label="consent_purposes[].title")
        text = r.get(item, "text", str, label="consent_purposes[].text")
        required = r.get(item, "required", bool, label="consent_purposes[].required")
        if None in (purpose_id, title, text, required):
            continue
        if not _ID.match(purpose_id.replace("_", "-")):
            r.issue(item, "id", f"mã mục đích '{purpose_id}' chỉ được gồm chữ thường, chữ số, '-' hoặc '_'")
        if any(p.id == purpose_id for p in purposes):
            r.issue(item, "id", f"mục đích '{purpose_id}' được ghi hai lần")
        if not title or not text:
            r.issue(item, "text", f"mục đích '{purpose_id}' cần có 'title' và 'text'")
        purposes.append(ConsentPurpose(purpose_id, title, text, required))
    main = next((p for p in purposes if p.id == REQUIRED_PURPOSE), None)
    if purposes and (main is None or not main.required):
        r.issue(
            reg,
            "consent_purposes",
            f"cần mục đích '{REQUIRED_PURPOSE}' (tham gia Cuộc thi và kết quả) với 'required: true'",
        )
    return tuple(purposes), "\n\n".join(p.text for p in purposes)


PROCESSOR_KEYS = ("name", "role", "location")


def _privacy(r: _Values, raw: Any, organiser: str) -> PrivacyPolicy:
    """`privacy:`, strict: what the privacy page states and the deadlines of data subjects' requests."""
    if not raw:
        return PrivacyPolicy(controller=organiser)

    def text(key: str, default: str = "") -> str:
        return r.get(raw, key, str, default, label=f"privacy.{key}") or default

    processors: list[Processor] = []
    for item in r.get(raw, "processors", list, [], label="privacy.processors") or []:
        name, role, location = (r.get(item, k, str, label=f"privacy.processors[].{k}") for k in PROCESSOR_KEYS)
        if name and role and location:
            processors.append(Processor(name, role, location))
    retention = r.instant(raw, "retention") if "retention" in raw else None
    hours = {}
    for key in ("response_hours", "erasure_hours"):
        value = r.get(raw, key, int, 72, label=f"privacy.{key}")
        if value is not None and not 1 <= value <= 24 * 30:
            r.issue(raw, key, f"'privacy.{key}' phải từ 1 đến 720 giờ")
        hours[key] = value or 72
    region = text("region", "ap-southeast-1")
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        r.issue(raw, "region", f"'privacy.region' phải là một vùng AWS, ví dụ ap-southeast-1, không phải {region!r}")
    return PrivacyPolicy(
        controller=text("controller", organiser),
        address=text("address"),
        contact_email=text("contact_email"),
        contact_phone=text("contact_phone"),
        contact_person=text("contact_person"),
        region=region,
        region_name=text("region_name", "Singapore"),
        processors=tuple(processors),
        retention=retention,
        response_hours=hours["response_hours"],
        erasure_hours=hours["erasure_hours"],
    )


CERTIFICATE_KEYS = {f.name for f in fields(CertificateStyle)}
CERTIFICATE_REQUIRED = ("agency", "place", "signer_title", "signer_name")
_NUMBER_FIELDS = {"year", "round", "seq"}


def _certificate_style(r: _Values, data: Any) -> CertificateStyle | None:
    """`certificates:` (optional section; strict when present: unknown keys are reported by `check_keys`)."""
    import string

    raw = r.get(data, "certificates", dict, None) if isinstance(data, dict) else None
    if raw is None:
        return None
    texts: dict[str, Any] = {}
    for key in sorted(CERTIFICATE_KEYS - {"agency"}):
        value = r.get(raw, key, str, None if key not in CERTIFICATE_REQUIRED else ..., label=f"certificates.{key}")
        if value is not None:
            if not value and key in CERTIFICATE_REQUIRED:
                r.issue(raw, key, f"'certificates.{key}' không được để trống")
            texts[key] = value
    agency_raw = r.get(raw, "agency", (list, str), label="certificates.agency")
    agency: tuple[str, ...] = ()
    if isinstance(agency_raw, str):
        agency = (agency_raw,)
    elif isinstance(agency_raw, list):
        if not 1 <= len(agency_raw) <= 3 or not all(isinstance(a, str) and a.strip() for a in agency_raw):
            r.issue(raw, "agency", "'certificates.agency' phải có từ 1 đến 3 dòng văn bản (cơ quan chủ quản ghi trước)")
        else:
            agency = tuple(nfc(a).strip() for a in agency_raw)
    number_format = texts.get("number_format")
    if number_format is not None:
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(number_format) if f is not None}
            unknown = names - _NUMBER_FIELDS
            if unknown or "seq" not in names or "round" not in names:
                raise ValueError
            number_format.format(year=2023, round="T1", seq=1)
        except (ValueError, KeyError, IndexError):
            r.issue(
                raw,
                "number_format",
                "'certificates.number_format' phải dùng {round} và {seq} (có thể dùng {year}), "
                "ví dụ '{seq:02d}/GCN-{round}-{year}'",
            )
            texts.pop("number_format")
    if not agency or any(k not in texts for k in CERTIFICATE_REQUIRED if k != "agency"):
        return None
    return CertificateStyle(agency=agency, **texts)


def _verification(r: _Values, reg: Any) -> Verification:
    """`registration.verification`: at_registration | at_award."""
    return r.choice(reg, "verification", "registration.verification", Verification.AT_REGISTRATION, required=True)


# `sms:`'s limits: (section, key, SmsPolicy field, low, high); whole numbers within [low, high]
_SMS_WHOLE_LIMITS = (
    ("proof_of_work", "cost", "pow_cost", 1, 1_000_000),
    ("proof_of_work", "max_counter", "pow_max_counter", 2, 10_000_000),
    ("proof_of_work", "expires_minutes", "pow_expires_seconds", 1, 30),  # stored in seconds
    (None, "per_address_per_hour", "per_address_per_hour", 1, 100_000),
    (None, "global_per_hour", "global_per_hour", 1, 10_000_000),
    (None, "global_shards", "global_shards", 1, 64),
)
# numbers within (low, high]
_SMS_NUMBER_LIMITS = (
    ("monthly_spend_limit_usd", 0, 1e7),
    ("breaker_fraction", 0, 0.9),
    ("price_per_message_usd", 0, 10),
)


def _sms_policy(r: _Values, data: Any) -> SmsPolicy:
    """`sms:`, strict: unknown keys are refused so a misspelt limit never silently stays default."""
    default = SmsPolicy()
    sms = r.get(data, "sms", dict, {}) or {}
    sections = {None: sms, "proof_of_work": r.get(sms, "proof_of_work", dict, {}, label="sms.proof_of_work") or {}}
    contest_name = _sms_contest_name(r, sms, default.contest_name)
    template = _sms_template(r, sms, default.template, contest_name)
    limits: dict[str, Any] = {}
    for section, key, name, low, high in _SMS_WHOLE_LIMITS:
        label = ".".join(p for p in ("sms", section, key) if p)
        seconds = name.endswith("_seconds")
        fallback = getattr(default, name) // 60 if seconds else getattr(default, name)
        value = _sms_whole(r, sections[section], key, label, fallback, low, high)
        limits[name] = value * 60 if seconds else value
    for key, above, at_most in _SMS_NUMBER_LIMITS:
        limits[key] = _sms_number(r, sms, key, f"sms.{key}", getattr(default, key), above, at_most)
    policy = SmsPolicy(template=template, contest_name=contest_name, **limits)
    if policy.global_shards > policy.global_per_hour:
        r.issue(sms, "global_shards", "'sms.global_shards' không được lớn hơn 'sms.global_per_hour'")
    if policy.monthly_message_cap < 1:
        r.issue(
            sms,
            "breaker_fraction",
            "với 'sms.breaker_fraction' này, cầu dao chi phí không cho gửi tin nhắn nào trong tháng",
        )
    return policy


def _sms_contest_name(r: _Values, sms: Any, default: str) -> str:
    """`sms.contest_name`: the name a code message carries, in GSM 7-bit (one part), at most 40 characters."""
    from contest.rules.sms import gsm7_septets

    contest_name = r.get(sms, "contest_name", str, default, label="sms.contest_name") or ""
    if contest_name != default:
        septets = gsm7_septets(contest_name)
        if septets is None:
            r.issue(sms, "contest_name", "'sms.contest_name' chỉ được dùng bảng chữ GSM 7-bit (tiếng Việt không dấu)")
        elif septets > 40:
            r.issue(sms, "contest_name", "'sms.contest_name' dài tối đa 40 ký tự")
    return contest_name


def _sms_template(r: _Values, sms: Any, default: str, contest_name: str) -> str:
    from contest.rules.sms import template_problems

    template = r.get(sms, "template", str, default, label="sms.template") or default
    # {contest} is filled in here, once: the stored template is what is sent
    template = template.replace("{contest}", contest_name)
    for problem in template_problems(template):
        r.issue(sms, "template", f"sms.template: {problem}")
    return template


def _sms_whole(r: _Values, where: Any, key: str, label: str, default: int, low: int, high: int) -> int:
    value = r.get(where, key, int, default, label=label)
    if value is None:
        return default
    if not low <= value <= high:
        r.issue(where, key, f"'{label}' phải từ {low} đến {high}")
    return int(value)


def _sms_number(r: _Values, where: Any, key: str, label: str, default: float, low: float, high: float) -> float:
    value = r.get(where, key, (int, float), default, label=label)
    if value is None or isinstance(value, bool):
        return default
    if not low < value <= high:
        r.issue(where, key, f"'{label}' phải lớn hơn {low} và không quá {high}")
    return float(value)


def _questions_lint(r: _Values, raw: dict[str, Any]) -> QuestionsLint:
    """The `questions_lint:` section: every key optional, unknown keys refused, each value checked."""
    default = QuestionsLint()
    values: dict[str, Any] = {}

    def number(key: str, low: float, high: float) -> None:
        if key not in raw:
            return
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            r.issue(raw, key, f"'questions_lint.{key}' phải là một số từ {low} đến {high}")
        else:
            values[key] = type(getattr(default, key))(value)

    number("key_longest_factor", 1.0, 4.0)
    number("key_length_ratio", 1.0, 10.0)
    number("near_duplicate_stem", 50.0, 100.0)
    number("near_duplicate_same_key", 50.0, 100.0)
    integers = (("prefix_min_distractors", 1, 3), ("cue_min_chars", 1, 300), ("rate_min_questions", 1, 10000))
    for key, low, high in integers:
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                r.issue(raw, key, f"'questions_lint.{key}' phải là một số nguyên từ {low} đến {high}")
            else:
                values[key] = value
    for key in ("require_attribution", "require_quote"):
        if key in raw:
            if not isinstance(raw[key], bool):
                r.issue(raw, key, f"'questions_lint.{key}' phải là true hoặc false")
            else:
                values[key] = raw[key]
    if "distractor_prefixes" in raw:
        prefixes = raw["distractor_prefixes"]
        if not isinstance(prefixes, list) or not all(isinstance(p, str) and p.strip() for p in prefixes):
            r.issue(raw, "distractor_prefixes", "'questions_lint.distractor_prefixes' phải là một danh sách các từ")
        else:
            values["distractor_prefixes"] = tuple(nfc(p).strip() for p in prefixes)
    return replace(default, **values)


# --- units.yaml ----------------------------------------------------------------------------------


def parse_units(data: Any, file: str = "units.yaml") -> tuple[tuple[UnitGroup, ...], tuple[Unit, ...]]:
    r = _Values(file)
    check_keys(r, data, UNITS_SCHEMA)
    groups: list[UnitGroup] = []
    for raw in r.get(data, "groups", list) or []:
        gid, name = r.get(raw, "id", str), r.get(raw, "name", str)
        if gid and name:
            if not _ID.match(gid):
                r.issue(raw, "id", f"mã nhóm '{gid}' chỉ được gồm chữ thường, chữ số và '-'")
            groups.append(UnitGroup(gid, name))
    group_ids = {g.id for g in groups}
    units: list[Unit] = []
    seen: set[str] = set()
    for raw in r.get(data, "units", list) or []:
        uid, name, group = r.get(raw, "id", str), r.get(raw, "name", str), r.get(raw, "group", str)
        headcount = r.get(raw, "headcount", int, None)
        if not (uid and name and group):
            continue
        if not _ID.match(uid):
            r.issue(raw, "id", f"mã đơn vị '{uid}' chỉ được gồm chữ thường, chữ số và '-'")
        if uid in seen:
            r.issue(raw, "id", f"mã đơn vị '{uid}' bị trùng")
        if group not in group_ids:
            r.issue(raw, "group", f"nhóm '{group}' không có trong 'groups'{did_you_mean(group, group_ids)}")
        if headcount is not None and headcount < 1:
            r.issue(raw, "headcount", "'headcount' phải ≥ 1")
        seen.add(uid)
        units.append(Unit(uid, name, group, headcount))
    if not units:
        r.issue(data, "units", "cần ít nhất một đơn vị ('units')")
    if r.issues:
        raise ContentError(r.issues)
    return tuple(groups), tuple(units)


# --- documents/<id>.md front matter --------------------------------------------------------------


def check_documents(documents_dir: Path) -> list[ContentIssue]:
    """Each study document's front matter: only DOCUMENT_KEYS (lines counted in the .md file), `id` equal to
    the file name, a `title`."""
    issues: list[ContentIssue] = []
    for path in sorted(documents_dir.glob("*.md")) if documents_dir.is_dir() else []:
        if path.stem == "index":
            continue
        try:
            meta = read_front_matter(path)
        except ContentError as exc:
            issues += exc.issues
            continue
        if meta is None:
            issues.append(
                ContentIssue(str(path), 1, "thiếu phần đầu trang (front matter: --- id, title, number, date … ---)")
            )
            continue
        r = _Values(str(path))
        if not isinstance(meta, Lines):
            r.issue(meta, None, "phần đầu trang phải là ánh xạ khóa: giá trị (id, title, number, date, issuer, order)")
        else:
            check_keys(r, meta, DOCUMENT_KEYS)
            for key in ("id", "title"):
                if not meta.get(key):
                    r.issue(meta, None, f"thiếu '{key}'")
            if meta.get("id") and str(meta["id"]) != path.stem:
                r.issue(meta, "id", f"id '{meta['id']}' khác tên tệp '{path.stem}'")
        issues += r.issues
    return issues


# --- the question bank ---------------------------------------------------------------------------


def load_bank_files(root: Path, contest: Contest) -> Bank:
    from contest.content.bank import load_bank  # the organisers' bank tools (contest.content.bank)

    return load_bank(
        root / "questions",
        root / "documents",
        [w.number for w in contest.weeks],
        contest.quiz.questions_per_attempt,
        option_keys=contest.quiz.option_keys,
        pool_factor=contest.quiz.pool_factor,
    )


def bank_to_data(bank: Bank) -> list[dict[str, Any]]:
    return [asdict(q) | {"weeks": list(q.weeks)} for q in bank.questions]


def bank_from_data(data: list[dict[str, Any]]) -> Bank:
    return Bank(
        tuple(
            Question(
                id=q["id"],
                text=q["text"],
                options=dict(q["options"]),
                correct=q["correct"],
                difficulty=Difficulty(q["difficulty"]),
                weeks=tuple(q["weeks"]),
                source=_source_from_data(q["source"]),
            )
            for q in data
        )
    )


def _source_from_data(data: dict[str, Any]) -> Source:
    quote_source = data.get("quote_source")
    return Source(**data | {"quote_source": QuoteSource(quote_source) if quote_source else None})


# --- the whole of content/ -----------------------------------------------------------------------


def load_content(root: Path) -> Content:
    """Load and cross-check content/; raise ContentError listing every problem found."""
    issues: list[ContentIssue] = []
    contest = groups = units = bank = None
    raw_contest = raw_units = None
    try:
        raw_contest = read_yaml(root / "contest.yaml")
        contest = parse_contest(raw_contest, str(root / "contest.yaml"))
    except ContentError as exc:
        issues += exc.issues
    try:
        raw_units = read_yaml(root / "units.yaml")
        groups, units = parse_units(raw_units, str(root / "units.yaml"))
    except ContentError as exc:
        issues += exc.issues
    issues += check_documents(root / "documents")
    if contest is not None:
        try:
            bank = load_bank_files(root, contest)
        except ContentError as exc:
            issues += exc.issues
    if issues or contest is None or groups is None or units is None or bank is None:
        raise ContentError(issues)
    return Content(contest, groups, units, bank, raw={"contest": _plain(raw_contest), "units": _plain(raw_units)})


def _plain(data: Any) -> Any:
    """YAML data as plain JSON types (instants as ISO strings)."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)))


def bundle_of(content: Content) -> dict[str, Any]:
    """The JSON document stored in the table and read back at cold start."""
    body = {
        "contest": content.raw["contest"],
        "units": content.raw["units"],
        "bank": bank_to_data(content.bank),
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return body | {"version": digest[:16]}


def content_from_bundle(bundle: dict[str, Any]) -> Content:
    contest = parse_contest(bundle["contest"], "<stored contest>")
    groups, units = parse_units(bundle["units"], "<stored units>")
    return Content(contest, groups, units, bank_from_data(bundle["bank"]), raw=bundle)
