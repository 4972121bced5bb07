"""Plain domain values shared by the rules, the services and the repository.

No I/O here and nothing from AWS: these are what the pure rules take and return.
Every dataclass has a docstring: without one, `@dataclass` builds one with `inspect.signature` at import, about a
quarter of its cost per class, paid by every handler's cold start (benchmarks/cold_start.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

OPTION_KEYS = ("A", "B", "C", "D")  # the default four options (quiz.options_per_question: 4)
OPTION_LETTERS = "ABCDEF"  # quiz.options_per_question takes the first N of these (2–6)


class Difficulty(StrEnum):
    """A question's `difficulty`."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class QuoteSource(StrEnum):
    """A question's `source.quote_source`: where its quote was taken from."""

    DOCUMENT = "document"  # verbatim from the document
    FACT_SHEET = "fact-sheet"  # the verified statement of the fact sheet


DIFFICULTIES = tuple(Difficulty)


class Verification(StrEnum):
    """`registration.verification`: when a contestant proves the phone number."""

    AT_REGISTRATION = "at_registration"
    AT_AWARD = "at_award"


class DurationResolution(StrEnum):
    """`quiz.duration_resolution`: the tie-break on duration (milliseconds are always stored)."""

    SECONDS = "seconds"
    MILLISECONDS = "milliseconds"


class ParticipantsCount(StrEnum):
    """`participants.count`: what the participation figures count."""

    CONTESTANTS = "contestants"
    ATTEMPTS = "attempts"


VERIFY_AT_REGISTRATION = Verification.AT_REGISTRATION
VERIFY_AT_AWARD = Verification.AT_AWARD
VERIFICATION_MODES = tuple(Verification)
UNVERIFIED_TTL_SECONDS = 86_400  # at_registration: an account not verified within a day expires


@dataclass(frozen=True)
class Week:
    """One weekly round: when it opens, closes and publishes its results (contest.yaml `weeks:`)."""

    number: int
    opens_at: datetime
    closes_at: datetime
    results_at: datetime
    prediction_question: str


@dataclass(frozen=True)
class Prize:
    """One prize of a week (contest.yaml `prizes:`): its rank, label, how many and how much."""

    rank: str  # first | second | third
    label: str  # "Giải Nhất"
    count: int
    amount: int


@dataclass(frozen=True)
class QuizRules:
    """contest.yaml `quiz:`: how an attempt is drawn, timed and counted."""

    questions_per_attempt: int
    prediction_max: int
    attempts_per_week: int
    time_limit_seconds: int
    grace_seconds: int
    duration_resolution: DurationResolution
    show_score_on_submit: bool
    human_floor_seconds: int
    options_per_question: int = 4  # every question has exactly this many options, keys A, B, C, …
    points_per_question: int = 1  # a correct answer scores this many points
    pool_factor: int = 2  # a week pool must hold at least pool_factor × questions_per_attempt questions

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(OPTION_LETTERS[: self.options_per_question])

    @property
    def max_score(self) -> int:
        return self.questions_per_attempt * self.points_per_question


@dataclass(frozen=True)
class Limits:
    """contest.yaml `limits:`: one-time codes (lifetime, tries, resends), registrations per address, login lock-out."""

    code_ttl_seconds: int
    code_max_tries: int
    code_resend_seconds: int
    code_sends_per_hour: int
    registrations_per_ip_per_hour: int
    login_failures_before_delay: int
    session_seconds: int
    login_failures_per_ip_per_hour: int = 100  # refused logins per address and hour


@dataclass(frozen=True)
class SmsPolicy:
    """contest.yaml `sms:`: what may be sent, how often, and the proof of work in front of it."""

    template: str = "Ma {purpose} {contest}: {code}. Ma co hieu luc {minutes} phut."  # {contest} filled at load
    contest_name: str = "Cuoc thi"  # the contest's short name in SMS texts, GSM-7 (no diacritics)
    pow_cost: int = 250  # PBKDF2-SHA-256 iterations per try
    pow_max_counter: int = 1000  # the counter to find is drawn in [max/2, max)
    pow_expires_seconds: int = 300
    per_address_per_hour: int = 20  # codes sent per client address per hour
    global_per_hour: int = 1000  # codes sent per hour, whole contest
    global_shards: int = 4  # counter items the global hourly budget is spread over (hot-key safety)
    monthly_spend_limit_usd: float = 100.0  # the SNS account's monthly SMS spend limit
    breaker_fraction: float = 0.5  # stop sending at this fraction of the monthly limit, alarm the organisers
    price_per_message_usd: float = 0.06  # estimate for the channel in use (docs/deploy.md)

    @property
    def monthly_message_cap(self) -> int:
        """Messages per calendar month (UTC) before the circuit breaker trips."""
        return int(self.monthly_spend_limit_usd * self.breaker_fraction / self.price_per_message_usd)


