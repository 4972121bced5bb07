"""The organisers' progress report of a week so far, on moto: every figure equals a count the test computes
from the data it created itself. And nothing public exposes a participant count before the close."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from contest.cli import app as cli
from contest.organisers.progress import HEADER, read_progress, tally
from contest.rules.clock import to_ms
from contest.rules.model import Account
from contest.rules.passwords import DUMMY_HASH
from contest.rules.phones import mask
from contest.rules.ranking import Disqualification
from contest.store import Store
from contest.store.keys import shard_of, standing_pk, unit_week_index_pk
from contest.store.tables import StandingItem
from tests.support import PHONES, PINNED_QUIZ_RULES, WEEK1_RESULTS, code_for, e164, make_content
from tests.support import unit as unit_role

UNITS = [
    unit_role("so-tttt"),
    unit_role("so-khcn"),
    unit_role("so-gddt"),
    unit_role("tp-ha-tinh"),
]  # the last one: registered, nobody took part
CROWD = 90


@pytest.fixture
def content():
    # the award confirmation window is one of /api/contest's numbers: pinned so no count equals it by chance
    changes = {**PINNED_QUIZ_RULES, "quiz.attempts_per_week": 2, "registration.award_confirmation_hours": 72}
    return make_content(contest_changes=changes)


class Seed:
    """What the test created, kept apart from the system, to count on its own."""

    def __init__(self) -> None:
        self.unit_of: dict[str, str] = {}  # account id -> unit
        self.best: dict[str, int] = {}  # account id -> best score this week
        self.attempts: dict[str, int] = {}
        self.left_out: set[str] = set()
        self.disqualified: set[str] = set()

    def expected(self, unit: str) -> dict[str, int | None]:
        members = [a for a, u in self.unit_of.items() if u == unit]
        took = [a for a in members if a in self.best and a not in self.left_out]
        registered = [a for a in members if a not in self.left_out or a in self.disqualified]
        return {
            "registered": len(registered),
            "participants": len(took),
            "attempts": sum(self.attempts[a] for a in took),
            "score_sum": sum(self.best[a] for a in took),
        }


def correct_answers(quiz: dict, bank, correct: int) -> dict[str, str]:
    right_text = {q.id: q.options[q.correct] for q in bank.questions}
    out = {}
    for k, q in enumerate(quiz["questions"]):
        right = next(o["id"] for o in q["options"] if o["text"] == right_text[q["id"]])
        wrong = next(o["id"] for o in q["options"] if o["id"] != right)
        out[q["id"]] = right if k < correct else wrong
    return out


@pytest.fixture
def seeded(api, repo, sender, clock, content):
    seed = Seed()
    seed.disqualified = set()
    crepo = Store()
    # Eight people through the real handlers: register, verify, one or two attempts
    plan = [(0, [7]), (1, [3, 11]), (2, []), (3, [15]), (4, [9, 2]), (5, [0]), (6, []), (7, [12])]
    for i, scores in plan:
        unit = UNITS[i % 3]
        assert api.register(PHONES[i], name=f"Người Thật {i}", unit=unit).status == 201
        api.post("/api/verify", {"phone": PHONES[i], "code": code_for(sender.sent, e164(PHONES[i]))})
        token = api.login(PHONES[i]).body["token"]
        account_id = crepo.phones.claim(e164(PHONES[i])).account_id
        seed.unit_of[account_id] = unit
        for correct in scores:
            quiz = api.post("/api/quiz", token=token).body
            clock.advance(60)
            body = {
                "token": quiz["token"],
                "answers": correct_answers(quiz, content.bank, correct),
                "prediction": 3,
            }
            assert api.post("/api/submit", body, token=token).status == 200
            seed.best[account_id] = max(seed.best.get(account_id, 0), correct)
            seed.attempts[account_id] = seed.attempts.get(account_id, 0) + 1
    # A crowd registered through the repository (registration transaction), standings as submit writes them
    rnd = random.Random(8)
    with StandingItem.batch_write() as batch:
        for i in range(100, 100 + CROWD):
            unit = UNITS[i % len(UNITS)]
            account = Account(f"crowd-{i}", e164(PHONES[i]), f"Người Dự Thi {i}", unit, DUMMY_HASH, True, False, 0, 1)
            # every other one agreed to be contacted about a prize (consent purpose prize_contact)
            agreed = ["participation", "prize_contact"] if i % 2 == 0 else ["participation"]
            consents = {p: {"version": "1", "given_at_ms": 0, "withdrawn_at_ms": None} for p in agreed}
            repo.accounts.create_account(
                account, consent_at_ms=0, consent_version="1", code=None, code_ttl_s=60, consents=consents
            )
            seed.unit_of[account.account_id] = unit
            if unit == UNITS[3] or rnd.random() < 0.3:
                continue  # registered, not (yet) taken part
            score, attempts = rnd.randrange(0, 16), rnd.randrange(1, 3)
            seed.best[account.account_id], seed.attempts[account.account_id] = score, attempts
            batch.save(
                StandingItem(
                    pk=standing_pk(1, shard_of(account.account_id)),
                    sk=account.account_id,
                    account_id=account.account_id,
                    score=score,
                    duration_ms=rnd.randrange(60_000, 900_000),
                    prediction=5,
                    unit_id=unit,
                    full_name=account.full_name,
                    phone_masked=mask(account.phone),
                    attempt_id=f"att-{i}",
                    attempts=attempts,
                    received_at_ms=0,
                    gsi1pk=unit_week_index_pk(1, unit),
                    gsi1sk=account.account_id,
                )
            )
    # An organiser who took part and was excluded afterwards; a contestant the committee disqualified
    excluded = next(a for a in seed.best if a.startswith("crowd-"))
    repo.phones.add_exclusion(e164(PHONES[int(excluded.split("-")[1])]), "Tổ Thư ký", to_ms(clock.now()))
    disqualified = [a for a in seed.best if a.startswith("crowd-")][1]
    crepo.close.record_disqualification(1, Disqualification(disqualified, "Nhờ người làm hộ", "Ban Tổ chức", 0))
    seed.left_out = {excluded, disqualified}
    seed.disqualified = {disqualified}  # still registered: only the week's result is cancelled
    return seed


def test_the_report_equals_counts_made_from_the_data_the_test_created(seeded, content, clock):
    # When the organisers read week 1 so far
    repo = Store(page_limit=7)  # several pages per shard, as a big week has
    seen: list[int] = []
    report = read_progress(
        repo, content.contest.name, content.contest.weeks[0], content.units, clock.now(), on_rows=seen.append
    )
    # Then every unit's figures are the test's own counts
    rows = {r.unit_id: r for r in report.rows}
    assert [r.unit_id for r in report.rows] == [u.id for u in content.units]
    for unit in {u.id for u in content.units}:
        want = seeded.expected(unit)
        got = rows[unit]
        assert (got.registered, got.participants, got.attempts, got.score_sum) == tuple(want.values()), unit
    # And the province-wide totals are the sums, the mean the mean of best scores
    took = [a for a in seeded.best if a not in seeded.left_out]
    assert report.totals.participants == len(took)
    assert report.totals.attempts == sum(seeded.attempts[a] for a in took)
    assert report.totals.registered == len(seeded.unit_of) - 1  # the excluded organiser
    assert report.totals.mean_score == pytest.approx(sum(seeded.best[a] for a in took) / len(took))
    assert report.standings_read == len(seeded.best) and report.left_out == 2
    assert rows[UNITS[3]].participants == 0 and rows[UNITS[3]].registered > 0
    assert rows[UNITS[3]].mean_score is None
    assert seen[-1] == len(seeded.best)


def test_participation_rate_uses_the_headcount_where_known(seeded, content, clock):
    # Given headcounts for two of the units only
    heads = {UNITS[0]: 40, UNITS[1]: 25}
    units = [dataclasses.replace(u, headcount=heads.get(u.id)) for u in content.units]
    report = read_progress(Store(), "Cuộc thi", content.contest.weeks[0], units, clock.now())
    rows = {r.unit_id: r for r in report.rows}
    for unit, head in heads.items():
        assert rows[unit].participation_rate == pytest.approx(seeded.expected(unit)["participants"] / head)
    assert rows[UNITS[2]].participation_rate is None
    with_head = sum(seeded.expected(u)["participants"] for u in heads)
    assert report.totals.participation_rate == pytest.approx(with_head / sum(heads.values()))


def test_the_cli_prints_a_table_and_writes_a_vietnamese_workbook(seeded, content, tmp_path):
    # When the organisers run the command with --xlsx
    target = tmp_path / "báo-cáo" / "tuần-1.xlsx"
    result = CliRunner().invoke(cli, ["report", "--week", "1", "--xlsx", str(target), "--aws"], env={"COLUMNS": "200"})
    # Then it succeeds, prints the units and the province total
    assert result.exit_code == 0, result.output
    short = min((u.name for u in content.units), key=len)  # "Sở Tư pháp" in the shipped contest
    assert short in result.output and content.contest.scope_label in result.output  # short: never wrapped
    assert "không công bố" in result.output
    # And the workbook holds the same figures, with Vietnamese intact
    ws = load_workbook(target)["Tiến độ tuần 1"]
    rows = list(ws.iter_rows(values_only=True))
    header_at = rows.index(HEADER)
    by_unit = {r[0]: r for r in rows[header_at + 1 :] if r[0]}
    for unit in UNITS:
        want = seeded.expected(unit)
        row = by_unit[unit]
        assert (row[4], row[5], row[6]) == (want["registered"], want["participants"], want["attempts"])
        if want["participants"]:
            assert row[9] == pytest.approx(want["score_sum"] / want["participants"])
    assert by_unit[unit_role("so-khcn")][1] == next(u.name for u in content.units if u.id == unit_role("so-khcn"))
    total = rows[-1]
    assert total[1] == content.contest.scope_label and total[5] == len(
        [a for a in seeded.best if a not in seeded.left_out]
    )
    assert "không công bố" in rows[2][0]


def test_an_unknown_week_is_refused(seeded):
    result = CliRunner().invoke(cli, ["report", "--week", "9", "--aws"])
    assert result.exit_code == 1 and "tuần 9" in result.output


def test_tally_is_one_pass_with_constant_state():
    rows = [
        ("a", 3, 0, 0, "u1", "", "", "", 2, 0),
        ("b", 5, 0, 0, "u1", "", "", "", 1, 0),
        ("c", 1, 0, 0, "u2", "", "", "", 1, 0),
        ("x", 9, 0, 0, "u2", "", "", "", 4, 0),
    ]
    counted = tally(iter(rows), {"x"})
    assert counted.per_unit == {"u1": [2, 3, 8], "u2": [1, 1, 1]}
    assert (counted.read, counted.left_out) == (4, 1)


# --- nothing public tells the count before the close -------------------------------------------------


def _numbers(value) -> set[int]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_numbers(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_numbers(v) for v in value)) if value else set()
    return set()


COUNT_WORDS = ("participants", "participant", "registered", "took_part", "contestants", "so_nguoi")


def test_no_public_route_or_site_file_exposes_a_participant_count_before_the_close(seeded, api, env):
    took = len([a for a in seeded.best if a not in seeded.left_out])
    registered = len(seeded.unit_of)
    counts = {took, took + 2, registered, registered - 1, len(seeded.best)}
    # Every route that answers without a session, called as anyone could
    public = [
        (r.method, r.path)
        for module in api.functions.values()
        for r in module.app._static_routes
        if not getattr(r.func, "openapi", {}).get("auth")
    ]
    assert ("GET", "/api/contest") in public and ("GET", "/api/units") in public
    for method, path in public:
        reply = api.call(
            method,
            path,
            {} if method == "POST" else None,
            headers={"content-type": "application/json"} if method == "POST" else None,
        )
        text = json.dumps(reply.body, ensure_ascii=False)
        assert not _numbers(reply.body) & counts, (path, reply.body)
        assert not any(f'"{w}"' in text for w in COUNT_WORDS), (path, text)
    # No results file for the open week, and nothing the organisers' report wrote is under the public folder
    public_dir = Path(env["CONTEST_PUBLISH_DIR"])
    assert not [p for p in public_dir.rglob("*") if p.is_file()]  # nothing published before the close
    # The site's pages and script: counts only ever come from published results or a coordinator's session
    root = Path(__file__).resolve().parents[2] / "site"
    modules = sorted((root / "docs" / "assets" / "js").rglob("*.js"))  # the entry, the core, one module a page
    script = "\n".join(m.read_text(encoding="utf-8") for m in modules)
    fetched = {m for m in re.findall(r"(?:api|apiWithProof)\('(?:GET|POST)', '(/api/[a-z/]+)'", script)}
    assert {"/api/quiz", "/api/password/reset", "/api/coordinator"} <= fetched  # the pattern still finds the calls
    assert fetched <= {
        "/api/units",
        "/api/register",
        "/api/verify",
        "/api/verify/resend",
        "/api/login",
        "/api/password/reset",
        "/api/password/reset/confirm",
        "/api/me",
        "/api/me/award",  # a message only (at_award prize confirmation)
        "/api/me/data",  # the person's own data (a session): attempts, consents, no one else's count
        "/api/me/consents",  # a consent change: a message only
        "/api/me/erasure",  # an erasure request: a message and a request id
        "/api/reclaim",
        "/api/challenge",  # a proof-of-work challenge, no count
        "/api/contest",
        "/api/quiz",
        "/api/submit",
        "/api/logout",
        "/api/coordinator",
    }, fetched
    coordinator_calls = re.findall(r"api\('GET', '/api/coordinator'[^)]*\)", script)
    assert all("auth: true" in call for call in coordinator_calls)
    nav = (root / "mkdocs.yml").read_text(encoding="utf-8")
    assert "don-vi" not in nav  # the coordinator's page is reached from "my page" only, never listed


# --- after the close: certificates from what was published ------------------------------------------


def test_certificates_after_the_close_match_the_published_winners(seeded, env, tmp_path, monkeypatch):
    from pypdf import PdfReader

    # Given week 1 closed and published by the real close command
    monkeypatch.setenv("CONTEST_CLOCK", (WEEK1_RESULTS + timedelta(seconds=1)).isoformat())
    runner = CliRunner()
    closed = runner.invoke(cli, ["close-week", "--week", "1", "--aws"], env={"COLUMNS": "200"})
    assert closed.exit_code == 0, closed.output
    from contest.adapters.publisher import publisher_for

    store = publisher_for(
        public_bucket=None,
        private_bucket=None,
        publish_dir=Path(env["CONTEST_PUBLISH_DIR"]),
        private_dir=Path(env["CONTEST_PRIVATE_DIR"]),
    )
    published = json.loads(store.read_public("week-1.json"))
    awarded = [e for p in published["prizes"] for e in p["awarded"]]
    pending = {c["name"] for p in published["prizes"] for g in p["pending"] for c in g["candidates"]}
    # When the organisers make the week's certificates
    out = tmp_path / "giấy"
    made = runner.invoke(cli, ["certificates", "--week", "1", "--out", str(out), "--aws"], env={"COLUMNS": "200"})
    # Then one PDF per awarded prize, each naming its winner; nobody still pending has one
    assert made.exit_code == 0, made.output
    pdfs = sorted(out.glob("T1-*.pdf"))
    assert len(pdfs) == len(awarded) > 0
    texts = [" ".join(PdfReader(p).pages[0].extract_text().splitlines()) for p in pdfs]
    for entry, text in zip(awarded, texts, strict=True):
        assert entry["name"] in text and entry["unit"] in text
    assert not any(name in text for name in pending for text in texts)
    assert (out / "tat-ca.pdf").is_file() and (out / "danh-sach.csv").is_file()
    # And a week not yet published gives nothing
    none = runner.invoke(cli, ["certificates", "--week", "2", "--out", str(tmp_path / "t2"), "--aws"])
    assert none.exit_code == 1 and not (tmp_path / "t2").exists()


# --- the private winners' list for paying prizes -------------------------------------------


def test_the_winners_list_is_complete_formatted_matches_the_certificates_and_is_never_public(
    seeded, env, tmp_path, monkeypatch
):
    from contest.adapters.publisher import publisher_for
    from contest.rules.awards import CONTACT_NO, CONTACT_YES, national

    # Given week 1 closed and published by the real close command
    monkeypatch.setenv("CONTEST_CLOCK", (WEEK1_RESULTS + timedelta(seconds=1)).isoformat())
    runner = CliRunner()
    closed = runner.invoke(cli, ["close-week", "--week", "1", "--aws"], env={"COLUMNS": "200"})
    assert closed.exit_code == 0, closed.output
    store = publisher_for(
        public_bucket=None,
        private_bucket=None,
        publish_dir=Path(env["CONTEST_PUBLISH_DIR"]),
        private_dir=Path(env["CONTEST_PRIVATE_DIR"]),
    )
    published = json.loads(store.read_public("week-1.json"))
    awarded = [(p["label"], p["amount"], e) for p in published["prizes"] for e in p["awarded"]]
    assert awarded
    # When the organisers ask for the winners' list, and print the certificates
    out = tmp_path / "giải" / "tuần-1.xlsx"
    made = runner.invoke(cli, ["winners", "--week", "1", "--out", str(out), "--aws"], env={"COLUMNS": "200"})
    assert made.exit_code == 0, made.output
    certs = runner.invoke(cli, ["certificates", "--week", "1", "--out", str(tmp_path / "gcn"), "--aws"])
    assert certs.exit_code == 0, certs.output
    # Then each prize winner is there with prize, amount, certificate number, name, unit and phone number: the
    # FULL number of those who agreed to be contacted about a prize, the masked one (never a number to call) and
    # a "do not call" mark for those who did not
    ws = load_workbook(out)["Danh sách nhận giải"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    paid = [r for r in rows if r[2] and r[1] != "Tổng cộng"]
    assert [(r[1], r[2], r[4], r[5]) for r in paid] == [(lb, amount, e["name"], e["unit"]) for lb, amount, e in awarded]
    contactable = [r for r in paid if r[4].startswith("Người Dự Thi") and int(r[4].rsplit(" ", 1)[1]) % 2 == 0]
    assert contactable and len(contactable) < len(paid)  # both kinds among the winners
    for r in paid:
        phone = e164(PHONES[int(r[4].rsplit(" ", 1)[1])])
        if r in contactable:
            assert r[6] == national(phone) and r[6].startswith("0") and r[7] == CONTACT_YES
        else:
            assert r[6] == mask(phone) and r[7] == CONTACT_NO
        assert r[8] == "Đã xác thực khi đăng ký"
    manifest = (tmp_path / "gcn" / "danh-sach.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert [r[3] for r in paid] == [line.split(",")[0].strip('"') for line in manifest]
    assert rows[-1][1] == "Tổng cộng" and rows[-1][2] == sum(amount for _, amount, _ in awarded)
    # formatted: frozen header, widths, amounts as numbers, the phone as text
    assert ws.freeze_panes == "A2" and ws.column_dimensions["E"].width >= 20
    assert ws.cell(row=2, column=3).number_format == "#,##0" and ws.cell(row=2, column=7).number_format == "@"
    # And the close wrote the same list to the private store, never to the public one
    assert store.read_private("week-1/winners.xlsx") is not None
    phones = {national(e164(PHONES[int(r[4].rsplit(" ", 1)[1])])) for r in paid}
    phones |= {e164(PHONES[int(r[4].rsplit(" ", 1)[1])]) for r in paid}
    for path in Path(env["CONTEST_PUBLISH_DIR"]).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(p.encode() in data for p in phones), path
    assert not list(Path(env["CONTEST_PUBLISH_DIR"]).rglob("winners*"))


def test_the_close_report_workbook_is_formatted(seeded, env, monkeypatch):
    from contest.adapters.publisher import publisher_for

    monkeypatch.setenv("CONTEST_CLOCK", (WEEK1_RESULTS + timedelta(seconds=1)).isoformat())
    assert CliRunner().invoke(cli, ["close-week", "--week", "1", "--aws"]).exit_code == 0
    store = publisher_for(
        public_bucket=None,
        private_bucket=None,
        publish_dir=Path(env["CONTEST_PUBLISH_DIR"]),
        private_dir=Path(env["CONTEST_PRIVATE_DIR"]),
    )
    import io

    wb = load_workbook(io.BytesIO(store.read_private("week-1/report.xlsx")))
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.column_dimensions["B"].width and ws.column_dimensions["B"].width >= 7, ws.title
    summary = wb["Tổng hợp theo đơn vị"]
    first = next(summary.iter_rows(min_row=2, max_row=2))
    assert first[7].number_format == "0.0%" and first[6].number_format == "0.00"  # rate as a percentage
