"""The local stack over real HTTP, and `contest dev` as a developer runs it."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from contest.local.stack import LocalStack, api_event, free_port
from tests.support import CONTENT, ROOT, SHIPPED, WEEK1_MID, solve_proof, unit


def project_with_contest(tmp_path: Path) -> Path:
    """The project as `contest dev` runs it, with the contest under test as its content/: the repository itself on
    the shipped contest, else a folder whose content/ is the fixture contest (functions/ and site/ the repository's)."""
    if SHIPPED:
        return ROOT
    root = tmp_path / "project"
    root.mkdir()
    for name, target in (("content", CONTENT), ("functions", ROOT / "functions"), ("site", ROOT / "site")):
        (root / name).symlink_to(target)
    return root


def http(
    base: str, method: str, path: str, body=None, token=None, content_type="application/json", headers=None, sign=True
):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", content_type)
    if (
        sign
        and method in ("POST", "PUT", "PATCH")
        and not any(k.lower() == "x-amz-content-sha256" for k in headers or {})
    ):
        request.add_header("x-amz-content-sha256", hashlib.sha256(data or b"").hexdigest())  # as core.js api()
    if token:
        request.add_header("X-Contest-Session", token)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"{}"), dict(reply.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}"), dict(err.headers)


def last_code(outbox: Path, phone: str) -> str:
    import re

    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    text = [m["text"] for m in lines if m["phone"] == phone][-1]
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_a_contestant_takes_the_quiz_over_http(tmp_path):
    # Given the local stack on a free port with the clock in week 1
    from contest.content.loader import load_content

    root = project_with_contest(tmp_path)
    contest = load_content(root / "content").contest
    with LocalStack(root, clock_start=WEEK1_MID, dev_dir=tmp_path / ".dev", site_dir=tmp_path / "site") as stack:
        base = stack.base_url
        assert base.startswith("http://127.0.0.1:")
        # When a contestant registers, logs in and takes the quiz
        status, body, _ = http(
            base,
            "POST",
            "/api/register",
            {
                "full_name": "Phạm Thị Thu",
                "phone": "0912 345 678",
                "unit_id": unit("h-huong-khe"),
                "password": "mat-khau-123",
                "consent": True,
            },
            # the proof of work the browser solves before a code-sending request
            headers={"X-Altcha": solve_proof(http(base, "GET", "/api/challenge")[1])},
        )
        assert status == 201, body
        # verifying phones at award time (the shipped contest) sends no SMS yet; at registration, a code
        assert stack.outbox_path.exists() == (contest.verification == "at_registration")
        if contest.verification == "at_registration":  # the phone is proven before the first login
            code = last_code(stack.outbox_path, "+84912345678")
            assert http(base, "POST", "/api/verify", {"phone": "0912345678", "code": code})[0] == 200
        token = http(base, "POST", "/api/login", {"phone": "+84912345678", "password": "mat-khau-123"})[1]["token"]
        status, quiz, headers = http(base, "POST", "/api/quiz", {}, token=token)
        assert status == 200 and len(quiz["questions"]) == contest.quiz.questions_per_attempt
        assert headers["Cache-Control"] == "no-store"
        body = {"token": quiz["token"], "answers": {quiz["questions"][0]["id"]: "B"}, "prediction": 5000}
        first = http(base, "POST", "/api/submit", body, token=token)
        again = http(base, "POST", "/api/submit", body, token=token)
        # Then one receipt, the same twice
        assert first[0] == again[0] == 200 and first[1] == again[1]
        # and errors are JSON with a code, for the API's unknown paths and bad bodies too
        assert http(base, "GET", "/api/khong-co")[1]["code"] == "NOT_FOUND"
        assert http(base, "POST", "/api/login", b"{oops")[1]["code"] == "INVALID_JSON"
        assert http(base, "POST", "/api/login", b"x" * 2_000_000)[0] == 413


