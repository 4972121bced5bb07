"""Contest integrity under a hostile public (answer keys, timing and the public phone mask).

- Answer keys by construction: with the SHIPPED question bank (pools overlap: `weeks: [1, 3]`, `[2, 4]`),
  after each week's close no question that a later week can still draw appears with its key in any public
  file (every file under the published results + the built site); by the last close every key is out.
- No key before `closes_at + grace`: not a forced close, not the Scheduler payload with `force`, not the
  committee's `--force`, not a rerun, not a contest clock set ahead of the server's clock, not the CLI.
- The published phone mask reveals at most three digits, everywhere a mask is published.

Everything runs the real close_week / quiz / submit handlers on moto in-process, like tests/integration.
"""

from __future__ import annotations

import json
import re
import shutil
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from contest.adapters.config import ConfigError, Settings
from contest.content.loader import bundle_of, load_content
from contest.rules import phones
from contest.rules.clock import to_ms
from contest.rules.errors import ContestError
from contest.rules.model import OPTION_KEYS
from contest.store import Store, tables
from contest.store.keys import shard_of, standing_pk
from contest.store.tables import StandingItem
from tests.fakes import FixedClock, MemorySender
from tests.integration.conftest import load_handlers
from tests.integration.test_close_week import SECRET, Week, close, scheduler_event
from tests.support import CONTENT as TEST_CONTENT
from tests.support import ORIGIN_SECRET, PHONES, ROOT, WEEK1_MID, e164, make_content

TABLE = "contest-integrity"
KEY_FIELDS = ("correct", "correct_option", "is_correct", "answer", "solution", "dap_an", "key")
DIGIT = re.compile(r"\d")
HIDDEN = "•" * 7  # the published mask: seven bullets, then the last three digits


@contextmanager
def refused_as_still_open():
    with pytest.raises(ContestError) as refused:
        yield
    assert refused.value.code == "WEEK_STILL_OPEN", refused.value.code


# --- the world: the shipped content on moto, the real handlers ------------------------------------------


@pytest.fixture(autouse=True)
def aws():
    with mock_aws():
        yield


