"""200 contestants start and submit at the same moment over HTTP on the local stack, each double-clicking
and retrying, while the DynamoDB call path fails: 10% of requests never arrive, 5% of writes commit and
lose their answer. Several seeds. Goal: 0 lost, 0 duplicated, 0 genuine contestants told "already
submitted", 0 5xx.

`make test` runs one seed (≈ 90 s on 2 cores: the local stack serves ≈ 11 requests/s); `make stress` runs
CONTEST_STRESS_SEEDS (default 1..6). Figures are written to
build/stress/submit-seed-<n>.json.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contest.store import Store
from tests.fakes import FixedClock
from tests.stress.harness import (
    REPO,
    Client,
    Faults,
    answers_for,
    captured_logs,
    correct_texts,
    make_root,
    running_stack,
    secrets_in,
    seed_contestants,
)
from tests.support import PINNED_QUIZ_RULES, WEEK1_MID

CONTESTANTS = int(os.environ.get("CONTEST_STRESS_CONTESTANTS", "200"))
SEEDS = [int(s) for s in os.environ.get("CONTEST_STRESS_SEEDS", "1").split(",") if s.strip()]
CLIENT_RETRIES = 6
OUT = REPO / "build" / "stress"


class Contestant:
    """One person in a browser: double-clicks every button, presses again when the page seems stuck."""

    def __init__(self, client: Client, seeded, right_text, rng: random.Random, tally: Counter, lock) -> None:
        self.client, self.me, self.right_text, self.rng = client, seeded, right_text, rng
        self.tally, self.lock = tally, lock
        self.replies: list[tuple[str, int, dict]] = []

    def _record(self, route: str, reply) -> None:
        with self.lock:
            self.tally[(route, reply.status, (reply.body or {}).get("code"))] += 1
        self.replies.append((route, reply.status, reply.body))

    def _until_answered(self, route: str, send) -> tuple[int, dict]:
        """What a browser does: on a 5xx, a dropped connection or TRY_AGAIN, wait a little and resend."""
        for _ in range(CLIENT_RETRIES):
            try:
                reply = send()
            except OSError as exc:
                with self.lock:
                    self.tally[(route, "connection-error", type(exc).__name__)] += 1
                time.sleep(0.05)
                continue
            self._record(route, reply)
            code = (reply.body or {}).get("code")
            if reply.status >= 500 or code == "TRY_AGAIN":
                time.sleep(0.05 + self.rng.random() * 0.1)
                continue
            return reply.status, reply.body
        raise AssertionError(f"{route}: no answer after {CLIENT_RETRIES} tries")

    def double_click(self, route: str, send) -> list[tuple[int, dict]]:
        out: list = [None, None]

        def click(k: int) -> None:
            out[k] = self._until_answered(route, send)

        second = threading.Thread(target=click, args=(1,))
        second.start()
        click(0)
        second.join()
        return out

    def start(self) -> dict:
        replies = self.double_click("quiz", lambda: self.client.post("/api/quiz", {}, token=self.me.session))
        assert all(s == 200 for s, _ in replies), replies
        assert replies[0][1]["attempt_id"] == replies[1][1]["attempt_id"], "two attempts from one double-click"
        return replies[0][1]

    def submit(self, quiz: dict, correct: int, prediction: int) -> list[tuple[int, dict]]:
        body = {
            "token": quiz["token"],
            "answers": answers_for(quiz, self.right_text, correct),
            "prediction": prediction,
        }
        session = self.me.session  # submit needs the attempt owner's session
        replies = self.double_click("submit", lambda: self.client.post("/api/submit", body, token=session))
        time.sleep(self.rng.random() * 0.2)  # "did it go through?" — pressed once more
        replies.append(self._until_answered("submit", lambda: self.client.post("/api/submit", body, token=session)))
        return replies


def run_week(tmp_path: Path, seed: int) -> dict:
    root = make_root(tmp_path, contest_changes=PINNED_QUIZ_RULES)  # the rules its checks are written for
    right_text = correct_texts(root)
    clock = FixedClock(WEEK1_MID)
    with running_stack(root, clock) as stack, captured_logs() as logs:
        people = seed_contestants(stack, CONTESTANTS)
        client = Client(stack.base_url)
        tally: Counter = Counter()
        lock = threading.Lock()
        faults = Faults(seed=seed)
        go_start, go_submit = threading.Barrier(CONTESTANTS), threading.Barrier(CONTESTANTS)
        plan = {}
        failures: list[BaseException] = []

        def journey(k: int) -> dict:
            rng = random.Random(f"{seed}-{k}")
            person = Contestant(client, people[k], right_text, rng, tally, lock)
            correct, prediction = rng.randrange(0, 16), rng.randrange(0, 5000)
            try:
                go_start.wait(timeout=120)
                quiz = person.start()
                go_submit.wait(timeout=300)
                receipts = person.submit(quiz, correct, prediction)
            except BaseException as exc:
                if not isinstance(exc, threading.BrokenBarrierError):
                    failures.append(exc)
                go_start.abort()
                go_submit.abort()
                raise
            return {"quiz": quiz, "receipts": receipts, "correct": correct, "prediction": prediction}

        started = time.perf_counter()
        with faults.active(environments=2 * CONTESTANTS), ThreadPoolExecutor(CONTESTANTS) as pool:
            futures = [pool.submit(journey, k) for k in range(CONTESTANTS)]
            results = [f.result() if not f.exception() else None for f in futures]
        if failures:
            raise failures[0]
        elapsed = time.perf_counter() - started

        # What the database holds: one submitted attempt and one standing per contestant, as sent.
        repo = Store()
        standings = {s.account_id: s for s in repo.quiz.iter_standings(1)}
        attempts = {p.account_id: repo.quiz.attempts(p.account_id, 1) for p in people}
        lost, duplicated, wrong = [], [], []
        for person, result in zip(people, results, strict=True):
            plan[person.account_id] = result
            receipts = result["receipts"]
            bodies = {json.dumps(b, sort_keys=True) for s, b in receipts}
            if {s for s, _ in receipts} != {200} or len(bodies) != 1:
                wrong.append((person.account_id, receipts))
            stored = attempts[person.account_id]
            standing = standings.get(person.account_id)
            if standing is None or not stored or not stored[0].submitted:
                lost.append(person.account_id)
                continue
            if len(stored) != 1 or standing.attempts != 1:
                duplicated.append(person.account_id)
            if (standing.score, standing.prediction, standing.attempt_id) != (
                result["correct"],
                result["prediction"],
                result["quiz"]["attempt_id"],
            ) or receipts[0][1]["score"] != result["correct"]:
                wrong.append((person.account_id, "stored result differs from what was sent"))
        extra = set(standings) - {p.account_id for p in people}
        codes = Counter(code for (_, _, code), n in tally.items() for _ in range(n))
        five_xx = sum(n for (route, status, _), n in tally.items() if isinstance(status, int) and status >= 500)
        log_leaks = secrets_in(
            logs.text,
            phones=[p.phone for p in people],
            codes=[],
            tokens=[p.session for p in people] + [r["quiz"]["token"] for r in results],
        )
    bugs = Counter(
        line.strip().splitlines()[-1][:200] for line in logs.lines if "unhandled error" in line and "Traceback" in line
    )
    figures = {
        "seed": seed,
        "contestants": CONTESTANTS,
        "requests": sum(tally.values()),
        "seconds": round(elapsed, 2),
        "dynamodb_calls": sum(faults.calls.values()),
        "faults_injected": dict(sorted(faults.injected.items())),
        "faults_total": faults.total,
        "responses": {
            f"{route} {status} {code or ''}".strip(): n for (route, status, code), n in sorted(tally.items(), key=str)
        },
        "lost": len(lost),
        "duplicated": len(duplicated) + len(extra),
        "told_already_submitted": codes.get("ALREADY_SUBMITTED", 0),
        "five_xx": five_xx,
        "wrong": len(wrong),
        "unhandled_errors": dict(bugs),
        "log_lines": len(logs.lines),
        "log_leaks": log_leaks,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"submit-seed-{seed}.errors.txt").write_text(
        "\n\n".join(line for line in logs.lines if "unhandled error" in line), encoding="utf-8"
    )
    (OUT / f"submit-seed-{seed}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    figures["_details"] = {"lost": lost[:5], "duplicated": duplicated[:5], "wrong": wrong[:3]}
    return figures


@pytest.mark.parametrize("seed", SEEDS)
def test_simultaneous_submissions_with_faults_lose_and_duplicate_nothing(tmp_path, seed):
    figures = run_week(tmp_path, seed)
    summary = {k: v for k, v in figures.items() if k != "_details"}
    # faults really happened, of both kinds, on the write that matters
    assert figures["faults_injected"].get("lost:TransactWriteItems", 0) > 0, summary
    assert figures["faults_injected"].get("before:TransactWriteItems", 0) > 0, summary
    assert figures["faults_total"] >= 0.05 * figures["dynamodb_calls"], summary
    # and nobody noticed
    assert figures["lost"] == 0, figures
    assert figures["duplicated"] == 0, figures
    assert figures["told_already_submitted"] == 0, figures
    assert figures["five_xx"] == 0, figures
    assert figures["wrong"] == 0, figures
    assert figures["log_leaks"] == [], figures
