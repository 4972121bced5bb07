"""The local stack: the same Lambda handlers, on a laptop, with one command.

- an embedded moto server on 127.0.0.1 (DynamoDB, S3, SNS) holding the table made from store/tables.py;
- the content of content/ loaded into it, exactly as `contest content load` does on AWS;
- an HTTP server that does what CloudFront and the function URLs do on AWS (infra/template.yaml): refuses a body
  whose x-amz-content-sha256 is missing or wrong (origin access control signs the payload hash), replaces the
  viewer's Authorization with a signature, adds the origin and viewer-address headers, and turns the request into
  a function URL event (payload 2.0) for the real handler;
- the built site and the published results served on the same origin;
- the close schedule: close_week is invoked when the (local) clock passes a week's results time.

`.dev/stack.json` tells other commands (the `contest` CLI) where the running stack is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import logging
import mimetypes
import os
import re
import secrets
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

from contest.rules.clock import Clock
from contest.rules.perimeter import ORIGIN_HEADER, VIEWER_ADDRESS_HEADER, viewer_address_header

REGION = "ap-southeast-1"
TABLE = "contest-local"
STATE_DIR = "state"
TABLE_DUMP = "dynamodb.json"
CLOCK_STATE = "clock.json"
CLOCK_REQUEST = "clock-request.json"


def _b64(data: Any) -> str:
    return base64.b64encode(data).decode("ascii")


def _attribute(value: dict[str, Any], binary: Callable[[Any], Any]) -> dict[str, Any]:
    """A DynamoDB-JSON attribute value with its binary parts passed through `binary` (base64 in the dump)."""
    kind, inner = next(iter(value.items()))
    if kind == "B":
        return {"B": binary(inner)}
    if kind == "BS":
        return {"BS": [binary(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _attribute(v, binary) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_attribute(v, binary) for v in inner]}
    return value


class RehearsalClock:
    """The local stack's clock: runs forward in real time from `start`, and can be moved while running
    (`contest dev clock`). Local only: nothing deployed builds one."""

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._offset = start.timestamp() - time.time()

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.fromtimestamp(time.time() + offset, UTC)

    def set(self, at: datetime) -> None:
        with self._lock:
            self._offset = at.timestamp() - time.time()


def request_clock(dev_dir: Path, at: datetime, wait_seconds: float = 15.0) -> dict[str, Any] | None:
    """Ask the running stack to move its clock to `at`; returns the updated stack marker once it has, None on
    timeout. (A file, not an HTTP route: nothing a browser can reach moves the clock.)"""
    request_id = uuid.uuid4().hex
    target = dev_dir / CLOCK_REQUEST
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({"id": request_id, "at": at.isoformat()}), encoding="utf-8")
    temporary.replace(target)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            marker = json.loads((dev_dir / "stack.json").read_text())
        except (OSError, ValueError):
            marker = {}
        if marker.get("clock_request") == request_id:
            return dict(marker)
        time.sleep(0.1)
    return None


MAX_REQUEST_BYTES = 1024 * 1024
BODY_TIMEOUT = 30.0  # seconds a client may take to send the body it announced
_CONTENT_LENGTH = re.compile(r"[0-9]{1,10}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when the stack could listen on 127.0.0.1:port now. The check binds the way the server does
    (SO_REUSEADDR): connections of a stopped server lingering in TIME_WAIT must not make the port look taken,
    or `make dev` refuses to restart for a minute after Ctrl-C."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def dev_secret(dev_dir: Path, name: str = "secret") -> str:
    """A local secret, generated once into .dev/<name> (never committed): `secret` signs tokens, `receipt-key` is
    the receipts' Ed25519 key (a separate secret). Readable by its owner only from the first byte on (created
    0600, not chmod-ed after the fact; an older, looser file is tightened)."""
    path = dev_dir / name
    dev_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        path.chmod(0o600)
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class BadRequestFraming(Exception):
    """A request the adapter refuses before any handler sees it (answered as a 4xx JSON body)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def request_body(request: BaseHTTPRequestHandler) -> bytes:
    """The request's body, framed by one well-formed Content-Length, as API Gateway would accept it.

    Refused: any Transfer-Encoding (a chunked body is answered 411 Length Required: this adapter does not
    decode it, and guessing where the body ends is how requests get smuggled), a Content-Length that is not
    a plain decimal number (`-1`, `abc`, `1e3`) or given twice with different values, and a body larger than
    MAX_REQUEST_BYTES (413; up to 16 MB of it is read and dropped so the client sees the answer). Nothing here
    waits for bytes beyond the announced length.
    """
    if request.headers.get_all("transfer-encoding"):
        encoding = ",".join(request.headers.get_all("transfer-encoding") or []).strip().lower()
        if encoding == "chunked":
            raise BadRequestFraming(
                411, "LENGTH_REQUIRED", "Yêu cầu phải có Content-Length (không hỗ trợ gửi theo từng khối)."
            )
        raise BadRequestFraming(400, "BAD_REQUEST", "Yêu cầu không hợp lệ (Transfer-Encoding không được hỗ trợ).")
    lengths = {value.strip() for value in request.headers.get_all("content-length") or []}
    if not lengths:
        return b""
    if len(lengths) != 1 or not _CONTENT_LENGTH.fullmatch(next(iter(lengths))):
        raise BadRequestFraming(400, "BAD_REQUEST", "Yêu cầu không hợp lệ (Content-Length sai).")
    length = int(next(iter(lengths)))
    if length > MAX_REQUEST_BYTES:
        # read (and drop) a moderately large body so the client gets to read the 413 instead of a broken pipe
        left = length if length <= 16 * MAX_REQUEST_BYTES else 0
        while left > 0 and (chunk := request.rfile.read(min(left, 64 * 1024))):
            left -= len(chunk)
        raise BadRequestFraming(413, "PAYLOAD_TOO_LARGE", "Nội dung gửi lên quá lớn.")
    if not length:
        return b""
    # a client announcing more than it sends must not hold this thread: BODY_TIMEOUT seconds, then 400
    request.connection.settimeout(BODY_TIMEOUT)
    try:
        body = request.rfile.read(length)
    except TimeoutError:
        body = b""
    finally:
        request.connection.settimeout(None)
    if len(body) != length:
        raise BadRequestFraming(400, "BAD_REQUEST", "Yêu cầu không hợp lệ (nội dung ngắn hơn Content-Length).")
    return body


