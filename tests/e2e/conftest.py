"""Browser fixtures: Debian's Chromium driven by Playwright against the local stack, on a 360×800 phone.

The stack runs on a copy of content/ with a generated question bank instead of the real one (so the tests
know nothing about the real questions) and serves a site built from that copy. Screenshots and the page-weight
figures are written under build/e2e/ as test artefacts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from tests.support import CONTENT, WEEK1_MID

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = REPO / "build" / "e2e"
PHONE_VIEWPORT = {"width": 360, "height": 800}
# Week 1 is open (the shipped contest: Wednesday 2023-10-18 09:00, Asia/Ho_Chi_Minh; tests/support.py).
CLOCK_WEEK1 = WEEK1_MID.isoformat()


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.e2e)


def ensure_chromium() -> None:
    """Debian's Chromium, installed through apt when missing (CI runs as root); never a downloaded browser."""
    if CHROMIUM.exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True, env=env)
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium, as root)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    ensure_chromium()
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE_VIEWPORT,
        "locale": "vi-VN",
        "has_touch": True,
        "service_workers": "block",
    }


# ---------------------------------------------------------------- the contest under test, as the pages show it
# The browser tests run against content/ and against the fixture contest (CONTEST_TEST_CONTENT, `make
# test-fixture`): what they look for on a page comes from the contest under test, never from the shipped one.

_CONTEST = yaml.safe_load((CONTENT / "contest.yaml").read_text(encoding="utf-8"))
_UNITS = yaml.safe_load((CONTENT / "units.yaml").read_text(encoding="utf-8"))
GROUP_COUNT = len(_UNITS["groups"])
QUESTIONS = int(_CONTEST["quiz"]["questions_per_attempt"])  # questions in one attempt
TIME_LIMIT = int(_CONTEST["quiz"]["time_limit_minutes"])
ATTEMPTS = int(_CONTEST["quiz"].get("attempts_per_week", 1))  # attempts a contestant has in one week
RESEND_SECONDS = int(_CONTEST["limits"]["code_resend_seconds"])  # the gap between two codes to one phone
MILLISECONDS = _CONTEST["quiz"].get("duration_resolution") == "milliseconds"  # durations shown to the millisecond
SHOWS_SCORE = bool(_CONTEST["quiz"].get("show_score_on_submit", True))  # the receipt shows the score
WEEK1_DAY = f"{WEEK1_MID:%d/%m/%Y}"  # the day the browser tests take week 1 (the stack's clock)


def consent_purposes() -> list[dict]:
    """The consent purposes of the stack's contest (e2e_root gives a contest with one consent text the shipped
    purposes)."""
    registration = _CONTEST["registration"]
    if "consent_purposes" in registration:
        return registration["consent_purposes"]
    shipped = yaml.safe_load((REPO / "content" / "contest.yaml").read_text(encoding="utf-8"))
    return shipped["registration"]["consent_purposes"]


def purpose_title(purpose_id: str) -> str:
    return next(p["title"] for p in consent_purposes() if p["id"] == purpose_id)


# The registration form's required box, as a screen reader names it.
REQUIRED_CONSENT = f"{purpose_title('participation')} (bắt buộc)"


def fold(text: str) -> str:
    """What the site's unit search does to a name (site/docs/assets/js/format.js `fold`)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(bare.replace("đ", "d").replace("Đ", "d").lower().split())


def unit_name(unit_id: str) -> str:
    return next(u["name"] for u in _UNITS["units"] if u["id"] == unit_id)


def unit_search(unit_id: str) -> tuple[str, int, int]:
    """A search a person types without diacritics to find this unit (the last two words of its name: "cam xuyen"
    for UBND huyện Cẩm Xuyên), and how many options and groups the form then shows."""
    query = " ".join(fold(unit_name(unit_id)).split()[-2:])
    group_names = {g["id"]: g["name"] for g in _UNITS["groups"]}
    found = [u for u in _UNITS["units"] if query in fold(u["name"] + " " + group_names.get(u["group"], ""))]
    return query, len(found), len({u["group"] for u in found})


def search_words() -> str:
    """Three words with diacritics the study materials hold: "Vũ Đức Đam" in the shipped documents, otherwise
    the first such words of a document's title (front matter `title:`)."""
    if CONTENT == REPO / "content":
        return "Vũ Đức Đam"
    for document in sorted((CONTENT / "documents").glob("*.md")):
        title = re.search(r"^title:\s*\"?(.+?)\"?\s*$", document.read_text(encoding="utf-8"), re.MULTILINE)
        marked = [w for w in (title.group(1).split() if title else []) if fold(w) != w.lower() and w.isalpha()]
        if len(marked) >= 3:
            return " ".join(marked[:3])
    raise AssertionError(f"no document title in {CONTENT / 'documents'} has three words with diacritics")