@pytest.fixture
def env(monkeypatch, tmp_path):
    values = {
        "CONTEST_TABLE": TABLE,
        "CONTEST_SMS_SENDER": "outbox",
        "CONTEST_OUTBOX": str(tmp_path / "outbox.jsonl"),
        "CONTEST_SIGNING_SECRET": SECRET.decode(),
        "CONTEST_RECEIPT_KEY": "test-receipt-key-" + "r" * 40,
        "CONTEST_ORIGIN_SECRET": ORIGIN_SECRET,
        "CONTEST_PUBLISH_DIR": str(tmp_path / "public"),
        "CONTEST_PRIVATE_DIR": str(tmp_path / "private"),
        "POWERTOOLS_SERVICE_NAME": "contest",
        "AWS_REGION": "ap-southeast-1",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture(scope="module")
def shipped():
    """The shipped content/ with its real, overlapping week pools."""
    content = load_content(TEST_CONTENT)
    assert any(len(q.weeks) > 1 for q in content.bank.questions)  # the attack needs shared questions
    return content


def world(env, content, clock: FixedClock) -> Week:
    tables.configure(TABLE, "ap-southeast-1")
    tables.create_table()
    repo = Store()
    repo.bundle.save_bundle(bundle_of(content))
    functions = load_handlers(clock, MemorySender(), names=("quiz", "submit", "close_week"))
    for module in functions.values():
        module.runtime.secret = SECRET
    return Week(functions, repo, content, clock)


def public_dir(env) -> Path:
    return Path(env["CONTEST_PUBLISH_DIR"])


def public_files(env) -> dict[str, bytes]:
    """Every file of the public bucket (results/ and anything else), however it is named."""
    root = public_dir(env)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def keyed_ids(value: Any, ids: set[str], out: set[str] | None = None) -> set[str]:
    """Ids of questions published with their key, in any JSON shape: an object naming a question
    (`id`) with a key-like field, or a mapping question id -> option letter."""
    out = set() if out is None else out
    if isinstance(value, dict):
        if value.get("id") in ids and any(value.get(k) not in (None, "", []) for k in KEY_FIELDS):
            out.add(value["id"])
        for k, v in value.items():
            if k in ids and isinstance(v, str) and v in OPTION_KEYS:
                out.add(k)  # {"<question id>": "A"}
            keyed_ids(v, ids, out)
    elif isinstance(value, list):
        for v in value:
            keyed_ids(v, ids, out)
    return out


def published_keys(files: dict[str, bytes], content) -> set[str]:
    ids = {q.id for q in content.bank.questions}
    keyed: set[str] = set()
    for name, data in files.items():
        assert name.endswith(".json"), name  # the public bucket holds JSON only; anything else is a surprise
        keyed |= keyed_ids(json.loads(data), ids)
    return keyed


def drawable_after(content, week: int) -> set[str]:
    """Questions a contestant of a week after `week` can still draw."""
    return {q.id for q in content.bank.questions if any(w > week for w in q.weeks)}


def after_window(content, number: int, seconds: int = 1) -> datetime:
    w = content.contest.week(number)
    return w.closes_at + timedelta(seconds=content.contest.quiz.grace_seconds + seconds)


# --- item 1: a key is published only once no later week can draw the question ---------------------------


def test_after_each_close_no_question_a_later_week_can_draw_is_public_with_its_key(env, shipped):
    # Given the shipped bank, where weeks 1 and 3 (and 2 and 4) share questions, and a contestant in week 1
    clock = FixedClock(WEEK1_MID)
    week = world(env, shipped, clock)
    week.take(week.account(0, "Nguyễn Văn Một", shipped.units[0].id), 12, 300, 50)
    # (the shipped bank: weeks 1 and 3 share questions; the fixture contest: weeks 1, 2 and 3)
    last_week = {q.id: max(q.weeks) for q in shipped.bank.questions if q.weeks}
    shared = {q.id for q in shipped.bank.pool(1) if last_week[q.id] > 1}
    assert shared
    published_by_week: dict[int, set[str]] = {}
    for number in [w.number for w in shipped.contest.weeks]:
        # When the Sunday schedule closes the week at its results time
        clock.at = shipped.contest.week(number).results_at + timedelta(seconds=1)
        assert close(week, scheduler_event("scheduler_default.json"))["status"] == "published"
        # Then no public file carries the key of a question a later week can draw
        files = public_files(env)
        keyed = published_keys(files, shipped)
        leaked = keyed & drawable_after(shipped, number)
        assert leaked == set(), (number, sorted(leaked)[:5])
        # and the keys out are exactly those of the closed weeks' questions no later week draws
        assert keyed == {q.id for q in shipped.bank.questions if q.weeks and max(q.weeks) <= number}
        published_by_week[number] = {q["id"] for q in json.loads(files[f"results/week-{number}.json"])["answer_key"]}
    # Then week 1 lists its shared questions without key, marked with the week that publishes it
    doc = json.loads((public_dir(env) / "results" / "week-1.json").read_bytes())
    withheld = {q["id"]: q for q in doc["answer_key_withheld"]}
    assert set(withheld) == shared
    for q in withheld.values():
        assert q["key_published_with_week"] == last_week[q["id"]]
        assert q["note"] == f"Đáp án được công bố cùng kết quả Tuần {last_week[q['id']]}"
        assert not set(q) & {*KEY_FIELDS, "options"}
    # and the last week that draws each publishes it; after the last week every key is out, each exactly once
    assert all(i in published_by_week[last_week[i]] for i in shared)
    every = [i for ids in published_by_week.values() for i in ids]
    assert sorted(every) == sorted(q.id for q in shipped.bank.questions if q.weeks)


def test_no_file_of_the_built_site_holds_a_question_or_a_key(shipped, tmp_path):
    # Given the site built from the shipped content
    from contest.organisers.sitebuild import build

    root = tmp_path / "project"
    shutil.copytree(ROOT / "site", root / "site", ignore=shutil.ignore_patterns("build"))
    shutil.copytree(TEST_CONTENT, root / "content")
    out = tmp_path / "built"
    build(root, out)
    # Then no page, script or search index holds any question of any week (so no key either)
    texts = [q.text for q in shipped.bank.questions] + [q.id for q in shipped.bank.questions]
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".js", ".json", ".xml", ".txt")]
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = [t for t in texts if t in text]
        assert found == [], (path, found[:2])
    # And the rules page states the rule the close applies
    rules = (out / "the-le" / "index.html").read_text(encoding="utf-8")
    assert "mọi tuần thi có thể rút câu hỏi đó đều đã kết thúc" in rules
    assert "Đáp án được công bố cùng kết quả Tuần" in rules


