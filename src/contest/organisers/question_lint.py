"""`contest questions lint`: can a question be answered by its form rather than by the documents?

Pure rules over a loaded bank (no I/O): each rule returns findings, errors or warnings.

- key-longest rate (per week pool and overall): how often the correct option is strictly the
  longest. If the key's position were unrelated to length, the expected rate is the mean over the
  questions of 1/n when one option is strictly the longest (0 when the longest is tied): the
  "chance rate". A rate above `key_longest_factor` × chance is an error, and so is a rate below
  chance ÷ `key_longest_factor` (contestants then drop the longest option); both are judged only on
  `rate_min_questions` or more questions with a strictly longest option. A key at least
  `key_length_ratio` × the longest distractor is a warning for that question.
- distractor prefixes: two or more distractors beginning "Chỉ…/Tất cả…/Toàn bộ…" while the key does
  not (test-wise contestants skip absolute options): warning.
- cues inside one week pool (questions that can be drawn in the same week): an option that is the
  key of another question (warning), a stem containing another question's key (error),
  near-duplicate stems (rapidfuzz token-set ratio, error) and identical option sets (error).
- anachronisms: a fact dated (`source.date`) after the contest's last week closes (error), or after
  the date of the document the stem attributes it to (error: the document cannot contain it). A
  source without a date is a warning (`undated`): the anachronism rule cannot judge it, so the bank
  stays dated and every gap stays visible.
- attribution: a stem neither saying "Theo …" nor naming its source document by number (warning); a
  question without `source.quote` (error when `require_quote`, else warning).

rapidfuzz is imported here only: this module is for the organisers' CLI, never a request path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from contest.content.bank import clean_text
from contest.rules.model import Bank, Question, QuestionsLint

ERROR = "error"
WARNING = "warning"

_DIGIT = re.compile(r"\d")
_ATTRIBUTION = re.compile(r"(?:^|[,;:(–—-]\s*)theo\s+\S", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DATED = re.compile(r",?\s+(?:ngày|năm)\s+\d[\d/.-]*\s*$")


@dataclass(frozen=True)
class Finding:
    severity: str  # ERROR | WARNING
    rule: str  # stable machine name: key-longest-rate, key-much-longer, distractor-prefix, ...
    question: str | None  # the question at fault (None for a pool-wide figure)
    message: str  # Vietnamese, for the organiser


@dataclass(frozen=True)
class KeyLongest:
    """Key-longest figures of one set of questions."""

    questions: int
    key_longest: int
    chance: float  # expected rate if the key's position were unrelated to length
    unique_longest: int = 0  # questions with one option strictly the longest (the rate's sample)

    @property
    def rate(self) -> float:
        return self.key_longest / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class LintReport:
    findings: tuple[Finding, ...]
    overall: KeyLongest
    overall_text: KeyLongest  # questions whose options are words, not figures or dates
    pools: dict[int, KeyLongest]
    pools_text: dict[int, KeyLongest]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def count(self, rule: str) -> int:
        return sum(1 for f in self.findings if f.rule == rule)


# --- text helpers -------------------------------------------------------------------------------


def _norm(value: str) -> str:
    return clean_text(value).casefold().strip(" .;:!?\"'“”")


def option_length(value: str) -> int:
    """Length as read: characters of the normalised option."""
    return len(clean_text(value))


def is_text_question(q: Question) -> bool:
    """Options made of words: none of them carries a figure or a date."""
    return not any(_DIGIT.search(o) for o in q.options.values())


def _distractors(q: Question) -> list[str]:
    return [text for key, text in q.options.items() if key != q.correct]


def _strict_longest(q: Question) -> str | None:
    """The key (A-D) of the strictly longest option, or None when the longest is tied."""
    lengths = sorted(((option_length(t), k) for k, t in q.options.items()), reverse=True)
    if len(lengths) > 1 and lengths[0][0] == lengths[1][0]:
        return None
    return lengths[0][1]


def key_longest(questions: Iterable[Question]) -> KeyLongest:
    total = hits = unique = 0
    chance = 0.0
    for q in questions:
        total += 1
        longest = _strict_longest(q)
        if longest is not None:
            unique += 1
            chance += 1 / len(q.options)
            hits += longest == q.correct
    return KeyLongest(total, hits, chance / total if total else 0.0, unique)


def _parse_date(value: str) -> date | None:
    """The first day a `source.date` (2023, 2023-07, 2023-07-15) can mean."""
    found = _DATE.match(value.strip())
    if not found:
        return None
    year, month, day = found.group(1), found.group(2) or "01", found.group(3) or "01"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


# --- the rules ----------------------------------------------------------------------------------


def _rate_findings(label: str, figures: KeyLongest, cfg: QuestionsLint) -> list[Finding]:
    """Too often the longest (pick the longest) or too rarely (never pick the longest): both are cues.

    Only judged on a sample of at least `rate_min_questions` questions with a strictly longest option.
    """
    if figures.unique_longest < cfg.rate_min_questions:
        return []
    factor = cfg.key_longest_factor
    high, low = factor * figures.chance, figures.chance / factor
    seen = (
        f"{label}: đáp án đúng là phương án dài nhất ở {figures.key_longest}/{figures.questions} câu "
        f"({figures.rate:.0%})"
    )
    if figures.rate > high:
        return [
            Finding(
                ERROR,
                "key-longest-rate",
                None,
                f"{seen}; ngẫu nhiên là {figures.chance:.0%}, ngưỡng trên {high:.0%} ({factor:g} × ngẫu nhiên): "
                "người dự thi đoán được đáp án bằng cách chọn phương án dài nhất",
            )
        ]
    if figures.rate < low:
        return [
            Finding(
                ERROR,
                "key-longest-rare",
                None,
                f"{seen}; ngẫu nhiên là {figures.chance:.0%}, ngưỡng dưới {low:.0%} (ngẫu nhiên ÷ {factor:g}): "
                "người dự thi loại được phương án dài nhất mà không cần đọc tài liệu",
            )
        ]
    return []


def _names_document(q: Question, documents: Mapping[str, Mapping[str, str]]) -> bool:
    """The stem asks about its source document by number ("Quyết định số 964/QĐ-TTg …") or by a law's name."""
    meta = documents.get(q.source.document, {})
    text = q.text.casefold()
    numbers = [n.strip() for n in meta.get("number", "").split(" và ") if n.strip()]
    title = meta.get("title", "")
    return any(n.casefold() in text for n in numbers) or (title.startswith("Luật ") and title.casefold() in text)


