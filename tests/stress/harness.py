"""What the stress, security and fuzz checks share: a local stack on a test copy of content/, an HTTP
client, contestants seeded straight into the table, faults in the DynamoDB call path, and log capture.

Nothing here changes the product: the stack, its handlers and moto run as `make dev` runs them. The
faults are injected where a real network fails (botocore's `before-send`, once per HTTP attempt), so
botocore's own retries (PynamoDB's configuration) and our idempotent writes are what is under test.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import re
import shutil
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.support import CONTENT as TEST_CONTENT
from tests.support import PROOF_PATHS, TEST_SMS_CHANGES, apply_changes, solve_proof

REPO = Path(__file__).resolve().parents[2]
OPTION_IDS = ("A", "B", "C", "D")


# --------------------------------------------------------------------------- content and stack


def synthetic_bank(weeks: int, per_week: int, document: str = "qd-505-qd-ttg-2022") -> dict[str, Any]:
    """A generated bank (the tests know nothing of the real questions). Correct option varies per question."""
    questions = []
    n = 0
    for week in range(1, weeks + 1):
        for _ in range(per_week):
            n += 1
            correct = OPTION_IDS[(n * 7 + week) % 4]
            questions.append(
                {
                    "id": f"st-{n:03d}",
                    "text": f"Câu hỏi kiểm thử số {n} về chuyển đổi số (tuần {week})?",
                    "options": {k: f"Phương án {k} của câu {n}" for k in OPTION_IDS},
                    "correct": correct,
                    "difficulty": "easy",
                    "weeks": [week],
                    "source": {"document": document, "ref": "Điều 1", "fact": "1"},
                }
            )
    return {"questions": questions}


def make_root(tmp: Path, *, per_week: int | None = None, contest_changes: dict[str, Any] | None = None) -> Path:
    """A repository-shaped folder: content/ copied (a generated bank instead of the real questions,
    `contest_changes` applied as dotted keys), functions/ linked to the real handlers."""
    root = tmp / "repo"
    shutil.copytree(TEST_CONTENT, root / "content", ignore=shutil.ignore_patterns("questions"))
    (root / "functions").symlink_to(REPO / "functions")
    contest_path = root / "content" / "contest.yaml"
    contest = yaml.safe_load(contest_path.read_text(encoding="utf-8"))
    # Tests are written for the code-at-registration journey unless they ask for another mode.
    pinned = {"registration.verification": "at_registration", **TEST_SMS_CHANGES}
    apply_changes(contest, {**pinned, **(contest_changes or {})})
    contest_path.write_text(yaml.safe_dump(contest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    per_week = per_week or 2 * int(contest["quiz"]["questions_per_attempt"])
    (root / "content" / "questions").mkdir()
    document = sorted((root / "content" / "documents").glob("*.md"))[0].stem  # one the contest under test has
    (root / "content" / "questions" / "stress.yaml").write_text(
        yaml.safe_dump(synthetic_bank(len(contest["weeks"]), per_week, document), allow_unicode=True),
        encoding="utf-8",
    )
    return root


def correct_texts(root: Path) -> dict[str, str]:
    """question id -> text of its right option (what the simulator knows; the API never says it)."""
    data = yaml.safe_load((root / "content" / "questions" / "stress.yaml").read_text(encoding="utf-8"))
    return {q["id"]: q["options"][q["correct"]] for q in data["questions"]}


def reset_emulator() -> None:
    """moto keeps its state per process, not per server: a new stack would find the last one's table."""
    from moto.core.base_backend import BackendDict

    BackendDict.reset()


@contextmanager
def running_stack(root: Path, clock: Any, **kw: Any):
    from contest.local.stack import LocalStack

    kw.setdefault("site_dir", root / "site-build")
    kw.setdefault("schedule", False)
    reset_emulator()
    try:
        with LocalStack(root, clock=clock, dev_dir=root / ".dev", **kw) as s:
            yield s
    finally:
        reset_emulator()


# --------------------------------------------------------------------------- HTTP


@dataclass
class Reply:
    status: int
    body: Any
    raw: bytes
    headers: dict[str, str]
    seconds: float


