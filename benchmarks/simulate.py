"""A full simulated week on the local stack (`make simulate`, N=1000 by default).

N contestants register, verify their phone (some mistype the code, some ask for a new one, some never
verify), log in, take week 1's quiz with realistic timing (log-normal time on the quiz, 40 s to 29 min) and a
realistic answer distribution (each person's ability ~ Beta(6, 3), a few blanks), some double-submit or
retry, some abandon the quiz; then the week closes through the close_week handler with the Scheduler's
default payload, and the published results (/results/week-1.json over HTTP) are checked against a ranking
the simulator computes independently from what it sent: participants, every listed entry's score,
duration and prediction, and the order by score then duration.

Each contestant runs on their own virtual timeline: every request carries its virtual instant in an
`x-sim-time` header, which this script (not the product) turns into the stack's clock for that request,
so a week of realistic timing runs in minutes and HTTP latency never distorts a duration. The stack, its
handlers and the emulator are otherwise exactly what `make dev` runs, on the real content/ (real bank).

Output: requests per second, p50/p95/p99 latency per route, errors, the check's result; written to
build/simulate/report.json. Exit status 1 when the published results disagree or a 5xx was seen.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stress.harness import Client, reset_emulator  # noqa: E402

PASSWORD = "mat-khau-mo-phong"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Hà",
    "Hải",
    "Hoa",
    "Hùng",
    "Lan",
    "Linh",
    "Minh",
    "Nam",
    "Ngọc",
    "Phương",
    "Quang",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
]


class SimClock:
    """The stack's clock: the instant carried by the request being served, else a global instant."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.local = threading.local()

    def now(self) -> datetime:
        return getattr(self.local, "at", None) or self.at


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class Week:
    def __init__(self, stack, clock: SimClock, content, n: int, seed: int) -> None:
        self.stack, self.clock, self.content, self.n = stack, clock, content, n
        self.rng = random.Random(seed)
        self.seed = seed
        self.http = Client(stack.base_url, timeout=120)
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.lock = threading.Lock()
        self.correct_text = {q.id: q.options[q.correct] for q in content.bank.questions}
        self.sent: dict[str, dict] = {}  # name -> what the contestant submitted (and the server's receipt)
        self.behaviour: Counter = Counter()
        self.week = content.contest.week(1)
        self.outbox_lock = threading.Lock()

    # --- HTTP with a virtual instant -----------------------------------------------------------------

    def call(self, route: str, at: datetime, method: str, path: str, body=None, token=None):
        reply = self.http.request(method, path, body, token=token, headers={"x-sim-time": str(at.timestamp())})
        with self.lock:
            self.latency[route].append(reply.seconds)
            self.statuses[(route, reply.status, (reply.body or {}).get("code") if reply.status >= 400 else "")] += 1
        return reply

    def code_for(self, e164: str) -> str:
        with self.outbox_lock:
            lines = self.stack.outbox_path.read_text(encoding="utf-8").splitlines()
        texts = [json.loads(x)["text"] for x in lines if f'"{e164}"' in x]
        return re.search(r"\b(\d{6})\b", texts[-1]).group(1)

    # --- one contestant ------------------------------------------------------------------------------

    def contestant(self, k: int) -> None:
        rng = random.Random(f"{self.seed}-{k}")
        phone = f"09{13_000_000 + k:08d}"
        e164 = "+84" + phone[1:]
        name = f"{FAMILY[k % len(FAMILY)]} {GIVEN[(k // len(FAMILY)) % len(GIVEN)]} Mô Phỏng {k}"
        unit = self.content.units[rng.randrange(len(self.content.units))].id
        # registration: spread over the first five days of the week, mostly in office hours
        opens = self.week.opens_at
        t = opens + timedelta(days=rng.randrange(5), hours=7 + rng.random() * 10, seconds=rng.random())
        body = {"full_name": name, "phone": phone, "unit_id": unit, "password": PASSWORD, "consent": True}
        reg = self.call("POST /api/register", t, "POST", "/api/register", body)
        assert reg.status == 201, reg.body
        if rng.random() < 0.03:  # registers twice (a second tab)
            self.behaviour["registered twice"] += 1
            again = self.call("POST /api/register", t + timedelta(seconds=5), "POST", "/api/register", body)
            assert again.status == 201, again.body  # the same answer as any registration
        if not self.content.contest.phone_verification:  # at_award: no code before the quiz
            self.take_quiz(rng, phone, name, t + timedelta(seconds=20 + rng.random() * 90))
            return
        if rng.random() < 0.06:  # never verifies: gone
            self.behaviour["abandoned before verifying"] += 1
            return
        t += timedelta(seconds=20 + rng.random() * 90)
        if rng.random() < 0.05:  # mistypes the code once
            self.behaviour["mistyped the code"] += 1
            wrong = f"{(int(self.code_for(e164)) + 1) % 1_000_000:06d}"
            self.call("POST /api/verify", t, "POST", "/api/verify", {"phone": phone, "code": wrong})
            t += timedelta(seconds=15)
        if rng.random() < 0.03:  # asks for a new code after the resend gap
            self.behaviour["asked for a new code"] += 1
            t += timedelta(seconds=61)
            self.call("POST /api/verify/resend", t, "POST", "/api/verify/resend", {"phone": phone})
            t += timedelta(seconds=20)
        ok = self.call("POST /api/verify", t, "POST", "/api/verify", {"phone": phone, "code": self.code_for(e164)})
        assert ok.status == 200, ok.body
        self.take_quiz(rng, phone, name, t)

    def take_quiz(self, rng: random.Random, phone: str, name: str, t: datetime) -> None:
        # the quiz: later that day or another day before the close
        t = min(t + timedelta(hours=rng.random() * 30), self.week.closes_at - timedelta(hours=1))
        login = self.call("POST /api/login", t, "POST", "/api/login", {"phone": phone, "password": PASSWORD})
        assert login.status == 200, login.body
        session = login.body["token"]
        # no GET /api/contest: the pages carry the contest's facts (site/docs/assets/js/core.js, contest())
        t += timedelta(seconds=3 + rng.random() * 20)
        start = self.call("POST /api/quiz", t, "POST", "/api/quiz", {}, token=session)
        assert start.status == 200, start.body
        quiz = start.body
        if rng.random() < 0.05:  # closes the tab and never comes back
            self.behaviour["abandoned the quiz"] += 1
            return
        seconds = min(29 * 60, max(40.0, rng.lognormvariate(math.log(420), 0.55)))
        if rng.random() < 0.10:  # reloads the page midway: the same attempt comes back
            self.behaviour["reloaded the quiz"] += 1
            again = self.call(
                "POST /api/quiz", t + timedelta(seconds=seconds / 2), "POST", "/api/quiz", {}, token=session
            )
            assert again.body["attempt_id"] == quiz["attempt_id"], again.body
        ability = rng.betavariate(6, 3)
        answers, right = {}, 0
        for q in quiz["questions"]:
            if rng.random() < 0.03:
                continue  # left blank
            correct_id = next(o["id"] for o in q["options"] if o["text"] == self.correct_text[q["id"]])
            if rng.random() < ability:
                answers[q["id"]], right = correct_id, right + 1
            else:
                answers[q["id"]] = rng.choice([o["id"] for o in q["options"] if o["id"] != correct_id])
        prediction = max(0, int(self.n * rng.lognormvariate(0, 0.5)))
        submitted_at = t + timedelta(seconds=seconds)
        body = {"token": quiz["token"], "answers": answers, "prediction": prediction}
        receipt = self.call("POST /api/submit", submitted_at, "POST", "/api/submit", body, token=session)
        if rng.random() < 0.10:  # double-click, or "did it go through?"
            self.behaviour["submitted twice"] += 1
            again = self.call(
                "POST /api/submit",
                submitted_at + timedelta(seconds=rng.random() * 3),
                "POST",
                "/api/submit",
                body,
                token=session,
            )
            assert again.status == 200 and again.body == receipt.body, (again.status, again.body)
        assert receipt.status == 200, receipt.body
        issued = datetime.fromisoformat(quiz["issued_at"].replace("Z", "+00:00"))
        sent_duration = round((submitted_at - issued).total_seconds() * 1000)
        with self.lock:
            self.sent[name] = {
                "score": right,
                "duration_ms": sent_duration,
                "prediction": prediction,
                "receipt": receipt.body,
            }
        if rng.random() < 0.2:
            self.call("GET /api/me", submitted_at + timedelta(seconds=5), "GET", "/api/me", token=session)


