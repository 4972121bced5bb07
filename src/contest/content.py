"""Loading what organisers edit under content/: the contest definition, the units, the question bank.

Every problem is reported as `file:line: message`, all of them at once, before anything is used.
The same parsers turn the stored JSON bundle (what `contest content load` writes to the table) back
into domain objects at cold start, so files and database can never be read two different ways.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from contest.model import (
    OPTION_LETTERS,
    VERIFICATION_MODES,
    VERIFY_AT_REGISTRATION,
    Bank,
    CertificateStyle,
    ConsentPurpose,
    Contest,
    Limits,
    PrivacyPolicy,
    Prize,
    Processor,
    Question,
    QuestionsLint,
    QuizRules,
    SmsPolicy,
    Source,
    Unit,
    UnitGroup,
    Week,
)

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass
class ContentIssue:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    def __init__(self, issues: list[ContentIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class Content:
    contest: Contest
    groups: tuple[UnitGroup, ...]
    units: tuple[Unit, ...]
    bank: Bank
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def group_name(self, group_id: str) -> str:
        return next((g.name for g in self.groups if g.id == group_id), group_id)


# --- YAML with line numbers -------------------------------------------------------------------


class _Lines(dict):
    """A mapping that remembers the line of itself and of each key."""

    line = 0
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int, int]]  # (key, line of the repeat, line of the first): YAML keeps the last


@functools.cache
def _line_loader() -> Any:
    """A SafeLoader that remembers lines. Built on first use: handlers read JSON, never YAML, and
    should not pay PyYAML's import at cold start."""
    import yaml

    class LineLoader(yaml.SafeLoader):
        pass

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return LineLoader


def _construct_mapping(loader: Any, node: Any) -> _Lines:
    loader.flatten_mapping(node)
    mapping = _Lines()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if str(key) in mapping.key_lines:
            mapping.duplicates.append((str(key), key_node.start_mark.line + 1, mapping.key_lines[str(key)]))
            continue  # the first one stays (and the repeat is an error)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[str(key)] = key_node.start_mark.line + 1
    return mapping