class Client:
    """A small keep-alive HTTP client (one connection per thread) for the local stack."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        assert self.host == "127.0.0.1"
        self.timeout = timeout
        self._local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        proof: bool = True,
    ) -> Reply:
        sent = dict(headers or {})
        if proof and method == "POST" and path in PROOF_PATHS and "x-altcha" not in {k.lower() for k in sent}:
            sent["x-altcha"] = self.proof()
        data = raw
        if data is None and body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
        if data is not None:
            sent.setdefault("content-type", "application/json")
        if method in ("POST", "PUT", "PATCH"):  # the payload hash CloudFront signs (origin access control)
            sent.setdefault("x-amz-content-sha256", hashlib.sha256(data or b"").hexdigest())
        if token:
            sent["x-contest-session"] = token
        for attempt in range(2):  # a keep-alive connection the server closed: reconnect once
            conn = self._conn()
            started = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=sent)
                response = conn.getresponse()
                payload = response.read()
            except (http.client.HTTPException, ConnectionError, OSError):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.getheader("connection", "").lower() == "close":
                conn.close()
                self._local.conn = None
            try:
                parsed = json.loads(payload) if payload else None
            except ValueError:
                parsed = None
            return Reply(response.status, parsed, payload, {k.lower(): v for k, v in response.getheaders()}, elapsed)
        raise AssertionError("unreachable")

    def proof(self) -> str:
        """A freshly issued and solved proof-of-work challenge, for the X-Altcha header."""
        challenge = self.request("GET", "/api/challenge")
        assert challenge.status == 200, challenge.body
        return solve_proof(challenge.body)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, body, **kw)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)


# --------------------------------------------------------------------------- contestants


@dataclass(frozen=True)
class Seeded:
    account_id: str
    phone: str  # E.164
    name: str
    unit_id: str
    session: str


def seed_contestants(stack: Any, n: int, *, first: int = 0, verified: bool = True) -> list[Seeded]:
    """n verified accounts written as registration writes them (batch writes: scrypt and moto's
    transaction cost are not what this measures), each with a session signed by the stack's secret."""
    from contest.rules import tokens
    from contest.rules.passwords import hash_password
    from contest.store.keys import PROFILE, account_pk, phone_pk
    from contest.store.tables import AccountItem, PhoneItem

    secret = stack.functions["quiz"].runtime.secret
    units = [
        u["id"] for u in yaml.safe_load((stack.root / "content" / "units.yaml").read_text(encoding="utf-8"))["units"]
    ]
    password_hash = hash_password("mat-khau-123")
    now = int(stack.clock.now().timestamp())
    out: list[Seeded] = []
    with AccountItem.batch_write() as accounts, PhoneItem.batch_write() as claims:
        for i in range(first, first + n):
            account_id = f"stress-{i:05d}"
            phone = f"+8491{2_000_000 + i:07d}"
            name = f"Người Thử {i}"
            unit = units[i % len(units)]
            accounts.save(
                AccountItem(
                    pk=account_pk(account_id),
                    sk=PROFILE,
                    account_id=account_id,
                    phone=phone,
                    full_name=name,
                    unit_id=unit,
                    password_hash=password_hash,
                    verified=verified,
                    excluded=False,
                    created_at_ms=now * 1000,
                    consent_at_ms=now * 1000,
                    consent_version="2023-10-01",
                    password_version=1,
                )
            )
            claims.save(PhoneItem(pk=phone_pk(phone), sk="CLAIM", account_id=account_id))
            session = tokens.sign(
                {"kind": "session", "sub": account_id, "ver": 1, "iat": now, "exp": now + 12 * 3600}, secret
            )
            out.append(Seeded(account_id, phone, name, unit, session))
    return out


def answers_for(quiz: dict[str, Any], right_text: dict[str, str], correct: int) -> dict[str, str]:
    """Answer the first `correct` questions right and the rest wrong (by the displayed option ids)."""
    out = {}
    for k, q in enumerate(quiz["questions"]):
        right = next(o["id"] for o in q["options"] if o["text"] == right_text[q["id"]])
        wrong = next(o["id"] for o in q["options"] if o["id"] != right)
        out[q["id"]] = right if k < correct else wrong
    return out


# --------------------------------------------------------------------------- faults


WRITES = ("TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem")


