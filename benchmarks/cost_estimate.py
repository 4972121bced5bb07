"""Cost per 100,000 participant-weeks on AWS (ap-southeast-1, list prices), from MEASURED request counts.

    .venv/bin/python benchmarks/cost_estimate.py [--participants 20] [--warm-ms 50 (flat, instead of per call)]

1. Measure: N participants go through the site's flow against the real handlers on moto (in-process), exactly as
   the site's JavaScript calls the API: units, register, verify, login, quiz, submit, me (at_award: no verify,
   and no login: the registration answers with the session; no GET /api/contest: the pages carry the contest's
   facts, core.contest). Every DynamoDB call is counted per step with its capacity units computed from the real
   item sizes (DynamoDB's rules: reads in 4 KB steps, halved when eventually consistent; writes in 1 KB steps of
   the larger of the item before and after; doubled inside transactions). Then the week is closed by the real close_week
   handler and its reads and writes are divided by N.
2. Price: the counts times list prices (constants below, with the date they were read; check them before
   quoting).

Lambda durations are not measurable here (x86, no Lambda): a warm invocation is billed LAMBDA_BASE_MS plus, for
each DynamoDB call the step MEASURABLY makes, DYNAMODB_CALL_MS (a transaction DYNAMODB_TRANSACTION_MS), plus
scrypt where it runs (measured in CPU time here, scaled to the function's share of a vCPU); --warm-ms N bills a
flat N ms per invocation instead (the earlier model: 50 ms even for routes that make no call at all). The
local warm median per step is printed for comparison (moto in-process, not Lambda). CDN bytes are shown apart:
the goal excludes them.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# --- list prices, ap-southeast-1 (Singapore), USD; read from the AWS pricing pages, 2025 -----------------------
# Check them before quoting: AWS changes prices (DynamoDB on-demand was halved in November 2024).
PRICE = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s_arm64": 0.0000133334,
    # The API is Lambda function URLs behind CloudFront (no API Gateway): a function URL request costs nothing
    # beyond its Lambda request and duration. What the origin leg adds: CloudFront's data transfer to the origin
    # (the request bodies, Asia Pacific) and out of the origin (AWS -> CloudFront is free).
    "cloudfront_gb_to_origin": 0.060,  # Asia Pacific edge -> origin, per GB
    "dynamodb_wru": 0.7125 / 1e6,  # on-demand write request unit
    "dynamodb_rru": 0.1425 / 1e6,  # on-demand read request unit
    "cloudfront_https_request": 0.0120 / 1e4,  # Asia Pacific edge locations (Viet Nam included)
    "cloudfront_gb_out": 0.140,  # Asia Pacific, first 10 TB a month
    "s3_put": 0.005 / 1e3,
    "s3_get": 0.0004 / 1e3,
    "secrets_api_call": 0.05 / 1e4,
    "logs_ingest_gb": 0.70,
    # fixed, per month
    "secret_month": 0.40,
    "alarm_month": 0.10,
}
# Not a list price we could read here: SMS to Viet Nam (per message part). Check the AWS End User Messaging
# SMS
# price list for VN before planning; the code SMS must stay in GSM characters (no diacritics) to be 1 part.
SMS_PER_MESSAGE_ASSUMED = 0.06
# SMS prices per channel (USD per one-part message). SNS: the figure above. Brandname gateway: published carrier
# lists for customer-care brandname SMS were 550-1,000 dong incl. VAT (VNPT Nghe An 2013; a reseller 2017), so
# 800 dong at ~25,000 dong/USD, with a range of 0.02-0.04 (docs/deploy.md); ask for a current quote.
SMS_CHANNEL_PRICE = {"sns": SMS_PER_MESSAGE_ASSUMED, "gateway": 0.032}
# What the simulated week cannot measure: how many returning participants forget their password in a week
# (each reset = 1 message). An assumption, stated in the report; the flow itself is measured.
RESETS_PER_PARTICIPANT_WEEK = 0.01
# at_award mode: codes per week = weekly prize winners + members of a tie group at a prize boundary. Measured
# from the close of the simulated week when the at_award close has landed; otherwise modelled as the prize count
# plus the boundary tie members found in the published week (see award_codes()).
CONTEST_WEEKS = 4  # every participant registers once and takes part in up to 4 weeks: 1 new + 3 returning

# --- what the measurement cannot see
# ----------------------------------------------------------------------------
# Static requests (CloudFront, not API calls) per participant-week are COUNTED on the built site (static_requests()):
# the pages a participant opens, each page's own resources as its HTML names them (stylesheets, favicon, scripts:
# the theme's bundle and the page's own, one per page, contest.organisers.sitebuild.bundle_pages) and the files its
# JavaScript
# fetches (results.js: the index alone, which carries the latest week; tests/e2e/test_site_results.py). A new
# participant's cache is cold: every distinct file once. A returning participant's cache is warm from earlier
# weeks: only what its Cache-Control (infra/stack.py cache_control) lets expire within a week is asked again
# (the pages; the content-hashed bundles and stylesheet are cached for a year, immutable; the favicon is in the
# pages, a data: URL).
PAGES_VISITED = {
    "new at_registration": ["", "dang-ky/", "xac-thuc/", "dang-nhap/", "thi/", "tai-khoan/", "ket-qua/"],
    "new at_award": ["", "dang-ky/", "tai-khoan/", "thi/", "ket-qua/"],  # registration opens the session
    "returning": ["", "dang-nhap/", "thi/", "tai-khoan/", "ket-qua/"],
}
PAGE_FETCHES = {"ket-qua/": ["results/index.json"]}  # results.js, cache: 'no-cache'
WEEK_S = 7 * 86400
SITE = ROOT / "build" / "site"  # main() builds it when missing
STATIC_BYTES = {"new": 450_000, "returning": 60_000}  # compressed; shown apart (CDN bytes)
# The request bytes CloudFront carries to a function URL per API call (headers + body; the site's JSON bodies are
# well under 1 KB, the headers ~1 KB): priced at cloudfront_gb_to_origin. No access log is written (docs/security.md).
ORIGIN_BYTES_PER_REQUEST = 2_000
COLD_STARTS_PER_100K = 3_000  # sandboxes started for 100k participant-weeks (3 HTTP functions, bursty load)
COLD_START_INIT_S = 0.8  # init billed since August 2025 (measured ≈ 1.4x the botocore floor locally)
# contest.services.stored_content.ContentSource re-reads the content item every 60 s in a sandbox that is serving:
# bounded by (warm sandboxes) x (minutes they serve). Assumed: 15 sandboxes busy 12 hours a day, 7 days.
CONTENT_RELOADS_PER_WEEK = 15 * 12 * 60 * 7


_RESOURCE = re.compile(
    r'<link [^>]*rel="(?:stylesheet|icon|modulepreload)"[^>]*href="([^"]+)"|<script [^>]*src="([^"]+)"'
)


def built_site() -> Path:
    """The site as `make site` builds it (built here into a temporary directory when build/site is missing)."""
    site = ROOT / "build" / "site"
    if not (site / "index.html").exists():
        from contest.organisers.sitebuild import build

        site = Path(tempfile.mkdtemp(prefix="cost-site-")) / "site"
        build(ROOT, site)
    return site


def page_resources(site: Path, page: str) -> list[str]:
    """Site-relative paths a page's HTML makes the browser fetch (besides the page itself)."""
    import posixpath

    html = (site / page / "index.html").read_text(encoding="utf-8")
    found = []
    for link, script in _RESOURCE.findall(html):
        ref = (link or script).split("#")[0].split("?")[0]
        if ref.startswith(("data:", "http:", "https:", "//")):
            continue
        found.append(posixpath.normpath(posixpath.join(page, ref)).lstrip("./") if not ref.startswith("/") else ref[1:])
    return [*dict.fromkeys(found), *PAGE_FETCHES.get(page, [])]


