"""Builders shared by the tests: content, API Gateway events, and a client for the real handlers."""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from contest.content.loader import Content, parse_contest, parse_units, read_yaml
from contest.rules.model import OPTION_KEYS, Bank, Question, Source

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "tests" / "events"
VN = timezone(timedelta(hours=7))
SHIPPED_CONTENT = ROOT / "content"


def content_under_test() -> Path:
    """The content the suite runs against: content/ (the shipped contest) unless CONTEST_TEST_CONTENT names another
    folder holding contest.yaml, units.yaml, documents/ and questions/ (relative paths are from the repository).
    CI runs the suite twice: once as is and once with tests/fixtures/contests/son-nguyen (`make test`)."""
    named = os.environ.get("CONTEST_TEST_CONTENT", "").strip()
    folder = (ROOT / named).resolve() if named else SHIPPED_CONTENT
    if not (folder / "contest.yaml").is_file():
        raise RuntimeError(f"CONTEST_TEST_CONTENT={named}: no contest.yaml in {folder}")
    return folder


CONTENT = content_under_test()
# Whether the suite runs against the shipped contest: tests about its very facts (bank, pools, wording) are
# marked `shipped_content` and skipped otherwise (tests/conftest.py).
SHIPPED = CONTENT == SHIPPED_CONTENT.resolve()
_RAW_CONTEST = read_yaml(CONTENT / "contest.yaml")
_RAW_UNITS = read_yaml(CONTENT / "units.yaml")


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# The first week of the contest under test: Wednesday 09:00 of the shipped contest (2023-10-18), in general
# two days and nine hours after week 1 opens; and the week's close and results instants.
WEEK1_OPENS = _instant(_RAW_CONTEST["weeks"][0]["opens_at"]).astimezone(VN)
WEEK1_MID = WEEK1_OPENS + timedelta(days=2, hours=9)
WEEK1_CLOSES = _instant(_RAW_CONTEST["weeks"][0]["closes_at"]).astimezone(VN)
WEEK1_RESULTS = _instant(_RAW_CONTEST["weeks"][0]["results_at"]).astimezone(VN)
WEEK2_OPENS = _instant(_RAW_CONTEST["weeks"][1]["opens_at"]).astimezone(VN)
UNIT_IDS = [u["id"] for u in _RAW_UNITS["units"]]
# Tests name the shipped contest's units and groups. Against another contest each of these plays a role: the
# k-th role of the shipped group g is the k-th unit of the contest's g-th group (distinct roles, distinct units,
# roles of one group stay in one group). Against the shipped contest unit(x) == x.
_SHIPPED_GROUPS = ["so-nganh", "huyen", "nguoi-dan"]
_UNIT_ROLES = {
    "so-nganh": ["so-tttt", "so-khcn", "so-gddt"],
    "huyen": ["h-can-loc", "h-cam-xuyen", "h-duc-tho", "h-huong-khe", "tp-ha-tinh"],
}


def group(shipped_id: str) -> str:
    """The group of the contest under test that plays the shipped group `shipped_id`."""
    if SHIPPED:
        return shipped_id
    groups = [g["id"] for g in _RAW_UNITS["groups"]]
    return groups[_SHIPPED_GROUPS.index(shipped_id) % len(groups)]


def unit(shipped_id: str) -> str:
    """The unit of the contest under test that plays the shipped unit `shipped_id`."""
    if SHIPPED:
        return shipped_id
    for shipped_group, roles in _UNIT_ROLES.items():
        if shipped_id in roles:
            members = [u["id"] for u in _RAW_UNITS["units"] if u["group"] == group(shipped_group)]
            return members[roles.index(shipped_id) % len(members)]
    raise KeyError(f"no role for the shipped unit {shipped_id}: add it to tests/support.py _UNIT_ROLES")


# The unit contestants register in by default (the shipped contest's Sở TT&TT).
DEFAULT_UNIT = unit("so-tttt")
# The origin header CloudFront adds (contest.rules.perimeter): the events under tests/events carry it, and the
# integration tests' environment accepts it (tests/integration/conftest.py).
ORIGIN_SECRET = json.loads((EVENTS / "function_url.json").read_text())["headers"]["x-contest-origin"]
PHONES = [f"09{n:08d}" for n in range(12_345_600, 12_345_600 + 2000)]  # valid Viettel-range mobiles