@dataclass
class Faults:
    """Faults in the DynamoDB call path, decided by a seeded hash of (seed, operation, request body,
    how many times that body was sent), so a seed is reproducible whatever the thread interleaving.

    - `before`: the request never reaches DynamoDB (connection reset): nothing is written.
    - `lost`: the request is sent and committed, then the response is lost (read timeout).
    Both are what botocore sees from a real network; it retries them (standard mode, PynamoDB's budget).
    """

    seed: int
    before: float = 0.10
    lost: float = 0.05
    operations: tuple[str, ...] = ("Query", "GetItem", *WRITES)
    injected: Counter = field(default_factory=Counter)
    calls: Counter = field(default_factory=Counter)
    _sent: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _draw(self, op: str, body: bytes) -> float:
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            n = self._sent[(op, digest)]
            self._sent[(op, digest)] += 1
        h = hashlib.sha256(f"{self.seed}|{op}|{digest}|{n}".encode()).digest()
        return int.from_bytes(h[:8], "big") / 2**64

    def hook(self, client: Any):
        from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

        def before_send(request: Any, **kw: Any) -> Any:
            op = kw.get("event_name", "").rsplit(".", 1)[-1]
            if op not in self.operations:
                return None
            body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
            x = self._draw(op, body)
            with self._lock:
                self.calls[op] += 1
            if x < self.before:
                with self._lock:
                    self.injected[f"before:{op}"] += 1
                raise ConnectionClosedError(endpoint_url=request.url)
            if op in WRITES and x < self.before + self.lost:
                client._endpoint.http_session.send(request)  # DynamoDB commits it...
                with self._lock:
                    self.injected[f"lost:{op}"] += 1
                raise ReadTimeoutError(endpoint_url=request.url)  # ...and the answer never arrives
            return None

        return before_send

    @contextmanager
    def active(self, environments: int = 1):
        """Inject faults; `environments`: how many Lambda environments the shared client stands for.

        botocore's standard retry mode keeps a retry quota per client (500 tokens, 14 per retry, given back
        on success): a circuit breaker. On Lambda every concurrent request has its own environment, client
        and quota; the local stack serves all of them from one process and one client. Giving that client
        `environments` × 500 tokens models Lambda; with 1, a burst of faults across 400 simultaneous
        requests empties one quota and every later fault becomes a 5xx (seen: 52 in one run).
        """
        from contest.store.tables import TableSchema

        client = TableSchema._get_connection().connection.client
        quota = retry_quota(client)
        saved = (quota._max_capacity, quota._available_capacity) if quota else None
        if quota is not None:
            quota._max_capacity = quota._available_capacity = 500 * environments
        handler = self.hook(client)
        client.meta.events.register("before-send.dynamodb", handler, unique_id=f"stress-faults-{id(self)}")
        try:
            yield self
        finally:
            client.meta.events.unregister("before-send.dynamodb", unique_id=f"stress-faults-{id(self)}")
            if quota is not None and saved is not None:
                quota._max_capacity, quota._available_capacity = saved

    @property
    def total(self) -> int:
        return sum(self.injected.values())


def retry_quota(client: Any) -> Any:
    """The retry quota (token bucket) botocore's standard retry mode attached to a client, if any."""
    for handler in client.meta.events._emitter._handlers.prefix_search("after-call.dynamodb.Query"):
        owner = getattr(handler, "__self__", None)
        if owner is not None and hasattr(owner, "_quota"):
            return owner._quota
    return None


# --------------------------------------------------------------------------- logs


class Capture(logging.Handler):
    """Every log record of the handlers (Powertools' logger 'contest', botocore, the root), formatted
    with its extra fields, as a Lambda's CloudWatch stream would hold it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        line = f"{record.name} {record.levelname} {text} {extra!r}"
        if record.exc_info:
            line += " " + logging.Formatter().formatException(record.exc_info)
        with self._lock2:
            self.lines.append(line)

    @property
    def text(self) -> str:
        with self._lock2:
            return "\n".join(self.lines)


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


@contextmanager
def captured_logs(level: int = logging.INFO):
    """Capture at INFO (more than the stack's WARNING) so the privacy scan sees everything logged."""
    from contest.adapters.observability import logger

    capture = Capture()
    targets = [logging.getLogger(), logging.getLogger("contest"), logger._logger]
    saved = [(t, t.level) for t in targets]
    for t in targets:
        if capture not in t.handlers:
            t.addHandler(capture)
    logger.setLevel(level)
    try:
        yield capture
    finally:
        for t, lvl in saved:
            t.removeHandler(capture)
            t.setLevel(lvl)


def phone_spellings(e164: str) -> list[str]:
    national = e164[3:]
    return [e164, e164[1:], "0" + national, national, f"0{national[:2]} {national[2:5]} {national[5:]}"]


def secrets_in(text: str, *, phones: list[str], codes: list[str], tokens: list[str]) -> list[str]:
    """Every secret (any phone spelling, code, token or token payload, password hash) found in text."""
    found = []
    for phone in phones:
        found += [f"phone {p}" for p in phone_spellings(phone) if p in text]
    found += [f"code {c}" for c in codes if re.search(rf"(?<!\d){c}(?!\d)", text)]
    for token in tokens:
        found += [f"token …{token[-6:]}" for part in (token, token.split(".")[1], token.split(".")[2]) if part in text]
    if "scrypt$" in text:
        found.append("password hash scrypt$")
    return found


def stamp() -> str:
    return datetime.now().strftime("%H:%M:%S")
