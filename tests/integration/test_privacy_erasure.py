"""Personal data lifecycle: erasure execution and the retention purge, end to end on moto.

Contestants take the quiz through the real handlers, the week is closed by the real close_week handler, the
erasure runs through `close.erasure.erase_account` and the purge through the close_week handler's daily
event. Afterwards every table item, every private file and every public file is scanned for the person's name
and phone (workbooks are unzipped: their text is compressed inside)."""

from __future__ import annotations

import io
import json
import random
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from contest.close.erasure import erase_account, purge
from contest.rules.clock import to_ms
from contest.rules.erasure import ERASED_LABEL, listing_key_name
from contest.rules.errors import DataPurged, UnknownAccount
from contest.rules.model import Account
from contest.rules.publication import canonical_json
from contest.rules.spreadsheet import FIXED_ZIP_TIME
from contest.store import Store, tables
from tests.integration import test_close_week as tcw
from tests.integration.conftest import load_handlers
from tests.support import PHONES, Api, e164

SECRET = tcw.SECRET
CROWD = 40


@pytest.fixture
def week(repo, content, clock, sender):
    functions = load_handlers(clock, sender, names=("register", "account", "info", "quiz", "submit", "close_week"))
    for name in ("quiz", "submit", "close_week"):
        functions[name].runtime.secret = SECRET
    return tcw.Week(functions, repo, content, clock)


def seed(week: tcw.Week, content) -> dict[str, Account]:
    """A winner, a three-way tie (same score, time and prediction), a fourth, and a crowd below."""
    units = [u.id for u in content.units]
    cast: dict[str, Account] = {}
    cast["winner"] = week.account(1, "Nguyễn Văn Nhất", units[1])
    week.take(cast["winner"], 15, 90, 80)
    for k, name in enumerate(("Lê Thị Hoà", "Phạm Văn Bình", "Đặng Thu Hà")):
        cast[f"tie{k}"] = week.account(2 + k, name, units[2 + k])
        week.take(cast[f"tie{k}"], 15, 100, 47)
    cast["fourth"] = week.account(5, "Võ Minh Ba", units[5])
    week.take(cast["fourth"], 15, 110, 47)
    tcw.seed_crowd(week, units, 10, 10 + CROWD, random.Random(7))
    return cast


def runtime(week: tcw.Week) -> Any:
    return week.functions["close_week"].runtime


def erase(week: tcw.Week, account: Account, **kw: Any):
    rt = runtime(week)
    return erase_account(
        account.account_id,
        repo=Store(),
        content=rt.content,
        clock=week.clock,
        secret=SECRET,
        by="Tổ Thư ký",
        publisher=rt.publisher,
        wall=rt.wall,
        **kw,
    )


def spellings(account: Account) -> list[str]:
    """Every form the person's name or phone could be stored in."""
    national = "0" + account.phone[3:]
    return [account.full_name, listing_key_name(account.full_name), account.full_name.upper(), account.phone, national]


def file_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"PK":  # xlsx: the strings are deflated inside the archive
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