@dataclass(frozen=True)
class QuestionsLint:
    """Thresholds of `contest questions lint` (contest.yaml `questions_lint:`)."""

    key_longest_factor: float = 1.25  # error when key-longest rate > factor × chance rate, or < chance ÷ factor
    rate_min_questions: int = 20  # the rate is judged on at least this many questions with a unique longest option
    key_length_ratio: float = 1.5  # warning when the key is at least this × the longest distractor
    distractor_prefixes: tuple[str, ...] = ("Chỉ", "Tất cả", "Toàn bộ")
    prefix_min_distractors: int = 2
    near_duplicate_stem: float = 85.0  # rapidfuzz token_sort_ratio (0-100) of two stems built from one fact
    near_duplicate_same_key: float = 75.0  # … of two stems with the same key (≥ cue_min_chars)
    cue_min_chars: int = 12  # shorter keys ("2025", "Thứ 7") are not looked for in other questions
    require_attribution: bool = True
    require_quote: bool = True


NATIONAL_NAME = "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"  # Quốc hiệu (Nghị định 30/2020/NĐ-CP)
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"  # Tiêu ngữ


@dataclass(frozen=True)
class CertificateStyle:
    """`certificates:` in contest.yaml: what a Vietnamese agency's certificate carries besides the winner.

    `agency` is the issuing agency's header, top left: the parent agency line(s) first, the issuing agency
    last (printed bold). `number_format` makes the certificate number from {year}, {round} ("T1".."Tn" for a
    week, "CC" for the final unit awards) and {seq} (1, 2, … within the round; a format spec such as
    {seq:02d} is allowed)."""

    agency: tuple[str, ...]
    place: str
    signer_title: str
    signer_name: str
    signer_authority: str = ""  # "TM. BAN TỔ CHỨC", "KT. GIÁM ĐỐC" …: above the title; empty: none
    number_format: str = "{year}-{round}-{seq:02d}"
    national_name: str = NATIONAL_NAME
    national_motto: str = NATIONAL_MOTTO

    def number(self, year: int, round_: str, seq: int) -> str:
        return self.number_format.format(year=year, round=round_, seq=seq)

    @staticmethod
    def number_default(year: int, week: int, seq: int) -> str:
        """The number when contest.yaml has no `certificates:` section yet."""
        return f"{year}-T{week}-{seq:02d}"


@dataclass(frozen=True)
class ConsentPurpose:
    """One purpose a contestant consents to (contest.yaml `registration.consent_purposes`)."""

    id: str
    title: str
    text: str
    required: bool  # a condition of taking part: cannot be refused at registration nor withdrawn later


@dataclass(frozen=True)
class Processor:
    """Somebody who processes personal data for the organiser (contest.yaml `privacy.processors`)."""

    name: str
    role: str
    location: str


@dataclass(frozen=True)
class PrivacyPolicy:
    """contest.yaml `privacy:`: what the code cannot know about the controller and its processors,
    and the deadlines the organisers answer data subjects' requests within (Law 91/2025/QH15;
    docs/privacy-rights.md)."""

    controller: str = ""
    address: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contact_person: str = ""  # the person or office in charge of personal data protection
    region: str = "ap-southeast-1"
    region_name: str = "Singapore"
    processors: tuple[Processor, ...] = ()
    retention: datetime | None = None  # personal data kept until (after the awards and the appeal period)
    response_hours: int = 72  # answer a request to provide data or to withdraw consent within
    erasure_hours: int = 72  # erase ("without delay") within


@dataclass(frozen=True)
class Contest:
    """contest.yaml as the code reads it: names, weeks, rules, prizes and policies."""

    name: str
    theme: str
    year: int
    organiser: str
    plan: str
    timezone: str
    weeks: tuple[Week, ...]
    quiz: QuizRules
    participants_count: ParticipantsCount
    verification: Verification  # when a contestant proves the phone
    consent_version: str
    consent_text: str
    limits: Limits
    weekly_prizes: tuple[Prize, ...]
    final_unit_prizes: tuple[Prize, ...]
    currency: str
    published_top: int
    excluded_roles: str
    final_formula: dict[str, float] = field(default_factory=dict)
    sms: SmsPolicy = field(default_factory=SmsPolicy)
    questions_lint: QuestionsLint = field(default_factory=QuestionsLint)
    award_confirmation_hours: int = 72  # at_award: how long a prize winner has to confirm the phone
    consent_purposes: tuple[ConsentPurpose, ...] = ()
    privacy: PrivacyPolicy = field(default_factory=PrivacyPolicy)

    def purpose(self, purpose_id: str) -> ConsentPurpose | None:
        return next((p for p in self.consent_purposes if p.id == purpose_id), None)

    certificates: CertificateStyle | None = None  # None: `contest certificates` refuses until configured
    secretariat: str = "Tổ Thư ký"  # who reports an unresolved tie to the Ban Tổ chức (rules page)
    scope_label: str = "Toàn Cuộc thi"  # the whole-contest row of the reports ("Toàn tỉnh")
    site_title: str = ""  # the site's title (default: name)
    site_description: str = ""  # the site's description (default: theme — name, year)

    @property
    def title(self) -> str:
        return self.site_title or self.name

    @property
    def description(self) -> str:
        return self.site_description or f"{self.theme} — {self.name} năm {self.year}".strip(" —")

    @property
    def phone_verification(self) -> bool:
        """A code before the first quiz (at_registration); at_award proves the phone only for prizes."""
        return self.verification == VERIFY_AT_REGISTRATION

    def week(self, number: int) -> Week | None:
        return next((w for w in self.weeks if w.number == number), None)