def read_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_line_loader())  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ContentError([ContentIssue(str(path), (mark.line + 1) if mark else 1, str(exc.problem))]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([ContentIssue(str(path), 1, f"cannot read: {exc}")]) from exc


class _Reader:
    """Collects issues while reading one file's data, pointing at the line of each bad value."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[ContentIssue] = []

    def issue(self, where: Any, key: str | None, message: str) -> None:
        line = 1
        if isinstance(where, _Lines):
            line = where.key_lines.get(key, where.line) if key else where.line
        self.issues.append(ContentIssue(self.file, line, message))

    def get(self, data: Any, key: str, kind: type | tuple[type, ...], default: Any = ..., label: str = "") -> Any:
        name = label or key
        if not isinstance(data, dict):
            self.issue(data, None, f"expected a mapping holding '{name}'")
            return None
        if key not in data:
            if default is ...:
                self.issue(data, None, f"missing '{name}'")
                return None
            return default
        value = data[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            wanted = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.issue(data, key, f"'{name}' must be {wanted}, got {type(value).__name__}")
            return None
        if isinstance(value, str):
            value = unicodedata.normalize("NFC", value).strip()
        return value

    def instant(self, data: Any, key: str) -> datetime | None:
        raw = self.get(data, key, (str, datetime))
        if raw is None:
            return None
        try:
            value = raw if isinstance(raw, datetime) else datetime.fromisoformat(raw)
        except ValueError:
            self.issue(data, key, f"'{key}' is not an ISO instant: {raw!r}")
            return None
        if value.tzinfo is None:
            self.issue(data, key, f"'{key}' needs an offset such as +07:00")
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
    "registration.phone_verification": "'registration.phone_verification' was replaced by "
    "'registration.verification: at_registration | at_award'",
}


def did_you_mean(key: str, allowed: Any) -> str:
    """' (did you mean 'x'?)' for the closest allowed key, or '' (difflib: misspellings, not synonyms)."""
    close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _all_paths(schema: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, sub in schema.items():
        path = f"{prefix}{key}"
        out.append(path)
        inner = sub[0] if isinstance(sub, list) else sub
        if isinstance(inner, dict):
            out += _all_paths(inner, f"{path}.")
    return out


def check_keys(r: _Reader, data: Any, schema: dict[str, Any], prefix: str = "", root: Any = None) -> None:
    """Report every key of `data` not in `schema`, recursively, with its line and a suggestion."""
    root = schema if root is None else root
    if not isinstance(data, dict):
        return
    for key, line, first in getattr(data, "duplicates", ()):
        r.issues.append(ContentIssue(r.file, line, f"duplicate key '{prefix}{key}' (first at line {first})"))
    for key in data:
        path = f"{prefix}{key}"
        if key not in schema:
            if path in RENAMED:
                r.issue(data, str(key), RENAMED[path])
                continue
            hint = did_you_mean(str(key), schema)
            if not hint:  # the right key in the wrong place (e.g. `attempts_per_week` outside `quiz:`)
                elsewhere = [p for p in _all_paths(root) if p.rsplit(".", 1)[-1] == str(key)]
                hint = f"; did you mean '{elsewhere[0]}'?" if elsewhere else ""
            allowed = ", ".join(str(k) for k in schema)
            r.issue(data, str(key), f"unknown key '{path}'{hint} (allowed here: {allowed})")
            continue
        sub = schema[key]
        if isinstance(sub, dict):
            check_keys(r, data[key], sub, f"{path}.", root)
        elif isinstance(sub, list) and isinstance(data[key], list):
            for position, item in enumerate(data[key], start=1):
                check_keys(r, item, sub[0], f"{path}[{position}].", root)


# --- contest.yaml --------------------------------------------------------------------------------


def parse_contest(data: Any, file: str = "contest.yaml") -> Contest:
    r = _Reader(file)
    check_keys(r, data, CONTEST_SCHEMA)
    quiz = r.get(data, "quiz", dict) or {}
    reg = r.get(data, "registration", dict) or {}
    limits = r.get(data, "limits", dict) or {}
    prizes = r.get(data, "prizes", dict) or {}
    results = r.get(data, "results", dict, {}) or {}
    participants = r.get(data, "participants", dict, {}) or {}
    default_prediction = r.get(quiz, "prediction_question", str, label="quiz.prediction_question") or ""

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
        if results_at.second or results_at.microsecond:
            r.issue(raw, "results_at", f"week {number}: results_at must fall on a whole minute (the close schedule)")
        if not opens < closes:
            r.issue(raw, "closes_at", f"week {number}: closes_at must be after opens_at")
        grace = quiz.get("grace_seconds", 0) if isinstance(quiz.get("grace_seconds"), int) else 0
        if (closes.timestamp() + grace) > results_at.timestamp():
            r.issue(raw, "results_at", f"week {number}: the window (closes_at + grace) must end by results_at")
        if weeks and opens < weeks[-1].closes_at:
            r.issue(raw, "opens_at", f"week {number} overlaps week {weeks[-1].number}")
        if number != position:
            r.issue(raw, "number", "weeks must be numbered 1, 2, 3, … in order")
        weeks.append(Week(number, opens, closes, results_at, text or default_prediction))
    if not weeks:
        r.issue(data, "weeks", "at least one week is needed")

    def positive(where: Any, key: str, label: str, default: Any = ...) -> int:
        value = r.get(where, key, int, default, label=label)
        if value is not None and value < 1:
            r.issue(where, key, f"'{label}' must be ≥ 1")
        return value or 1

    rules = QuizRules(
        questions_per_attempt=positive(quiz, "questions_per_attempt", "quiz.questions_per_attempt"),
        prediction_max=positive(quiz, "prediction_max", "quiz.prediction_max", 10_000_000),
        attempts_per_week=positive(quiz, "attempts_per_week", "quiz.attempts_per_week", 1),
        time_limit_seconds=60 * positive(quiz, "time_limit_minutes", "quiz.time_limit_minutes", 30),
        grace_seconds=r.get(quiz, "grace_seconds", int, 30) or 0,
        duration_resolution=r.get(quiz, "duration_resolution", str, "seconds") or "seconds",
        show_score_on_submit=bool(r.get(quiz, "show_score_on_submit", bool, True)),
        human_floor_seconds=r.get(quiz, "human_floor_seconds", int, 30) or 0,
        options_per_question=r.get(quiz, "options_per_question", int, 4) or 4,
        points_per_question=positive(quiz, "points_per_question", "quiz.points_per_question", 1),
        pool_factor=positive(quiz, "pool_factor", "quiz.pool_factor", 2),
    )
    if not 2 <= rules.options_per_question <= len(OPTION_LETTERS):
        r.issue(quiz, "options_per_question", f"quiz.options_per_question must be from 2 to {len(OPTION_LETTERS)}")
    if rules.duration_resolution not in ("seconds", "milliseconds"):
        r.issue(quiz, "duration_resolution", "duration_resolution must be 'seconds' or 'milliseconds'")
    counted = r.get(participants, "count", str, "contestants") or "contestants"
    if counted not in ("contestants", "attempts"):
        r.issue(participants, "count", "participants.count must be 'contestants' or 'attempts'")

    def prize_list(key: str) -> tuple[Prize, ...]:
        out = []
        for raw in r.get(prizes, key, list, label=f"prizes.{key}") or []:
            rank, label = r.get(raw, "rank", str), r.get(raw, "label", str)
            count, amount = r.get(raw, "count", int), r.get(raw, "amount", int)
            if None not in (rank, label, count, amount):
                if count < 0 or amount < 0:
                    r.issue(raw, "count", "prize count and amount must be ≥ 0")
                out.append(Prize(rank, label, count, amount))
        return tuple(out)

    site = r.get(data, "site", dict, {}) or {}
    reports = r.get(data, "reports", dict, {}) or {}
    final_formula: dict[str, float] = {}
    final = r.get(data, "final_units", dict, {}) or {}
    for name, weight in (r.get(final, "weights", dict, {}) or {}).items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            r.issue(final.get("weights"), str(name), f"weight '{name}' must be a number")
        else:
            final_formula[str(name)] = float(weight)

    questions_lint = _questions_lint(r, r.get(data, "questions_lint", dict, {}) or {})
    purposes, consent_text = _consent_purposes(r, reg)

    contest = Contest(
        name=r.get(data, "name", str) or "",
        theme=r.get(data, "theme", str) or "",
        year=r.get(data, "year", int) or 0,
        organiser=r.get(data, "organiser", str, "") or "",
        plan=r.get(data, "plan", str, "") or "",
        timezone=r.get(data, "timezone", str, "Asia/Ho_Chi_Minh") or "Asia/Ho_Chi_Minh",
        weeks=tuple(weeks),
        quiz=rules,
        participants_count=counted,
        verification=_verification(r, reg),
        award_confirmation_hours=positive(reg, "award_confirmation_hours", "registration.award_confirmation_hours", 72),
        consent_version=r.get(reg, "consent_version", str) or "",
        consent_text=consent_text,
        consent_purposes=purposes,
        privacy=_privacy(r, r.get(data, "privacy", dict, {}) or {}, r.get(data, "organiser", str, "") or ""),
        limits=Limits(
            code_ttl_seconds=60 * positive(limits, "code_ttl_minutes", "limits.code_ttl_minutes", 5),
            code_max_tries=positive(limits, "code_max_tries", "limits.code_max_tries", 5),
            code_resend_seconds=r.get(limits, "code_resend_seconds", int, 60) or 0,
            code_sends_per_hour=positive(limits, "code_sends_per_hour", "limits.code_sends_per_hour", 5),
            registrations_per_ip_per_hour=positive(
                limits, "registrations_per_ip_per_hour", "limits.registrations_per_ip_per_hour", 200
            ),
            login_failures_before_delay=positive(
                limits, "login_failures_before_delay", "limits.login_failures_before_delay", 5
            ),
            login_failures_per_ip_per_hour=positive(
                limits, "login_failures_per_ip_per_hour", "limits.login_failures_per_ip_per_hour", 100
            ),
            session_seconds=3600 * positive(limits, "session_hours", "limits.session_hours", 12),
        ),
        weekly_prizes=prize_list("weekly"),
        final_unit_prizes=prize_list("final_units"),
        currency=r.get(prizes, "currency", str, "đồng") or "đồng",
        published_top=positive(results, "published_top", "results.published_top", 100),
        excluded_roles=r.get(data, "excluded_roles", str) or "",
        secretariat=r.get(data, "secretariat", str, "Tổ Thư ký") or "Tổ Thư ký",
        scope_label=r.get(reports, "scope_label", str, "Toàn Cuộc thi", label="reports.scope_label") or "Toàn Cuộc thi",
        site_title=r.get(site, "title", str, "", label="site.title") or "",
        site_description=r.get(site, "description", str, "", label="site.description") or "",
        final_formula=final_formula,
        sms=_sms_policy(r, data),
        questions_lint=questions_lint,
        certificates=_certificate_style(r, data),
    )
    if contest.limits.code_ttl_seconds > 300:
        r.issue(limits, "code_ttl_minutes", "one-time codes must live at most 5 minutes")
    if r.issues:
        raise ContentError(r.issues)
    return contest


REQUIRED_PURPOSE = "participation"  # taking part and results: always required (the contest cannot run without it)
LEGACY_PURPOSE_TITLE = "Tham gia Cuộc thi và kết quả"


def _consent_purposes(r: _Reader, reg: Any) -> tuple[tuple[ConsentPurpose, ...], str]:
    """`registration.consent_purposes`: one consent per purpose, each with its text, recorded with
    `consent_version`. The older single `consent_text` is read as the one required purpose `participation`.
    Returns the purposes and the whole text shown at registration (every purpose's text, in order)."""
    version = r.get(reg, "consent_version", str, label="registration.consent_version")
    if isinstance(reg, dict) and not version:
        r.issue(reg, "consent_version", "'registration.consent_version' must not be empty")
    raw = reg.get("consent_purposes") if isinstance(reg, dict) else None
    if raw is None:
        text = r.get(reg, "consent_text", str, label="registration.consent_text") or ""
        if not text:
            return (), ""
        return (ConsentPurpose(REQUIRED_PURPOSE, LEGACY_PURPOSE_TITLE, text, True),), text
    if "consent_text" in reg:
        r.issue(reg, "consent_text", "write either 'consent_text' (one purpose) or 'consent_purposes', not both")
    if not isinstance(raw, list) or not raw:
        r.issue(reg, "consent_purposes", "'registration.consent_purposes' must be a non-empty list")
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
            r.issue(item, "id", f"consent purpose id '{purpose_id}': lower-case letters, digits, '-' or '_'")
        if any(p.id == purpose_id for p in purposes):
            r.issue(item, "id", f"consent purpose '{purpose_id}' is listed twice")
        if not title or not text:
            r.issue(item, "text", f"consent purpose '{purpose_id}' needs a title and a text")
        purposes.append(ConsentPurpose(purpose_id, title, text, required))
    main = next((p for p in purposes if p.id == REQUIRED_PURPOSE), None)
    if purposes and (main is None or not main.required):
        r.issue(reg, "consent_purposes", f"a required purpose '{REQUIRED_PURPOSE}' (taking part and results) is needed")
    return tuple(purposes), "\n\n".join(p.text for p in purposes)


PROCESSOR_KEYS = ("name", "role", "location")


def _privacy(r: _Reader, raw: Any, organiser: str) -> PrivacyPolicy:
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
            r.issue(raw, key, f"'privacy.{key}' must be between 1 and 720 hours")
        hours[key] = value or 72
    region = text("region", "ap-southeast-1")
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        r.issue(raw, "region", f"'privacy.region' must be an AWS region such as ap-southeast-1, got {region!r}")
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


def _certificate_style(r: _Reader, data: Any) -> CertificateStyle | None:
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
                r.issue(raw, key, f"'certificates.{key}' must not be empty")
            texts[key] = value
    agency_raw = r.get(raw, "agency", (list, str), label="certificates.agency")
    agency: tuple[str, ...] = ()
    if isinstance(agency_raw, str):
        agency = (agency_raw,)
    elif isinstance(agency_raw, list):
        if not 1 <= len(agency_raw) <= 3 or not all(isinstance(a, str) and a.strip() for a in agency_raw):
            r.issue(raw, "agency", "'certificates.agency' must be 1 to 3 lines of text (parent agency first)")
        else:
            agency = tuple(unicodedata.normalize("NFC", a).strip() for a in agency_raw)
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
                "'certificates.number_format' must use {round} and {seq} (and may use {year}), "
                "e.g. '{seq:02d}/GCN-{round}-{year}'",
            )
            texts.pop("number_format")
    if not agency or any(k not in texts for k in CERTIFICATE_REQUIRED if k != "agency"):
        return None
    return CertificateStyle(agency=agency, **texts)


def _verification(r: _Reader, reg: Any) -> str:
    """`registration.verification`: at_registration | at_award (strict: unknown keys are refused)."""
    mode = r.get(reg, "verification", str, label="registration.verification") or VERIFY_AT_REGISTRATION
    if mode not in VERIFICATION_MODES:
        r.issue(reg, "verification", f"registration.verification must be one of {', '.join(VERIFICATION_MODES)}")
        return VERIFY_AT_REGISTRATION
    return str(mode)


def _sms_policy(r: _Reader, data: Any) -> SmsPolicy:
    """`sms:`, strict: unknown keys are refused so a misspelt limit never silently stays default."""
    from contest.sms import gsm7_septets, template_problems

    default = SmsPolicy()
    sms = r.get(data, "sms", dict, {}) or {}
    pow_ = r.get(sms, "proof_of_work", dict, {}, label="sms.proof_of_work") or {}

    def whole(where: Any, key: str, label: str, default_value: int, low: int, high: int) -> int:
        value = r.get(where, key, int, default_value, label=label)
        if value is None:
            return default_value
        if not low <= value <= high:
            r.issue(where, key, f"'{label}' must be between {low} and {high}")
        return int(value)

    def number(where: Any, key: str, label: str, default_value: float, low: float, high: float) -> float:
        value = r.get(where, key, (int, float), default_value, label=label)
        if value is None or isinstance(value, bool):
            return default_value
        if not low < value <= high:
            r.issue(where, key, f"'{label}' must be greater than {low} and at most {high}")
        return float(value)

    contest_name = r.get(sms, "contest_name", str, default.contest_name, label="sms.contest_name") or ""
    if contest_name != default.contest_name:
        septets = gsm7_septets(contest_name)
        if septets is None:
            r.issue(
                sms, "contest_name", "sms.contest_name must use the GSM 7-bit alphabet (Vietnamese without diacritics)"
            )
        elif septets > 40:
            r.issue(sms, "contest_name", "sms.contest_name must be at most 40 characters")
    template = r.get(sms, "template", str, default.template, label="sms.template") or default.template
    # {contest} is filled in here, once: the stored template is what is sent
    template = template.replace("{contest}", contest_name)
    for problem in template_problems(template):
        r.issue(sms, "template", f"sms.template: {problem}")
    policy = SmsPolicy(
        template=template,
        contest_name=contest_name,
        pow_cost=whole(pow_, "cost", "sms.proof_of_work.cost", default.pow_cost, 1, 1_000_000),
        pow_max_counter=whole(
            pow_, "max_counter", "sms.proof_of_work.max_counter", default.pow_max_counter, 2, 10_000_000
        ),
        pow_expires_seconds=60
        * whole(pow_, "expires_minutes", "sms.proof_of_work.expires_minutes", default.pow_expires_seconds // 60, 1, 30),
        per_address_per_hour=whole(
            sms, "per_address_per_hour", "sms.per_address_per_hour", default.per_address_per_hour, 1, 100_000
        ),
        global_per_hour=whole(sms, "global_per_hour", "sms.global_per_hour", default.global_per_hour, 1, 10_000_000),
        global_shards=whole(sms, "global_shards", "sms.global_shards", default.global_shards, 1, 64),
        monthly_spend_limit_usd=number(
            sms, "monthly_spend_limit_usd", "sms.monthly_spend_limit_usd", default.monthly_spend_limit_usd, 0, 1e7
        ),
        breaker_fraction=number(sms, "breaker_fraction", "sms.breaker_fraction", default.breaker_fraction, 0, 0.9),
        price_per_message_usd=number(
            sms, "price_per_message_usd", "sms.price_per_message_usd", default.price_per_message_usd, 0, 10
        ),
    )
    if policy.global_shards > policy.global_per_hour:
        r.issue(sms, "global_shards", "sms.global_shards must not exceed sms.global_per_hour")
    if policy.monthly_message_cap < 1:
        r.issue(sms, "breaker_fraction", "the circuit breaker would allow no message at all this month")
    return policy


def _questions_lint(r: _Reader, raw: dict[str, Any]) -> QuestionsLint:
    """The `questions_lint:` section: every key optional, unknown keys refused, each value checked."""
    default = QuestionsLint()
    values: dict[str, Any] = {}

    def number(key: str, low: float, high: float) -> None:
        if key not in raw:
            return
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            r.issue(raw, key, f"questions_lint.{key} must be a number from {low} to {high}")
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
                r.issue(raw, key, f"questions_lint.{key} must be an integer from {low} to {high}")
            else:
                values[key] = value
    for key in ("require_attribution", "require_quote"):
        if key in raw:
            if not isinstance(raw[key], bool):
                r.issue(raw, key, f"questions_lint.{key} must be true or false")
            else:
                values[key] = raw[key]
    if "distractor_prefixes" in raw:
        prefixes = raw["distractor_prefixes"]
        if not isinstance(prefixes, list) or not all(isinstance(p, str) and p.strip() for p in prefixes):
            r.issue(raw, "distractor_prefixes", "questions_lint.distractor_prefixes must be a list of words")
        else:
            values["distractor_prefixes"] = tuple(unicodedata.normalize("NFC", p).strip() for p in prefixes)
    return replace(default, **values)


# --- units.yaml ----------------------------------------------------------------------------------


def parse_units(data: Any, file: str = "units.yaml") -> tuple[tuple[UnitGroup, ...], tuple[Unit, ...]]:
    r = _Reader(file)
    check_keys(r, data, UNITS_SCHEMA)
    groups: list[UnitGroup] = []
    for raw in r.get(data, "groups", list) or []:
        gid, name = r.get(raw, "id", str), r.get(raw, "name", str)
        if gid and name:
            if not _ID.match(gid):
                r.issue(raw, "id", f"group id '{gid}' must be lowercase letters, digits and '-'")
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
            r.issue(raw, "id", f"unit id '{uid}' must be lowercase letters, digits and '-'")
        if uid in seen:
            r.issue(raw, "id", f"duplicate unit id '{uid}'")
        if group not in group_ids:
            r.issue(raw, "group", f"unknown group '{group}'")
        if headcount is not None and headcount < 1:
            r.issue(raw, "headcount", "headcount must be ≥ 1")
        seen.add(uid)
        units.append(Unit(uid, name, group, headcount))
    if not units:
        r.issue(data, "units", "at least one unit is needed")
    if r.issues:
        raise ContentError(r.issues)
    return tuple(groups), tuple(units)


# --- documents/<id>.md front matter --------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.DOTALL)


def check_documents(documents_dir: Path) -> list[ContentIssue]:
    """Each study document's front matter: only DOCUMENT_KEYS (lines counted in the .md file), `id` equal to
    the file name, a `title`."""
    import yaml

    issues: list[ContentIssue] = []
    for path in sorted(documents_dir.glob("*.md")) if documents_dir.is_dir() else []:
        if path.stem == "index":
            continue
        text = path.read_text(encoding="utf-8")
        match = _FRONT_MATTER.match(text)
        if not match:
            issues.append(ContentIssue(str(path), 1, "missing front matter (--- id, title, number, date … ---)"))
            continue
        try:
            meta = yaml.load(match.group(1), Loader=_line_loader())  # noqa: S506 - SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            line = (exc.problem_mark.line + 2) if exc.problem_mark else 1
            issues.append(ContentIssue(str(path), line, str(exc.problem)))
            continue
        r = _Reader(str(path))
        if not isinstance(meta, _Lines):
            r.issue(meta, None, "the front matter must be a mapping (id, title, number, date, issuer, order)")
        else:
            meta.line += 1  # the front matter starts on the file's second line
            meta.key_lines = {k: v + 1 for k, v in meta.key_lines.items()}
            meta.duplicates = [(k, line + 1, first + 1) for k, line, first in meta.duplicates]
            check_keys(r, meta, DOCUMENT_KEYS)
            for key in ("id", "title"):
                if not meta.get(key):
                    r.issue(meta, None, f"missing '{key}'")
            if meta.get("id") and str(meta["id"]) != path.stem:
                r.issue(meta, "id", f"id '{meta['id']}' differs from the file name '{path.stem}'")
        issues += r.issues
    return issues


# --- the question bank ---------------------------------------------------------------------------


def load_bank_files(root: Path, contest: Contest) -> Bank:
    from contest.bank import BankError, load_bank  # the organisers' bank tools (contest.bank)

    try:
        return load_bank(
            root / "questions",
            root / "documents",
            [w.number for w in contest.weeks],
            contest.quiz.questions_per_attempt,
            option_keys=contest.quiz.option_keys,
            pool_factor=contest.quiz.pool_factor,
        )
    except BankError as exc:
        raise ContentError([ContentIssue(i.file, i.line, i.message) for i in exc.issues]) from exc


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
                difficulty=q["difficulty"],
                weeks=tuple(q["weeks"]),
                source=Source(**q["source"]),
            )
            for q in data
        )
    )


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