def test_the_stack_signs_like_cloudfront_a_body_without_its_hash_never_reaches_a_handler(tmp_path):
    # Given the local stack, which does what CloudFront's origin access control and the function URLs do
    root = project_with_contest(tmp_path)
    with LocalStack(root, clock_start=WEEK1_MID, dev_dir=tmp_path / ".dev", site_dir=tmp_path / "site") as stack:
        base = stack.base_url
        register = {"full_name": "Phạm Thị Thu", "phone": "0912 345 679", "unit_id": unit("h-huong-khe"),
                    "password": "mat-khau-123", "consent": True}  # fmt: skip
        data = json.dumps(register).encode()
        proof = {"X-Altcha": solve_proof(http(base, "GET", "/api/challenge")[1])}
        # When a POST comes without x-amz-content-sha256, with the hash of another body, or with the marker of an
        # unsigned payload
        for sent in (None, hashlib.sha256(b"{}").hexdigest(), "UNSIGNED-PAYLOAD"):
            extra = proof | ({"x-amz-content-sha256": sent} if sent else {})
            status, body, _ = http(base, "POST", "/api/register", data, headers=extra, sign=False)
            # Then Lambda's answer: 403, and the handler never ran (nothing registered, no message)
            assert (status, body["code"]) == (403, "UNSIGNED_PAYLOAD"), sent
        assert http(base, "POST", "/api/login", {"phone": "0912345679", "password": "mat-khau-123"})[0] == 401
        # and a POST without any body needs the hash of the empty body, like any other
        assert http(base, "POST", "/api/logout", sign=False)[0] == 403
        # When the same body comes with its hash, Then it is served
        status, body, _ = http(base, "POST", "/api/register", data, headers=proof)
        assert status == 201, body


def test_the_session_travels_in_its_own_header_as_cloudfront_overwrites_authorization(tmp_path):
    # Given a registered contestant's session on the local stack
    root = project_with_contest(tmp_path)
    with LocalStack(root, clock_start=WEEK1_MID, dev_dir=tmp_path / ".dev", site_dir=tmp_path / "site") as stack:
        base = stack.base_url
        register = {"full_name": "Phạm Thị Thu", "phone": "0912 345 670", "unit_id": unit("h-huong-khe"),
                    "password": "mat-khau-123", "consent": True}  # fmt: skip
        proof = {"X-Altcha": solve_proof(http(base, "GET", "/api/challenge")[1])}
        assert http(base, "POST", "/api/register", register, headers=proof)[0] == 201
        if stack.outbox_path.exists():
            code = last_code(stack.outbox_path, "+84912345670")
            assert http(base, "POST", "/api/verify", {"phone": "0912345670", "code": code})[0] == 200
        token = http(base, "POST", "/api/login", {"phone": "0912345670", "password": "mat-khau-123"})[1]["token"]
        # When it is sent as a bearer token, Then it does not arrive (CloudFront writes its signature there)
        assert http(base, "GET", "/api/me", headers={"Authorization": f"Bearer {token}"})[0] == 401
        # and in X-Contest-Session it does
        assert http(base, "GET", "/api/me", token=token)[0] == 200


