"""The perimeter: the API answers only what came through CloudFront, the viewer address is
CloudFront's and parsed strictly, and the local stack keeps the same rule.

In-process tests drive the real handlers with API Gateway v2 events on moto; the local-stack tests go through the
HTTP adapter over a socket.
"""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest
from moto import mock_aws

from contest.adapters.sender import OutboxSender
from contest.content.loader import bundle_of
from contest.local.stack import dev_secret, load_function
from contest.rules.perimeter import (
    ORIGIN_HEADER,
    VIEWER_ADDRESS_HEADER,
    MalformedViewerAddress,
    OriginGuard,
    address_key,
    parse_origin_secret,
    parse_viewer_address,
)
from contest.store import Store, tables
from tests.fakes import FixedClock, MemorySender
from tests.stress.harness import Client, make_root, running_stack
from tests.support import (
    EVENTS,
    ORIGIN_SECRET,
    PHONES,
    PROOF_PATHS,
    ROOT,
    WEEK1_MID,
    LambdaContext,
    event,
    make_content,
    solve_proof,
    unit,
)

TABLE = "contest-perimeter"
REGISTER = {"full_name": "Nguyễn Văn An", "unit_id": unit("so-tttt"), "password": "mat-khau-123", "consent": True}


# --------------------------------------------------------------------------- in-process: the handlers


@pytest.fixture
def handlers(monkeypatch, tmp_path):
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "CONTEST_TABLE": TABLE,
        "CONTEST_SMS_SENDER": "outbox",
        "CONTEST_OUTBOX": str(tmp_path / "outbox.jsonl"),
        "CONTEST_SIGNING_SECRET": "test-secret-" + "s" * 40,
        "CONTEST_ORIGIN_SECRET": ORIGIN_SECRET,
        "POWERTOOLS_SERVICE_NAME": "contest",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    content = make_content(contest_changes={"limits.registrations_per_ip_per_hour": 3})
    with mock_aws():
        tables.configure(TABLE, "ap-southeast-1")
        tables.create_table()
        Store().bundle.save_bundle(bundle_of(content))
        sender = MemorySender()
        functions = {}
        for name in ("register", "account", "info", "quiz", "submit"):
            path = ROOT / "functions" / name / "app.py"
            functions[name] = load_function(path, name, clock=FixedClock(WEEK1_MID), sender=sender)
        yield functions, sender


def call(module, method: str, path: str, body=None, *, drop=(), **headers: str) -> tuple[int, dict]:
    ev = event(method, path, body)
    if method == "POST" and path in PROOF_PATHS:  # what the browser sends on code-sending routes
        ev["headers"]["x-altcha"] = solve_proof(module.runtime.proof.challenge())
    for name in drop:
        ev["headers"].pop(name, None)
    ev["headers"].update({k.replace("_", "-"): v for k, v in headers.items()})
    result = module.lambda_handler(ev, LambdaContext())
    return result["statusCode"], json.loads(result["body"] or "{}")


def test_the_shared_test_event_carries_the_origin_header_cloudfront_adds():
    template = json.loads((EVENTS / "function_url.json").read_text())
    assert template["headers"][ORIGIN_HEADER] == ORIGIN_SECRET
    assert parse_viewer_address(template["headers"][VIEWER_ADDRESS_HEADER]) == "203.0.113.5"


ROUTES = [
    ("register", "POST", "/api/register", {**REGISTER, "phone": PHONES[0]}),
    ("register", "POST", "/api/login", {"phone": PHONES[0], "password": "mat-khau-123"}),
    ("info", "GET", "/api/contest", None),
    ("info", "GET", "/api/units", None),
    ("account", "GET", "/api/me", None),
    ("register", "GET", "/api/no-such-route", None),
    ("register", "POST", "/api/register", "{not json"),
    ("quiz", "POST", "/api/quiz", {}),
    ("submit", "POST", "/api/submit", {"token": "x", "answers": [], "prediction": 1}),
]