def table_texts() -> list[str]:
    return [json.dumps(item, ensure_ascii=False, default=bytes.hex) for item in tables.scan_items()]


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): file_text(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def everything(env) -> dict[str, str]:
    """Every table item, private file and public file, as text."""
    found = {f"table[{i}]": text for i, text in enumerate(table_texts())}
    found |= {f"private/{k}": v for k, v in files(tcw.private(env)).items()}
    found |= {f"public/{k}": v for k, v in files(tcw.public(env)).items()}
    return found


def mentions(env, account: Account) -> list[str]:
    return sorted(where for where, text in everything(env).items() for s in spellings(account) if s in text)


def without_person(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in ("name", "phone")}


def test_erasure_after_publication_replaces_the_name_and_moves_nobody(week, content, clock, env, sender):
    # Given a published week with a three-way tie listed by name: Lê, Phạm, Đặng
    cast = seed(week, content)
    clock.at = content.contest.weeks[0].results_at + timedelta(seconds=1)
    assert tcw.close(week, tcw.scheduler_event("scheduler_default.json"))["status"] == "published"
    # and a committee decision since, which archived the superseded results (naming everyone) in the private store
    runtime(week).close_week().disqualify(1, "acc-0049", "Dùng hai tài khoản", "Ban Tổ chức")
    assert any(p.startswith("archive/") for p in tcw.read_tree(tcw.private(env)))
    before = json.loads((tcw.public(env) / "week-1.json").read_bytes())
    tsv_before = (tcw.private(env) / "week-1" / "standings.tsv").read_bytes()
    tie = before["ranking"]["entries"][1:4]
    assert [e["name"] for e in tie] == ["Lê Thị Hoà", "Phạm Văn Bình", "Đặng Thu Hà"] and len(
        {e["rank"] for e in tie}
    ) == 1
    erased = cast["tie1"]  # the middle of the group: the neutral label would sort elsewhere
    session = week.session(erased)
    assert mentions(env, erased)  # the scan does find a person who is stored

    # When the person's data is erased and the week republished
    result = erase(week, erased, republish=True)

    # Then no table item, private file or public file holds their name or phone
    assert result.published_weeks == (1,) and result.republished == (1,) and result.withdrawn_weeks == ()
    assert mentions(env, erased) == []
    # and every workbook rewritten without them still comes from the one XLSX writer (fixed zip times, dated)
    workbooks = {k: v for k, v in tcw.read_tree(tcw.private(env)).items() if k.endswith(".xlsx")}
    assert any(k.startswith("archive/") for k in workbooks)
    for path, data in workbooks.items():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert {i.date_time for i in archive.infolist()} == {FIXED_ZIP_TIME}, path
    # and nobody moved: the same ranks, scores, tie groups and prizes, the same standings.tsv and SHA-256
    after = json.loads((tcw.public(env) / "week-1.json").read_bytes())
    assert (tcw.private(env) / "week-1" / "standings.tsv").read_bytes() == tsv_before
    assert after["standings_sha256"] == before["standings_sha256"]
    assert [without_person(e) for e in after["ranking"]["entries"]] == [
        without_person(e) for e in before["ranking"]["entries"]
    ]
    assert after["tie_groups"] == before["tie_groups"] and after["units"] == before["units"]
    assert after["participants"] == before["participants"] and after["ranking"]["total"] == before["ranking"]["total"]
    changed = [
        (b["name"], a["name"], a["phone"])
        for b, a in zip(before["ranking"]["entries"], after["ranking"]["entries"], strict=True)
        if a != b
    ]
    assert changed == [("Phạm Văn Bình", ERASED_LABEL, "")]
    assert [w["name"] for p in after["prizes"] for w in p["awarded"]] == [
        w["name"] for p in before["prizes"] for w in p["awarded"]
    ]
    candidates = [c["name"] for p in after["prizes"] for g in p["pending"] for c in g["candidates"]]
    assert ERASED_LABEL in candidates and "Phạm Văn Bình" not in candidates
    # and the page says a republication happened
    assert after["erased_entries"]["count"] == 1 and "công bố lại" in after["erased_entries"]["note"]
    assert "erased_entries" not in before

    # And their session is dead and the number cannot register again in this contest
    status, body = week.call("quiz", "/api/quiz", {}, session)
    assert status != 200 and body["code"]
    reply = Api({"register": week.functions["register"]}).register(
        erased.phone, name=erased.full_name, unit=erased.unit_id
    )
    fresh = Api({"register": week.functions["register"]}).register(e164(PHONES[500]), unit=erased.unit_id)
    assert (reply.status, sorted(reply.body)) == (fresh.status, sorted(fresh.body))  # the same answer as any number
    assert week.repo.phones.claim(erased.phone) is None and mentions(env, erased) == []
    assert [phone for phone, _ in sender.sent] == [e164(PHONES[500])]  # no code to the erased number

    # And a rerun with the same inputs gives the same bytes
    published = tcw.read_tree(tcw.public(env)) | {f"p/{k}": v for k, v in tcw.read_tree(tcw.private(env)).items()}
    assert tcw.close(week, tcw.scheduler_event("scheduler_rerun_week1.json"))["status"] == "published"
    assert (
        tcw.read_tree(tcw.public(env)) | {f"p/{k}": v for k, v in tcw.read_tree(tcw.private(env)).items()} == published
    )
    # And erasing again finds nothing
    with pytest.raises(UnknownAccount):
        erase(week, erased)


def test_erasure_during_the_week_drops_the_person_from_the_coming_results(week, content, clock, env):
    # Given a week in progress
    cast = seed(week, content)
    erased = cast["winner"]
    # When the winner's data is erased before the close
    result = erase(week, erased)
    assert result.withdrawn_weeks == (1,) and result.published_weeks == ()
    # Then the close publishes without them, and nothing anywhere holds their name or phone
    clock.at = content.contest.weeks[0].results_at + timedelta(seconds=1)
    assert tcw.close(week, tcw.scheduler_event("scheduler_default.json"))["status"] == "published"
    published = json.loads((tcw.public(env) / "week-1.json").read_bytes())
    assert published["ranking"]["total"] == 3 + 1 + CROWD
    assert published["ranking"]["entries"][0]["name"] == "Lê Thị Hoà"
    assert ERASED_LABEL not in json.dumps(published, ensure_ascii=False) and "erased_entries" not in published
    assert mentions(env, erased) == []
    # and everybody else is still there
    for key in ("tie0", "tie1", "tie2", "fourth"):
        assert cast[key].full_name in [e["name"] for e in published["ranking"]["entries"]]


def test_an_erased_account_cannot_start_a_quiz_in_a_later_week(week, content, clock, env):
    # Given an account that took week 1, erased
    cast = seed(week, content)
    session = week.session(cast["fourth"])
    erase(week, cast["fourth"])
    # When its old session tries week 2
    clock.at = content.contest.weeks[1].opens_at + timedelta(hours=1)
    status, body = week.call("quiz", "/api/quiz", {}, session)
    # Then it is refused, and nothing was written for it
    assert status in (401, 403, 404), body
    assert mentions(env, cast["fourth"]) == []


# --- the retention purge -----------------------------------------------------------------------------------


def with_retention(repo, content, at) -> None:
    """contest.yaml `privacy.retention` set to `at`, stored as the bundle the functions read."""
    from dataclasses import replace

    from contest.content.loader import bundle_of

    raw = json.loads(json.dumps(content.raw["contest"]))
    raw.setdefault("privacy", {})["retention"] = at.isoformat()
    repo.bundle.save_bundle(bundle_of(replace(content, raw={**content.raw, "contest": raw})))


@pytest.fixture
def retention(repo, content):
    """The retention date: 30 days after the last results (contest.yaml `privacy.retention`)."""
    at = content.contest.weeks[-1].results_at + timedelta(days=30)
    with_retention(repo, content, at)
    return at


def test_the_purge_touches_nothing_before_the_retention_date_and_leaves_nothing_personal_after(
    week, content, clock, env, retention
):
    # Given a published week, an award-free crowd, an exclusion, a coordinator-free table
    cast = seed(week, content)
    week.repo.phones.add_exclusion(e164(PHONES[99]), "Tổ Thư ký", to_ms(clock.now()))
    clock.at = content.contest.weeks[0].results_at + timedelta(seconds=1)
    tcw.close(week, tcw.scheduler_event("scheduler_default.json"))
    public_before = tcw.read_tree(tcw.public(env))

    # When the daily schedule fires one second before the retention date
    clock.at = retention - timedelta(seconds=1)
    items_before = sorted(table_texts())
    private_before = tcw.read_tree(tcw.private(env))
    assert tcw.close(week, {"action": "purge"})["status"] == "not-due"
    # Then nothing changed
    assert sorted(table_texts()) == items_before and tcw.read_tree(tcw.private(env)) == private_before

    # When a dry run and then the schedule run after the date
    clock.at = retention + timedelta(seconds=1)
    dry = purge(Store(), runtime(week).content, clock, runtime(week).publisher, dry_run=True)
    assert dry["status"] == "dry-run" and dry["items"]["profile"] == 1 + 3 + 1 + CROWD
    assert sorted(table_texts()) == items_before
    result = tcw.close(week, {"action": "purge"})
    assert result["status"] == "purged"

    # Then no item holds anything personal: only the content, the closed marker and the purge record remain
    kinds = sorted({(json.loads(t)["pk"]["S"].split("#")[0], json.loads(t)["sk"]["S"]) for t in table_texts()})
    assert kinds == [("CONTENT", "bundle"), ("RETENTION", "PURGED"), ("WEEK", "CLOSED")]
    # no private report naming people is left (the canonical standings and unit tables stay, for the SHA-256)
    assert sorted(tcw.read_tree(tcw.private(env))) == ["week-1/standings.tsv", "week-1/units.csv"]
    private_text = "".join(files(tcw.private(env)).values())
    table_text = "".join(table_texts())
    for account in [*cast.values(), *week.accounts.values()]:
        for s in spellings(account):
            assert s not in private_text and s not in table_text, s
    assert e164(PHONES[99]) not in table_text
    # the public results stay as published, and no republication can overwrite them with an empty ranking
    assert tcw.read_tree(tcw.public(env)) == public_before
    with pytest.raises(DataPurged):
        runtime(week).close_week().close(1, force=True, republish=True)  # even a deliberate republication
    assert tcw.close(week, tcw.scheduler_event("scheduler_default.json"))["status"] == "data-purged"
    # and a second run finds nothing more
    again = tcw.close(week, {"action": "purge"})
    assert again["status"] == "purged" and again["items"] == {} and again["files"] == []


def test_the_purge_refuses_while_the_server_clock_is_before_the_date(week, repo, content, clock, env):
    # Given a retention date in the server's future and a contest clock set past it (by mistake)
    at = content.contest.weeks[-1].results_at + timedelta(days=30)
    with_retention(repo, content, at)
    seed(week, content)

    class Before:
        @staticmethod
        def now():
            return at - timedelta(days=1)

    clock.at = at + timedelta(days=1)
    items_before = sorted(table_texts())
    # When the purge runs
    result = purge(Store(), runtime(week).content, clock, runtime(week).publisher, wall=Before())
    # Then it touches nothing
    assert result["status"] == "not-due" and sorted(table_texts()) == items_before


def test_canonical_json_is_unchanged_for_weeks_without_erasure():
    # the public file of a week nobody erased keeps its schema: no new key (byte-identical reruns of old weeks)
    assert b"erased_entries" not in canonical_json({"week": 1})


# --- the organisers' commands ------------------------------------------------------------------------------


def test_contest_privacy_erase_on_aws_erases_an_account(monkeypatch, repo, api, env, tmp_path):
    from typer.testing import CliRunner

    from contest.cli import app
    from tests.support import ROOT

    monkeypatch.setenv("CONTEST_TABLE", "contest-test")
    monkeypatch.setenv("AWS_REGION", "ap-southeast-1")
    monkeypatch.chdir(ROOT)
    # Given a registered contestant
    assert api.register("0912345601", name="Trần Văn Xoá").status == 201
    account_id = repo.phones.claim(e164("0912345601")).account_id
    # When the organisers erase the account from a terminal
    runner = CliRunner()
    result = runner.invoke(app, ["privacy", "erase", "--account", account_id, "--by", "Tổ Thư ký", "--aws"])
    # Then it is gone, the number kept only as a key, and the command says so
    assert result.exit_code == 0, result.output
    assert "Đã xoá dữ liệu cá nhân" in result.output
    assert repo.accounts.account(account_id) is None and repo.phones.claim(e164("0912345601")) is None
    assert "Trần Văn Xoá" not in "".join(table_texts()) and "912345601" not in "".join(table_texts())
    # and a second erasure of the same account is refused in Vietnamese
    again = runner.invoke(app, ["privacy", "erase", "--account", account_id, "--by", "Tổ Thư ký", "--aws"])
    assert again.exit_code == 1 and "Không có tài khoản này" in again.output


def test_contest_privacy_inventory_writes_the_markdown(tmp_path):
    from typer.testing import CliRunner

    from contest.cli import app
    from contest.organisers.inventory import markdown

    out = tmp_path / "inventory.md"
    result = CliRunner().invoke(app, ["privacy", "inventory", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == markdown() and "#### AccountItem" in markdown()