def test_a_rerun_during_a_later_week_is_byte_identical_and_keeps_shared_keys_back(env, shipped):
    # Given week 1 closed on schedule
    clock = FixedClock(WEEK1_MID)
    week = world(env, shipped, clock)
    week.take(week.account(0, "Nguyễn Văn Một", shipped.units[0].id), 12, 300, 50)
    clock.at = shipped.contest.week(1).results_at + timedelta(seconds=1)
    close(week, scheduler_event("scheduler_default.json"))
    first = public_files(env)
    # When week 1 is rerun in the middle of week 3, whose pool shares questions with week 1
    clock.at = shipped.contest.week(3).opens_at + timedelta(days=2)
    close(week, scheduler_event("scheduler_rerun_week1.json"))
    # Then the files are byte-identical and no week-3 question is keyed
    assert public_files(env) == first
    assert published_keys(first, shipped) & drawable_after(shipped, 1) == set()


# --- item 2: nothing publishes a key before closes_at + grace -------------------------------------------


def nothing_published(env) -> bool:
    return public_files(env) == {}


@pytest.mark.parametrize(
    "at",
    [
        pytest.param(lambda c: c.contest.week(1).opens_at + timedelta(days=2), id="mid-week"),
        pytest.param(lambda c: c.contest.week(1).closes_at - timedelta(seconds=1), id="before-closes_at"),
        pytest.param(
            lambda c: c.contest.week(1).closes_at + timedelta(seconds=c.contest.quiz.grace_seconds),
            id="last-instant-of-grace",
        ),
    ],
)
def test_a_forced_close_before_the_window_ends_is_refused(env, shipped, at):
    # Given a contestant in week 1 and the clock before the end of week 1's window
    clock = FixedClock(WEEK1_MID)
    week = world(env, shipped, clock)
    week.take(week.account(0, "Nguyễn Văn Một", shipped.units[0].id), 12, 300, 50)
    clock.at = at(shipped)
    # When the Scheduler payload forces week 1, or a plain rerun asks for it: refused, nothing published
    for payload in ({"week": 1, "force": True}, scheduler_event("scheduler_rerun_week1.json")):
        with refused_as_still_open():
            close(week, payload)
    # When the committee orders a tie with --force: refused too
    with refused_as_still_open():
        week.functions["close_week"].runtime.close_week().order_group(1, "N1", [], "Bốc thăm", "BTC", force=True)
    assert nothing_published(env)


def test_the_scheduler_force_payload_never_closes_a_week_still_running(env, shipped):
    # Given the clock in week 1 (week 2 has not even opened)
    clock = FixedClock(WEEK1_MID)
    week = world(env, shipped, clock)
    # When the Scheduler fires with {"week": 2, "force": true}
    with refused_as_still_open():
        close(week, scheduler_event("scheduler_force_week2.json"))
    # Then nothing is published, and week 2's pool stays unanswered
    assert nothing_published(env)


def test_force_only_reaches_back_to_the_end_of_the_window(env, shipped):
    # Given the clock one second after week 1's window (closes_at + grace), before the results time
    clock = FixedClock(WEEK1_MID)
    week = world(env, shipped, clock)
    clock.at = after_window(shipped, 1)
    assert clock.at < shipped.contest.week(1).results_at
    # When forced: published (no submission can arrive any more), still without later weeks' keys
    assert close(week, {"week": 1, "force": True})["status"] == "published"
    assert published_keys(public_files(env), shipped) & drawable_after(shipped, 1) == set()


def test_a_contest_clock_set_ahead_of_the_server_clock_publishes_nothing(env, shipped):
    # Given the server's own clock in the middle of week 2, and the contest clock set (wrongly) to after
    # week 2's results time, as a misconfigured CONTEST_CLOCK would
    server_now = shipped.contest.week(2).opens_at + timedelta(days=3)
    clock = FixedClock(shipped.contest.week(2).results_at + timedelta(minutes=5))
    week = world(env, shipped, clock)
    week.functions["close_week"].runtime.wall = FixedClock(server_now)
    # When the schedule fires, or week 2 is forced: refused
    for payload in ({}, {"week": 2}, {"week": 2, "force": True}):
        with refused_as_still_open():
            close(week, payload)
    # Then nothing is published
    assert nothing_published(env)


def test_the_clock_override_is_refused_outside_the_local_stack(env):
    local = {k: v for k, v in env.items()} | {"CONTEST_CLOCK": "2023-10-18T09:00:00+07:00"}
    assert Settings.from_env(local).clock_start is not None  # the local stack keeps its clock
    for change in (
        {"AWS_LAMBDA_FUNCTION_NAME": "contest-close-week"},  # set by Lambda itself, always
        {"CONTEST_SMS_SENDER": "sns"},
        {"CONTEST_PUBLIC_BUCKET": "contest-public"},
        {"CONTEST_PRIVATE_BUCKET": "contest-private"},
    ):
        with pytest.raises(ConfigError, match="CONTEST_CLOCK"):
            Settings.from_env(local | change)