@pytest.mark.parametrize(("function", "method", "path", "body"), ROUTES)
def test_a_direct_call_without_the_origin_header_is_refused_before_anything_else(
    handlers, function, method, path, body
):
    functions, sender = handlers
    # When someone calls the execute-api endpoint directly (no CloudFront, so no origin header)
    status, reply = call(functions[function], method, path, body, drop=[ORIGIN_HEADER])
    # Then the answer is the same 403 whatever the route, the body or the method: nothing was routed or parsed
    assert status == 403
    assert reply == {
        "code": "DIRECT_ACCESS_REFUSED",
        "message": "Yêu cầu phải được gửi qua trang web chính thức của cuộc thi.",
    }
    assert sender.sent == []


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "x",
        ORIGIN_SECRET[:-1],  # a prefix
        ORIGIN_SECRET + "x",  # the right value and more
        ORIGIN_SECRET.upper(),
        " " + ORIGIN_SECRET,
        "a" * len(ORIGIN_SECRET),  # same length, wrong value
        "ư" * 40,  # not ASCII
    ],
)
def test_a_wrong_origin_header_is_refused(handlers, presented):
    functions, sender = handlers
    status, reply = call(
        functions["register"], "POST", "/api/register", {**REGISTER, "phone": PHONES[1]}, x_contest_origin=presented
    )
    assert (status, reply["code"]) == (403, "DIRECT_ACCESS_REFUSED")
    assert sender.sent == []
    # and nothing was stored: the right header now registers the phone as new
    status, _ = call(functions["register"], "POST", "/api/register", {**REGISTER, "phone": PHONES[1]})
    assert status == 201


def test_a_spoofed_viewer_address_from_a_direct_caller_buys_nothing(handlers):
    functions, sender = handlers
    # Given a direct caller who varies CloudFront-Viewer-Address to dodge the per-address registration throttle
    for i in range(10):
        status, reply = call(
            functions["register"],
            "POST",
            "/api/register",
            {**REGISTER, "phone": PHONES[10 + i]},
            drop=[ORIGIN_HEADER],
            cloudfront_viewer_address=f"198.51.100.{i}:4000",
        )
        # Then every call is refused: no account, no SMS
        assert (status, reply["code"]) == (403, "DIRECT_ACCESS_REFUSED")
    assert sender.sent == []


def test_through_cloudfront_the_viewer_address_counts_and_the_throttle_holds(handlers):
    functions, _ = handlers
    viewer = "2001:db8:0:0:0:0:0:7:51234"  # CloudFront writes IPv6 in full, unbracketed
    for i in range(3):
        status, _ = call(
            functions["register"], "POST", "/api/register", {**REGISTER, "phone": PHONES[20 + i]},
            cloudfront_viewer_address=viewer,
        )  # fmt: skip
        assert status == 201
    # the same viewer in another spelling (compressed, bracketed, another port) is the same address
    status, reply = call(
        functions["register"], "POST", "/api/register", {**REGISTER, "phone": PHONES[23]},
        cloudfront_viewer_address="[2001:db8::7]:61000",
    )  # fmt: skip
    assert (status, reply["code"]) == (429, "TOO_MANY_REGISTRATIONS")


MALFORMED = [
    "",
    "203.0.113.5",  # no port
    "203.0.113.5:",
    "203.0.113.5:99999",
    "203.0.113.5:-1",
    "203.0.113.5:80:80",
    "203.0.113.5 :80",
    "203.0.113.5:80, 198.51.100.1:80",  # a list
    "[203.0.113.5]:80",  # IPv4 in brackets
    "2001:db8::7",  # IPv6 without a port
    "[2001:db8::7]",
    "[2001:db8::7:80",
    "fe80::1%eth0:80",  # zone index
    "localhost:80",
    "203.0.113.5\x00:80",
    "203.0.113.5:８０",  # fullwidth digits
    "999.0.113.5:80",
    "1" * 100 + ":80",
]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_viewer_addresses_are_rejected(value):
    with pytest.raises(MalformedViewerAddress):
        parse_viewer_address(value)


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("203.0.113.5:51234", "203.0.113.5"),
        ("2001:0db8:0000:0000:0000:0000:0000:0007:443", "2001:db8::7"),
        ("2001:db8::7:443", "2001:db8::7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("::ffff:203.0.113.5:443", "203.0.113.5"),  # IPv4-mapped: one address, one throttle key
        ("203.0.113.5:0", "203.0.113.5"),
    ],
)
def test_wellformed_viewer_addresses_are_parsed_to_one_canonical_form(value, address):
    assert parse_viewer_address(value) == address