def max_age_s(key: str) -> int:
    sys.path.insert(0, str(ROOT / "infra"))
    from stack import cache_control

    match = re.search(r"max-age=(\d+)", cache_control(key))
    return int(match.group(1)) if match else 0


def static_requests(site: Path, visit: str) -> int:
    """CloudFront requests for site files in one participant-week (see PAGES_VISITED)."""
    warm = visit == "returning"
    asked: set[str] = set()
    for page in PAGES_VISITED[visit]:
        asked.add(page + "index.html")
        for key in page_resources(site, page):
            if key in PAGE_FETCHES.get(page, []) or not warm or max_age_s(key) < WEEK_S:
                asked.add(key)
    return len(asked)


# --- DynamoDB item sizes and capacity units
# ----------------------------------------------------------------------
def _value_size(value: dict[str, Any]) -> int:
    ((kind, body),) = value.items()
    if kind == "S":
        return len(body.encode("utf-8"))
    if kind == "N":
        digits = len(body.lstrip("-").replace(".", "").lstrip("0")) or 1
        return 1 + math.ceil(digits / 2)
    if kind == "B":
        return len(body if isinstance(body, bytes) else base64.b64decode(body))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in body)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + _value_size(v) for k, v in body.items())
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: v}) for v in body)
    raise ValueError(kind)