# Tests run many contestants from one address and solve every proof of work in Python: a cheap challenge and
# budgets far above what a test sends, unless a test sets its own (tests/security/test_sms_pumping.py).
TEST_SMS_CHANGES: dict[str, Any] = {
    "sms.proof_of_work": {"cost": 1, "max_counter": 40, "expires_minutes": 5},
    "sms.per_address_per_hour": 100_000,
    "sms.global_per_hour": 1_000_000,
    "sms.monthly_spend_limit_usd": 1_000_000,
}
# The quiz rules the integration tests are written for (15 questions, 1 attempt, the score on the receipt, 30
# minutes + 30 s, seconds): they pin them whatever the contest under test says, which supplies everything else
# (weeks, units, prizes, texts). The fixture contest's own rules run end to end in tests/e2e/test_second_contest.py.
PINNED_QUIZ_RULES: dict[str, Any] = {
    "quiz.questions_per_attempt": 15,
    "quiz.attempts_per_week": 1,
    "quiz.show_score_on_submit": True,
    "quiz.time_limit_minutes": 30,
    "quiz.grace_seconds": 30,
    "quiz.duration_resolution": "seconds",
    "participants.count": "contestants",
}
# The weekly prize table tests of prize boundaries are written for (1 first, 2 second, 3 third).
PINNED_WEEKLY_PRIZES: dict[str, Any] = {
    "prizes.weekly": [
        {"rank": "first", "label": "Giải Nhất", "count": 1, "amount": 2000000},
        {"rank": "second", "label": "Giải Nhì", "count": 2, "amount": 1000000},
        {"rank": "third", "label": "Giải Ba", "count": 3, "amount": 500000},
    ]
}
PINNED_PRIZES: dict[str, Any] = {
    **PINNED_WEEKLY_PRIZES,
    "prizes.final_units": [
        {"rank": "first", "label": "Giải Nhất", "count": 1, "amount": 3000000},
        {"rank": "second", "label": "Giải Nhì", "count": 1, "amount": 2000000},
        {"rank": "third", "label": "Giải Ba", "count": 1, "amount": 1000000},
    ],
}
# Routes that can send an SMS: they need a solved challenge in the X-Altcha header.
PROOF_PATHS = frozenset({"/api/register", "/api/reclaim", "/api/verify/resend", "/api/password/reset"})


def solve_proof(challenge: dict[str, Any]) -> str:
    """What the browser does: solve an ALTCHA challenge from GET /api/challenge, the X-Altcha header's value."""
    from altcha import Challenge, Payload, solve_challenge

    parsed = Challenge.from_dict(challenge)
    solution = solve_challenge(parsed, timeout=60)
    assert solution is not None, "challenge not solved"
    return Payload(parsed, solution).to_base64()  # type: ignore[no-any-return]


def apply_changes(raw: dict[str, Any], changes: dict[str, Any]) -> None:
    for dotted, value in changes.items():
        target = raw
        *parents, last = dotted.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value


def make_bank(weeks: int = 4, per_week: int = 40) -> Bank:
    questions = []
    for week in range(1, weeks + 1):
        for i in range(per_week):
            qid = f"w{week}-q{i:03d}"
            correct = OPTION_KEYS[(i * 7 + week) % 4]
            questions.append(
                Question(
                    id=qid,
                    text=f"Câu hỏi thử {i} của tuần {week}?",
                    options={k: f"Phương án {k} của câu {qid}" for k in OPTION_KEYS},
                    correct=correct,
                    difficulty="easy",
                    weeks=(week,),
                    source=Source("qd-505-qd-ttg-2022", None, "1"),
                )
            )
    return Bank(tuple(questions))


def make_content(bank: Bank | None = None, contest_changes: dict[str, Any] | None = None) -> Content:
    """The contest.yaml and units.yaml under test (optionally changed) with a synthetic bank."""
    raw_contest = json.loads(json.dumps(read_yaml(CONTENT / "contest.yaml"), default=str))
    # Tests are written for the code-at-registration journey unless they ask for another mode.
    pinned = {"registration.verification": "at_registration", **TEST_SMS_CHANGES}
    apply_changes(raw_contest, {**pinned, **(contest_changes or {})})
    if "registration.consent_purposes" in (contest_changes or {}):
        raw_contest["registration"].pop("consent_text", None)  # the older single text cannot stand beside them
    raw_units = json.loads(json.dumps(read_yaml(CONTENT / "units.yaml")))
    contest = parse_contest(raw_contest)
    groups, units = parse_units(raw_units)
    return Content(contest, groups, units, bank or make_bank(), raw={"contest": raw_contest, "units": raw_units})


def event(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, ip: str = "203.0.113.5"
) -> dict:
    template = json.loads((EVENTS / "function_url.json").read_text())
    ev = copy.deepcopy(template)
    # a function URL's event (payload 2.0 with routeKey and stage "$default"), as CloudFront's signed request
    # arrives: the viewer at `ip` in CloudFront-Viewer-Address (sourceIp is the edge node)
    ev["rawPath"] = ev["requestContext"]["http"]["path"] = path
    ev["requestContext"]["http"]["method"] = method
    ev["headers"]["cloudfront-viewer-address"] = f"{ip}:51234"
    if body is None:
        ev["body"] = ""
    elif isinstance(body, str | bytes):
        ev["body"] = body.decode() if isinstance(body, bytes) else body
    else:
        ev["body"] = json.dumps(body, ensure_ascii=False)
    ev["headers"].update(headers or {})
    return ev