@dataclass(frozen=True)
class UnitGroup:
    """A group of units (units.yaml), e.g. the communes of one district."""

    id: str
    name: str


@dataclass(frozen=True)
class Unit:
    """A unit a contestant registers under (units.yaml)."""

    id: str
    name: str
    group: str
    headcount: int | None = None


@dataclass(frozen=True)
class Source:
    """Where a question's answer comes from: the document, the fact and, for appeals, the quote."""

    document: str
    ref: str | None
    fact: str | None
    date: str | None = None  # when the fact became true or was published: YYYY, YYYY-MM or YYYY-MM-DD
    quote: str | None = None  # the sentence the answer rests on, for appeals (never sent to a client)
    quote_source: QuoteSource | None = None


@dataclass(frozen=True)
class Question:
    """One multiple-choice question of the bank, with its key (never sent to a client before the close)."""

    id: str
    text: str
    options: dict[str, str]  # key A-D -> text, in the file's order
    correct: str  # one of OPTION_KEYS
    difficulty: Difficulty
    weeks: tuple[int, ...]
    source: Source


@dataclass(frozen=True)
class Bank:
    """The question bank: every question, and which week may draw which."""

    questions: tuple[Question, ...]

    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def pool(self, week: int) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if week in q.weeks)

    def keys_published_with(self, week: int) -> tuple[Question, ...]:
        """The questions whose key week N's results publish: those no later week can draw."""
        return tuple(q for q in self.pool(week) if key_week(q) == week)

    def keys_withheld_at(self, week: int) -> tuple[Question, ...]:
        """Week N's questions that a later week can still draw: published without their key."""
        return tuple(q for q in self.pool(week) if key_week(q) > week)


def key_week(question: Question) -> int:
    """The week whose results publish the question's key: the last week that can draw it.

    Only then has every week that could ask it closed. A question drawn by no week has no key week (0)."""
    return max(question.weeks, default=0)


@dataclass(frozen=True)
class Account:
    """A contestant's account as the services see it."""

    account_id: str
    phone: str  # E.164; never logged, never published
    full_name: str
    unit_id: str
    password_hash: str
    verified: bool
    excluded: bool
    created_at_ms: int
    password_version: int
    expires_at_s: int | None = None  # at_registration: an unverified account expires (TTL); None = kept
    closed_at_ms: int | None = None  # closed when the phone's owner reclaimed the number
    coordinator_unit: str | None = None  # the unit whose participation this person may see (organisers appoint)
    session_version: int = 0  # raised by a server-side logout: every session signed before it is dead
    consents: dict[str, dict[str, Any]] | None = None  # per purpose (contest.rules.consents); None: registered before
    consent_version: str = ""  # the single consent of accounts registered before consent per purpose
    consent_at_ms: int = 0


@dataclass(frozen=True)
class Attempt:
    """One attempt at a week's quiz: the questions drawn, when it started and, once submitted, its result."""

    account_id: str
    week: int
    number: int
    attempt_id: str
    question_ids: tuple[str, ...]
    # per question, the original option keys in displayed order, e.g. "CADB": shown A is original C
    orders: tuple[str, ...]
    issued_at_ms: int
    expires_at_ms: int
    # snapshot of who took it, for the week's standing (no account read at submit time)
    full_name: str = ""
    unit_id: str = ""
    phone_masked: str = ""
    submitted_at_ms: int | None = None
    answers: dict[str, str] | None = None  # question id -> displayed key
    prediction: int | None = None
    duration_ms: int | None = None
    score: int | None = None
    request_hash: str | None = None

    @property
    def submitted(self) -> bool:
        return self.submitted_at_ms is not None


@dataclass(frozen=True)
class StandingRecord:
    """A contestant's best submitted attempt of a week: all the close needs, nothing more."""

    account_id: str
    score: int
    duration_ms: int
    prediction: int
    unit_id: str
    full_name: str
    phone_masked: str
    attempt_id: str
    attempts: int
    received_at_ms: int


# The standing's fields in order: the close's compact rows and its DynamoDB projection both use it.
STANDING_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(StandingRecord))
