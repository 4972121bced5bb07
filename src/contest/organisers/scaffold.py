"""`contest new <dir>`: a fresh content folder for another contest.

It writes a contest.yaml with every key the platform reads, each with a comment (values are generic examples:
the organisers replace every one), a units template, one example study document, an empty questions/ folder and
the question workbook the organisers fill in Excel (`contest questions import` then writes questions/*.yaml).
Nothing here is Hà Tĩnh's: the shipped content/ is only one example of what this produces.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from contest.rules.model import NATIONAL_MOTTO, NATIONAL_NAME

WORKBOOK = "cau-hoi.xlsx"
EXAMPLE_DOCUMENT = "van-ban-1"

UNITS_TEMPLATE = """\
# Units (đơn vị) contestants register under. `contest content check` validates this file.
# groups: how units are grouped on the registration form and in reports.
#   id: lowercase letters, digits and '-', stable (results and reports refer to it); name: as shown.
# units: id (stable, never reused), name, group (one of the groups' ids),
#   headcount (optional, ≥ 1): staff count, used for participation rates and the unit awards.
groups:
  - { id: so-nganh, name: "Sở, ban, ngành" }
  - { id: dia-phuong, name: "UBND cấp xã, phường" }

units:
  - { id: so-a, name: "Sở A", group: so-nganh, headcount: 50 }
  - { id: so-b, name: "Sở B", group: so-nganh }
  - { id: xa-a, name: "UBND xã A", group: dia-phuong, headcount: 30 }
"""

DOCUMENT_TEMPLATE = """\
---
id: {id}
number: "01/KH-XXX"
date: "{today}"
issuer: "Cơ quan ban hành"
title: "Tên văn bản"
order: 1
---
# Tên văn bản

<!-- One page per document of the plan (content/documents/<id>.md; id = the file name). Front matter keys:
     id, number, date (YYYY-MM-DD), issuer, title, order (position in the list). Everything below the front
     matter is the study page contestants read; questions cite this file's id as source.document. -->

Nội dung văn bản (hoặc phần trích) mà người dự thi ôn tập.
"""


def contest_template(name: str, start: date, weeks: int, tz: str = "Asia/Ho_Chi_Minh") -> str:
    """contest.yaml with every key and a comment on each; `weeks` weeks from `start` (a Monday is usual), each
    closing on its 7th day at 19:00 with results at 20:00 (edit them: any day and time works)."""
    zone = ZoneInfo(tz)
    week_lines = []
    for n in range(1, weeks + 1):
        first = start + timedelta(days=7 * (n - 1))
        last = first + timedelta(days=6)
        opens = datetime.combine(first, time(0, 0), zone)
        closes = datetime.combine(last, time(19, 0), zone)
        results = datetime.combine(last, time(20, 0), zone)
        week_lines.append(
            f"  - number: {n}\n"
            f'    opens_at: "{opens.isoformat()}"\n'
            f'    closes_at: "{closes.isoformat()}"\n'
            f'    results_at: "{results.isoformat()}"\n'
            f'    prediction_question: "Theo bạn, Tuần {n} của Cuộc thi (từ ngày {first:%d/%m/%Y} đến ngày '
            f'{last:%d/%m/%Y}) có bao nhiêu người tham gia dự thi?"'
        )
    retention = datetime.combine(start + timedelta(days=7 * weeks - 1 + 60), time(23, 59, 59), zone)
    return f"""\
# The contest definition: everything that differs from one contest to another. `contest content check` validates
# it strictly (an unknown or misspelt key is an error with its line and a suggestion); docs/content-format.md
# describes every key, docs/new-contest.md the steps from the plan to the deployed contest.
# Every value below is an EXAMPLE: replace each one with your plan's. Instants carry their offset (+07:00).
schema: 1
name: "{name}"                                   # the contest's full name (rules page, site, results)
theme: "Chủ đề của Cuộc thi"                     # the theme (rules page, site description)
year: {start.year}
organiser: "Tên cơ quan tổ chức"                 # the organising agency
plan: "Kế hoạch số …/KH-… ngày …"                # the plan the contest follows (optional)
timezone: "{tz}"                        # times on the site and the AWS close schedule are read in it

site:                                            # the website (optional)
  title: "{name}"                                # browser tab, search engines (default: name)
  description: "Chủ đề của Cuộc thi — {name} năm {start.year}"   # (default: theme — name năm year)

# The weeks: opening, closing (last submission; + quiz.grace_seconds) and results instants. The AWS close runs at
# each results_at (generated at `make deploy`): any day and time, on a whole minute.
weeks:
{chr(10).join(week_lines)}