def check(published: dict, sent: dict[str, dict], top: int) -> list[str]:
    """The published week against the simulator's own ranking of what it sent."""
    problems = []
    if published["participants"]["count"] != len(sent):
        problems.append(f"participants {published['participants']['count']} != {len(sent)} submitted")
    for name, s in sent.items():
        if s["receipt"].get("score") not in (None, s["score"]):
            problems.append(f"{name}: receipt score {s['receipt']['score']} != {s['score']} sent")
        if s["receipt"]["duration_ms"] != s["duration_ms"]:
            problems.append(f"{name}: receipt duration {s['receipt']['duration_ms']} != {s['duration_ms']}")
    key = {n: (-s["score"], s["duration_ms"] // 1000) for n, s in sent.items()}
    ours = sorted(sent, key=lambda n: key[n])
    entries = published["ranking"]["entries"]
    if len(entries) != min(top, len(sent)):
        problems.append(f"{len(entries)} entries published, expected {min(top, len(sent))}")
    for e in entries:
        s = sent.get(e["name"])
        if s is None:
            problems.append(f"published {e['name']!r} never submitted")
            continue
        if (e["score"], e["duration"], e["prediction"]) != (
            s["score"],
            s["duration_ms"] // 1000,
            s["prediction"],
        ):
            problems.append(f"{e['name']}: published {(e['score'], e['duration'], e['prediction'])} != sent")
    keys = [key[e["name"]] for e in entries if e["name"] in key]
    if keys != sorted(keys):
        problems.append("published order is not by score desc, then duration asc")
    if entries:
        boundary = keys[-1]
        must = {n for n in ours[: len(entries)] if key[n] < boundary}
        missing = must - {e["name"] for e in entries}
        if missing:
            problems.append(f"{len(missing)} contestants who rank above the last listed entry are missing")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contestants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--workers", type=int, default=32, help="contestants in flight at once")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "simulate")
    args = parser.parse_args()

    import os

    for name, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
    }.items():
        os.environ.setdefault(name, value)
    from contest.content.loader import load_content
    from contest.local.stack import LocalStack

    content = load_content(ROOT / "content")
    week = content.contest.week(1)
    clock = SimClock(week.opens_at)
    dev = Path(tempfile.mkdtemp(prefix="simulate-"))
    reset_emulator()
    started = time.perf_counter()
    with LocalStack(ROOT, clock=clock, dev_dir=dev, site_dir=dev / "site", schedule=False) as stack:
        original = stack._dispatch

        def dispatch(request):  # the request's virtual instant becomes the clock while it is served
            at = request.headers.get("x-sim-time")
            clock.local.at = datetime.fromtimestamp(float(at), UTC) if at else None
            try:
                original(request)
            finally:
                clock.local.at = None

        stack._dispatch = dispatch
        sim = Week(stack, clock, content, args.contestants, args.seed)
        ready = time.perf_counter()
        failures = []
        with ThreadPoolExecutor(args.workers) as pool:
            for k, future in enumerate([pool.submit(sim.contestant, k) for k in range(args.contestants)]):
                try:
                    future.result()
                except Exception as exc:
                    failures.append(f"contestant {k}: {exc!r}"[:300])
        week_seconds = time.perf_counter() - ready
        # the Sunday schedule fires (default payload) once the results time has come
        clock.at = week.results_at + timedelta(seconds=1)
        t = time.perf_counter()
        closed = stack.invoke("close_week", {})
        close_seconds = time.perf_counter() - t
        reply = sim.http.get("/results/week-1.json")
        published = json.loads(reply.raw)
    total_seconds = time.perf_counter() - started
    problems = check(
        published,
        sim.sent,
        content.contest.published_top
        if hasattr(content.contest, "published_top")
        else len(published["ranking"]["entries"]),
    )
    requests = sum(sim.statuses.values())
    five_xx = sum(n for (_, status, _), n in sim.statuses.items() if status >= 500)
    report = {
        "contestants": args.contestants,
        "submitted": len(sim.sent),
        "behaviour": dict(sim.behaviour),
        "requests": requests,
        "week_seconds": round(week_seconds, 1),
        "requests_per_second": round(requests / week_seconds, 1),
        "latency_ms": {
            route: {
                "n": len(v),
                "p50": round(1000 * percentile(v, 0.50), 1),
                "p95": round(1000 * percentile(v, 0.95), 1),
                "p99": round(1000 * percentile(v, 0.99), 1),
            }
            for route, v in sorted(sim.latency.items())
        },
        "responses": {f"{r} {s} {c}".strip(): n for (r, s, c), n in sorted(sim.statuses.items(), key=str)},
        "five_xx": five_xx,
        "client_failures": failures[:20],
        "close": {
            "seconds": round(close_seconds, 2),
            **{k: closed.get(k) for k in ("status", "participants", "ranked")},
        },
        "published_check": problems[:50] or "published results agree with the simulator's ranking",
        "total_seconds": round(total_seconds, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if problems or five_xx or failures else 0


if __name__ == "__main__":
    sys.exit(main())