def live_content(now: datetime):
    """The shipped contest with its weeks moved around the real present: week 1 is open now."""
    start = (now - timedelta(days=2)).replace(second=0, microsecond=0)  # results_at on a whole minute
    weeks = []
    for n in range(4):
        opens = start + timedelta(days=7 * n)
        weeks.append(
            {
                "number": n + 1,
                "opens_at": opens.isoformat(),
                "closes_at": (opens + timedelta(days=6)).isoformat(),
                "results_at": (opens + timedelta(days=6, hours=1)).isoformat(),
            }
        )
    return make_content(contest_changes={"weeks": weeks})


def test_the_cli_force_refuses_a_running_week_and_never_suggests_force(env, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from contest.cli import app

    # Given a contest whose week 1 is running now by the machine's clock (no clock override)
    content = live_content(datetime.now(UTC))
    clock = FixedClock(datetime.now(UTC))
    world(env, content, clock)
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    monkeypatch.chdir(project)
    runner = CliRunner()
    # When the organiser forces the close of week 1 from a terminal
    forced = runner.invoke(app, ["close-week", "--week", "1", "--force", "--aws"], env={"COLUMNS": "200"})
    # Then it is refused, and nothing is published
    assert forced.exit_code == 1, forced.output
    assert "vẫn đang diễn ra" in forced.output
    assert nothing_published(env)
    # And no refusal suggests --force
    plain = runner.invoke(app, ["close-week", "--week", "1", "--aws"], env={"COLUMNS": "200"})
    assert plain.exit_code == 1
    assert "--force" not in plain.output and "--force" not in forced.output
    assert nothing_published(env)


# --- item 4 (public part): the published phone mask ------------------------------------------------------


def test_the_public_mask_shows_only_the_last_three_digits():
    samples = [e164(p) for p in PHONES[:50]] + ["+84387000678", "+84987654321", "+84559123456"]
    for phone in samples:
        shown = phones.mask(phone)
        assert len(DIGIT.findall(shown)) <= 3, shown
        assert shown.endswith(phone[-3:])
    # the mask depends on the last three digits only: the prefix (carrier) and the rest are not in it
    assert phones.mask("+84912345678") == phones.mask("+84387000678") == phones.mask("091****678")
    # so a 10-digit national number (0 + 9 digits) shown this way has 10^(9 - 3) candidates
    revealed = len(DIGIT.findall(phones.mask("+84912345678")))
    assert 10 ** (9 - revealed) >= 10**6


def phone_fields(value: Any, out: list[str] | None = None) -> list[str]:
    out = [] if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            if "phone" in k and isinstance(v, str):
                out.append(v)
            phone_fields(v, out)
    elif isinstance(value, list):
        for v in value:
            phone_fields(v, out)
    return out


def test_every_published_phone_shows_at_most_three_digits(env, shipped):
    # Given contestants through the real handlers, and one standing stored under the old, wider mask
    clock = FixedClock(WEEK1_MID)
    week = world(env, shipped, clock)
    for i in range(4):
        week.take(week.account(i, f"Người Thi {i}", shipped.units[i].id), 15 - i, 100 + i, 7)
    old = "acc-old"
    StandingItem(
        pk=standing_pk(1, shard_of(old)),
        sk=old,
        account_id=old,
        score=15,
        duration_ms=50_000,
        prediction=5,
        unit_id=shipped.units[0].id,
        full_name="Người Lưu Trước",
        phone_masked="091****678",
        attempt_id="att-old",
        attempts=1,
        received_at_ms=to_ms(WEEK1_MID),
    ).save()
    # When week 1 closes
    clock.at = shipped.contest.week(1).results_at + timedelta(seconds=1)
    close(week, scheduler_event("scheduler_default.json"))
    # Then every phone in every public file shows at most its last three digits, in one form
    shown = [p for data in public_files(env).values() for p in phone_fields(json.loads(data))]
    assert len(shown) >= 5
    assert all(len(DIGIT.findall(p)) <= 3 and p.startswith(HIDDEN) for p in shown), shown
    assert HIDDEN + "678" in shown  # the old stored mask is published the new way
    # And the private review and reports (read by the committee) use the same form
    review = json.loads((Path(env["CONTEST_PRIVATE_DIR"]) / "reports" / "week-1" / "review.json").read_bytes())
    assert all(len(DIGIT.findall(p)) <= 3 for p in phone_fields(review))
    csv_text = (Path(env["CONTEST_PRIVATE_DIR"]) / "reports" / "week-1" / "standings.csv").read_text("utf-8-sig")
    assert "091****678" not in csv_text and HIDDEN + "678" in csv_text