class _Context:
    """The bits of a LambdaContext the handlers (Powertools Logger) read."""

    function_name = "local"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:000000000000:function:local"
    memory_limit_in_mb = 256

    def __init__(self) -> None:
        self.aws_request_id = uuid.uuid4().hex

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def load_function(path: Path, name: str, **collaborators: Any) -> ModuleType:
    """Import a function's app.py as Lambda would. With `collaborators` (`clock`, `sender`, `pace`, and `wall` for
    the close), its runtime is then built again by the same builder with those in place of the ones its settings
    imply: the local stack's rehearsal clock, the tests' fixed clock and in-memory sender. A runtime takes the
    ones it has (functions/info only a clock)."""
    spec = importlib.util.spec_from_file_location(f"contest_local_fn_{name}_{uuid.uuid4().hex[:8]}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if collaborators and getattr(module, "runtime", None) is not None:
        vars(module)["runtime"] = _rebuilt(vars(module)["runtime"], collaborators)
    return module


def _rebuilt(runtime: Any, collaborators: dict[str, Any]) -> Any:
    from contest.api.runtime import PublicRuntime, Runtime, build_public_runtime, build_runtime

    def taking(*names: str) -> dict[str, Any]:
        return {name: collaborators[name] for name in names if name in collaborators}

    if isinstance(runtime, Runtime):
        return build_runtime(runtime.settings, **taking("clock", "sender", "pace"))
    if isinstance(runtime, PublicRuntime):
        return build_public_runtime(runtime.settings, **taking("clock"))
    from contest.close.runtime import CloseRuntime, build_close_runtime

    assert isinstance(runtime, CloseRuntime), type(runtime)
    return build_close_runtime(**taking("clock", "wall", "sender"))


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return [(name, value) for name, _, value in (p.partition("=") for p in query.split("&") if p)]


SIGNED_METHODS = ("POST", "PUT", "PATCH")  # requests with a payload CloudFront must sign the hash of
PAYLOAD_HASH_HEADER = "x-amz-content-sha256"
URL_ID = "contestlocal0000000000000000000"  # a function URL's id: 32 characters
FUNCTION_URL_DOMAIN = f"{URL_ID}.lambda-url.{REGION}.on.aws"


def payload_signed(method: str, headers: dict[str, str], body: bytes) -> bool:
    """What Lambda checks behind CloudFront's origin access control: a POST, PUT or PATCH carries
    x-amz-content-sha256 = the hex SHA-256 of its body (the browser computes it; Lambda accepts no unsigned
    payload), so CloudFront's SigV4 signature covers the body. Other methods carry no payload to sign."""
    if method not in SIGNED_METHODS:
        return True
    presented = headers.get(PAYLOAD_HASH_HEADER, "").strip().lower()
    return hmac.compare_digest(presented.encode(), hashlib.sha256(body).hexdigest().encode())


def signature_header(now: datetime) -> str:
    """Stands for the SigV4 Authorization header CloudFront writes over the viewer's (never a real signature)."""
    day = now.strftime("%Y%m%d")
    return (
        f"AWS4-HMAC-SHA256 Credential=ASIALOCALSTACKLOCAL/{day}/{REGION}/lambda/aws4_request, "
        f"SignedHeaders=host;{PAYLOAD_HASH_HEADER};x-amz-date, Signature={'0' * 64}"
    )


def api_event(
    method: str, path: str, query: str, headers: dict[str, str], body: bytes, source_ip: str
) -> dict[str, Any]:
    """A Lambda function URL event (payload 2.0: routeKey and stage are "$default", no route matching), as the
    function receives CloudFront's signed request."""
    now = datetime.now(UTC)
    text_types = ("application/json", "text/")
    content_type = headers.get("content-type", "")
    is_text = not body or any(content_type.startswith(t) for t in text_types)
    try:
        body_text = body.decode("utf-8") if is_text else None
    except UnicodeDecodeError:
        body_text = None
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": URL_ID,
            "authorizer": {
                "iam": {
                    "accessKey": "ASIALOCALSTACKLOCAL",
                    "accountId": "000000000000",
                    "callerId": "AROALOCALSTACKLOCAL:OriginAccessSession",
                    "cognitoIdentity": None,
                    "principalOrgId": None,
                    "userArn": "arn:aws:sts::000000000000:assumed-role/OriginAccessControlRole/OriginAccessSession",
                    "userId": "AROALOCALSTACKLOCAL:OriginAccessSession",
                }
            },
            "domainName": FUNCTION_URL_DOMAIN,
            "domainPrefix": URL_ID,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": body_text is None,
    }
    if query:  # a function URL leaves out what a request does not have
        event["queryStringParameters"] = dict(_query_pairs(query))
    if body:
        event["body"] = body_text if body_text is not None else base64.b64encode(body).decode()
    return event