quiz:
  questions_per_attempt: 15       # multiple-choice questions drawn for one attempt
  options_per_question: 4         # options per question (2–6; keys A, B, C, …)
  points_per_question: 1          # points for a correct answer
  pool_factor: 2                  # a week's pool holds at least pool_factor × questions_per_attempt questions
  prediction_question: "Theo bạn, tuần thi này có bao nhiêu người tham gia dự thi?"   # unless a week has its own
  prediction_max: 10000000        # the largest number a contestant may predict
  attempts_per_week: 1            # when more than 1, the best attempt counts (score desc, then duration asc)
  time_limit_minutes: 30          # per attempt
  grace_seconds: 30               # network lag tolerated after the time limit and after closes_at
  duration_resolution: seconds    # seconds | milliseconds: the tie-break on duration (milliseconds always stored)
  show_score_on_submit: true      # the score right after submitting (never which answers were right)
  human_floor_seconds: 30         # faster attempts are flagged for the committee (never removed)

participants:
  count: contestants              # the prediction's true answer: contestants (people) | attempts

registration:
  verification: at_award          # at_registration (an SMS code before the first quiz) | at_award (winners only)
  award_confirmation_hours: 72    # at_award: hours a winner has to confirm the code after results_at
  consent_version: "{date.today():%Y-%m-%d}"     # change it whenever a purpose's text changes
  # One box per purpose on the registration form (Law 91/2025/QH15), each recorded with consent_version and the
  # time. Required purposes must be ticked to register and cannot be withdrawn; optional ones can be refused or
  # withdrawn on "Trang của tôi". `participation` (required) is needed by the code; `coordinator` (optional) lets
  # the unit's coordinator see the person's name. (The older single `consent_text:` still reads as one purpose.)
  consent_purposes:
    - id: participation
      required: true
      title: "Tham gia Cuộc thi và kết quả"
      text: >-
        Tôi đồng ý để Ban Tổ chức xử lý họ tên, số điện thoại, đơn vị công tác và bài thi của tôi để tổ chức
        Cuộc thi: xác thực tài khoản, chấm điểm, xếp hạng, công bố kết quả, xác nhận số điện thoại và trao giải.
    - id: coordinator
      required: false
      title: "Người phụ trách đơn vị được xem tôi tham gia"
      text: >-
        Tôi đồng ý để người phụ trách đơn vị của tôi được xem tôi đã đăng ký và đã tham gia từng tuần hay chưa
        (không xem điểm).

# Personal data: what the privacy page (site/docs/quyen-rieng-tu.md) states. Fill every contact field before
# launch; docs/privacy-rights.md lists the questions for your lawyer.
privacy:
  controller: "Tên cơ quan tổ chức"   # who decides why and how the data is processed (default: organiser)
  address: ""                     # postal address of the controller
  contact_person: ""              # the office or person in charge of personal data protection
  contact_email: ""
  contact_phone: ""
  region: "ap-southeast-1"        # the AWS region the stack is deployed in (= samconfig.toml)
  region_name: "Singapore"
  processors:                     # who processes the data for you, and where
    - name: "Amazon Web Services (AWS)"
      role: "Máy chủ, cơ sở dữ liệu và lưu trữ tệp của hệ thống thi (Lambda, DynamoDB, S3, CloudFront)"
      location: "Singapore (vùng ap-southeast-1)"
  retention: "{retention.isoformat()}"   # personal data purged after: the awards and the appeal period
  response_hours: 72              # answer a request to see / download data or a withdrawal of consent within
  erasure_hours: 72               # erase within

limits:
  code_ttl_minutes: 5             # one-time codes live at most 5 minutes
  code_max_tries: 5
  code_resend_seconds: 60         # minimum gap between two codes to one phone
  code_sends_per_hour: 5          # per phone
  registrations_per_ip_per_hour: 200   # offices share one address
  login_failures_before_delay: 5  # per phone; then one try per lock window (30 s, doubling, max 15 min)
  login_failures_per_ip_per_hour: 100
  session_hours: 12

sms:
  contest_name: "Cuoc thi"        # the contest's short name in SMS texts: NO diacritics (GSM-7), ≤ 40 characters
  # the code message: {{code}} required, {{purpose}} {{minutes}} {{contest}} optional; one 160-character GSM part
  template: "Ma {{purpose}} {{contest}}: {{code}}. Ma co hieu luc {{minutes}} phut."
  proof_of_work:                  # solved by the browser before any request that can send an SMS
    cost: 250
    max_counter: 1000
    expires_minutes: 5
  per_address_per_hour: 20        # codes per client address per hour
  global_per_hour: 500            # codes per hour, whole contest
  global_shards: 4
  monthly_spend_limit_usd: 50     # = the stack's SmsMonthlySpendLimit
  breaker_fraction: 0.5           # stop sending at this share of it and alarm the organisers
  price_per_message_usd: 0.06