def test_the_throttle_key_is_the_ipv4_address_or_the_ipv6_64():
    assert address_key("203.0.113.5") == "203.0.113.5"
    assert address_key("2001:db8:aaaa:bbbb:1:2:3:4") == "2001:db8:aaaa:bbbb::/64"
    assert address_key("2001:db8:aaaa:bbbb::") == address_key("2001:db8:aaaa:bbbb:ffff:ffff:ffff:ffff")
    assert address_key("2001:db8:aaaa:bbbc::") != address_key("2001:db8:aaaa:bbbb::")


@pytest.mark.parametrize("value", ["", "garbage", "203.0.113.5", "[::1]"])
def test_a_malformed_viewer_address_is_a_clear_400_and_registers_nothing(handlers, value):
    functions, sender = handlers
    status, reply = call(
        functions["register"], "POST", "/api/register", {**REGISTER, "phone": PHONES[30]},
        cloudfront_viewer_address=value,
    )  # fmt: skip
    assert (status, reply["code"]) == (400, "BAD_VIEWER_ADDRESS")
    assert reply["message"] == "Không xác định được địa chỉ truy cập của bạn."
    assert sender.sent == []


def test_during_a_rotation_the_current_and_the_previous_values_are_accepted_and_nothing_else():
    old, new = "o" * 40, "n" * 40
    guard = OriginGuard(parse_origin_secret(json.dumps({"current": new, "previous": old})))
    assert guard.admits(new) and guard.admits(old)
    assert not guard.admits(None) and not guard.admits("") and not guard.admits("x" * 40)
    assert not OriginGuard(parse_origin_secret(json.dumps({"current": new}))).admits(old)


@pytest.mark.parametrize("presented", [None, "", "x", "o" * 40, "n" * 40, "n" * 4000])
def test_the_origin_check_has_no_timing_oracle(monkeypatch, presented):
    # No timed assertion: the structure that makes the time independent of the secret is checked instead.
    # Every accepted value is compared (no early exit on a match or a mismatch), always with hmac.compare_digest,
    # always over two 32-byte digests (the presented value's length never reaches the comparison).
    import contest.rules.perimeter as perimeter

    guard = OriginGuard(parse_origin_secret(json.dumps({"current": "n" * 40, "previous": "o" * 40})))
    seen: list[tuple[int, int]] = []
    real = perimeter.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(perimeter.hmac, "compare_digest", spy)
    guard.admits(presented)
    assert seen == [(32, 32), (32, 32)]


@pytest.mark.parametrize(
    "text", ["short", '{"previous": "' + "p" * 40 + '"}', '{"current": "' + "c" * 10 + '"}', "with space " + "s" * 40]
)
def test_a_weak_or_malformed_origin_secret_is_refused_at_init(text):
    with pytest.raises(ValueError):
        parse_origin_secret(text)


def test_settings_without_an_origin_secret_fail_at_cold_start_but_the_close_needs_none():
    from contest.adapters.config import ConfigError, Settings

    env = {
        "AWS_REGION": "ap-southeast-1",
        "CONTEST_TABLE": "t",
        "CONTEST_SMS_SENDER": "sns",
        "CONTEST_SIGNING_SECRET_ARN": "arn:aws:secretsmanager:ap-southeast-1:1:secret:s",
    }
    with pytest.raises(ConfigError, match="origin secret"):
        Settings.from_env(env)
    close = Settings.from_env(
        {"AWS_REGION": "ap-southeast-1", "CONTEST_TABLE": "t", "CONTEST_SMS_SENDER": "sns"}, kind="close"
    )
    assert close.signing_secret_ref is None and close.origin_secret_ref is None


