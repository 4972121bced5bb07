"""Scans for leaks over the whole surface a visitor can reach.

- Before the close, nothing reveals the answer key: no API response (every route, a full contestant journey,
  errors included) carries a key field or an unshown option, and no file of the built site holds any
  question of the bank. The same scan run after the close finds the published key in week-1.json, which
  proves the scan can see one.
- Privacy: every published file (results, the built site) and the handlers' log output hold no phone
  number in any spelling, no one-time code, no token and no password hash.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fakes import FixedClock
from tests.stress.harness import (
    REPO,
    Client,
    answers_for,
    captured_logs,
    correct_texts,
    make_root,
    running_stack,
    secrets_in,
)
from tests.support import WEEK1_MID, unit

PASSWORD = "mat-khau-123"
KEY_FIELDS = re.compile(r'"(correct|correct_option|answer_key|answers_key|is_correct|dap_an|solution)"\s*:')


def keys_of(value, out=None) -> set[str]:
    out = set() if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            keys_of(v, out)
    elif isinstance(value, list):
        for v in value:
            keys_of(v, out)
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A stack on a generated bank, its site built, five contestants' full journeys over HTTP, every response
    kept; then the week closed."""
    tmp = tmp_path_factory.mktemp("leaks")
    root = make_root(tmp)
    shutil.copytree(REPO / "site", root / "site")
    from contest.organisers.sitebuild import build

    site = root / "build" / "site"
    build(root, site)
    right = correct_texts(root)
    bank = json.loads(json.dumps(__import__("yaml").safe_load((root / "content/questions/stress.yaml").read_text())))
    clock = FixedClock(WEEK1_MID)
    replies, phones, codes, tokens = [], [], [], []
    with captured_logs() as logs, running_stack(root, clock, site_dir=site) as stack:
        http = Client(stack.base_url)

        def keep(reply):
            replies.append(reply)
            return reply

        for path in (
            "/api/contest",
            "/api/units",
            "/api/me",
            "/api/coordinator",
            "/results/week-1.json",
            "/results/index.json",
        ):
            keep(http.get(path))
        for k in range(5):
            phone = f"09120006{k:02d}"
            phones.append("+84" + phone[1:])
            keep(
                http.post(
                    "/api/register",
                    {
                        "full_name": f"Người Kiểm Tra {k}",
                        "phone": phone,
                        "unit_id": unit("so-tttt"),
                        "password": PASSWORD,
                        "consent": True,
                    },
                )
            )
            sms = [json.loads(x) for x in stack.outbox_path.read_text(encoding="utf-8").splitlines()]
            code = re.search(r"\b(\d{6})\b", sms[-1]["text"]).group(1)
            codes.append(code)
            keep(http.post("/api/verify", {"phone": phone, "code": "000000" if code != "000000" else "111111"}))
            keep(http.post("/api/verify", {"phone": phone, "code": code}))
            login = keep(http.post("/api/login", {"phone": phone, "password": PASSWORD}))
            session = login.body["token"]
            tokens.append(session)
            keep(http.get("/api/me", token=session))
            keep(http.get("/api/coordinator", token=session))
            quiz = keep(http.post("/api/quiz", {}, token=session))
            tokens.append(quiz.body["token"])
            keep(http.post("/api/quiz", {}, token=session))
            clock.advance(300)
            body = {
                "token": quiz.body["token"],
                "answers": answers_for(quiz.body, right, 3 * k),
                "prediction": k,
            }
            keep(http.post("/api/submit", body, token=session))
            # a refused different resubmission
            keep(http.post("/api/submit", body | {"prediction": k + 1}, token=session))
            keep(http.get("/api/me", token=session))
            keep(http.post("/api/password/reset", {"phone": phone}))
        before_close = [r for r in replies]
        site_before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
        # the Sunday schedule fires
        clock.at = stack.functions["close_week"].runtime.content.get().contest.week(1).results_at + timedelta(seconds=1)
        assert stack.invoke("close_week", {})["status"] == "published"
        after = [http.get("/results/week-1.json"), http.get("/results/index.json")]
        sms = [json.loads(x) for x in stack.outbox_path.read_text(encoding="utf-8").splitlines()]
        codes += [re.search(r"\b(\d{6})\b", m["text"]).group(1) for m in sms]
        published = {p: p.read_bytes() for p in stack.public_dir.rglob("*") if p.is_file()}
        log_text = logs.text
    return {
        "bank": bank["questions"],
        "before": before_close,
        "after": after,
        "site": site_before,
        "published": published,
        "phones": phones,
        "codes": codes,
        "tokens": tokens,
        "logs": log_text,
    }


def bank_strings(bank) -> list[str]:
    out = []
    for q in bank:
        out += [q["id"], q["text"]]
    return out


def test_no_api_response_reveals_the_answer_key_before_the_close(world):
    assert len(world["before"]) > 60
    shown_keys = set()
    for reply in world["before"]:
        text = reply.raw.decode("utf-8", "replace")
        assert not KEY_FIELDS.search(text), text[:300]
        if isinstance(reply.body, dict):
            shown_keys |= keys_of(reply.body)
        assert reply.status < 500
    # the quiz shows each question as id, text and four options (id, text), nothing else
    quizzes = [
        r.body for r in world["before"] if isinstance(r.body, dict) and isinstance(r.body.get("questions"), list)
    ]
    assert quizzes
    for quiz in quizzes:
        for q in quiz["questions"]:
            assert set(q) <= {"id", "text", "options"} and all(set(o) == {"id", "text"} for o in q["options"])
    # results are not there before the close
    assert all(r.status == 404 for r in world["before"] if r.raw and b"ranking" in r.raw)
    assert not any(b'"answer_key"' in r.raw for r in world["before"])


def test_no_file_of_the_built_site_holds_a_question_before_the_close(world):
    strings = bank_strings(world["bank"])
    assert len(world["site"]) > 10
    for path, data in world["site"].items():
        text = data.decode("utf-8", "replace")
        found = [s for s in strings if s in text]
        assert found == [], (path, found[:3])
        assert not KEY_FIELDS.search(text), path


def test_the_scan_finds_the_key_once_it_is_published_after_the_close(world):
    week = world["after"][0]
    assert week.status == 200 and b'"answer_key"' in week.raw
    assert any(q["id"] in week.raw.decode() for q in world["bank"])


def test_no_published_file_or_log_line_holds_a_phone_code_token_or_password_hash(world):
    assert world["published"] and world["logs"]
    for path, data in list(world["published"].items()) + list(world["site"].items()):
        text = data.decode("utf-8", "replace")
        found = secrets_in(text, phones=world["phones"], codes=[], tokens=world["tokens"])
        # codes are six digits: only look for them in text files where a six-digit number could be a code
        found += [
            f"code {c}"
            for c in world["codes"]
            if re.search(rf"(?<![\d.]){c}(?![\d.])", text) and Path(str(path)).suffix in (".json", ".html")
        ]
        assert found == [], (str(path), found[:5])
    log_found = secrets_in(world["logs"], phones=world["phones"], codes=world["codes"], tokens=world["tokens"])
    assert log_found == [], log_found[:5]