WEEK_COUNT = len(_CONTEST["weeks"])


def first_prize_amount() -> str:
    """The first weekly prize's amount as the rules page writes it: '2.000.000 đồng'."""
    from contest.organisers.sitebuild import vnd

    prizes = _CONTEST["prizes"]
    return vnd(int(prizes["weekly"][0]["amount"]), prizes.get("currency", "đồng"))


def week1_instant(key: str) -> str:
    return week_instant(1, key)


def week_instant(number: int, key: str) -> str:
    """A week's `opens_at` / `closes_at` / `results_at` as the site writes it: '20:00 Chủ nhật, 22/10/2023'."""
    from zoneinfo import ZoneInfo

    from contest.organisers.sitebuild import moment

    value = _CONTEST["weeks"][number - 1][key]
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment(instant.astimezone(ZoneInfo(_CONTEST.get("timezone", "Asia/Ho_Chi_Minh"))))


# ---------------------------------------------------------------- the stack on a test copy of content/


def question_bank(weeks: int, per_week: int) -> dict:
    """A deterministic bank: every week pool holds `per_week` questions; option A is always right in the file
    (the server shuffles options per contestant, so what the browser shows says nothing)."""
    questions = []
    for n in range(1, weeks * per_week + 1):
        week = (n - 1) // per_week + 1
        questions.append(
            {
                "id": f"e2e-{n:03d}",
                "text": f"Câu hỏi kiểm thử số {n}: Ngày Chuyển đổi số quốc gia là ngày nào?",
                "options": {
                    "A": f"Ngày 10 tháng 10 (câu {n})",
                    "B": f"Ngày 1 tháng 10 (câu {n})",
                    "C": f"Ngày 10 tháng 1 (câu {n})",
                    "D": f"Ngày 22 tháng 4 (câu {n})",
                },
                "correct": "A",
                "difficulty": "easy",
                "weeks": [week],
                "source": {"document": "qd-505-qd-ttg-2022", "ref": "Điều 1", "fact": "1"},
            }
        )
    return {"questions": questions}


DOCUMENT = """---
id: qd-505-qd-ttg-2022
number: "505/QĐ-TTg"
date: "2022-04-22"
issuer: "Thủ tướng Chính phủ"
title: "Quyết định về Ngày Chuyển đổi số quốc gia"
order: 6
---
# Quyết định số 505/QĐ-TTg

Lấy ngày 10 tháng 10 hằng năm là Ngày Chuyển đổi số quốc gia.
"""