# --------------------------------------------------------------------------- the local stack's adapter


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = make_root(tmp_path_factory.mktemp("perimeter"), contest_changes={"limits.registrations_per_ip_per_hour": 3})
    with running_stack(root, FixedClock(WEEK1_MID), quiet=True) as running:
        yield running


def raw(stack, request: bytes) -> bytes:
    """Send raw bytes, read until the server closes or answers in full (a 5 s socket timeout keeps a blocked
    server from hanging the suite; it is a failure, not a measurement)."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
                head, sep, body = data.partition(b"\r\n\r\n")
                if sep:
                    length = [ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length:")]
                    if length and len(body) >= int(length[0].split(b":")[1]):
                        break
        except TimeoutError:
            pytest.fail(f"the local stack did not answer {request[:60]!r} (a blocked thread)")
        return data


def status_and_body(data: bytes) -> tuple[int, dict]:
    head, _, body = data.partition(b"\r\n\r\n")
    assert head, "no answer at all (the connection was dropped)"
    return int(head.split(b" ")[1]), json.loads(body)


BAD_REQUESTS = [
    (
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\n{}   \r\n0\r\n\r\n",
        411,
        "LENGTH_REQUIRED",
    ),
    (
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 2\r\n\r\n{}",
        400,
        "BAD_REQUEST",
    ),
    (b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}", 400, "BAD_REQUEST"),
    (b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", 400, "BAD_REQUEST"),
    (b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n{}", 400, "BAD_REQUEST"),
    (b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}", 400, "BAD_REQUEST"),
    (b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}", 400, "BAD_REQUEST"),
    (b"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "BAD_REQUEST"),
    (b"GET /api/contest%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "BAD_REQUEST"),
    (b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "BAD_REQUEST"),
    (b"GET /results/%0d%0aX:1 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "BAD_REQUEST"),
    (b"GET /?q=%07 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "BAD_REQUEST"),
    (b"GARBAGE\r\n\r\n", 400, "BAD_REQUEST"),
]


def test_a_body_shorter_than_its_content_length_is_refused_not_guessed(stack, capfd):
    # the client announces 10 bytes, sends 2 and closes its side
    with socket.create_connection(("127.0.0.1", stack.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{}"
        )
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert status_and_body(data)[0] == 400 and status_and_body(data)[1]["code"] == "BAD_REQUEST"
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(("request_bytes", "status", "code"), BAD_REQUESTS)
def test_the_adapter_refuses_badly_framed_requests_with_a_json_4xx_and_no_traceback(
    stack, capfd, request_bytes, status, code
):
    answer = raw(stack, request_bytes)
    assert status_and_body(answer) == (status, {"code": code, "message": status_and_body(answer)[1]["message"]})
    assert status_and_body(answer)[1]["message"]  # a Vietnamese sentence, not empty
    # and the stack still serves the next request
    assert Client(stack.base_url).get("/api/contest").status == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err, err


def test_the_adapter_replaces_the_perimeter_headers_a_client_sends(stack):
    http = Client(stack.base_url)
    # Given a client that sends its own origin header and a different viewer address on each registration
    for i in range(3):
        reply = http.post(
            "/api/register",
            {**REGISTER, "phone": PHONES[200 + i]},
            headers={
                "X-Contest-Origin": "guessed-" + "g" * 40,
                "CloudFront-Viewer-Address": f"198.51.100.{i}:4000",
                "cloudfront-viewer-address": f"198.51.100.{i + 100}:4000",
            },
        )
        # Then its origin header is not the one the handler sees (the adapter's replaces it) ...
        assert reply.status == 201, reply.body
    # ... and its address is the socket's peer: the per-address throttle counts all of them together
    reply = http.post(
        "/api/register", {**REGISTER, "phone": PHONES[203]}, headers={"CloudFront-Viewer-Address": "192.0.2.1:1"}
    )
    assert (reply.status, reply.body["code"]) == (429, "TOO_MANY_REGISTRATIONS")


def test_the_handlers_see_what_cloudfront_would_send(stack):
    from email.message import Message
    from types import SimpleNamespace

    headers = Message()
    for name, value in [
        ("X-Contest-Origin", "client"),
        ("CloudFront-Viewer-Country", "VN"),
        ("Accept", "a"),
        ("accept", "b"),
    ]:
        headers[name] = value
    seen = stack.api_headers(SimpleNamespace(headers=headers, client_address=("127.0.0.1", 40000)))
    assert seen[ORIGIN_HEADER] == stack.origin_secret
    assert seen[VIEWER_ADDRESS_HEADER] == "127.0.0.1:40000"
    assert "cloudfront-viewer-country" not in seen
    assert seen["accept"] == "a,b"


# --------------------------------------------------------------------------- files under .dev


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sms_outbox_is_readable_by_its_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        OutboxSender(tmp_path / ".dev" / "outbox.jsonl").send("+84912345678", "Mã xác thực: 123456")
    finally:
        os.umask(old)
    assert _mode(tmp_path / ".dev" / "outbox.jsonl") == 0o600


def test_an_existing_world_readable_outbox_is_tightened(tmp_path):
    path = tmp_path / "outbox.jsonl"
    path.write_text("")
    path.chmod(0o644)
    OutboxSender(path).send("+84912345678", "Mã xác thực: 123456")
    assert _mode(path) == 0o600


def test_the_local_signing_secret_is_readable_by_its_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        first = dev_secret(tmp_path / ".dev")
    finally:
        os.umask(old)
    assert _mode(tmp_path / ".dev" / "secret") == 0o600
    # an older, looser file is tightened, and keeps its value (sessions survive a restart)
    (tmp_path / ".dev" / "secret").chmod(0o644)
    assert dev_secret(tmp_path / ".dev") == first
    assert _mode(tmp_path / ".dev" / "secret") == 0o600


def test_the_running_stack_writes_its_outbox_0600(stack):
    Client(stack.base_url).post("/api/register", {**REGISTER, "phone": PHONES[300]})
    assert _mode(stack.outbox_path) == 0o600
    assert _mode(stack.dev_dir / "secret") == 0o600


def test_ipv6_viewers_are_counted_by_their_64_prefix_so_rotating_addresses_buys_nothing(handlers):
    # Given one subscriber: an IPv6 /64 holds 2^64 addresses, free to rotate (privacy extensions do it anyway)
    functions, _ = handlers
    for i in range(3):
        status, _ = call(
            functions["register"], "POST", "/api/register", {**REGISTER, "phone": PHONES[40 + i]},
            cloudfront_viewer_address=f"2001:db8:aaaa:bbbb:{i:x}:{i:x}:{i:x}:{i + 1:x}:443",
        )  # fmt: skip
        assert status == 201
    # When a fourth address of the same /64 registers, Then the per-address throttle holds
    status, reply = call(
        functions["register"], "POST", "/api/register", {**REGISTER, "phone": PHONES[43]},
        cloudfront_viewer_address="2001:db8:aaaa:bbbb:dead:beef:1:2:443",
    )  # fmt: skip
    assert (status, reply["code"]) == (429, "TOO_MANY_REGISTRATIONS")
    # And another /64 (another subscriber) is not affected
    status, _ = call(
        functions["register"], "POST", "/api/register", {**REGISTER, "phone": PHONES[43]},
        cloudfront_viewer_address="2001:db8:aaaa:bbbc::1:443",
    )  # fmt: skip
    assert status == 201