prizes:
  weekly:                         # rank: first | second | third | consolation …; count ≥ 0; amount per prize
    - {{ rank: first, label: "Giải Nhất", count: 1, amount: 2000000 }}
    - {{ rank: second, label: "Giải Nhì", count: 2, amount: 1000000 }}
    - {{ rank: third, label: "Giải Ba", count: 3, amount: 500000 }}
  final_units:                    # unit awards after the last week ([] for none)
    - {{ rank: first, label: "Giải Nhất", count: 1, amount: 3000000 }}
  currency: "đồng"                # after amounts, on the rules page and the results page

results:
  published_top: 100              # contestants listed in each week's public results

certificates:                     # the prize certificates (Giấy chứng nhận) the agency signs and stamps
  agency:                         # parent agency line(s) first, the issuing agency last (printed bold); 1–3 lines
    - "UBND TỈNH …"
    - "SỞ …"
  place: "Tên địa danh"           # "<place>, ngày … tháng … năm …"
  number_format: "{{seq:02d}}/GCN-BTC-{{round}}-{{year}}"   # {{round}}: T1, T2, … a week, CC the unit awards
  signer_authority: "TM. BAN TỔ CHỨC"                      # above the title ("" for none)
  signer_title: "TRƯỞNG BAN"
  signer_name: "(họ và tên người ký)"                      # fill in before printing
  national_name: "{NATIONAL_NAME}"      # the Quốc hiệu (legal text: keep)
  national_motto: "{NATIONAL_MOTTO}"            # the Tiêu ngữ (legal text: keep)

reports:
  scope_label: "Toàn Cuộc thi"    # the whole-contest row of the organisers' reports (e.g. "Toàn tỉnh")

questions_lint:                   # fairness thresholds of `contest questions lint` (docs/content-format.md)
  key_longest_factor: 1.25
  rate_min_questions: 20
  key_length_ratio: 1.5
  distractor_prefixes: ["Chỉ", "Tất cả", "Toàn bộ"]
  prefix_min_distractors: 2
  near_duplicate_stem: 85
  near_duplicate_same_key: 75
  cue_min_chars: 12
  require_attribution: true
  require_quote: true             # every question carries the sentence its key rests on (appeals)

final_units:                      # unit-award points; a weight of 0 leaves the criterion out (and off the rules page)
  weights:
    participation: 0.4            # participations over the weeks ÷ the highest
    participation_rate: 0.3       # mean weekly participation rate (units.yaml headcount) ÷ the highest
    mean_score: 0.3               # mean score ÷ the maximum score

secretariat: "Tổ Thư ký"          # who reports an unresolved tie to the Ban Tổ chức (rules page)

excluded_roles: >-                # who may not take part: rules page, and the answer to an excluded contestant
  Thành viên Ban Tổ chức, Tổ Thư ký và những người trực tiếp tham gia tổ chức Cuộc thi không được tham gia thi.
"""


def next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def scaffold(target: Path, *, name: str, start: date, weeks: int) -> list[Path]:
    """Write a fresh content folder into `target` (which must not exist or be empty); return the files written."""
    from contest.content.bank import document_ids
    from contest.content.loader import parse_contest, read_yaml
    from contest.organisers.question_workbook import document_titles, export_workbook
    from contest.rules.model import Bank

    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty")
    (target / "questions").mkdir(parents=True, exist_ok=True)
    (target / "documents").mkdir(exist_ok=True)
    written = []
    for path, text in (
        (target / "contest.yaml", contest_template(name, start, weeks)),
        (target / "units.yaml", UNITS_TEMPLATE),
        (
            target / "documents" / f"{EXAMPLE_DOCUMENT}.md",
            DOCUMENT_TEMPLATE.format(id=EXAMPLE_DOCUMENT, today=f"{date.today():%Y-%m-%d}"),
        ),
    ):
        path.write_text(text, encoding="utf-8")
        written.append(path)
    contest = parse_contest(read_yaml(target / "contest.yaml"), str(target / "contest.yaml"))  # it must be valid
    assert document_ids(target / "documents") == [EXAMPLE_DOCUMENT]
    workbook = target / WORKBOOK
    export_workbook(
        Bank(()),
        workbook,
        documents=document_titles(target / "documents"),
        weeks=[w.number for w in contest.weeks],
        per_attempt=contest.quiz.questions_per_attempt,
        pool_factor=contest.quiz.pool_factor,
        option_keys=contest.quiz.option_keys,
    )
    written.append(workbook)
    return written
