"""Any contest runs from content/: a second, very different contest configured by `content/` alone runs end to end.

The fixture tests/fixtures/contests/son-nguyen (a fictional province, 2025, 3 weeks closing Saturday 17:00 with
results at 17:30, 20 questions per attempt, 2 attempts with the best counting, prizes 1/2/3 + 5 consolation
prizes, its own units and unit weights and its own invented bank) is copied as the `content/` of a fresh
project and taken through: the rules page → registration with a code → two attempts each (the best counts, a
third is refused) → the close the local schedule runs at ITS results time (not before) → the published
results → the certificates → the private files for paying the prizes. Nothing the system writes may name the
first contest's province or plan.

The stack, its handlers and moto run as `make dev` runs them; only the clock is the test's (FixedClock). The
one change to the fixture: every contestant registers from 127.0.0.1, so the per-address SMS budget is raised
(budgets are proved in tests/security/test_sms_pumping.py).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from tests.fakes import FixedClock
from tests.stress.harness import Client, reset_emulator
from tests.support import SHIPPED

# It always runs on the fixture contest: once is enough, in the run against content/ (`make test` runs both).
pytestmark = pytest.mark.skipif(not SHIPPED, reason="the Proof runs once, in the run against content/")

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "contests" / "son-nguyen"
VN = timezone(timedelta(hours=7))
# What the first contest (content/, Hà Tĩnh) is called: none of it may appear in the second contest's files.
FIRST_CONTEST = ("Hà Tĩnh", "59/KH-STTTT", "Chuyển đổi số", "Dữ liệu số tạo nên giá trị")
# SMS text is written without diacritics (one GSM part): the first contest's name as it would appear there.
FIRST_CONTEST_SMS = ("Ha Tinh", "Chuyen doi so", "59/KH-STTTT")
CONTESTANTS = 10


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def text_of_file(path: Path) -> str:
    """What a person reads in a file the system produced: text, a workbook's cells, a PDF's text."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
        return nfc("\n".join(cells))
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return nfc("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    if path.suffix in (".png", ".jpg", ".ico", ".woff", ".woff2", ".ttf", ".gz", ".br", ".zip"):
        return ""
    return nfc(data.decode("utf-8", errors="replace"))


def naming_the_first_contest(folders: list[Path]) -> list[str]:
    found = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            text = text_of_file(path).casefold()
            found += [f"{path}: {name!r}" for name in FIRST_CONTEST if nfc(name).casefold() in text]
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A fresh project whose content/ is the fixture (the code, site and handlers are the repository's)."""
    root = tmp_path_factory.mktemp("second-contest") / "repo"
    shutil.copytree(FIXTURE, root / "content", ignore=shutil.ignore_patterns("*.py", "README.md"))
    shutil.copytree(REPO / "site", root / "site", ignore=shutil.ignore_patterns("build", ".cache"))
    (root / "functions").symlink_to(REPO / "functions")
    path = root / "content" / "contest.yaml"
    contest = yaml.safe_load(path.read_text(encoding="utf-8"))
    contest["sms"]["per_address_per_hour"] = 1000  # every contestant of the test registers from 127.0.0.1
    path.write_text(yaml.safe_dump(contest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "contest.cli", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_content_check_accepts_the_second_contest(project):
    done = cli(project, "content", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 tuần" in done.stdout and "11 đơn vị" in done.stdout and "50 câu hỏi" in done.stdout


def test_the_rules_page_states_the_second_contests_own_rules(project):
    from contest.organisers import sitebuild

    page = sitebuild.generate_pages(project)[sitebuild.RULES_PAGE]
    # its weeks, closing Saturday 17:00 with results at 17:30
    assert "**3 tuần thi**" in page
    assert "| 1 | 00:00 Thứ Hai, 10/03/2025 | 17:00 Thứ Bảy, 15/03/2025 | 17:30 Thứ Bảy, 15/03/2025 |" in page
    assert "| 3 | 00:00 Thứ Hai, 24/03/2025 | 17:00 Thứ Bảy, 29/03/2025 | 17:30 Thứ Bảy, 29/03/2025 |" in page
    assert "Chủ nhật" not in page and "20:00" not in page
    # 20 questions, two attempts with the best counting, its prizes with the 5 consolation prizes
    assert "**20 câu hỏi trắc nghiệm**" in page and "15 câu" not in page
    assert "tối đa **2 lượt** mỗi tuần" in page and "lượt có kết quả tốt nhất" in page
    assert "| Giải Khuyến khích | 05 | 300.000 đồng |" in page
    assert "| Giải Nhất | 01 | 3.000.000 đồng |" in page
    assert "Mỗi tuần có 8 giải" in page
    assert "Cán bộ Văn phòng Sở và thành viên Tổ giúp việc" in page and "Tổ Thư ký" not in page
    assert "Trường trung học phổ thông" in page  # who may register, from its units.yaml
    assert not [name for name in FIRST_CONTEST if name in page]


@pytest.fixture(scope="module")
def built_site(project) -> Path:
    from contest.organisers.sitebuild import build

    out = project / "build" / "site"
    build(project, out)
    return out


def register(client: Client, outbox: Path, i: int, unit: str) -> str:
    """Registration with the SMS code (verification: at_registration), then login: a session token."""
    phone = f"09{88_000_100 + i:08d}"
    reply = client.post(
        "/api/register",
        {
            "full_name": f"Trần Thị Thí Sinh {i}",
            "phone": phone,
            "unit_id": unit,
            "password": "mat-khau-2025",
            # every other contestant agrees to be contacted about a prize (the fixture's optional purposes)
            "consents": {"participation": True, "coordinator": True, "prize_contact": i % 2 == 0},
        },
    )
    assert reply.status == 201, reply.body
    assert reply.body["verification_required"] is True and reply.body["code_sent"] is True
    sent = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    mine = [m for m in sent if re.sub(r"\D", "", m["phone"]).endswith(phone[1:])]
    assert mine and mine[-1]["text"].startswith("Ma "), mine  # the fixture's own SMS template
    code = re.search(r"\b(\d{6})\b", mine[-1]["text"]).group(1)
    verified = client.post("/api/verify", {"phone": phone, "code": code, "ticket": reply.body["ticket"]})
    assert verified.status == 200, verified.body
    login = client.post("/api/login", {"phone": phone, "password": "mat-khau-2025"})
    assert login.status == 200, login.body
    return login.body["token"]


def take(client: Client, clock: FixedClock, token: str, right: dict[str, str], correct: int, seconds: int) -> dict:
    quiz = client.post("/api/quiz", {}, token=token)
    assert quiz.status == 200, quiz.body
    assert len(quiz.body["questions"]) == 20 and quiz.body["week"] == 1
    answers = {}
    for k, q in enumerate(quiz.body["questions"]):
        good = next(o["id"] for o in q["options"] if o["text"] == right[q["id"]])
        bad = next(o["id"] for o in q["options"] if o["id"] != good)
        answers[q["id"]] = good if k < correct else bad
    clock.advance(seconds)
    done = client.post("/api/submit", {"token": quiz.body["token"], "answers": answers, "prediction": 120}, token=token)
    assert done.status == 200, done.body
    return done.body


def wait_for(path: Path, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.5)
    return path.exists()


def test_the_second_contest_from_registration_to_certificates(project, built_site, tmp_path):
    from contest.content.bank import load_bank
    from contest.local.stack import LocalStack

    bank = load_bank(project / "content" / "questions", project / "content" / "documents", [1, 2, 3], 20)
    right = {q.id: q.options[q.correct] for q in bank.questions}
    units = [u["id"] for u in yaml.safe_load((project / "content" / "units.yaml").read_text())["units"]]
    closes = datetime(2025, 3, 15, 17, 0, tzinfo=VN)  # Saturday
    results_at = datetime(2025, 3, 15, 17, 30, tzinfo=VN)
    clock = FixedClock(datetime(2025, 3, 12, 9, 0, tzinfo=VN))  # Wednesday of week 1
    reset_emulator()
    try:
        with LocalStack(project, clock=clock, dev_dir=project / ".dev", site_dir=built_site, schedule=True) as stack:
            client = Client(stack.base_url)
            info = client.get("/api/contest")
            assert info.status == 200 and info.body["open_week"] == 1, info.body

            # Given ten contestants who register with a code and take week 1 twice: the better attempt counts
            # (first the score, then the shorter time), a third attempt is refused
            best: dict[int, tuple[int, int]] = {}
            for i in range(CONTESTANTS):
                token = register(client, stack.outbox_path, i, units[i % len(units)])
                first = (10 + i % 7, 600 + 10 * i)  # (right answers, seconds)
                second = (19 - i, 400 + 10 * i) if i < 9 else (3, 300)  # the last one does worse the second time
                receipts = [take(client, clock, token, right, *attempt) for attempt in (first, second)]
                assert receipts[0]["attempt_id"] != receipts[1]["attempt_id"]
                # show_score_on_submit: false: no score before the results
                assert all(r.get("score") is None for r in receipts), receipts
                third = client.post("/api/quiz", {}, token=token)
                assert 400 <= third.status < 500 and third.body["code"], third.body
                best[i] = max(first, second, key=lambda a: (a[0], -a[1]))
                clock.advance(120)

            # When the week closes Saturday 17:00: no new attempt
            clock.at = closes
            late = client.post("/api/quiz", {}, token=register(client, stack.outbox_path, 50, units[0]))
            assert 400 <= late.status < 500, late.body
            week1 = stack.public_dir / "results" / "week-1.json"
            # and at 17:29:59 the schedule has not published anything yet
            clock.at = results_at - timedelta(seconds=1)
            time.sleep(5)  # the local schedule looks every 2 s
            assert not week1.exists()
            # When its own results time comes (Saturday 17:30, not Sunday 20:00)
            clock.at = results_at
            assert wait_for(week1), "the schedule did not close week 1 at Saturday 17:30"

            # Then the results rank each contestant by their best attempt and give 1/2/3 + 5 consolation prizes
            published = json.loads(week1.read_text(encoding="utf-8"))
            by_prize = {p["prize"]: p for p in published["prizes"]}
            assert [p["prize"] for p in published["prizes"]] == ["first", "second", "third", "consolation"]
            assert by_prize["consolation"]["label"] == "Giải Khuyến khích"
            assert [len(by_prize[k]["awarded"]) for k in ("first", "second", "third", "consolation")] == [1, 1, 1, 5]
            order = sorted(best, key=lambda i: (-best[i][0], best[i][1]))
            awarded = [e for k in ("first", "second", "third", "consolation") for e in by_prize[k]["awarded"]]
            assert [e["name"] for e in awarded] == [f"Trần Thị Thí Sinh {i}" for i in order[:8]]
            assert [e["score"] for e in awarded] == [best[i][0] for i in order[:8]]

            # And the certificates: one per prize winner, with the second contest's organiser and prize labels
            certs = tmp_path / "giay-chung-nhan"
            done = cli(project, "certificates", "--week", "1", "--out", str(certs))
            assert done.returncode == 0, done.stdout + done.stderr
            pdfs = sorted(p for p in certs.glob("*.pdf") if p.name != "tat-ca.pdf")
            assert len(pdfs) == 8, [p.name for p in certs.iterdir()]
            texts = [text_of_file(p) for p in pdfs]
            assert sum("GIẢI KHUYẾN KHÍCH" in t for t in texts) == 5
            lines = [t.splitlines() for t in texts]
            assert all("UBND TỈNH SƠN NGUYÊN" in ls and "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in ls for ls in lines)
            assert all("Sơn Nguyên, ngày 15 tháng 03 năm 2025" in ls for ls in lines)  # its own place and date
            assert all("Lê Thị Thử Nghiệm" in ls and "PHÓ GIÁM ĐỐC" in ls for ls in lines)
            assert all(any(line.endswith("/GCN-SKHCN-T1") for line in ls) for ls in lines)

            # And the private files for paying the prizes hold the winners (never in the public folder)
            private = stack.private_dir
            awards = (private / "reports" / "week-1" / "awards.csv").read_text(encoding="utf-8-sig")
            assert all(f"Trần Thị Thí Sinh {i}" in awards for i in order[:8])
            assert not list(stack.public_dir.rglob("awards*"))
            # the private winners' list for paying the prizes: prizes and amounts, the full phone number of those
            # who agreed to be contacted about a prize, never of the others
            listing = text_of_file(private / "reports" / "week-1" / "winners.xlsx")
            assert all(f"Trần Thị Thí Sinh {i}" in listing for i in order[:8])
            numbers = listing.replace(" ", "")
            assert {i % 2 for i in order[:8]} == {0, 1}  # winners of both kinds
            for i in order[:8]:
                assert (f"+849{88_000_100 + i:08d}"[3:] in numbers) == (i % 2 == 0), i
            assert "Không đồng ý — không gọi" in listing
            assert "Giải Khuyến khích" in listing and "Giải Nhất" in listing
            assert "300000" in listing.replace(".", "") and "3000000" in listing.replace(".", "")
            assert not list(stack.public_dir.rglob("winners*"))
            # and `contest winners` writes the same list where the organiser asks
            listed = cli(project, "winners", "--week", "1", "--out", str(tmp_path / "danh-sach.xlsx"))
            assert listed.returncode == 0, listed.stdout + listed.stderr

            # And nothing the system produced names the first contest
            outputs = [stack.public_dir, private, tmp_path, built_site]  # tmp_path: certificates, winners
            offenders = naming_the_first_contest(outputs)
            sms = stack.outbox_path.read_text(encoding="utf-8")
            offenders += [
                f"SMS: {name!r}" for name in FIRST_CONTEST + FIRST_CONTEST_SMS if name.casefold() in sms.casefold()
            ]
            assert not offenders, "\n".join(offenders)
    finally:
        reset_emulator()