def _per_question(q: Question, cfg: QuestionsLint, documents: Mapping[str, Mapping[str, str]]) -> list[Finding]:
    found: list[Finding] = []
    key = q.options[q.correct]
    longest_distractor = max(option_length(d) for d in _distractors(q))
    if option_length(key) >= cfg.key_length_ratio * longest_distractor:
        found.append(
            Finding(
                WARNING,
                "key-much-longer",
                q.id,
                f"đáp án đúng dài {option_length(key)} ký tự, gấp "
                f"{option_length(key) / longest_distractor:.1f} lần phương án nhiễu dài nhất "
                f"({longest_distractor} ký tự; ngưỡng {cfg.key_length_ratio:g})",
            )
        )
    prefixes = [p.casefold() for p in cfg.distractor_prefixes]

    def prefixed(text: str) -> str | None:
        lowered = clean_text(text).casefold()
        return next((p for p in prefixes if lowered == p or lowered.startswith(p + " ")), None)

    marked = [d for d in _distractors(q) if prefixed(d)]
    if len(marked) >= cfg.prefix_min_distractors and not prefixed(key):
        starts = sorted({str(prefixed(d)) for d in marked})
        found.append(
            Finding(
                WARNING,
                "distractor-prefix",
                q.id,
                f"{len(marked)} phương án nhiễu bắt đầu bằng “{'/'.join(starts)}…” còn đáp án đúng thì không: "
                "người dự thi loại được chúng mà không cần đọc tài liệu",
            )
        )
    if cfg.require_attribution and not _ATTRIBUTION.search(q.text) and not _names_document(q, documents):
        found.append(
            Finding(
                WARNING,
                "attribution",
                q.id,
                "câu hỏi không nêu nguồn: viết “Theo …” (văn bản chứa dữ kiện) hoặc nêu số hiệu văn bản",
            )
        )
    if q.source.quote is None:
        found.append(
            Finding(
                ERROR if cfg.require_quote else WARNING,
                "quote",
                q.id,
                "thiếu 'source.quote': câu trích của văn bản mà đáp án dựa vào (để trả lời khiếu nại)",
            )
        )
    return found