@pytest.fixture(scope="session")
def e2e_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("e2e") / "repo"
    # the real documents (so the page weight includes the real search index), a generated question bank
    shutil.copytree(CONTENT, root / "content", ignore=shutil.ignore_patterns("questions"))
    shutil.copytree(REPO / "site", root / "site")
    (root / "functions").symlink_to(REPO / "functions")
    (root / "content" / "questions").mkdir()
    (root / "content" / "documents").mkdir(exist_ok=True)
    contest = yaml.safe_load((root / "content" / "contest.yaml").read_text(encoding="utf-8"))
    # the journeys below prove the phone at registration; the at_award journey is in tests/integration
    contest["registration"]["verification"] = "at_registration"
    # the consent journeys tick the shipped purposes: a contest with one consent text gets them too
    if "consent_purposes" not in contest["registration"]:
        shipped = yaml.safe_load((REPO / "content" / "contest.yaml").read_text(encoding="utf-8"))["registration"]
        contest["registration"].pop("consent_text", None)
        contest["registration"]["consent_purposes"] = shipped["consent_purposes"]
    # every browser of the session registers from 127.0.0.1: one office-sized SMS budget would run out mid-suite
    # (the budgets themselves are proved in tests/security/test_sms_pumping.py)
    contest["sms"]["per_address_per_hour"] = 100_000
    contest["sms"]["global_per_hour"] = 1_000_000
    (root / "content" / "contest.yaml").write_text(
        yaml.safe_dump(contest, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    per_week = 2 * int(contest["quiz"]["questions_per_attempt"])
    (root / "content" / "questions" / "e2e.yaml").write_text(
        yaml.safe_dump(question_bank(len(contest["weeks"]), per_week), allow_unicode=True), encoding="utf-8"
    )
    if not (root / "content" / "documents" / "qd-505-qd-ttg-2022.md").exists():
        (root / "content" / "documents" / "qd-505-qd-ttg-2022.md").write_text(DOCUMENT, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def built_site(e2e_root) -> Path:
    from contest.organisers.sitebuild import build

    out = e2e_root / "build" / "site"
    build(e2e_root, out)
    return out


# The stack's clock minus the real time (ms), once the stack runs: the browsers' device clock as the pages see it.
DEVICE_CLOCK: dict[str, float] = {}
# A device whose clock agrees with the server's: what real phones have (NTP). The stack runs in 2023, the browser in
# today: without this, a page that has not yet had an API answer (X-Contest-Now) would take the device clock alone
# (site/docs/assets/js/core.js, contest()). Seeded only where the page has not measured an offset itself.
SEED_CLOCK = (
    "if (!localStorage.getItem('ct.clock')) "
    "localStorage.setItem('ct.clock', JSON.stringify({offset: %r, at: Date.now()}));"
)


@pytest.fixture(scope="session", autouse=True)
def _devices_on_the_stack_clock():
    from playwright.sync_api import Browser

    original = Browser.new_context

    def new_context(self, *args, **kwargs):
        context = original(self, *args, **kwargs)
        if "offset" in DEVICE_CLOCK:
            context.add_init_script(SEED_CLOCK % DEVICE_CLOCK["offset"])
        return context

    Browser.new_context = new_context
    yield
    Browser.new_context = original


@pytest.fixture(scope="session")
def stack(e2e_root, built_site):
    import time

    from contest.local.stack import LocalStack

    start = datetime.fromisoformat(CLOCK_WEEK1)
    with LocalStack(
        e2e_root,
        clock_start=start,
        dev_dir=e2e_root / ".dev",
        site_dir=built_site,
        schedule=False,
    ) as running:
        DEVICE_CLOCK["offset"] = round(start.timestamp() * 1000 - time.time() * 1000)
        yield running
        DEVICE_CLOCK.pop("offset", None)


# ---------------------------------------------------------------- helpers for the tests


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "screenshots").mkdir(exist_ok=True)
    return ARTEFACTS


@pytest.fixture
def shot(artefacts):
    def take(page, name: str) -> None:
        page.screenshot(path=str(artefacts / "screenshots" / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(scope="session")
def code_for(stack):
    """code_for(phone) -> the newest one-time code the local stack sent to that phone."""
    return lambda phone: last_code(stack.outbox_path, phone)


def last_code(outbox: Path, phone_digits: str) -> str:
    """The newest one-time code sent to a phone (matched on its last nine digits) in the local outbox."""
    codes = []
    for line in outbox.read_text(encoding="utf-8").splitlines():
        message = json.loads(line)
        if re.sub(r"\D", "", message["phone"])[-9:] == phone_digits[-9:]:
            found = re.findall(r"\b\d{6}\b", message["text"])
            if found:
                codes.append(found[0])
    assert codes, f"no code sent to …{phone_digits[-3:]}"
    return codes[-1]


CONTRAST_JS = """(selectors) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const selector of selectors) {
    const nodes = Array.from(document.querySelectorAll(selector)).filter((n) => n.offsetParent !== null);
    if (!nodes.length) failures.push(selector + ': not found');
    for (const n of nodes.slice(0, 5)) {
      const fg = lum(rgb(getComputedStyle(n).color)), bg = lum(background(n));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) failures.push(selector + ': ' + ratio.toFixed(2));
    }
  }
  return failures;
}"""


def contrast_failures(page, selectors: list[str]) -> list[str]:
    """WCAG AA (4.5:1) text contrast of the visible elements matching each selector; [] when all pass."""
    return page.evaluate(CONTRAST_JS, selectors)


# ---------------------------------------------------------------- accessibility (axe-core from npm, pinned)

AXE_PACKAGE = Path(__file__).parent / "axe"
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source(artefacts) -> str:
    """axe-core's axe.min.js, installed with npm from tests/e2e/axe/package-lock.json into build/e2e/axe
    (the registry only; never a CDN, nothing fetched by the browser)."""
    target = artefacts / "axe"
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    lock = json.loads((AXE_PACKAGE / "package-lock.json").read_text(encoding="utf-8"))
    wanted = lock["packages"]["node_modules/axe-core"]["version"]
    installed = target / "node_modules" / "axe-core" / "package.json"
    if not installed.exists() or json.loads(installed.read_text(encoding="utf-8"))["version"] != wanted:
        if not shutil.which("npm"):
            pytest.skip("npm is not installed (apt-get install npm)")
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(AXE_PACKAGE / name, target / name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=target, check=True, capture_output=True
        )
    return script.read_text(encoding="utf-8")


def axe_serious(page, axe_source: str) -> list[str]:
    """axe-core run on the page as it is now: the serious and critical violations, one line each."""
    # colours are measured at rest: no half-finished transition (the site honours reduced motion)
    page.emulate_media(reduced_motion="reduce")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source)  # through the debugging protocol: the page's CSP does not apply
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map((v) => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}));
    }""")
    return [f"{v['impact']} {v['id']}: {v['nodes']}" for v in found if v["impact"] in SERIOUS]
