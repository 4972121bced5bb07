"""The Sunday close end to end: contestants through the real quiz/submit handlers, the close through the
real close_week handler driven by Scheduler events (tests/events/scheduler_*.json), all on moto."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from contest.close.week import CloseWeek, OrderMismatch, UnknownGroup, WeekNotOver
from contest.rules import tokens
from contest.rules.clock import to_ms
from contest.rules.errors import WeekStillOpen
from contest.rules.model import Account
from contest.rules.passwords import DUMMY_HASH
from contest.rules.phones import mask
from contest.rules.publication import canonical_json
from contest.store import Store
from contest.store.keys import PROFILE, account_pk, shard_of, standing_pk
from contest.store.tables import AccountItem, StandingItem
from tests.integration.conftest import load_handlers
from tests.support import CONTENT as TEST_CONTENT
from tests.support import (
    EVENTS,
    PHONES,
    PINNED_PRIZES,
    PINNED_QUIZ_RULES,
    WEEK1_RESULTS,
    LambdaContext,
    e164,
    event,
    make_content,
)

SECRET = ("test-secret-" + "s" * 40).encode()
CONTESTANTS = int(os.environ.get("CLOSE_TEST_CONTESTANTS", "300"))


@pytest.fixture
def content():
    """The contest under test with the quiz rules and prize table these tests are written for."""
    return make_content(contest_changes={**PINNED_QUIZ_RULES, **PINNED_PRIZES})


def scheduler_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


class Week:
    """Contestants who take the quiz through the handlers; the clock is shared with every handler."""

    def __init__(self, functions, repo, content, clock):
        self.functions, self.repo, self.content, self.clock = functions, repo, content, clock
        self.correct_text = {q.id: q.options[q.correct] for q in content.bank.questions}
        self.accounts: dict[str, Account] = {}

    def account(self, i: int, name: str, unit: str) -> Account:
        phone = e164(PHONES[i])
        account = Account(f"acc-{i:04d}", phone, name, unit, DUMMY_HASH, True, False, to_ms(self.clock.now()), 1)
        self.repo.accounts.create_account(
            account, consent_at_ms=account.created_at_ms, consent_version="1", code=None, code_ttl_s=300
        )
        self.accounts[account.account_id] = account
        return account

    def session(self, account: Account) -> str:
        now = int(self.clock.now().timestamp())
        return tokens.sign(
            {"kind": "session", "sub": account.account_id, "ver": 1, "iat": now, "exp": now + 3600}, SECRET
        )

    def call(self, fn: str, path: str, body, token: str | None = None) -> tuple[int, dict]:
        headers = {"x-contest-session": token} if token else {}
        result = self.functions[fn].lambda_handler(event("POST", path, body, headers), LambdaContext())
        return result["statusCode"], json.loads(result["body"] or "{}")

    def start(self, account: Account) -> dict:
        status, body = self.call("quiz", "/api/quiz", {}, self.session(account))
        assert status == 200, body
        return body

    def answers(self, quiz: dict, correct: int) -> dict[str, str]:
        out = {}
        for k, q in enumerate(quiz["questions"]):
            right = next(o["id"] for o in q["options"] if o["text"] == self.correct_text[q["id"]])
            wrong = next(o["id"] for o in q["options"] if o["id"] != right)
            out[q["id"]] = right if k < correct else wrong
        return out

    def submit(self, quiz: dict, correct: int, prediction: int) -> tuple[int, dict]:
        payload = quiz["token"].split(".")[1]
        owner = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
        return self.call(
            "submit",
            "/api/submit",
            {"token": quiz["token"], "answers": self.answers(quiz, correct), "prediction": prediction},
            self.session(self.accounts[owner]),  # submit needs the owner's session
        )

    def take(self, account: Account, correct: int, seconds: float, prediction: int) -> dict:
        quiz = self.start(account)
        self.clock.advance(seconds)
        status, body = self.submit(quiz, correct, prediction)
        assert status == 200, body
        self.clock.advance(1)
        return body


@pytest.fixture
def week(repo, content, clock, sender):
    functions = load_handlers(clock, sender, names=("quiz", "submit", "close_week"))
    for module in functions.values():
        module.runtime.secret = SECRET
    functions["close_week"].runtime.repo.standings.page_limit = 7  # several pages per shard, as a big week would have
    return Week(functions, repo, content, clock)


def close(week: Week, payload: dict):
    return week.functions["close_week"].lambda_handler(payload, LambdaContext())


def read_tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def public(env) -> Path:
    return Path(env["CONTEST_PUBLISH_DIR"]) / "results"  # the bucket's keys, served at /results/


def private(env) -> Path:
    return Path(env["CONTEST_PRIVATE_DIR"]) / "reports"


HANDLER_CROWD = 32  # contestants beyond the cast who go through the quiz/submit handlers


def seed_crowd(week: Week, units: list[str], first: int, last: int, rnd: random.Random) -> None:
    """The rest of the crowd, written as the submit path writes them (moto copies the whole table on
    every transaction, so hundreds of handler submissions would take minutes). Six of them verified
    their phones from one address: a review flag, never a removal."""
    with AccountItem.batch_write() as batch:
        for i in range(first, last):
            batch.save(
                AccountItem(
                    pk=account_pk(f"acc-{i:04d}"),
                    sk=PROFILE,
                    account_id=f"acc-{i:04d}",
                    phone=e164(PHONES[i]),
                    full_name=f"Người Dự Thi {i}",
                    unit_id=units[i % len(units)],
                    password_hash=DUMMY_HASH,
                    verified=True,
                    excluded=False,
                    created_at_ms=0,
                    consent_at_ms=0,
                    consent_version="1",
                    verified_ip_hash="shared-address" if i < first + 6 else f"address-{i}",
                )
            )
    with StandingItem.batch_write() as batch:
        for i in range(first, last):
            account_id = f"acc-{i:04d}"
            batch.save(
                StandingItem(
                    pk=standing_pk(1, shard_of(account_id)),
                    sk=account_id,
                    account_id=account_id,
                    score=rnd.randrange(0, 15),
                    duration_ms=rnd.randrange(200_000, 1_500_000),
                    prediction=rnd.randrange(0, 1000),
                    unit_id=units[i % len(units)],
                    full_name=f"Người Dự Thi {i}",
                    phone_masked=mask(e164(PHONES[i])),
                    attempt_id=f"att-{i}",
                    attempts=1,
                    received_at_ms=0,
                )
            )


def seed_week(week: Week, content) -> dict[str, Account]:
    """300 contestants: a clear winner, a 3-way tie across the second/third boundary, two thirds,
    an organiser who took part and is excluded afterwards, and a crowd below."""
    units = [u.id for u in content.units]
    rnd = random.Random(4)
    actual = CONTESTANTS - 1  # everyone but the excluded organiser
    cast: dict[str, Account] = {}
    cast["organiser"] = week.account(0, "Trần Tổ Chức", units[0])
    week.take(cast["organiser"], 15, 60, actual)  # best of all, must never be ranked
    cast["winner"] = week.account(1, "Nguyễn Văn Nhất", units[1])
    week.take(cast["winner"], 15, 90, actual + 50)
    for k, name in enumerate(("Lê Thị Hoà", "Phạm Văn Bình", "Đặng Thu Hà")):  # same score, time, prediction
        cast[f"tie{k}"] = week.account(2 + k, name, units[2 + k])
        week.take(cast[f"tie{k}"], 15, 100, actual + 7)
    cast["third1"] = week.account(5, "Võ Minh Ba", units[5])
    week.take(cast["third1"], 15, 110, actual)
    cast["third2"] = week.account(6, "Bùi Xuân Tư", units[6])
    week.take(cast["third2"], 15, 111, actual)
    cast["next"] = week.account(7, "Hồ Quốc Năm", units[7])
    week.take(cast["next"], 15, 112, actual)
    cast["fast"] = week.account(8, "Đỗ Văn Nhanh", units[8])
    week.take(cast["fast"], 13, 12, actual)  # 15 questions in 12 s: flagged for the committee
    for i in range(9, 9 + HANDLER_CROWD):
        account = week.account(i, f"Người Dự Thi {i}", units[i % len(units)])
        week.take(account, rnd.randrange(0, 15), rnd.randrange(200, 1500), rnd.randrange(0, 1000))
    seed_crowd(week, units, 9 + HANDLER_CROWD, CONTESTANTS, rnd)
    week.repo.phones.add_exclusion(cast["organiser"].phone, "Tổ Thư ký", to_ms(week.clock.now()))
    return cast


def test_a_week_of_300_contestants_closes_end_to_end(week, content, clock, env):
    # Given a week of 300 contestants, and two late ones with attempts still open at the close
    cast = seed_week(week, content)
    w1 = content.contest.weeks[0]
    late = [week.account(CONTESTANTS + k, f"Ngô Văn Muộn {k}", content.units[0].id) for k in range(2)]
    clock.at = w1.closes_at - timedelta(seconds=60)
    late_quizzes = [week.start(a) for a in late]
    # When one submits after the closing time and its grace
    clock.at = w1.closes_at + timedelta(seconds=content.contest.quiz.grace_seconds + 1)
    status, body = week.submit(late_quizzes[0], 15, 1)
    # Then it is refused
    assert (status, body["code"]) == (409, "WEEK_CLOSED")
    # When the clock passes the results time and the schedule fires with its default payload
    clock.at = w1.results_at + timedelta(seconds=1)
    result = close(week, scheduler_event("scheduler_default.json"))
    # Then a submission after the close is refused too, and neither late contestant has a standing
    status, body = week.submit(late_quizzes[1], 15, 1)
    assert status in (401, 409) and body["code"] in ("INVALID_TOKEN", "WEEK_CLOSED")
    assert all(week.repo.quiz.standing(1, a.account_id) is None for a in late)

    # And the week is published
    assert result["status"] == "published" and result["week"] == 1
    published = json.loads((public(env) / "week-1.json").read_bytes())
    assert published["participants"] == {
        "count": CONTESTANTS - 1,
        "counted": "contestants",
        "description": published["participants"]["description"],
    }
    entries = published["ranking"]["entries"]
    top = week.content.contest.published_top  # 100 in the shipped contest
    assert len(entries) == min(top, CONTESTANTS - 1) and published["ranking"]["total"] == CONTESTANTS - 1
    names = [e["name"] for e in entries]
    assert "Trần Tổ Chức" not in names and not any(n.startswith("Ngô Văn Muộn") for n in names)
    assert entries[0]["name"] == "Nguyễn Văn Nhất" and entries[0]["prize"] == "first"
    # the three-way tie shares rank 2, is marked, and its prizes wait for the committee
    tie = entries[1:4]
    assert {e["rank"] for e in tie} == {2} and len({e["tie_group"] for e in tie}) == 1
    label = tie[0]["tie_group"]
    assert all(e["prize"] == "pending" for e in tie)
    group = next(g for g in published["tie_groups"] if g["label"] == label)
    assert group["status"] == "committee_decides" and group["status_label"] == "Ban Tổ chức quyết định"
    prizes = {p["prize"]: p for p in published["prizes"]}
    assert [w["name"] for w in prizes["first"]["awarded"]] == ["Nguyễn Văn Nhất"]
    assert prizes["second"]["awarded"] == [] and prizes["second"]["pending"][0]["count"] == 2
    assert len(prizes["second"]["pending"][0]["candidates"]) == 3
    assert [w["name"] for w in prizes["third"]["awarded"]] == ["Võ Minh Ba", "Bùi Xuân Tư"]
    assert prizes["third"]["pending"][0]["count"] == 1
    assert entries[4]["rank"] == 5 and entries[6]["prize"] is None
    # the answer key is the whole week-1 pool with its correct options (no later week shares a question here)
    pool = {q.id: q.correct for q in content.bank.pool(1)}
    assert {q["id"]: q["correct"] for q in published["answer_key"]} == pool
    # units: everyone counted once
    assert sum(u["participants"] for u in published["units"]) == CONTESTANTS - 1
    # nothing personal beyond the masked phone
    raw = (public(env) / "week-1.json").read_text(encoding="utf-8")
    for account in week.accounts.values():
        assert account.phone not in raw and account.phone[3:] not in raw and account.account_id not in raw
    assert entries[0]["phone"] == "•••••••" + cast["winner"].phone[-3:]
    # the published SHA-256 is the private canonical standings file's
    canonical = (private(env) / "week-1" / "standings.tsv").read_bytes()
    assert hashlib.sha256(canonical).hexdigest() == published["standings_sha256"]
    assert canonical.count(b"\n") == CONTESTANTS  # header + 299 entries
    # private reports: CSV with BOM, a three-sheet workbook listing the tie and the removed organiser
    assert (private(env) / "week-1" / "standings.csv").read_bytes().startswith("\ufeffHạng".encode())
    book = load_workbook(private(env) / "week-1" / "report.xlsx", read_only=True)
    assert book.sheetnames == ["Tổng hợp theo đơn vị", "Chi tiết cá nhân", "Đồng hạng và cờ rà soát", "Xác nhận giải"]
    ties_sheet = [r for r in book["Đồng hạng và cờ rà soát"].iter_rows(values_only=True)]
    assert sum(1 for r in ties_sheet if r and r[0] == label) == 3
    assert any(r and r[4] == cast["organiser"].account_id for r in ties_sheet)
    # review flags list the too-fast attempt and the six accounts verified from one address
    review = json.loads((private(env) / "week-1" / "review.json").read_bytes())
    flags = {(f["kind"], f["account_id"]) for f in review["flags"]}
    assert ("too_fast", cast["fast"].account_id) in flags
    assert sum(1 for kind, _ in flags if kind == "shared_device") == 6
    assert cast["fast"].account_id not in {r["account_id"] for r in review["removed"]}
    index = json.loads((public(env) / "index.json").read_bytes())
    assert [w["week"] for w in index["weeks"]] == [1]
    # and the index carries the week's results as published in week-1.json: the results page needs one request
    assert canonical_json(index["latest"]) == (public(env) / "week-1.json").read_bytes()

    # When the schedule fires again: nothing changes
    before = read_tree(public(env)) | {f"private/{k}": v for k, v in read_tree(private(env)).items()}
    assert close(week, scheduler_event("scheduler_default.json"))["status"] == "already-closed"
    # And a rerun of week 1 republishes byte-identical files
    assert close(week, scheduler_event("scheduler_rerun_week1.json"))["status"] == "published"
    after = read_tree(public(env)) | {f"private/{k}": v for k, v in read_tree(private(env)).items()}
    assert after == before

    # When the committee orders the tie and disqualifies a third-prize winner
    closer = CloseWeek(
        Store(),
        week.functions["close_week"].runtime.content,
        clock,
        week.functions["close_week"].runtime.publisher,
    )
    order = [cast["tie2"].account_id, cast["tie0"].account_id, cast["tie1"].account_id]
    with pytest.raises(OrderMismatch):
        closer.order_group(1, label, order[:2], "Bốc thăm", "Ban Tổ chức")
    with pytest.raises(UnknownGroup):
        closer.order_group(1, "N999", order, "Bốc thăm", "Ban Tổ chức")
    closer.order_group(1, label, order, "Bốc thăm công khai ngày 23/10", "Trưởng Ban Tổ chức")
    closer.disqualify(1, cast["third1"].account_id, "Dùng hai tài khoản", "Ban Tổ chức")
    # Then the published results apply both, say so and why
    published = json.loads((public(env) / "week-1.json").read_bytes())
    entries = published["ranking"]["entries"]
    assert [e["name"] for e in entries[1:4]] == ["Đặng Thu Hà", "Lê Thị Hoà", "Phạm Văn Bình"]
    assert [e["rank"] for e in entries[:6]] == [1, 2, 3, 4, 5, 6]
    assert [e["prize"] for e in entries[:7]] == ["first", "second", "second", "third", "third", "third", None]
    assert "Võ Minh Ba" not in [e["name"] for e in entries]
    assert entries[5]["name"] == "Hồ Quốc Năm"
    group = next(g for g in published["tie_groups"] if g["label"] == label)
    assert group["status"] == "decided" and group["decision"]["reason"] == "Bốc thăm công khai ngày 23/10"
    kinds = sorted(d["kind"] for d in published["committee_decisions"])
    assert kinds == ["disqualification", "order"]
    assert published["participants"]["count"] == CONTESTANTS - 2
    # and a later rerun keeps applying them, byte for byte
    decided = read_tree(public(env))
    close(week, scheduler_event("scheduler_rerun_week1.json"))
    assert read_tree(public(env)) == decided


def test_an_interrupted_publication_leaves_the_previous_version_readable(week, content, clock, env, monkeypatch):
    # Given a published week
    units = [u.id for u in content.units]
    accounts = [week.account(i, f"Người {i}", units[i]) for i in range(5)]
    for k, account in enumerate(accounts):
        week.take(account, 10 + k, 100, 5)
    clock.at = content.contest.weeks[0].results_at
    close(week, scheduler_event("scheduler_default.json"))
    old = (public(env) / "week-1.json").read_bytes()
    old_index = (public(env) / "index.json").read_bytes()
    # When a disqualification is recorded and the republication dies while writing week-1.json
    repo = Store()
    from contest.rules.ranking import Disqualification

    repo.close.record_disqualification(
        1, Disqualification(accounts[4].account_id, "Gian lận", "BTC", to_ms(clock.now()))
    )
    real_fsync = os.fsync
    calls = {"n": 0}

    def dying_fsync(fd):
        if "/results/.week-1.json." in os.readlink(f"/proc/self/fd/{fd}"):  # the public file, not its archive copy
            raise OSError("disk went away")
        calls["n"] += 1
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", dying_fsync)
    with pytest.raises(OSError):
        close(week, scheduler_event("scheduler_republish_week1.json"))
    monkeypatch.setattr(os, "fsync", real_fsync)
    # Then readers still get the complete previous version, and no temporary file is left behind
    assert (public(env) / "week-1.json").read_bytes() == old
    assert json.loads(old)["ranking"]["entries"][0]["name"] == "Người 4"
    assert (public(env) / "index.json").read_bytes() == old_index
    assert [p.name for p in public(env).iterdir() if p.name.startswith(".")] == []
    assert calls["n"] > 0  # the private files before it were written
    # And the next run publishes the new version
    close(week, scheduler_event("scheduler_republish_week1.json"))
    assert json.loads((public(env) / "week-1.json").read_bytes())["ranking"]["entries"][0]["name"] == "Người 3"


def test_a_week_not_over_is_refused_and_force_never_reaches_into_the_window(week, content, clock, env):
    # Given the clock in the middle of week 1
    account = week.account(0, "Nguyễn Thị Sớm", content.units[0].id)
    week.take(account, 12, 300, 1)
    # When the schedule fires with the default payload: nothing is due
    assert close(week, scheduler_event("scheduler_default.json")) == {"status": "nothing-due"}
    # When week 1 is asked for explicitly: refused, the week is still running
    with pytest.raises(WeekStillOpen):
        close(week, scheduler_event("scheduler_rerun_week1.json"))
    # When week 2 is forced (the Scheduler payload with "force"): refused as well, whatever the flag
    with pytest.raises(WeekStillOpen):
        close(week, scheduler_event("scheduler_force_week2.json"))
    assert not public(env).exists() or list(public(env).iterdir()) == []
    # When week 1's window (closes_at + grace) has ended but its results time has not come
    w1 = content.contest.weeks[0]
    clock.at = w1.closes_at + timedelta(seconds=content.contest.quiz.grace_seconds + 1)
    with pytest.raises(WeekNotOver):
        close(week, scheduler_event("scheduler_rerun_week1.json"))
    # Then force publishes it early, with its participant
    result = close(week, {"week": 1, "force": True})
    assert result["status"] == "published" and result["participants"] == 1
    published = json.loads((public(env) / "week-1.json").read_bytes())
    assert [e["name"] for e in published["ranking"]["entries"]] == ["Nguyễn Thị Sớm"]


def test_after_the_last_week_the_final_unit_awards_are_published(week, content, clock, env):
    # Given contestants of three units in week 1
    units = [u.id for u in content.units]
    for i in range(9):
        week.take(week.account(i, f"Người {i}", units[i % 3]), 15 - (i % 3) * 5, 100, 9)
    # When every week is closed, each at its results time
    for number in [w.number for w in content.contest.weeks]:
        clock.at = content.contest.week(number).results_at
        close(week, {"week": number})
    # Then final.json ranks the units by the documented formula, with one prize each
    final = json.loads((public(env) / "final.json").read_bytes())
    assert final["formula"]["weights"] == content.contest.final_formula
    top = final["units"][:3]
    assert [u["unit_id"] for u in top] == units[:3]
    assert [u["prize"] for u in top] == ["first", "second", "third"]
    assert all(u["participations"] == 0 for u in final["units"][3:])
    index = json.loads((public(env) / "index.json").read_bytes())
    assert index["final"] == "final.json" and [w["week"] for w in index["weeks"]] == [
        w.number for w in content.contest.weeks
    ]
    assert (private(env) / "final" / "report.xlsx").exists()


def test_the_cli_closes_and_records_committee_decisions(week, content, clock, env, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from contest.cli import app

    project = tmp_path / "project"  # a project folder with no local stack running in it
    (project / "content").mkdir(parents=True)
    (project / "content" / "contest.yaml").write_bytes((TEST_CONTENT / "contest.yaml").read_bytes())
    monkeypatch.chdir(project)

    # Given a two-way tie for first place
    units = [u.id for u in content.units]
    a, b, c = (week.account(i, n, units[i]) for i, n in enumerate(("Lê Văn A", "Trần Thị B", "Phạm C")))
    week.take(a, 15, 100, 3)
    week.take(b, 15, 100, 3)
    week.take(c, 12, 100, 3)
    runner = CliRunner()
    # When the organiser closes week 2 early from a terminal (CONTEST_CLOCK in week 1), even forced: refused
    monkeypatch.setenv("CONTEST_CLOCK", content.contest.weeks[0].results_at.isoformat())
    for extra in ([], ["--force"]):
        refused = runner.invoke(app, ["close-week", "--week", "2", "--aws", *extra], env={"COLUMNS": "200"})
        assert refused.exit_code == 1 and "vẫn đang diễn ra" in refused.output and "--force" not in refused.output
    # When week 1 is closed
    done = runner.invoke(app, ["close-week", "--week", "1", "--aws"])
    assert done.exit_code == 0, done.output
    assert "Đã công bố kết quả tuần 1" in done.output and "giải chờ Ban Tổ chức quyết định" in done.output
    listed = runner.invoke(app, ["committee", "groups", "--week", "1", "--aws"], env={"COLUMNS": "80"})
    # Then on an 80-column terminal: every line fits, prizes in Vietnamese, members by short handle, names whole
    assert listed.exit_code == 0, listed.output
    assert max(len(line) for line in listed.output.splitlines()) <= 80, listed.output
    assert "Giải Nhất" in listed.output and "first" not in listed.output
    assert "Lê Văn A" in listed.output and "Trần Thị B" in listed.output
    from contest.cli.committee import handles

    short = handles([a.account_id, b.account_id])
    short_a, short_b = short[a.account_id], short[b.account_id]
    assert short_a in listed.output and short_b in listed.output and max(len(short_a), len(short_b)) <= 8
    # And the committee orders the tie (on AWS: without --aws and no local stack running it says so)
    order = [
        "committee",
        "order",
        "--week",
        "1",
        "--group",
        "N1",
        "--order",
        f"{short_b},{short_a}",  # the handles `committee groups` shows
        "--reason",
        "Bốc thăm",
        "--by",
        "Trưởng Ban",
    ]
    no_stack = runner.invoke(app, order)
    assert no_stack.exit_code == 1 and "Không có môi trường cục bộ nào đang chạy" in no_stack.output
    ordered = runner.invoke(app, [*order, "--aws"])
    assert ordered.exit_code == 0, ordered.output
    # And after the decision each member shows a rank of their own
    decided = runner.invoke(app, ["committee", "groups", "--week", "1", "--aws"], env={"COLUMNS": "80"})
    rows = [line for line in decided.output.splitlines() if short_a in line or short_b in line]
    assert [row.split()[1] for row in rows] == ["1", "2"], decided.output
    assert short_b in rows[0] and "đã quyết định" in decided.output.lower()
    dq = runner.invoke(
        app,
        [
            "committee",
            "disqualify",
            "--week",
            "1",
            "--account",
            c.account_id,
            "--reason",
            "Gian lận",
            "--by",
            "Ban Tổ chức",
            "--aws",
        ],
    )
    assert dq.exit_code == 0, dq.output
    # Then the published week shows the order, the reasons, and no third entry
    doc = json.loads((public(env) / "week-1.json").read_bytes())
    assert [(e["name"], e["rank"], e["prize"]) for e in doc["ranking"]["entries"]] == [
        ("Trần Thị B", 1, "first"),
        ("Lê Văn A", 2, "second"),
    ]
    assert {d["reason"] for d in doc["committee_decisions"]} == {"Bốc thăm", "Gian lận"}


def test_on_aws_the_close_publishes_to_the_two_buckets(repo, content, clock, sender, env, monkeypatch):
    import boto3

    # Given the buckets the template creates, and no local folders
    s3 = boto3.client("s3", region_name="ap-southeast-1")
    for bucket in ("contest-public", "contest-private"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    monkeypatch.delenv("CONTEST_PUBLISH_DIR")
    monkeypatch.delenv("CONTEST_PRIVATE_DIR")
    monkeypatch.setenv("CONTEST_PUBLIC_BUCKET", "contest-public")
    monkeypatch.setenv("CONTEST_PRIVATE_BUCKET", "contest-private")
    functions = load_handlers(clock, sender, names=("quiz", "submit", "close_week"))
    w = Week(functions, repo, content, clock)
    w.take(w.account(0, "Nguyễn Văn Một", content.units[0].id), 15, 100, 1)
    # When the schedule fires at the results time
    clock.at = content.contest.weeks[0].results_at
    assert close(w, scheduler_event("scheduler_default.json"))["status"] == "published"
    # Then the public results are under results/ and the reports under reports/ in the private bucket
    public_keys = {o["Key"] for o in s3.list_objects_v2(Bucket="contest-public")["Contents"]}
    private_keys = {o["Key"] for o in s3.list_objects_v2(Bucket="contest-private")["Contents"]}
    assert public_keys == {"results/week-1.json", "results/index.json"}
    assert {"reports/week-1/standings.tsv", "reports/week-1/report.xlsx", "reports/week-1/standings.csv"} <= (
        private_keys
    )
    week1 = s3.get_object(Bucket="contest-public", Key="results/week-1.json")
    assert week1["ContentType"] == "application/json; charset=utf-8"
    doc = json.loads(week1["Body"].read())
    tsv = s3.get_object(Bucket="contest-private", Key="reports/week-1/standings.tsv")["Body"].read()
    assert doc["ranking"]["entries"][0]["name"] == "Nguyễn Văn Một"
    assert hashlib.sha256(tsv).hexdigest() == doc["standings_sha256"]


# --- a published week is never replaced by a poorer one by accident --------------------------


def test_a_rerun_on_different_data_is_refused_unless_republished_and_the_old_files_are_kept(week, content, clock, env):
    from contest.rules.errors import AlreadyPublished
    from contest.rules.ranking import Disqualification

    # Given a published week
    units = [u.id for u in content.units]
    accounts = [week.account(i, f"Người {i}", units[i]) for i in range(4)]
    for k, account in enumerate(accounts):
        week.take(account, 10 + k, 100, 5)
    clock.at = content.contest.weeks[0].results_at
    close(week, scheduler_event("scheduler_default.json"))
    published = read_tree(public(env))
    reports = read_tree(private(env))
    # When the data changes behind it (here: a disqualification written straight to the table) and the week
    # is rerun as usual
    Store().close.record_disqualification(
        1, Disqualification(accounts[3].account_id, "Gian lận", "BTC", to_ms(clock.now()))
    )
    with pytest.raises(AlreadyPublished) as refused:
        close(week, scheduler_event("scheduler_rerun_week1.json"))
    # Then it is refused with a stable code and a Vietnamese message, and nothing published or private changed
    assert refused.value.code == "ALREADY_PUBLISHED" and "--republish" in refused.value.message
    assert refused.value.status == 409 and refused.value.extra["week"] == 1
    assert read_tree(public(env)) == published and read_tree(private(env)) == reports
    # When the organisers ask to republish
    result = close(week, scheduler_event("scheduler_republish_week1.json"))
    # Then the new results are out, and the previous ones are kept in the private store, byte for byte
    now = json.loads((public(env) / "week-1.json").read_bytes())
    assert now["ranking"]["entries"][0]["name"] == "Người 2"
    archive = private(env) / result["archived"]
    assert (archive / "week-1.json").read_bytes() == published["week-1.json"]
    assert (archive / "report.xlsx").read_bytes() == reports["week-1/report.xlsx"]
    assert not any("archive" in name for name in read_tree(Path(env["CONTEST_PUBLISH_DIR"])))


def test_the_close_command_refuses_and_republishes_from_the_terminal(week, content, clock, env, monkeypatch):
    from typer.testing import CliRunner

    from contest.cli import app as cli
    from contest.rules.ranking import Disqualification

    units = [u.id for u in content.units]
    accounts = [week.account(i, f"Người {i}", units[i]) for i in range(3)]
    for k, account in enumerate(accounts):
        week.take(account, 10 + k, 100, 5)
    clock.at = content.contest.weeks[0].results_at
    close(week, scheduler_event("scheduler_default.json"))
    Store().close.record_disqualification(
        1, Disqualification(accounts[2].account_id, "Gian lận", "BTC", to_ms(clock.now()))
    )
    monkeypatch.setenv("CONTEST_CLOCK", (WEEK1_RESULTS + timedelta(seconds=1)).isoformat())
    runner = CliRunner()
    refused = runner.invoke(cli, ["close-week", "--week", "1", "--aws"], env={"COLUMNS": "200"})
    assert refused.exit_code == 1 and "--republish" in refused.output and "ALREADY_PUBLISHED" not in refused.output
    done = runner.invoke(cli, ["close-week", "--week", "1", "--republish", "--aws"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "archive/week-1-" in done.output