_CLAUSE_END = re.compile(r"[,;:?!.](?=\s)")
_THEO = re.compile(r"(?:^|\s)theo\s", re.IGNORECASE)
_SUBJECT = re.compile(r"^\s*(?:\S+\s+){0,3}số\s*$", re.IGNORECASE)  # "Quyết định số …", "Kế hoạch số …"


def _attributes_to(text: str, number: str) -> bool:
    """The stem takes its fact from the document: "Theo … <number>", or the document is the subject.

    A stem naming the document as the object of a later act ("… thực hiện Nghị quyết số 52-NQ/TW bằng văn
    bản nào?") asks about that later act, which the document cannot and need not contain.
    """
    lowered, needle = text.casefold(), number.casefold()
    start = lowered.find(needle)
    while start >= 0:
        clause = _CLAUSE_END.split(lowered[:start])[-1]
        if _THEO.search(clause) or (lowered[:start] == clause and _SUBJECT.match(clause)):
            return True
        start = lowered.find(needle, start + 1)
    return False


def _anachronisms(q: Question, last_close: date | None, documents: Mapping[str, Mapping[str, str]]) -> list[Finding]:
    if q.source.date is None:
        return [
            Finding(
                WARNING,
                "undated",
                q.id,
                "nguồn chưa ghi ngày của dữ kiện (source.date): không kiểm được dữ kiện có từ trước khi "
                "cuộc thi kết thúc hay không; ghi ngày của văn bản chứa dữ kiện",
            )
        ]
    when = _parse_date(q.source.date)
    if when is None:
        return []
    found: list[Finding] = []
    if last_close is not None and when > last_close:
        found.append(
            Finding(
                ERROR,
                "anachronism",
                q.id,
                f"dữ kiện có từ {q.source.date}, sau khi tuần thi cuối đóng ({last_close:%d/%m/%Y}): "
                "lúc thi chưa có đáp án đúng",
            )
        )
    meta = documents.get(q.source.document, {})
    number = meta.get("number", "")
    issued = _parse_date(meta.get("date", "") or "")
    if number and issued is not None and when > issued and _attributes_to(q.text, number):
        found.append(
            Finding(
                ERROR,
                "anachronism",
                q.id,
                f"câu hỏi gán dữ kiện có từ {q.source.date} cho văn bản số {number} ban hành "
                f"{issued:%d/%m/%Y}: văn bản không thể chứa dữ kiện đó",
            )
        )
    return found