class LambdaContext:
    function_name = "test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:test"
    memory_limit_in_mb = 256
    aws_request_id = "test-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def declared_route(module: ModuleType, method: str, path: str) -> dict[str, Any] | None:
    """What contest.api.http.route declared for a route (request, response, status…), None for an unknown route."""
    for route in getattr(getattr(module, "app", None), "_static_routes", []):
        if route.path == path and route.method == method.upper():
            return route.func.openapi
    return None


def check_documented(meta: dict[str, Any] | None, method: str, path: str, reply: Reply) -> tuple[str, str, int]:
    """Every reply is what docs/openapi.json says: the route's success status with a body valid against its
    response schema, or a documented 4xx with an error body (contest.api.schemas.ERROR). Anything else fails the
    test that made the request (a 5xx is a bug; an undocumented field is a leak)."""
    import jsonschema

    from contest.api.schemas import ERROR
    from contest.local.openapi import ERRORS

    if meta is not None and reply.status == meta["status"]:
        schema = meta["response"]
    elif str(reply.status) in ERRORS or (meta is None and reply.status in (404, 405)):
        schema = ERROR
    else:
        raise AssertionError(f"{method} {path}: undocumented status {reply.status}: {reply.body}")
    errors = sorted(
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(reply.body),
        key=str,
    )
    assert not errors, f"{method} {path} {reply.status}: body not as documented: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors
    )
    return method.upper(), path, reply.status


@dataclass
class Api:
    """Drives the real handlers with function URL events (payload 2.0), the way AWS would. Every reply is checked
    against the route's documented response (check_documented)."""

    functions: dict[str, ModuleType]
    replies: list[Reply] = field(default_factory=list)
    checked: set[tuple[str, str, int]] = field(default_factory=set)  # (method, path, status) checked so far

    def handler_for(self, method: str, path: str) -> ModuleType:
        for module in self.functions.values():
            resolver = getattr(module, "app", None)
            for route in getattr(resolver, "_static_routes", []):
                if route.path == path:
                    return module
        return self.functions["register"]

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        ip: str = "203.0.113.5",
        proof: bool = True,
    ) -> Reply:
        extra = dict(headers or {})
        if proof and method == "POST" and path in PROOF_PATHS and "x-altcha" not in extra:
            extra["x-altcha"] = self.proof()
        if token:
            extra["x-contest-session"] = token
        module = self.handler_for(method, path)
        result = module.lambda_handler(event(method, path, body, extra, ip), LambdaContext())
        reply = Reply(result["statusCode"], json.loads(result["body"] or "{}"), result.get("headers") or {})
        self.checked.add(check_documented(declared_route(module, method, path), method, path, reply))
        self.replies.append(reply)
        return reply

    def proof(self) -> str:
        """A freshly issued and solved challenge (not recorded in `replies`). Issued by the handler's runtime, not
        through its resolver: tests call one module from many threads, and Powertools keeps the current event
        per resolver, so a concurrent GET would swap the event under a POST (GET /api/challenge over HTTP is
        tested in tests/security/test_sms_pumping.py)."""
        return solve_proof(self.handler_for("GET", "/api/challenge").runtime.proof.challenge())

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, {} if body is None and path == "/api/quiz" else body, **kw)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    # --- the contestant's journey ----------------------------------------------------------------

    def register(
        self,
        phone: str,
        name: str = "Nguyễn Văn An",
        unit: str = DEFAULT_UNIT,
        consents: dict[str, bool] | None = None,
        **kw: Any,
    ) -> Reply:
        """`consents`: one box per purpose; None sends the older single box (the required purposes only)."""
        body: dict[str, Any] = {"full_name": name, "phone": phone, "unit_id": unit, "password": "mat-khau-123"}
        body.update({"consents": consents} if consents is not None else {"consent": True})
        return self.post("/api/register", body, **kw)

    def login(self, phone: str, password: str = "mat-khau-123") -> Reply:
        return self.post("/api/login", {"phone": phone, "password": password})


def code_for(sent: list[tuple[str, str]], e164: str) -> str:
    """The last one-time code sent to a phone (from a MemorySender)."""
    import re

    texts = [text for phone, text in sent if phone == e164]
    match = re.search(r"\b(\d{6})\b", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def e164(phone: str) -> str:
    return "+84" + phone.lstrip("0")