def test_the_handlers_get_a_function_url_event():
    event = api_event("POST", "/api/login", "a=1", {"content-type": "application/json"}, b'{"x":1}', "127.0.0.1")
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "$default"
    assert event["requestContext"]["domainName"].endswith(".lambda-url.ap-southeast-1.on.aws")
    assert "iam" in event["requestContext"]["authorizer"]
    assert (event["rawPath"], event["queryStringParameters"], event["body"]) == ("/api/login", {"a": "1"}, '{"x":1}')
    bare = api_event("GET", "/api/me", "", {}, b"", "127.0.0.1")
    assert "body" not in bare and "queryStringParameters" not in bare  # a function URL leaves them out


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs POSIX signals")
def test_contest_dev_starts_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    env = os.environ | {"CONTEST_CLOCK": "2023-10-18T09:00:00+07:00"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "contest.cli", "dev", "--port", str(port), "--no-site"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                status, info, _ = http(f"http://127.0.0.1:{port}", "GET", "/api/contest")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        else:
            pytest.fail("contest dev did not answer within 90 s")
        assert status == 200 and info["open_week"] == 1 and info["now"].startswith("2023-10-18T02:0")
        assert (ROOT / ".dev" / "stack.json").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "Đã dừng." in output
    assert not (ROOT / ".dev" / "stack.json").exists()
    with pytest.raises(urllib.error.URLError):
        http(f"http://127.0.0.1:{port}", "GET", "/api/contest")


def test_the_port_check_sees_a_stopped_servers_port_as_free_at_once():
    # Given a server that answered a request and was stopped (its side of the connection lingers in TIME_WAIT)
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from contest.local.stack import port_is_free

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    port = server.server_address[1]
    Thread(target=server.serve_forever, daemon=True).start()
    for _ in range(3):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).close()
    server.shutdown()
    server.server_close()
    # Then the port counts as free right away, as it is for the server itself (SO_REUSEADDR)
    assert port_is_free(port)


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs POSIX signals")
def test_contest_dev_restarts_at_once_after_ctrl_c():
    # Given `contest dev` started, used and stopped with Ctrl-C
    port = free_port()
    env = os.environ | {"CONTEST_CLOCK": "2023-10-18T09:00:00+07:00"}

    def run_and_stop() -> str:
        proc = subprocess.Popen(
            [sys.executable, "-m", "contest.cli", "dev", "--port", str(port), "--no-site"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 90
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    for _ in range(3):
                        assert http(f"http://127.0.0.1:{port}", "GET", "/api/contest")[0] == 200
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.5)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=60)
        return output

    first = run_and_stop()
    assert "Đã dừng." in first, first
    # When it is started again immediately on the same port
    second = run_and_stop()
    # Then it serves again instead of saying the port is busy
    assert "đang bận" not in second, second
    assert "Cuộc thi đang chạy" in second and "Đã dừng." in second, second


def test_a_rehearsal_of_a_future_contest_closes_on_the_stacks_own_clock(tmp_path):
    """The close refuses anything before the window's end by the server's clock too; on the local stack the
    server's clock is the stack's, so a contest dated in the future can be rehearsed end to end."""
    from datetime import datetime, timedelta, timezone

    from tests.fakes import FixedClock
    from tests.stress.harness import make_root, running_stack

    # Given a contest whose weeks lie years ahead of the machine's clock
    vn = timezone(timedelta(hours=7))
    start = datetime(2031, 3, 3, tzinfo=vn)
    weeks = [
        {
            "number": n + 1,
            "opens_at": (start + timedelta(days=7 * n)).isoformat(),
            "closes_at": (start + timedelta(days=7 * n + 6, hours=19)).isoformat(),
            "results_at": (start + timedelta(days=7 * n + 6, hours=20)).isoformat(),
        }
        for n in range(4)
    ]
    root = make_root(tmp_path, contest_changes={"weeks": weeks})
    results_at = start + timedelta(days=6, hours=20)
    clock = FixedClock(results_at - timedelta(minutes=30))  # after week 1's window, before its results time
    with running_stack(root, clock) as stack:
        close = stack.functions["close_week"].runtime.close_week()
        # When the stack's clock is inside week 1: refused, whatever the flag
        clock.at = start + timedelta(days=2)
        with pytest.raises(Exception, match="WEEK_STILL_OPEN"):
            close.close(1, force=True)
        # When the stack's clock reaches week 1's results time: the schedule publishes it
        clock.at = results_at
        assert stack.invoke("close_week", {})["status"] == "published"
        assert (stack.public_dir / "results" / "week-1.json").exists()


# --- rehearsals: data kept across restarts, --reset, the clock moved while running ----------