def _pool_cues(pool: Sequence[Question], week: int, cfg: QuestionsLint) -> list[Finding]:
    from rapidfuzz import fuzz  # CLI only

    found: list[Finding] = []
    keys = {q.id: _norm(q.options[q.correct]) for q in pool}
    long_keys = {qid: k for qid, k in keys.items() if len(k) >= cfg.cue_min_chars}
    # A key naming a document with its date ("Quyết định số 1619/QĐ-TTg ngày 24/9/2021") is given away by a
    # stem naming the document without the date.
    stem_cues = {qid: {k, _DATED.sub("", k)} - {""} for qid, k in long_keys.items()}
    option_sets = {q.id: frozenset(_norm(o) for o in q.options.values()) for q in pool}
    stems = {q.id: _norm(q.text) for q in pool}
    for q in pool:
        for other_id, other_key in long_keys.items():
            if other_id == q.id:
                continue
            cue = next(
                (c for c in sorted(stem_cues[other_id]) if len(c) >= cfg.cue_min_chars and c in stems[q.id]), None
            )
            if cue is not None:
                found.append(
                    Finding(
                        ERROR,
                        "stem-gives-key",
                        q.id,
                        f"tuần {week}: câu hỏi chứa đáp án của câu '{other_id}' (“{cue}”)",
                    )
                )
            for key, text in q.options.items():
                if key != q.correct and _norm(text) == other_key:
                    found.append(
                        Finding(
                            WARNING,
                            "option-is-other-key",
                            q.id,
                            f"tuần {week}: phương án nhiễu {key} là đáp án đúng của câu '{other_id}'",
                        )
                    )
    for i, a in enumerate(pool):
        for b in pool[i + 1 :]:
            if option_sets[a.id] == option_sets[b.id]:
                found.append(Finding(ERROR, "same-options", b.id, f"tuần {week}: cùng bốn phương án với câu '{a.id}'"))
            # Same words asked again (any order) about one fact, or a close stem with the same worded key.
            score = fuzz.token_sort_ratio(stems[a.id], stems[b.id])
            same_key = keys[a.id] == keys[b.id] and a.id in long_keys and not _DIGIT.search(keys[a.id])
            if same_key:
                score = max(score, fuzz.token_set_ratio(stems[a.id], stems[b.id]))
            same_fact = a.source.fact is not None and (a.source.document, a.source.fact) == (
                b.source.document,
                b.source.fact,
            )
            if (same_key and score >= cfg.near_duplicate_same_key) or (same_fact and score >= cfg.near_duplicate_stem):
                how = "cùng đáp án" if same_key else f"cùng dữ kiện {a.source.fact}"
                found.append(
                    Finding(
                        ERROR,
                        "near-duplicate",
                        b.id,
                        f"tuần {week}: gần trùng với câu '{a.id}' (giống {score:.0f}%, {how})",
                    )
                )
    return found


def lint_bank(
    bank: Bank,
    cfg: QuestionsLint,
    *,
    weeks: Sequence[int],
    last_close: date | None = None,
    documents: Mapping[str, Mapping[str, str]] | None = None,
) -> LintReport:
    """Run every rule; `documents` maps a document id to its front matter (number, date)."""
    documents = documents or {}
    findings: list[Finding] = []
    pools = {w: bank.pool(w) for w in weeks}
    overall = key_longest(bank.questions)
    overall_text = key_longest(q for q in bank.questions if is_text_question(q))
    pool_figures = {w: key_longest(p) for w, p in pools.items()}
    pool_text = {w: key_longest(q for q in p if is_text_question(q)) for w, p in pools.items()}
    findings += _rate_findings("Toàn ngân hàng", overall, cfg)
    for w in weeks:
        findings += _rate_findings(f"Tuần {w}", pool_figures[w], cfg)
    for q in bank.questions:
        findings += _per_question(q, cfg, documents)
        findings += _anachronisms(q, last_close, documents)
    seen: set[tuple[str, str | None, str]] = set()
    for w in weeks:
        for f in _pool_cues(pools[w], w, cfg):
            # A pair in several weeks is one problem: report it once (the first week).
            ident = (f.rule, f.question, f.message.split(": ", 1)[1])
            if ident not in seen:
                seen.add(ident)
                findings.append(f)
    return LintReport(tuple(findings), overall, overall_text, pool_figures, pool_text)