class LocalStack:
    """Start with `with LocalStack(root) as stack:`; `stack.base_url` is the contest's origin."""

    def __init__(
        self,
        root: Path,
        *,
        port: int = 0,
        clock: Clock | None = None,
        clock_start: datetime | None = None,
        dev_dir: Path | None = None,
        site_dir: Path | None = None,
        schedule: bool = True,
        quiet: bool = True,
        persist: bool = False,
        reset: bool = False,
    ) -> None:
        self.root = root.resolve()
        self.port = port
        self.dev_dir = (dev_dir or self.root / ".dev").resolve()
        self.site_dir = (site_dir or self.root / "build" / "site").resolve()
        self.outbox_path = self.dev_dir / "outbox.jsonl"
        self.public_dir = self.dev_dir / "public"
        self.private_dir = self.dev_dir / "private"
        self.state_dir = self.dev_dir / STATE_DIR
        self.persist = persist
        self.reset = reset
        if clock is None and persist and not reset and clock_start is None:
            clock_start = self._saved_clock()  # a rehearsal resumes where it stopped
        self.clock_start = clock_start
        self.clock: Clock = clock or (RehearsalClock(clock_start) if clock_start else RehearsalClock(datetime.now(UTC)))
        self._last_clock_request = ""
        self.restored_items = 0
        self.schedule = schedule
        self.quiet = quiet
        self.functions: dict[str, ModuleType] = {}
        self.routes: dict[tuple[str, str], ModuleType] = {}
        self.closed_weeks: set[int] = set()
        self._saved_env: dict[str, str | None] = {}
        self._moto: Any = None
        self._http: ThreadingHTTPServer | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.base_url = ""
        self.moto_url = ""
        # What CloudFront's origin header is on AWS: the adapter adds it to every API request (and drops any
        # value a client sent), so the handlers' perimeter check runs locally exactly as behind CloudFront.
        self.origin_secret = secrets.token_urlsafe(32)

    # --- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        from contest.local.emulator import make_dynamodb_atomic, make_router_state_per_thread

        make_dynamodb_atomic()
        make_router_state_per_thread()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.dev_dir.mkdir(parents=True, exist_ok=True)
        if self.reset:
            self._clear_state()
        moto_port = free_port()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        self._moto.start()
        self.moto_url = f"http://127.0.0.1:{moto_port}"
        if self.persist:  # moto keeps its state per process: a rehearsal's data comes from .dev/state only
            import urllib.request

            urllib.request.urlopen(urllib.request.Request(f"{self.moto_url}/moto-api/reset", method="POST"), timeout=10)  # noqa: S310  # nosec B310  # our moto server, on loopback
        self._set_env(self.environment())
        self._prepare_data()
        self.publish_receipt_key()
        self.publish_empty_index()
        self._load_functions()
        self._serve()
        self._write_marker()
        if self.schedule and "close_week" in self.functions:
            self._spawn(self._scheduler)
        if isinstance(self.clock, RehearsalClock):
            self._spawn(self._clock_requests)

    def publish_receipt_key(self) -> None:
        """results/receipt-key.json: the public key that checks receipts, published with the results."""
        from contest.rules.receipts import ReceiptSigner

        signer = ReceiptSigner(lambda: dev_secret(self.dev_dir, "receipt-key").encode())
        target = self.public_dir / "results" / "receipt-key.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(signer.public_key_document(), ensure_ascii=False, indent=2), encoding="utf-8")

    def publish_empty_index(self) -> None:
        """results/index.json with no week, unless a close already wrote one (as `make publish-site` does)."""
        from contest.rules.publication import canonical_json, empty_results_index

        target = self.public_dir / "results" / "index.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(canonical_json(empty_results_index()))

    def environment(self) -> dict[str, str]:
        env = {
            "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105  # moto dummy credentials, local stack only
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "CONTEST_TABLE": TABLE,
            "CONTEST_SMS_SENDER": "outbox",
            "CONTEST_OUTBOX": str(self.outbox_path),
            "CONTEST_SIGNING_SECRET": dev_secret(self.dev_dir),
            "CONTEST_RECEIPT_KEY": dev_secret(self.dev_dir, "receipt-key"),
            "CONTEST_ORIGIN_SECRET": self.origin_secret,
            "CONTEST_PUBLISH_DIR": str(self.public_dir),
            "CONTEST_PRIVATE_DIR": str(self.private_dir),
            "POWERTOOLS_SERVICE_NAME": "contest",
            "POWERTOOLS_LOG_LEVEL": "WARNING" if self.quiet else "INFO",
        }
        if self.clock_start:
            env["CONTEST_CLOCK"] = self.clock_start.isoformat()
        return env

    def stop(self) -> None:
        self._stop.set()
        if self.persist and self._moto is not None:
            try:
                self.save_state()
            except Exception as exc:
                sys.stderr.write(f"[local] state not saved: {exc!r}\n")
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        marker = self.dev_dir / "stack.json"
        if marker.exists() and json.loads(marker.read_text()).get("pid") == os.getpid():
            marker.unlink()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def _set_env(self, env: dict[str, str]) -> None:
        for name, value in env.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self._threads.append(thread)

    # --- data and functions ----------------------------------------------------------------------

    def _prepare_data(self) -> None:
        from contest.content.loader import bundle_of, load_content
        from contest.store import Store, tables

        tables.configure(TABLE, REGION, self.moto_url)
        tables.create_table()
        if self.persist:
            self.restored_items = self._restore_table()
        Store().bundle.save_bundle(bundle_of(load_content(self.root / "content")))

    # --- persistence across restarts (rehearsals) --------------------------------------------------

    def _client(self) -> Any:
        import boto3

        return boto3.client("dynamodb", region_name=REGION, endpoint_url=self.moto_url)  # local keys: environment()

    def save_state(self) -> int:
        """Dump every item of the table (DynamoDB JSON) and the clock into .dev/state/; returns the item count."""
        items: list[dict[str, Any]] = []
        for page in self._client().get_paginator("scan").paginate(TableName=TABLE):
            items.extend({k: _attribute(v, _b64) for k, v in item.items()} for item in page["Items"])
        self.state_dir.mkdir(parents=True, exist_ok=True)
        for name, data in (
            (TABLE_DUMP, {"table": TABLE, "items": items}),
            (CLOCK_STATE, {"now": self.clock.now().isoformat(), "saved_at": datetime.now(UTC).isoformat()}),
        ):
            target = self.state_dir / name
            temporary = target.with_suffix(".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False)
            temporary.replace(target)
        return len(items)

    def _restore_table(self) -> int:
        dump = self.state_dir / TABLE_DUMP
        if not dump.is_file():
            return 0
        items = [
            {k: _attribute(v, base64.b64decode) for k, v in item.items()}
            for item in json.loads(dump.read_text(encoding="utf-8"))["items"]
        ]
        client = self._client()
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            pending: dict[str, Any] = {TABLE: batch}
            while pending:
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return len(items)

    def _saved_clock(self) -> datetime | None:
        try:
            return datetime.fromisoformat(json.loads((self.state_dir / CLOCK_STATE).read_text())["now"])
        except (OSError, ValueError, KeyError):
            return None

    def _clear_state(self) -> None:
        import shutil

        for folder in (self.state_dir, self.public_dir, self.private_dir):
            shutil.rmtree(folder, ignore_errors=True)
        for name in ("outbox.jsonl", CLOCK_REQUEST):
            (self.dev_dir / name).unlink(missing_ok=True)

    def _clock_requests(self) -> None:
        """`contest dev clock`: move the clock of every function at once, then say so in the marker."""
        request_path = self.dev_dir / CLOCK_REQUEST
        while not self._stop.wait(0.2):
            try:
                request = json.loads(request_path.read_text(encoding="utf-8"))
                at = datetime.fromisoformat(request["at"])
                request_id = str(request["id"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            request_path.unlink(missing_ok=True)
            if at.tzinfo is None or request_id == self._last_clock_request:
                continue
            assert isinstance(self.clock, RehearsalClock)
            self.clock.set(at)
            self._last_clock_request = request_id
            sys.stderr.write(f"[đồng hồ] Đồng hồ diễn tập chuyển tới {at.isoformat()}.\n")
            self._write_marker()
            if self.persist:
                self.save_state()

    def _load_functions(self) -> None:
        for app_path in sorted((self.root / "functions").glob("*/app.py")):
            name = app_path.parent.name
            # one clock for every function of the stack; the close's "server clock" (wall) is the stack's too: a
            # rehearsal of a future contest closes; on AWS it is the system clock, always
            module = load_function(app_path, name, clock=self.clock, wall=self.clock)
            self.functions[name] = module
            resolver = getattr(module, "app", None)
            for route in getattr(resolver, "_static_routes", []) + getattr(resolver, "_dynamic_routes", []):
                self.routes[(route.method, route.path)] = module

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        return self.functions[name].lambda_handler(event, _Context())

    def _write_marker(self) -> None:
        marker = {
            "pid": os.getpid(),
            "base_url": self.base_url,
            "moto_url": self.moto_url,
            "table": TABLE,
            "region": REGION,
            "clock_now": self.clock.now().isoformat(),
            "clock_taken_at": time.time(),
            "publish_dir": str(self.public_dir),
            "private_dir": str(self.private_dir),
            "clock_request": self._last_clock_request,
        }
        temporary = self.dev_dir / "stack.json.tmp"
        temporary.write_text(json.dumps(marker, indent=2))
        temporary.replace(self.dev_dir / "stack.json")

    def _scheduler(self) -> None:
        """EventBridge Scheduler, locally: invoke close_week once each week's results time has come."""
        from contest.content.loader import load_content
        from contest.store import Store

        weeks = load_content(self.root / "content").contest.weeks
        try:  # a restored rehearsal: weeks it closed before stay closed (never rerun by the schedule)
            repo = Store()
            self.closed_weeks |= {w.number for w in weeks if repo.close.week_decisions(w.number).closed is not None}
        except Exception as exc:
            sys.stderr.write(f"[lịch] Không đọc được các tuần đã chốt: {exc!r}\n")
        while not self._stop.wait(1.0):
            now = self.clock.now()
            for week in weeks:
                if week.results_at <= now and week.number not in self.closed_weeks:
                    self.closed_weeks.add(week.number)
                    try:
                        self.invoke("close_week", {"week": week.number})
                        sys.stderr.write(f"[lịch] Đã chốt kết quả tuần {week.number}.\n")
                        if self.persist:
                            self.save_state()
                    except Exception as exc:  # the stack keeps running; the developer sees why
                        sys.stderr.write(f"[lịch] Chốt tuần {week.number} lỗi: {exc!r}\n")

    # --- HTTP ------------------------------------------------------------------------------------

    def _serve(self) -> None:
        stack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "contest-local"
            disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stall)

            def log_message(self, format: str, *args: Any) -> None:
                if not stack.quiet:
                    path = (getattr(self, "path", "") or "").split("?")[0].encode("unicode_escape").decode()
                    sys.stderr.write(f"{self.command or '-'} {path} {args[1] if len(args) > 1 else ''}\n")

            def do_GET(self) -> None:
                stack._dispatch(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

            def __getattr__(self, name: str) -> Any:  # any other method (TRACE, QUERY…): 404/405, never 501
                if name.startswith("do_"):
                    return self.do_GET
                raise AttributeError(name)

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                # http.server's own refusals (malformed request line, header too long, bad version): the same
                # JSON body as every other error, never its HTML page.
                status = code if 400 <= code < 500 else 400
                self.close_connection = True
                if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
                    self.request_version = "HTTP/1.0"  # an unparsable request line still gets a status line
                LocalStack._reply_json(
                    self, status, {"code": _SERVER_CODES.get(status, "BAD_REQUEST"), "message": "Yêu cầu không hợp lệ."}
                )

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # socketserver's default backlog (5) resets connections under load

            def handle_error(self, request: Any, client_address: Any) -> None:
                # One line, no traceback: whatever a client sends must not fill the developer's console.
                kind = sys.exc_info()[0]
                if kind not in (BrokenPipeError, ConnectionResetError, TimeoutError) and not stack.quiet:
                    sys.stderr.write(
                        f"[local] request from {client_address[0]} dropped: {kind.__name__ if kind else '?'}\n"
                    )

        self._http = Server(("127.0.0.1", self.port), Handler)
        self._http.daemon_threads = True
        self.port = self._http.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._spawn(self._http.serve_forever)

    def _dispatch(self, request: BaseHTTPRequestHandler) -> None:
        try:
            parts = urlsplit(request.path)
            path = unquote(parts.path)
            if _CONTROL.search(request.path) or _CONTROL.search(path) or _CONTROL.search(unquote(parts.query)):
                raise BadRequestFraming(400, "BAD_REQUEST", "Địa chỉ yêu cầu chứa ký tự không hợp lệ.")
            body = request_body(request)
            if path.startswith("/api/"):
                self._api(request, path, parts.query, body)
            elif path.startswith("/results/"):
                self._static(request, self.public_dir, path, cache="no-cache")
            else:
                self._static(request, self.site_dir, path, cache="no-cache")
        except BadRequestFraming as refused:
            # the rest of the connection cannot be trusted to start where this request ends: answer and close
            request.close_connection = True
            self._reply_json(request, refused.status, {"code": refused.code, "message": refused.message})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (navigation cancels requests): nothing to answer

    def api_headers(self, request: BaseHTTPRequestHandler) -> dict[str, str]:
        """The headers the handler sees, as CloudFront + a function URL pass them: names lower-cased, repeated
        headers joined with commas, every `CloudFront-*` header, the origin header, Authorization and Host the
        client sent dropped; then the origin header, the viewer's address (the socket's peer, never a header),
        CloudFront's signature in Authorization (origin access control, signing `always`) and the function URL's
        own Host added."""
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            key = name.lower()
            if key in (ORIGIN_HEADER, "authorization", "host") or key.startswith("cloudfront-"):
                continue
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        headers[ORIGIN_HEADER] = self.origin_secret
        host, port = request.client_address[:2]
        headers[VIEWER_ADDRESS_HEADER] = viewer_address_header(host, port)
        headers["authorization"] = signature_header(datetime.now(UTC))
        headers["host"] = FUNCTION_URL_DOMAIN
        return headers

    def _api(self, request: BaseHTTPRequestHandler, path: str, query: str, body: bytes) -> None:
        headers = self.api_headers(request)
        if not payload_signed(request.command, headers, body):
            # Lambda refuses the signed request whose payload hash does not match: 403, the function never runs.
            # (On AWS the body is Lambda's own {"message": ...}; here the API's error shape.)
            return self._reply_json(
                request,
                403,
                {"code": "UNSIGNED_PAYLOAD", "message": "Yêu cầu bị từ chối: thiếu hoặc sai mã băm nội dung."},
            )
        module = self.routes.get((request.command, path))
        if module is None:
            if any(p == path for _, p in self.routes):
                return self._reply_json(
                    request, 405, {"code": "METHOD_NOT_ALLOWED", "message": "Phương thức không được hỗ trợ."}
                )
            return self._reply_json(request, 404, {"code": "NOT_FOUND", "message": "Không tìm thấy địa chỉ yêu cầu."})
        event = api_event(request.command, path, query, headers, body, request.client_address[0])
        result = module.lambda_handler(event, _Context())
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode("utf-8")
        request.send_response(int(result.get("statusCode", 200)))
        for name, value in (result.get("headers") or {}).items():
            request.send_header(name, value)
        for cookie in result.get("cookies") or []:
            request.send_header("Set-Cookie", cookie)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)

    @staticmethod
    def _reply_json(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        if request.close_connection:
            request.send_header("Connection", "close")
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)

    @staticmethod
    def _static(request: BaseHTTPRequestHandler, base: Path, path: str, cache: str) -> None:
        if request.command not in ("GET", "HEAD"):
            return LocalStack._reply_json(
                request, 405, {"code": "METHOD_NOT_ALLOWED", "message": "Phương thức không được hỗ trợ."}
            )
        target = (base / path.lstrip("/")).resolve()
        if base.resolve() not in target.parents and target != base.resolve():
            target = base / "__missing__"
        if target.is_dir():
            target = target / "index.html"
        status = 200
        if not target.is_file():
            status, target = 404, base / "404.html"
        data = target.read_bytes() if target.is_file() else "Không tìm thấy trang.".encode()
        kind = mimetypes.guess_type(target.name)[0] or "text/plain"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Cache-Control", cache)
        request.send_header("X-Content-Type-Options", "nosniff")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)


_SERVER_CODES = {400: "BAD_REQUEST", 408: "REQUEST_TIMEOUT", 414: "URI_TOO_LONG", 431: "HEADERS_TOO_LARGE"}


@contextmanager
def attached(root: Path) -> Iterator[dict[str, Any] | None]:
    """Point this process (a CLI command) at the running local stack, if there is one."""
    marker_path = root / ".dev" / "stack.json"
    if not marker_path.exists():
        yield None
        return
    marker = json.loads(marker_path.read_text())
    try:
        os.kill(int(marker["pid"]), 0)
    except (OSError, ValueError):
        yield None
        return
    env = {
        "AWS_ENDPOINT_URL": marker["moto_url"],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # nosec B105  # moto dummy credentials, local stack only
        "AWS_DEFAULT_REGION": marker["region"],
        "AWS_REGION": marker["region"],
        "CONTEST_TABLE": marker["table"],
        "CONTEST_PUBLISH_DIR": marker["publish_dir"],
        "CONTEST_PRIVATE_DIR": marker["private_dir"],
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield marker
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def stack_now(marker: dict[str, Any]) -> datetime:
    """The running stack's clock, as seen from another process."""
    return datetime.fromisoformat(marker["clock_now"]) + (
        datetime.fromtimestamp(time.time(), UTC) - datetime.fromtimestamp(marker["clock_taken_at"], UTC)
    )