def item_size(item: dict[str, Any] | None) -> int:
    """DynamoDB's item size: attribute names plus values (its published rules)."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def read_units(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


@dataclass
class Usage:
    calls: int = 0
    rru: float = 0.0
    wru: float = 0.0
    index_wru: float = 0.0  # part of wru: writes to global secondary indexes
    query_bytes: int = 0  # bytes returned by Query/Scan (the close's per-participant part)
    query_rru: float = 0.0
    consistent_queries: bool = True
    operations: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class DynamoMeter:
    """Counts every DynamoDB call made by any botocore client in this process, per named step.

    Wraps botocore's BaseClient._make_api_call (a benchmark instrument, not production code): PynamoDB, the
    close's raw client and anything else all pass through it. Item sizes before and after each write are read with the
    unwrapped call so that the meter itself is never counted.
    """

    def __init__(self) -> None:
        self.steps: dict[str, Usage] = defaultdict(Usage)
        self.step = "setup"
        self._inside = threading.local()
        self._index_cache: dict[str, list[tuple[str, set[str] | None]]] = {}

    @contextmanager
    def installed(self) -> Iterator[None]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        meter = self

        def measured(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if getattr(meter._inside, "on", False) or client.meta.service_model.service_name != "dynamodb":
                return original(client, operation, params)
            meter._inside.on = True
            try:
                return meter._measure(original, client, operation, params)
            finally:
                meter._inside.on = False

        BaseClient._make_api_call = measured  # type: ignore[method-assign]
        try:
            yield
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]

    def _stored(self, original: Any, client: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        answer = original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        return answer.get("Item")  # type: ignore[no-any-return]

    def _indexes(self, original: Any, client: Any, table: str) -> list[tuple[str, set[str] | None]]:
        """(hash key attribute, projected attributes or None for ALL) of each GSI of the table."""
        if table not in self._index_cache:
            described = original(client, "DescribeTable", {"TableName": table})["Table"]
            found = []
            for index in described.get("GlobalSecondaryIndexes", []):
                keys = {k["AttributeName"] for k in index["KeySchema"]} | {"pk", "sk"}
                projection = index["Projection"]
                attrs = (
                    None
                    if projection["ProjectionType"] == "ALL"
                    else keys | set(projection.get("NonKeyAttributes", []))
                )
                found.append((index["KeySchema"][0]["AttributeName"], attrs))
            self._index_cache[table] = found
        return self._index_cache[table]

    def _write_units(
        self,
        original: Any,
        client: Any,
        table: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> tuple[int, int]:
        """(base table units, index units): an index is written when the item is (or was) in it."""
        base = write_units(max(item_size(before), item_size(after)))
        index_units = 0
        for hash_key, attrs in self._indexes(original, client, table):
            for image in (before, after):
                if image and hash_key in image:
                    projected = image if attrs is None else {k: v for k, v in image.items() if k in attrs}
                    index_units += write_units(item_size(projected))
            if before and after and hash_key in before and hash_key in after and before[hash_key] == after[hash_key]:
                index_units -= write_units(
                    item_size(after if attrs is None else {k: v for k, v in after.items() if k in attrs})
                )
        return base, index_units

    def _key_of(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"pk": item["pk"], "sk": item["sk"]}

    def _measure(self, original: Any, client: Any, operation: str, params: dict[str, Any]) -> Any:
        usage = self.steps[self.step]
        usage.calls += 1
        usage.operations[operation] += 1
        table = params.get("TableName")
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            key = self._key_of(params["Item"]) if operation == "PutItem" else params["Key"]
            before = self._stored(original, client, table, key)
            answer = original(client, operation, params)
            base, index = self._write_units(original, client, table, before, self._stored(original, client, table, key))
            usage.wru += base + index
            usage.index_wru += index
            return answer
        if operation == "TransactWriteItems":
            entries = []
            for entry in params["TransactItems"]:
                ((kind, body),) = entry.items()
                key = self._key_of(body["Item"]) if kind == "Put" else body["Key"]
                entries.append((kind, body["TableName"], key, self._stored(original, client, body["TableName"], key)))
            answer = original(client, operation, params)
            for _kind, entry_table, key, before in entries:
                after = self._stored(original, client, entry_table, key)
                base, index = self._write_units(original, client, entry_table, before, after)
                usage.wru += 2 * base + index  # the index write is a plain write
                usage.index_wru += index
            return answer
        answer = original(client, operation, params)
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            usage.rru += read_units(item_size(answer.get("Item")), consistent)
        elif operation in ("Query", "Scan"):
            # the close asks for raw bytes (its own parser): its pages are sized from the JSON
            items = answer.get("Items")
            raw = [v for v in answer.values() if isinstance(v, bytes)]
            if items is None and raw:  # the close's client keeps the body unparsed (its own fast parser)
                items = json.loads(raw[0]).get("Items", [])
            units = read_units(sum(item_size(i) for i in items or []), consistent)
            usage.rru += units
            key_values = json.dumps(params.get("ExpressionAttributeValues", {}))
            if "#S#" in key_values:  # a standings shard (WEEK#ww#S#ss): the part that grows with participants
                usage.query_bytes += sum(item_size(i) for i in items or [])
                usage.query_rru += units
                usage.consistent_queries = consistent
        elif operation == "BatchGetItem":
            for table_name, rows in answer.get("Responses", {}).items():
                strong = bool(params["RequestItems"][table_name].get("ConsistentRead"))
                usage.rru += sum(read_units(item_size(i), strong) for i in rows)
        elif operation == "BatchWriteItem":
            for rows in params["RequestItems"].values():
                usage.wru += sum(write_units(item_size(r.get("PutRequest", {}).get("Item"))) for r in rows)
        return answer


# --- the flow
# --------------------------------------------------------------------------------------------------
# No GET /api/contest: every page carries the contest's facts and the content version it was built with, and every
# API answer names the loaded version and the server's time (X-Contest-Content, X-Contest-Now), so core.contest()
# asks nothing while they match (tests/e2e/test_site_requests.py counts it in the browser). It was one per visit
# (kept in the tab), and before that one per page view. A site not rebuilt after `contest content load` asks once
# per visit again (not priced: the organisers rebuild the site with the content, docs/deploy.md).
FLOW = ["units", "challenge", "register", "verify", "login", "quiz", "submit", "me"]
REGISTRATION_ONLY = {"units", "challenge", "register", "verify"}


@dataclass
class Measured:
    participants: int
    steps: dict[str, Usage]
    http: dict[str, int]
    local_ms: dict[str, float]
    close_s3_puts: int
    bundle_bytes: int
    scrypt_ms: float
    codes_sent: dict[str, int] = field(default_factory=dict)  # SMS actually sent, per step
    paced: dict[str, int] = field(default_factory=dict)  # requests held to the SMS response floor, per step
    static: dict[str, int] = field(default_factory=dict)  # static requests per visit (PAGES_VISITED), counted
    award_codes_per_week: int = 0
    boundary_tie_members: int = 0
    mode: str = "at_registration"


def measure(participants: int, mode: str = "at_registration") -> Measured:
    """The simulated week in one verification mode (at_registration: a code at registration, then /api/verify;
    at_award: registration sends nothing, the close sends one code per prize candidate)."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION="ap-southeast-1",
    )  # fmt: skip
    os.environ.pop("AWS_ENDPOINT_URL", None)
    tmp = Path(tempfile.mkdtemp(prefix="cost-estimate-"))
    from tests.support import ORIGIN_SECRET  # the origin header its events carry (contest.rules.perimeter)

    os.environ.update(
        CONTEST_TABLE="contest-cost", CONTEST_SMS_SENDER="outbox", CONTEST_OUTBOX=str(tmp / "outbox.jsonl"),
        CONTEST_SIGNING_SECRET="cost-estimate-" + "s" * 40, CONTEST_ORIGIN_SECRET=ORIGIN_SECRET,
        CONTEST_PUBLISH_DIR=str(tmp / "public"),
        CONTEST_RECEIPT_KEY="cost-estimate-receipts-" + "r" * 40,
        CONTEST_PRIVATE_DIR=str(tmp / "private"), POWERTOOLS_SERVICE_NAME="contest",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )  # fmt: skip
    from moto import mock_aws
    from tests.fakes import FixedClock, MemorySender
    from tests.support import PHONES, Api, LambdaContext, code_for, e164, solve_proof

    from contest.content.loader import Content, bundle_of, load_content, parse_contest
    from contest.local.stack import load_function
    from contest.store import Store, tables

    meter = DynamoMeter()
    http: dict[str, int] = defaultdict(int)
    local_ms: dict[str, list[float]] = defaultdict(list)
    with mock_aws(), meter.installed():
        shipped = load_content(ROOT / "content")
        raw = json.loads(json.dumps(shipped.raw, default=str))
        raw["contest"]["registration"]["verification"] = mode
        content = Content(parse_contest(raw["contest"]), shipped.groups, shipped.units, shipped.bank, raw=raw)
        week = content.contest.weeks[0]
        clock = FixedClock(week.opens_at + timedelta(days=2))
        sender = MemorySender()
        tables.configure("contest-cost", "ap-southeast-1")
        tables.create_table()
        bundle = bundle_of(content)
        Store().bundle.save_bundle(bundle)
        codes_sent: dict[str, int] = defaultdict(int)
        paced: dict[str, int] = defaultdict(int)

        @contextmanager
        def counting_pacer() -> Iterator[None]:  # the routes' own pacing decision, counted (no sleep here)
            paced[meter.step] += 1
            yield

        functions = {}
        for name in sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py")):  # every function
            path = ROOT / "functions" / name / "app.py"
            functions[name] = load_function(path, name, clock=clock, sender=sender, pace=counting_pacer)
        api = Api({k: v for k, v in functions.items() if k != "close_week"})
        units = [u.id for u in content.units]

        def step(name: str, call: Any) -> Any:
            meter.step = name
            http[name] += 1
            before = len(sender.sent)
            started = time.perf_counter()
            reply = call()
            local_ms[name].append((time.perf_counter() - started) * 1000)
            assert reply.status < 300, (name, reply.status, reply.body)
            codes_sent[name] += len(sender.sent) - before
            clock.advance(1)
            return reply

        # warm every handler once (content cached per sandbox), then measure warm sandboxes
        meter.step = "warm-up"
        api.get("/api/units")
        api.get("/api/contest")
        for name in list(meter.steps):
            meter.steps.pop(name)
        for i in range(participants):
            phone = PHONES[1000 + i]
            step("units", lambda: api.get("/api/units"))
            name, unit = f"Người Dự Thi {i}", units[i % len(units)]
            proof = solve_proof(step("challenge", lambda: api.get("/api/challenge")).body)  # in the browser
            headers = {"x-altcha": proof}
            ip = f"198.51.100.{i % 250}"  # people register from their own connections (budgets are per address)
            registered = step("register", lambda: api.register(phone, name=name, unit=unit, headers=headers, ip=ip))  # noqa: B023
            if mode == "at_registration":
                code = code_for(sender.sent, e164(phone))
                step("verify", lambda: api.post("/api/verify", {"phone": phone, "code": code}))  # noqa: B023
                token = step("login", lambda: api.login(phone)).body["token"]  # noqa: B023
            else:  # at_award: the registration opened the session (no login: docs/verification.md)
                token = registered.body["token"]
            quiz = step("quiz", lambda: api.post("/api/quiz", token=token)).body  # noqa: B023
            answers = {q["id"]: q["options"][i % 4]["id"] for q in quiz["questions"]}
            body = {"token": quiz["token"], "answers": answers, "prediction": 1000 + i}
            clock.advance(120)
            step("submit", lambda: api.post("/api/submit", body, token=token))  # noqa: B023
            step("me", lambda: api.get("/api/me", token=token))  # noqa: B023
        # the password reset flow, measured on a few participants (its weekly rate is an assumption)
        for i in range(max(1, participants // 5)):
            phone = PHONES[1000 + i]
            proof = solve_proof(step("reset challenge", lambda: api.get("/api/challenge")).body)
            reset, reset_headers, reset_ip = {"phone": phone}, {"x-altcha": proof}, f"192.0.2.{i}"
            step("reset", lambda: api.post("/api/password/reset", reset, headers=reset_headers, ip=reset_ip))  # noqa: B023
            code = code_for(sender.sent, e164(phone))
            confirm = {"phone": phone, "code": code, "new_password": "mat-khau-moi-123"}
            step("reset confirm", lambda: api.post("/api/password/reset/confirm", confirm))  # noqa: B023
        # the close, at the results time
        clock.at = week.results_at + timedelta(minutes=1)
        meter.step = "close"
        started = time.perf_counter()
        result = functions["close_week"].lambda_handler({}, LambdaContext())
        local_ms["close"].append((time.perf_counter() - started) * 1000)
        assert result.get("status") == "published", result
        award_sent = len(sender.sent) - sum(codes_sent.values())  # codes the close sent (at_award mode, if landed)
        prizes = sum(p.count for p in content.contest.weekly_prizes)
        ties = boundary_tie_members(tmp / "public" / "results" / f"week-{week.number}.json")
        # the bundle as stored, for the cold-start read
        meter.step = "content load"
        Store().bundle.load_bundle()
    s3_puts = sum(1 for p in (tmp / "public").rglob("*") if p.is_file()) + sum(
        1 for p in (tmp / "private").rglob("*") if p.is_file()
    )
    return Measured(
        participants=participants,
        steps=dict(meter.steps),
        http=dict(http),
        local_ms={k: statistics.median(v) for k, v in local_ms.items()},
        close_s3_puts=s3_puts,
        bundle_bytes=len(json.dumps(bundle, ensure_ascii=False).encode("utf-8")),
        scrypt_ms=scrypt_cost_ms(),
        codes_sent=dict(codes_sent),
        paced=dict(paced),
        static={visit: static_requests(SITE, visit) for visit in PAGES_VISITED},
        award_codes_per_week=award_sent if mode == "at_award" else prizes + ties,
        boundary_tie_members=ties,
        mode=mode,
    )


def boundary_tie_members(results: Path) -> int:
    """Members of tie groups that straddle a prize boundary in the published week, beyond the prize slots they
    contend for: in at_award mode they are asked to confirm too. Read from the shape contest.rules.publication writes:
    `prizes[].pending[]` = {group, count (slots of that prize the group holds), candidates (every member)}."""
    data = json.loads(results.read_text(encoding="utf-8"))
    members: dict[str, int] = {}
    slots: dict[str, int] = defaultdict(int)
    for prize in data["prizes"]:
        for pending in prize["pending"]:
            members[pending["group"]] = len(pending["candidates"])
            slots[pending["group"]] += pending["count"]
    return sum(max(0, size - slots[group]) for group, size in members.items())


# --- prices
# ----------------------------------------------------------------------------------------------------
def close_rru_per_participant(measured: Measured) -> float:
    """At scale the close reads each standing once: its bytes in 4 KB steps (the per-shard query and page
    overheads, and the few fixed reads, are per week, not per participant)."""
    close = measured.steps.get("close", Usage())
    factor = 1.0 if close.consistent_queries else 0.5
    return close.query_bytes / measured.participants / 4096 * factor


def close_fixed_units(measured: Measured) -> tuple[float, float]:
    """(RRU, WRU) of one close beyond the per-participant part: shard queries, markers, records."""
    close = measured.steps.get("close", Usage())
    return close.rru - close_rru_per_participant(measured) * measured.participants, close.wru


STEP_ROUTE = {"units": ("GET", "/api/units"), "challenge": ("GET", "/api/challenge"),
              "register": ("POST", "/api/register"), "verify": ("POST", "/api/verify"),
              "login": ("POST", "/api/login"), "me": ("GET", "/api/me"),
              "quiz": ("POST", "/api/quiz"), "submit": ("POST", "/api/submit")}  # fmt: skip


def step_functions() -> dict[str, str]:
    """Which function serves each step: the function CloudFront sends the route's path to (infra/template.yaml's
    cache behaviours; a route moved to another function is priced at that function's memory)."""
    sys.path.insert(0, str(ROOT / "infra"))
    import template_checks

    template = template_checks.load()
    served = {step: template_checks.function_serving(path, template) for step, (_, path) in STEP_ROUTE.items()}
    missing = sorted(step for step, function in served.items() if function is None)
    if missing:
        raise SystemExit(f"no CloudFront behaviour sends these steps to a function: {missing}")
    return {step: str(function) for step, function in served.items()}


# Assumed warm durations on Lambda (arm64, in-region DynamoDB): the resolver, validation, JSON and the log line;
# a GetItem / Query / BatchGetItem / UpdateItem / PutItem round trip; a transaction (two-phase, slower).
LAMBDA_BASE_MS = 5.0
DYNAMODB_CALL_MS = 10.0
DYNAMODB_TRANSACTION_MS = 20.0


ORIGIN_REQUEST_GB = ORIGIN_BYTES_PER_REQUEST / 1e9 * PRICE["cloudfront_gb_to_origin"]  # per API call


def warm_ms_of(measured: Measured, step: str, flat_ms: float | None) -> float:
    """Billed warm milliseconds of one request of `step` (without scrypt and the response floor)."""
    if flat_ms is not None:
        return flat_ms
    calls = max(1, measured.http.get(step, 0))
    ops = measured.steps.get(step, Usage()).operations
    io = sum(n * (DYNAMODB_TRANSACTION_MS if op.startswith("Transact") else DYNAMODB_CALL_MS) for op, n in ops.items())
    return LAMBDA_BASE_MS + io / calls


SCRYPT_STEPS = {"register": 1, "login": 1}  # password hash / check per call (contest.rules.passwords)
# Code-sending routes answer no earlier than CONTEST_SMS_RESPONSE_FLOOR_MS (infra/template.yaml, contest.api.pacing):
# the register function is billed for at least that long per paced request. Which requests are paced is
# MEASURED (Measured.paced: the handlers' pacer counted per step): registration is paced in at_registration
# mode only (functions/register/app.py, register_paced), resets in both.


def response_floor_s() -> float:
    sys.path.insert(0, str(ROOT / "infra"))
    import template_checks

    env = template_checks.load()["Globals"]["Function"]["Environment"]["Variables"]
    return int(env.get("CONTEST_SMS_RESPONSE_FLOOR_MS", 0)) / 1000


FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB, proportionally less below


def function_memory() -> dict[str, int]:
    sys.path.insert(0, str(ROOT / "infra"))
    import template_checks

    resources = template_checks.load()["Resources"]
    return {
        k: int(v["Properties"]["MemorySize"]) for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"
    }


def alarm_count() -> int:
    """The CloudWatch alarms the template creates (each is billed a month)."""
    sys.path.insert(0, str(ROOT / "infra"))
    import template_checks

    resources = template_checks.load()["Resources"]
    return sum(1 for v in resources.values() if v["Type"] == "AWS::CloudWatch::Alarm")


def cpu_slowdown(memory_mb: int) -> float:
    return max(1.0, FULL_VCPU_MB / memory_mb)


def scrypt_cost_ms() -> float:
    """One password check on this machine's core (best of 5): the CPU-bound part of register and login. Measured
    in this thread's CPU time, not the wall clock: on a shared machine, waiting for a core is not scrypt's cost
    (the wall clock read 43 to 244 ms for the same check depending on the load)."""
    from contest.rules import passwords

    stored = passwords.hash_password("mat-khau-123")
    runs = []
    for _ in range(5):
        started = time.thread_time()
        passwords.verify_password("mat-khau-123", stored)
        runs.append((time.thread_time() - started) * 1000)
    return min(runs)


def content_rru(measured: Measured) -> float:
    """Read units of one content load, as measured (the bundle is stored compressed)."""
    return measured.steps.get("content load", Usage()).rru


def per_participant(measured: Measured, kind: str) -> dict[str, float]:
    """Requests, units and invocations for one participant-week; kind: new | returning."""
    n = measured.participants
    steps = [s for s in FLOW if kind == "new" or s not in REGISTRATION_ONLY]
    names = set(steps)
    api_requests = sum(measured.http.get(s, 0) for s in names) / n
    rru = sum(measured.steps[s].rru for s in names if s in measured.steps) / n
    wru = sum(measured.steps[s].wru for s in names if s in measured.steps) / n
    return {
        "api_requests": api_requests,
        "rru": rru + close_rru_per_participant(measured),
        "wru": wru,
        "static_requests": measured.static["returning" if kind == "returning" else f"new {measured.mode}"],
        "static_bytes": STATIC_BYTES[kind],
        "sms": measured.codes_sent.get("register", 0) / n if kind == "new" else 0.0,
    }


def price(measured: Measured, kind: str, warm_ms: float | None, people: int = 100_000) -> dict[str, float]:
    p = per_participant(measured, kind)
    invocations = p["api_requests"] * people
    memory = function_memory()
    gb = memory["RegisterFunction"] / 1024  # the cold starts are mostly the register function's
    steps = [s for s in dict.fromkeys(FLOW) if kind == "new" or s not in REGISTRATION_ONLY]
    gb_s = 0.0
    for step in steps:
        mb = memory[step_functions()[step]]
        scrypt = measured.scrypt_ms * cpu_slowdown(mb) * SCRYPT_STEPS.get(step, 0)
        seconds = (warm_ms_of(measured, step, warm_ms) + scrypt) / 1000
        calls = measured.http.get(step, 0)
        paced = min(calls, measured.paced.get(step, 0))
        held = paced * max(seconds, response_floor_s()) + (calls - paced) * seconds
        gb_s += held / measured.participants * mb / 1024
    lines = {
        "Lambda requests": invocations * PRICE["lambda_request"],
        "Lambda GB-s (warm, scrypt included)": gb_s * people * PRICE["lambda_gb_s_arm64"],
        "Lambda init (cold starts)": COLD_STARTS_PER_100K
        * people
        / 100_000
        * COLD_START_INIT_S
        * gb
        * PRICE["lambda_gb_s_arm64"],
        "DynamoDB writes (WRU)": p["wru"] * people * PRICE["dynamodb_wru"],
        "DynamoDB reads (RRU)": p["rru"] * people * PRICE["dynamodb_rru"],
        "DynamoDB content refresh (per week)": CONTENT_RELOADS_PER_WEEK * content_rru(measured) * PRICE["dynamodb_rru"],
        "S3 (close puts, origin gets)": measured.close_s3_puts * PRICE["s3_put"] + people * 2 * PRICE["s3_get"],
        "Secrets Manager (cold starts)": COLD_STARTS_PER_100K * PRICE["secrets_api_call"],
        "CloudFront to the function URLs": invocations
        * ORIGIN_BYTES_PER_REQUEST
        / 1e9
        * PRICE["cloudfront_gb_to_origin"],
        "CloudFront requests (API + static)": (invocations + p["static_requests"] * people)
        * PRICE["cloudfront_https_request"],
    }
    lines["CloudFront bytes (excluded from the goal)"] = p["static_bytes"] * people / 1e9 * PRICE["cloudfront_gb_out"]
    return lines


def report(measured: Measured, warm_ms: float | None, award: Measured) -> None:
    warm_label = (
        f"{warm_ms:g} ms flat per invocation"
        if warm_ms is not None
        else f"{LAMBDA_BASE_MS:g} ms + {DYNAMODB_CALL_MS:g} ms per DynamoDB call "
        f"({DYNAMODB_TRANSACTION_MS:g} per transaction)"
    )
    n = measured.participants
    out = sys.stdout.write
    out(f"Measured on moto with the real handlers: {n} participants, then close_week.\n\n")
    out(f"{'step':<26}{'HTTP/part.':>11}{'DDB calls':>10}{'RRU':>8}{'WRU':>8}{'local ms':>10}{'billed ms':>10}"
        "  operations\n")  # fmt: skip
    for name in [*dict.fromkeys(FLOW), "close"]:
        usage = measured.steps.get(name, Usage())
        calls = usage.calls / n
        per = 1 if name == "close" else n
        ops = ", ".join(f"{k} {v / per:g}" for k, v in sorted(usage.operations.items()))
        if usage.index_wru:
            ops += f"; {usage.index_wru / per:g} of the WRU on indexes"
        http = measured.http.get(name, 0) / n
        if name == "close":
            rru_fixed, wru_fixed = close_fixed_units(measured)
            out(
                f"{'close (per participant)':<26}{0:>11g}{'':>10}"
                f"{close_rru_per_participant(measured):>8.3f}{0:>8.2f}"
                f"{'':>10}  standings streamed: {usage.query_bytes / n:.0f} bytes each\n"
            )
            out(
                f"{'close (fixed, per week)':<26}{0:>11g}{usage.calls:>10d}{rru_fixed:>8.1f}{wru_fixed:>8.1f}"
                f"{measured.local_ms.get(name, 0):>10.1f}  {ops.replace(' 0.', ' ').replace('/', '')}\n"
            )
            continue
        out(f"{name:<26}{http:>11g}{calls:>10.2f}{usage.rru / n:>8.2f}{usage.wru / n:>8.2f}"
            f"{measured.local_ms.get(name, 0):>10.1f}{warm_ms_of(measured, name, warm_ms):>10.1f}"
            f"  {ops}\n")  # fmt: skip
    memory = function_memory()
    out(
        f"scrypt password check: {measured.scrypt_ms:.0f} ms on one core here; "
        "register and login each run one, "
        f"x{cpu_slowdown(memory['RegisterFunction']):.2f} slower at the register function's "
        f"{memory['RegisterFunction']} MB\n"
    )
    out(
        f"content load (cold start, then every 60 s while serving): {content_rru(measured):g} RRU "
        f"({measured.bundle_bytes / 1024:.0f} KB of JSON, stored compressed)\n"
    )
    for source, kind in ((measured, "new"), (award, "new"), (measured, "returning")):
        p = per_participant(source, kind)
        lines = price(source, kind, warm_ms)
        goal = sum(v for k, v in lines.items() if not k.startswith("CloudFront bytes"))
        no_cdn = sum(v for k, v in lines.items() if not k.startswith("CloudFront"))
        who = f"{kind} participants, {source.mode}" if kind == "new" else f"{kind} participants (both modes)"
        out(f"\nPer 100,000 participant-weeks, {who} ({p['api_requests']:g} API calls, "
            f"{p['static_requests']} static requests, {p['rru']:.2f} RRU + {p['wru']:.2f} WRU each; "
            f"Lambda arm64 at the template's memory, {warm_label} + scrypt):\n")  # fmt: skip
        for label, value in lines.items():
            out(f"  {label:<44}${value:8.2f}\n")
        out(f"  {'TOTAL excluding CDN bytes':<44}${goal:8.2f}\n")
        out(f"  {'  of which without CloudFront at all':<44}${no_cdn:8.2f}\n")
        if p["sms"]:
            sms = p["sms"] * 100_000 * SMS_PER_MESSAGE_ASSUMED
            out(
                f"  + SMS codes, {p['sms']:g} per registration (measured) "
                f"at ${SMS_PER_MESSAGE_ASSUMED}/SMS: ${sms:,.0f}\n"
            )
    all_in(measured, award, warm_ms)
    count = alarm_count()
    alarms = count * PRICE["alarm_month"]
    fixed = PRICE["secret_month"] + alarms
    out(
        f"\nFixed per month: secret ${PRICE['secret_month']:.2f} + {count} alarms ${alarms:.2f}"
        f" = ${fixed:.2f};"
        " optional WAF ≈ $5 web ACL + $1 per rule + $0.60 per million requests.\n"
    )
    out(
        "Free tiers not counted: Lambda 1 M requests + 400,000 GB-s a month, "
        "CloudFront 10 M requests + 1 TB a month"
        " (always free) would absorb most of one 100k-participant week.\n"
    )


def aws_part(measured: Measured, kind: str, warm_ms: float | None, skip: frozenset[str] = frozenset()) -> float:
    """AWS cost per 100,000 participant-weeks excluding CDN bytes (the goal's scope); `skip`: steps a mode
    does not make (at_award: no verify at registration)."""
    lines = price(measured, kind, warm_ms)
    total = sum(v for k, v in lines.items() if not k.startswith("CloudFront bytes"))
    n = measured.participants
    for name in skip:  # a step's requests and units, priced like price() does
        calls = measured.http.get(name, 0) / n * 100_000
        usage = measured.steps.get(name, Usage())
        total -= calls * (PRICE["lambda_request"] + PRICE["cloudfront_https_request"] + ORIGIN_REQUEST_GB)
        total -= (usage.wru * PRICE["dynamodb_wru"] + usage.rru * PRICE["dynamodb_rru"]) / n * 100_000
    return total


def reset_aws(measured: Measured, people: int) -> float:
    """AWS cost of `people` password resets (challenge + reset + confirm; scrypt at the register function)."""
    names = ("reset challenge", "reset", "reset confirm")
    done = max(1, measured.http.get("reset", 0))
    calls = sum(measured.http.get(n, 0) for n in names) / done
    wru = sum(measured.steps.get(n, Usage()).wru for n in names) / done
    rru = sum(measured.steps.get(n, Usage()).rru for n in names) / done
    per = calls * (PRICE["lambda_request"] + PRICE["cloudfront_https_request"] + ORIGIN_REQUEST_GB)
    per += wru * PRICE["dynamodb_wru"] + rru * PRICE["dynamodb_rru"]
    gb = function_memory()["RegisterFunction"] / 1024
    per += (
        measured.scrypt_ms
        * cpu_slowdown(function_memory()["RegisterFunction"])
        / 1000
        * gb
        * PRICE["lambda_gb_s_arm64"]
    )
    per += response_floor_s() * gb * PRICE["lambda_gb_s_arm64"]  # the reset request waits for the floor
    return per * people


def all_in(measured: Measured, award: Measured, warm_ms: float | None) -> None:
    """Both verification modes x both channels, per 100,000 participant-weeks, messages included: `measured`
    is the simulated week in at_registration mode, `award` the same week in at_award mode."""
    out = sys.stdout.write
    people = 100_000
    registrations = people / CONTEST_WEEKS  # each participant registers once in a contest of CONTEST_WEEKS weeks
    per_registration = measured.codes_sent.get("register", 0) / measured.participants
    per_reset = measured.codes_sent.get("reset", 0) / max(1, measured.http.get("reset", 0))
    resets = people * RESETS_PER_PARTICIPANT_WEEK
    returning = aws_part(measured, "returning", warm_ms) * (people - registrations) / people
    modes = {
        "at_registration": (
            aws_part(measured, "new", warm_ms) * registrations / people,
            registrations * per_registration,
        ),
        "at_award": (
            aws_part(award, "new", warm_ms) * registrations / people,
            float(award.award_codes_per_week),
        ),
    }
    out(
        f"\nAll-in per {people:,} participant-weeks, messages included. A contest of {CONTEST_WEEKS} weeks: each "
        f"participant registers once ({registrations:,.0f} new + {people - registrations:,.0f} returning "
        f"participant-weeks). Measured: {per_registration:g} code(s) sent per registration (at_registration), "
        f"{per_reset:g} per password reset; at_award: {award.codes_sent.get('register', 0)} code(s) at registration "
        f"and {award.award_codes_per_week} award codes sent by the close of the simulated week (weekly prize "
        f"winners + {award.boundary_tie_members} boundary tie member(s)). ASSUMED: "
        f"{RESETS_PER_PARTICIPANT_WEEK:.0%} of participants reset their password each week ({resets:,.0f} messages).\n"
    )
    out(f"  {'mode':<17}{'channel':<9}{'messages':>10}{'SMS $':>10}{'AWS $ (no CDN bytes)':>22}{'ALL-IN $':>11}\n")
    for mode, (new_aws, codes) in modes.items():
        aws = new_aws + returning + reset_aws(measured, int(resets))
        messages = codes + resets * per_reset
        for channel, unit in SMS_CHANNEL_PRICE.items():
            sms = messages * unit
            out(f"  {mode:<17}{channel:<9}{messages:>10,.0f}{sms:>10,.2f}{aws:>22,.2f}{aws + sms:>11,.2f}\n")
    out(
        "  Goal: <= $100 all-in in at_award mode at SNS prices, and the AWS part <= $3. The SMS column is "
        "dominated by password resets in at_award mode (an assumed rate) and by one code per registration in "
        f"at_registration mode; prices: SNS ${SMS_CHANNEL_PRICE['sns']}, brandname gateway "
        f"${SMS_CHANNEL_PRICE['gateway']} (estimates, docs/deploy.md).\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--warm-ms", type=float, default=None, help="flat billed ms per invocation (default: per call)")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    global SITE
    SITE = built_site()
    report(measure(args.participants), args.warm_ms, measure(args.participants, "at_award"))


if __name__ == "__main__":
    main()