def test_a_rehearsal_keeps_its_data_across_restarts_and_reset_starts_clean(tmp_path):
    from datetime import timedelta

    from contest.local.stack import request_clock
    from contest.rules.clock import to_ms
    from contest.store import Store

    dev, site = tmp_path / ".dev", tmp_path / "site"
    moved_to = WEEK1_MID + timedelta(days=2, hours=3)
    # Given a rehearsal with data in it (an excluded number) whose clock was moved
    with LocalStack(ROOT, clock_start=WEEK1_MID, dev_dir=dev, site_dir=site, schedule=False, persist=True):
        Store().phones.add_exclusion("+84912000111", "Tổ Thư ký", to_ms(WEEK1_MID))
        assert request_clock(dev, moved_to) is not None
    # When it is started again (no clock given)
    with LocalStack(ROOT, dev_dir=dev, site_dir=site, schedule=False, persist=True) as again:
        # Then the data and the clock are where they were
        assert again.restored_items > 0
        assert [e.phone for e in Store().phones.exclusions()] == ["+84912000111"]
        assert moved_to <= again.clock.now() < moved_to + timedelta(minutes=5)
    assert (dev / "state" / "dynamodb.json").stat().st_mode & 0o077 == 0  # personal data: owner only
    # When it is started with --reset: nothing of the earlier rehearsal is left
    with LocalStack(ROOT, clock_start=WEEK1_MID, dev_dir=dev, site_dir=site, schedule=False, persist=True, reset=True):
        assert Store().phones.exclusions() == []
    assert (dev / "secret").exists()  # the local signing secret is kept


def test_the_rehearsal_clock_moves_without_a_restart_and_the_schedule_closes_the_week(tmp_path):
    from datetime import datetime, timedelta

    from contest.content.loader import load_content
    from contest.local.stack import request_clock

    root = project_with_contest(tmp_path)
    week1 = load_content(root / "content").contest.weeks[0]
    dev = tmp_path / ".dev"
    with LocalStack(root, clock_start=WEEK1_MID, dev_dir=dev, site_dir=tmp_path / "site") as stack:
        before = http(stack.base_url, "GET", "/api/contest")[1]
        assert before["open_week"] == 1
        # When the organiser moves the clock past the week's results time
        marker = request_clock(dev, week1.results_at + timedelta(minutes=1))
        # Then every function sees the new time at once, and the schedule closes the week within seconds
        assert marker is not None
        assert datetime.fromisoformat(marker["clock_now"]) >= week1.results_at + timedelta(minutes=1)
        assert stack.clock.now() >= week1.results_at
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (stack.public_dir / "results" / "week-1.json").exists():
            time.sleep(0.5)
        assert (stack.public_dir / "results" / "week-1.json").exists()


def test_contest_dev_clock_moves_the_running_stack_from_the_terminal(tmp_path, monkeypatch):
    from datetime import datetime, timedelta

    from typer.testing import CliRunner

    from contest.cli import app

    monkeypatch.chdir(ROOT)  # the command finds the running stack through the project's .dev/stack.json
    with LocalStack(ROOT, clock_start=WEEK1_MID, site_dir=tmp_path / "site", schedule=False) as stack:
        # When the organiser types a time without an offset: it is the contest's time (Asia/Ho_Chi_Minh)
        moved = CliRunner().invoke(app, ["dev", "clock", "2023-10-22T20:01"], env={"COLUMNS": "200"})
        assert moved.exit_code == 0, moved.output
        assert "20:01 22/10/2023" in moved.output
        target = datetime.fromisoformat("2023-10-22T20:01:00+07:00")
        assert target <= stack.clock.now() < target + timedelta(minutes=1)
        assert http(stack.base_url, "GET", "/api/contest")[1]["now"].startswith("2023-10-22T13:0")
    # And with no stack running it says so
    refused = CliRunner().invoke(app, ["dev", "clock", "2023-10-22T20:01"])
    assert refused.exit_code == 1 and "make dev" in refused.output
