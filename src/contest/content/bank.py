"""The question bank: loading `content/questions/*.yaml`, validating it, writing it back.

Every problem is reported with the file and line it comes from (PyYAML node marks), all problems
at once: `load_bank` collects them and raises one `ContentError`. The same validation core also
checks rows read from an Excel workbook (see `contest.organisers.question_workbook`), so the rules live in one place.

Structural problems are load errors. Near-duplicate questions are a lint (`find_near_duplicates`),
reported by `contest questions check` and making it fail, but not a load error.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import yaml

from contest.content.files import (
    ContentError,
    ContentIssue,
    compose,
    did_you_mean,
    read_front_matter,
    read_text,
    sort_issues,
)
from contest.rules.model import DIFFICULTIES, OPTION_KEYS, Bank, Difficulty, Question, QuoteSource, Source
from contest.rules.names import nfc

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DOCUMENT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
FACT_PATTERN = re.compile(r"^[0-9]{1,4}[a-z]?$")
QUESTION_KEYS = ("id", "text", "options", "correct", "difficulty", "weeks", "source")
REQUIRED_KEYS = ("id", "text", "options", "correct", "difficulty", "weeks", "source")
SOURCE_KEYS = ("document", "ref", "fact", "date", "quote", "quote_source")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
QUOTE_SOURCES = tuple(QuoteSource)
MAX_QUOTE = 1000
MAX_TEXT = 1000
MAX_OPTION = 300

# Near-duplicate lint thresholds (similarity of the normalised question texts, word by word).
NEAR_DUPLICATE_TEXT = 0.9
NEAR_DUPLICATE_TEXT_SAME_OPTIONS = 0.75


@dataclass(frozen=True)
class Location:
    file: str
    line: int


@dataclass
class QuestionRecord:
    """One question as written by an organiser, before validation.

    `values` holds plain Python values (whatever the file held); `where` maps a field path
    ("id", "options", "options.B", "source.document" …) to the line it was written on, and
    `labels` optionally maps a field path to a human name of where it sits (an Excel column).
    """

    file: str
    line: int
    values: dict[str, Any]
    where: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def line_of(self, path: str) -> int:
        while path:
            if path in self.where:
                return self.where[path]
            path = path.rpartition(".")[0]
        return self.line

    def label(self, path: str) -> str:
        return self.labels.get(path, "")


@dataclass(frozen=True)
class LoadedBank:
    bank: Bank
    locations: dict[str, Location]  # question id -> where it was written


@dataclass(frozen=True)
class NearDuplicate:
    first: str  # question ids, `first` written before `second`
    second: str
    similarity: float
    same_options: bool


# ---------------------------------------------------------------------------------------------
# Text


def clean_text(value: str) -> str:
    """NFC, stripped, inner runs of whitespace collapsed to one space."""
    return re.sub(r"\s+", " ", nfc(value)).strip()


def _comparable(value: str) -> str:
    """What two options or questions are compared on: case and punctuation at the ends ignored."""
    return clean_text(value).casefold().strip(" .;:!?\"'“”")


def _words(value: str) -> list[str]:
    return re.findall(r"\w+", clean_text(value).casefold())


# ---------------------------------------------------------------------------------------------
# Validation core (shared by the YAML loader and the workbook import)


def validate_records(
    records: Sequence[QuestionRecord],
    *,
    documents: Iterable[str],
    weeks: Sequence[int],
    per_attempt: int,
    bank_label: str,
    check_pools: bool = True,
    require_quote: bool = False,
    option_keys: Sequence[str] = OPTION_KEYS,
    pool_factor: int = 2,
) -> tuple[list[Question], dict[str, Location], list[ContentIssue]]:
    """Validate raw records; return the questions that are valid, their locations and all issues.

    Pool sizes are checked only when every question is valid (and `check_pools`): a pool that looks
    too small because half its questions failed to load would only hide the real problems.
    """
    known_documents = set(documents)
    week_set = set(weeks)
    issues: list[ContentIssue] = []
    questions: list[Question] = []
    locations: dict[str, Location] = {}
    first_seen: dict[str, QuestionRecord] = {}

    for record in records:
        question, record_issues = _validate_record(record, known_documents, week_set, require_quote, option_keys)
        issues.extend(record_issues)
        qid = record.values.get("id")
        if isinstance(qid, str) and ID_PATTERN.match(qid):
            if qid in first_seen:
                earlier = first_seen[qid]
                issues.append(
                    ContentIssue(
                        record.file,
                        record.line_of("id"),
                        f"{record.label('id')}mã câu hỏi '{qid}' bị trùng "
                        f"(đã dùng tại {earlier.file}:{earlier.line_of('id')})",
                    )
                )
                continue
            first_seen[qid] = record
        if question is not None:
            questions.append(question)
            locations[question.id] = Location(record.file, record.line)

    # Pool sizes are only meaningful once every question is valid.
    if check_pools and not issues:
        need = pool_factor * per_attempt
        for week in sorted(week_set):
            size = sum(1 for q in questions if week in q.weeks)
            if size < need:
                issues.append(
                    ContentIssue(
                        bank_label,
                        0,
                        f"tuần {week} chỉ có {size} câu hỏi; cần ít nhất {need} "
                        f"({pool_factor} × {per_attempt} câu mỗi lượt thi)",
                    )
                )
    return questions, locations, issues


@dataclass(frozen=True)
class Rejected:
    """A value that could not be read (a list where text was expected, a date in an Excel cell …).

    Readers put it in place of the value; validation reports `reason` at that field.
    """

    reason: str

    def __str__(self) -> str:
        return self.reason


def _without_rejected(values: dict[str, Any], problem: Any) -> tuple[dict[str, Any], set[str]]:
    rejected: set[str] = set()
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Rejected):
            problem(key, value.reason)
            rejected.add(key)
        elif isinstance(value, Mapping) and key in ("options", "source"):
            inner: dict[str, Any] = {}
            for sub, sub_value in value.items():
                if isinstance(sub_value, Rejected):
                    problem(f"{key}.{sub}", sub_value.reason)
                    rejected.add(f"{key}.{sub}")
                inner[sub] = sub_value
            clean[key] = inner
        else:
            clean[key] = value
    return clean, rejected


def _validate_record(
    record: QuestionRecord,
    documents: set[str],
    weeks: set[int],
    require_quote: bool = False,
    option_keys: Sequence[str] = OPTION_KEYS,
) -> tuple[Question | None, list[ContentIssue]]:
    issues: list[ContentIssue] = []

    def problem(path: str, message: str) -> None:
        label = record.label(path)
        issues.append(ContentIssue(record.file, record.line_of(path), f"{label}{message}"))

    # Values that could not even be read are reported once, with their reason, then left out.
    v, rejected = _without_rejected(record.values, problem)

    for key in REQUIRED_KEYS:
        if key in rejected:
            continue
        if key not in v or v[key] is None or v[key] == "":
            problem(key, f"thiếu trường '{key}'")

    qid = _validate_id(v, problem)
    text = _text_field(v, "text", record, problem, MAX_TEXT)
    options = _validate_options(v.get("options"), rejected, option_keys, problem)
    correct = _validate_correct(v.get("correct"), option_keys, problem)
    difficulty = v.get("difficulty")
    if difficulty is not None and difficulty != "" and difficulty not in DIFFICULTIES:
        problem("difficulty", f"mức độ '{difficulty}' không hợp lệ: dùng một trong {', '.join(DIFFICULTIES)}")
    week_list = _validate_weeks(v.get("weeks"), weeks, problem)

    source = _validate_source(v.get("source"), record, documents, problem, rejected)
    if require_quote and source is not None and source.quote is None:
        problem(
            "source.quote",
            "thiếu câu trích 'source.quote': câu của văn bản mà đáp án dựa vào (để trả lời khiếu nại)",
        )

    if issues:
        return None, issues
    assert isinstance(qid, str) and text is not None and isinstance(correct, str)
    assert isinstance(difficulty, str) and source is not None
    return (
        Question(
            id=qid,
            text=text,
            options={k: options[k] for k in options},
            correct=correct,
            difficulty=Difficulty(difficulty),
            weeks=tuple(sorted(week_list)),
            source=source,
        ),
        issues,
    )


Problem = Callable[[str, str], None]  # report a message at a field path of the record
_COUNT_WORDS = {2: "hai", 3: "ba", 4: "bốn", 5: "năm", 6: "sáu"}


def _validate_id(v: Mapping[str, Any], problem: Problem) -> Any:
    qid = v.get("id")
    if "id" in v and qid not in (None, "") and (not isinstance(qid, str) or not ID_PATTERN.match(qid)):
        problem(
            "id",
            f"mã câu hỏi '{qid}' không hợp lệ: chỉ dùng chữ thường không dấu, chữ số và dấu '-' (tối đa 64 ký tự)",
        )
    return qid


def _validate_options(raw: Any, rejected: set[str], option_keys: Sequence[str], problem: Problem) -> dict[str, str]:
    """Exactly the option keys, each a distinct non-empty text within MAX_OPTION."""
    options: dict[str, str] = {}
    if raw is None or raw == "":
        return options  # reported as a missing field
    count = _COUNT_WORDS.get(len(option_keys), str(len(option_keys)))
    letters = ", ".join(option_keys)
    if not isinstance(raw, Mapping):
        problem("options", f"'options' phải gồm đúng {count} phương án {letters}")
        return options
    keys = [str(k) for k in raw]
    if sorted(keys) != list(option_keys) and not any(p.startswith("options.") for p in rejected):
        problem(
            "options", f"phải có đúng {count} phương án với khóa {letters} (đang có: {', '.join(keys) or 'không có'})"
        )
    seen: dict[str, str] = {}
    for key, value in raw.items():
        path = f"options.{key}"
        if path in rejected:
            continue
        if not isinstance(value, str) or not clean_text(value):
            problem(path, f"phương án {key} trống hoặc không phải là văn bản")
            continue
        cleaned = clean_text(value)
        if len(cleaned) > MAX_OPTION:
            problem(path, f"phương án {key} dài quá {MAX_OPTION} ký tự")
        same = seen.get(_comparable(cleaned))
        if same is not None:
            problem(path, f"phương án {key} trùng với phương án {same}")
        seen.setdefault(_comparable(cleaned), str(key))
        options[str(key)] = cleaned
    return options


def _validate_correct(raw: Any, option_keys: Sequence[str], problem: Problem) -> str | None:
    """One option key (any case, spaces around ignored)."""
    if raw is None or raw == "":
        return None  # reported as a missing field
    letters = ", ".join(option_keys)
    if isinstance(raw, list | tuple):
        problem("correct", f"mỗi câu hỏi có đúng một đáp án đúng (một trong {letters}), không phải một danh sách")
        return None
    if not isinstance(raw, str) or raw.strip().upper() not in option_keys:
        problem("correct", f"đáp án đúng '{raw}' không hợp lệ: phải là một trong {letters}")
        return None
    return raw.strip().upper()


def _validate_weeks(raw: Any, weeks: set[int], problem: Problem) -> list[int]:
    """A non-empty list of the contest's week numbers, each once."""
    week_list: list[int] = []
    if raw is None or raw == "":
        return week_list  # reported as a missing field
    if not isinstance(raw, list | tuple) or not raw:
        problem("weeks", "'weeks' phải là danh sách các tuần thi, ví dụ [1, 3]")
        return week_list
    for w in raw:
        if isinstance(w, Rejected):
            problem("weeks", f"tuần “{w.reason}” không hợp lệ")
        elif not isinstance(w, int) or isinstance(w, bool):
            problem("weeks", f"tuần '{w}' không phải là số nguyên")
        elif w not in weeks:
            problem("weeks", f"tuần {w} không có trong cuộc thi (các tuần: {_join(sorted(weeks))})")
        elif w in week_list:
            problem("weeks", f"tuần {w} được ghi hai lần")
        else:
            week_list.append(w)
    return week_list


def _text_field(v: Mapping[str, Any], key: str, record: QuestionRecord, problem: Problem, limit: int) -> str | None:
    raw = v.get(key)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not clean_text(raw):
        problem(key, f"'{key}' phải là văn bản không trống")
        return None
    cleaned = clean_text(raw)
    if len(cleaned) > limit:
        problem(key, f"'{key}' dài quá {limit} ký tự")
    return cleaned


def _validate_source(
    raw: Any, record: QuestionRecord, documents: set[str], problem: Any, rejected: set[str]
) -> Source | None:
    if raw is None or raw == "":
        return None  # reported as a missing field
    if not isinstance(raw, Mapping):
        problem("source", "'source' phải có 'document' (và tùy chọn 'ref', 'fact', 'date', 'quote', 'quote_source')")
        return None
    document, ref, fact, date = (
        raw.get("document"),
        raw.get("ref"),
        _numbered(raw.get("fact")),
        _numbered(raw.get("date")),
    )
    quote, quote_source = raw.get("quote"), raw.get("quote_source")
    checks = (  # every part is checked (all problems at once), in the order they are written
        "source.document" in rejected or _source_document_ok(document, documents, problem),
        _source_ref_ok(ref, problem),
        _source_fact_ok(fact, problem),
        _source_date_ok(date, problem),
        _source_quote_ok(quote, quote_source, problem),
    )
    if not all(checks) or any(p.startswith("source.") for p in rejected):
        return None
    assert isinstance(document, str)
    return Source(
        document=document,
        ref=clean_text(ref) if isinstance(ref, str) and clean_text(ref) else None,
        fact=fact.strip() if isinstance(fact, str) and fact.strip() else None,
        date=date.strip() if isinstance(date, str) else None,
        quote=clean_text(quote) if isinstance(quote, str) else None,
        quote_source=QuoteSource(quote_source) if isinstance(quote_source, str) else None,
    )


def _source_document_ok(document: Any, documents: set[str], problem: Any) -> bool:
    if document is None or (isinstance(document, str) and not document.strip()):
        problem("source.document", "thiếu văn bản nguồn ('source.document')")
    elif not isinstance(document, str) or not DOCUMENT_PATTERN.match(document):
        problem("source.document", f"mã văn bản nguồn '{document}' không hợp lệ")
    elif document not in documents:
        problem("source.document", f"văn bản nguồn '{document}' không có trang content/documents/{document}.md")
    else:
        return True
    return False


def _source_ref_ok(ref: Any, problem: Any) -> bool:
    if ref is not None and not isinstance(ref, str):
        problem("source.ref", "'source.ref' phải là văn bản, ví dụ \"Điều 1\"")
        return False
    return True


def _source_fact_ok(fact: Any, problem: Any) -> bool:
    if fact is not None and (not isinstance(fact, str) or not FACT_PATTERN.match(fact.strip())):
        problem("source.fact", f'số mục dữ kiện \'{fact}\' không hợp lệ (ví dụ "12" hoặc "15b")')
        return False
    return True


def _source_date_ok(date: Any, problem: Any) -> bool:
    if date is not None and (not isinstance(date, str) or not DATE_PATTERN.match(date.strip())):
        problem("source.date", f"ngày của dữ kiện '{date}' không hợp lệ (dạng 2023, 2023-07 hoặc 2023-07-15)")
        return False
    return True


def _source_quote_ok(quote: Any, quote_source: Any, problem: Any) -> bool:
    """The quote (optional, short, not blank) and where it was quoted from (required with a quote, only then)."""
    ok = True
    if quote is not None and (not isinstance(quote, str) or not clean_text(quote)):
        problem("source.quote", "'source.quote' phải là câu trích (văn bản không trống)")
        ok = False
    elif isinstance(quote, str) and len(clean_text(quote)) > MAX_QUOTE:
        problem("source.quote", f"'source.quote' dài quá {MAX_QUOTE} ký tự")
        ok = False
    if quote_source is not None and quote_source not in QUOTE_SOURCES:
        problem(
            "source.quote_source",
            f"'source.quote_source' phải là một trong {', '.join(QUOTE_SOURCES)} "
            "(document: nguyên văn văn bản; fact-sheet: nội dung bảng dữ kiện đã kiểm chứng)",
        )
        ok = False
    elif quote is not None and quote_source is None:
        problem(
            "source.quote_source",
            "cần ghi 'source.quote_source': document (nguyên văn văn bản) hoặc fact-sheet (bảng dữ kiện)",
        )
        ok = False
    elif quote is None and quote_source is not None:
        problem("source.quote", "có 'source.quote_source' nhưng thiếu 'source.quote'")
        ok = False
    return ok


def _numbered(value: Any) -> Any:
    """A whole number written without quotes (`fact: 12`, `date: 2023`) read as the text it stands for."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _join(values: Iterable[object]) -> str:
    return ", ".join(str(x) for x in values)


# ---------------------------------------------------------------------------------------------
# YAML reading with marks


class _QuestionFile:
    """One questions/*.yaml file read node by node, so every field keeps the line it was written on."""

    def __init__(self, path: Path, label: str):
        self.path = path
        self.label = label
        self.issues: list[ContentIssue] = []

    def issue(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.issues.append(ContentIssue(self.label, line, message))

    def read(self) -> list[QuestionRecord]:
        try:
            root, loader = compose(read_text(self.path, self.label), self.label)
        except ContentError as exc:
            self.issues += exc.issues
            return []
        if root is None:
            self.issues.append(ContentIssue(self.label, 1, "tệp trống: cần khóa 'questions'"))
            return []
        top = self._mapping(root, {"questions"}, "tệp")
        if top is None:
            return []
        items = top.get("questions")
        if items is None:
            self.issue(root, "thiếu khóa 'questions'")
            return []
        _key_node, seq = items
        if not isinstance(seq, yaml.SequenceNode):
            self.issue(seq, "'questions' phải là một danh sách câu hỏi")
            return []
        records = []
        for item in seq.value:
            record = self._question(item, loader)
            if record is not None:
                records.append(record)
        return records

    def _mapping(
        self, node: yaml.Node, allowed: set[str] | None, what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.issue(node, f"{what} phải là một ánh xạ khóa: giá trị")
            return None
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.issue(key_node, "khóa không hợp lệ")
                continue
            if key in result:
                self.issue(key_node, f"khóa '{key}' được ghi hai lần")
                continue
            if allowed is not None and key not in allowed:
                hint = did_you_mean(key, allowed)
                self.issue(key_node, f"khóa '{key}' không được hỗ trợ{hint} (dùng: {', '.join(sorted(allowed))})")
                continue
            result[key] = (key_node, value_node)
        return result

    def _question(self, node: yaml.Node, loader: Any) -> QuestionRecord | None:
        fields = self._mapping(node, set(QUESTION_KEYS), "mỗi câu hỏi")
        if fields is None:
            return None
        record = QuestionRecord(file=self.label, line=node.start_mark.line + 1, values={})
        for key, (key_node, value_node) in fields.items():
            record.where[key] = key_node.start_mark.line + 1  # the line the organiser wrote the key on
            if key == "options" and isinstance(value_node, yaml.MappingNode):
                opts = self._mapping(value_node, None, "'options'")
                if opts is not None:
                    record.values[key] = {k: self._scalar(vn, loader) for k, (_kn, vn) in opts.items()}
                    for k, (kn, _vn) in opts.items():
                        record.where[f"options.{k}"] = kn.start_mark.line + 1
                continue
            if key == "source" and isinstance(value_node, yaml.MappingNode):
                src = self._mapping(value_node, set(SOURCE_KEYS), "'source'")
                if src is not None:
                    record.values[key] = {k: self._scalar(vn, loader) for k, (_kn, vn) in src.items()}
                    for k, (kn, _vn) in src.items():
                        record.where[f"source.{k}"] = kn.start_mark.line + 1
                continue
            if key == "weeks" or not isinstance(value_node, yaml.ScalarNode):
                record.values[key] = self._value(value_node, loader)
            else:
                record.values[key] = self._scalar(value_node, loader)
        return record

    def _scalar(self, node: yaml.Node, loader: Any) -> Any:
        """A text field: the scalar as written (so `A: 2020` is the text "2020"), None when null."""
        if not isinstance(node, yaml.ScalarNode):
            return Rejected("phải là một giá trị văn bản, không phải danh sách hay ánh xạ")
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return node.value

    def _value(self, node: yaml.Node, loader: Any) -> Any:
        try:
            return loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            return Rejected(f"giá trị không đọc được: {exc}")


def question_files(questions_dir: Path) -> list[Path]:
    return sorted(p for p in questions_dir.glob("*.yaml") if p.is_file())


def document_ids(documents_dir: Path) -> list[str]:
    return sorted(p.stem for p in documents_dir.glob("*.md") if p.is_file() and p.stem != "index")


def document_front_matter(documents_dir: Path) -> dict[str, dict[str, str]]:
    """Document id -> its front matter as text values (number, date, title …) of content/documents/<id>.md."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(documents_dir.glob("*.md")):
        if path.stem == "index":
            continue
        try:
            meta = read_front_matter(path) or {}
        except ContentError:
            meta = {}
        found[path.stem] = {str(k): str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}
    return found


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_records(questions_dir: Path) -> tuple[list[QuestionRecord], list[ContentIssue]]:
    """Read every question file without validating the questions themselves."""
    records: list[QuestionRecord] = []
    issues: list[ContentIssue] = []
    if not questions_dir.is_dir():
        return [], [ContentIssue(_label(questions_dir), 0, "không tìm thấy thư mục câu hỏi")]
    files = question_files(questions_dir)
    if not files:
        issues.append(ContentIssue(_label(questions_dir), 0, "không có tệp câu hỏi (*.yaml) nào"))
    for path in files:
        reader = _QuestionFile(path, _label(path))
        records.extend(reader.read())
        issues.extend(reader.issues)
    return records, issues


def load_bank_detailed(
    questions_dir: Path,
    documents_dir: Path,
    weeks: Sequence[int],
    per_attempt: int,
    *,
    option_keys: Sequence[str] = OPTION_KEYS,
    pool_factor: int = 2,
) -> LoadedBank:
    records, issues = read_records(questions_dir)
    questions, locations, more = validate_records(
        records,
        documents=document_ids(documents_dir),
        weeks=weeks,
        per_attempt=per_attempt,
        bank_label=_label(questions_dir),
        check_pools=not issues,
        option_keys=option_keys,
        pool_factor=pool_factor,
    )
    issues.extend(more)
    if issues:
        raise ContentError(sort_issues(issues))
    return LoadedBank(Bank(tuple(questions)), locations)


def load_bank(
    questions_dir: Path,
    documents_dir: Path,
    weeks: Sequence[int],
    per_attempt: int,
    *,
    option_keys: Sequence[str] = OPTION_KEYS,
    pool_factor: int = 2,
) -> Bank:
    """Load and validate the bank; raise `ContentError` listing every problem."""
    return load_bank_detailed(
        questions_dir, documents_dir, weeks, per_attempt, option_keys=option_keys, pool_factor=pool_factor
    ).bank


# ---------------------------------------------------------------------------------------------
# Lint


def find_near_duplicates(bank: Bank) -> list[NearDuplicate]:
    """Pairs of questions asking (almost) the same thing.

    Texts are compared word by word (case, punctuation and spacing ignored); the similarity is the
    larger of the in-order match ratio and the overlap of the word multisets, so a reordered
    question is caught too. A pair is reported when the texts are identical, when they are at
    least 90 % alike and the correct answers are the same, or when they are at least 75 % alike
    and the four options are the same. Questions that differ only in a figure they ask about
    ("đến năm 2025" / "đến năm 2030") have different answers and are not reported.
    """
    prepared = [
        (
            q,
            _words(q.text),
            Counter(_words(q.text)),
            _comparable(q.options[q.correct]),
            frozenset(_comparable(o) for o in q.options.values()),
        )
        for q in bank.questions
    ]
    found: list[NearDuplicate] = []
    for i, (qa, wa, ca, ra, oa) in enumerate(prepared):
        for qb, wb, cb, rb, ob in prepared[i + 1 :]:
            same_options = oa == ob
            same_answer = ra == rb
            if wa == wb:
                found.append(NearDuplicate(qa.id, qb.id, 1.0, same_options))
                continue
            if not same_options and not same_answer:
                continue
            dice = 2 * sum((ca & cb).values()) / (len(wa) + len(wb))
            ratio = max(dice, SequenceMatcher(None, wa, wb, autojunk=False).ratio())
            threshold = NEAR_DUPLICATE_TEXT_SAME_OPTIONS if same_options else NEAR_DUPLICATE_TEXT
            if ratio >= threshold:
                found.append(NearDuplicate(qa.id, qb.id, round(ratio, 3), same_options))
    return found


# ---------------------------------------------------------------------------------------------
# Writing


def _quoted(value: str) -> str:
    dumped = yaml.dump(value, allow_unicode=True, default_style='"', width=1_000_000, explicit_end=False)
    return dumped.strip().removesuffix("...").strip()


def dump_questions(questions: Sequence[Question]) -> str:
    """The canonical text of one question file (the layout of docs/content-format.md)."""
    lines = ["questions:"]
    for q in questions:
        lines.append(f"  - id: {q.id}")
        lines.append(f"    text: {_quoted(q.text)}")
        lines.append("    options:")
        for key in sorted(q.options):  # A B C D (quiz.options_per_question letters)
            lines.append(f"      {key}: {_quoted(q.options[key])}")
        lines.append(f"    correct: {q.correct}")
        lines.append(f"    difficulty: {q.difficulty}")
        lines.append(f"    weeks: [{', '.join(str(w) for w in q.weeks)}]")
        lines.append("    source:")
        lines.append(f"      document: {q.source.document}")
        if q.source.ref is not None:
            lines.append(f"      ref: {_quoted(q.source.ref)}")
        if q.source.fact is not None:
            lines.append(f"      fact: {_quoted(q.source.fact)}")
        if q.source.date is not None:
            lines.append(f"      date: {_quoted(q.source.date)}")
        if q.source.quote is not None:
            lines.append(f"      quote: {_quoted(q.source.quote)}")
        if q.source.quote_source is not None:
            lines.append(f"      quote_source: {q.source.quote_source}")
    return "\n".join(lines) + "\n"


def group_by_document(questions: Iterable[Question]) -> dict[str, list[Question]]:
    groups: dict[str, list[Question]] = {}
    for q in questions:
        groups.setdefault(q.source.document, []).append(q)
    return {doc: groups[doc] for doc in sorted(groups)}


def canonical_order(bank: Bank) -> Bank:
    """The order a bank has once written one file per document: by document, then as written."""
    return Bank(tuple(q for group in group_by_document(bank.questions).values() for q in group))


def write_bank(bank: Bank, questions_dir: Path) -> list[Path]:
    """Write one file per source document, each atomically; remove question files no longer used.

    The caller validates the bank first: nothing here checks it.
    """
    questions_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for document, questions in group_by_document(bank.questions).items():
        target = questions_dir / f"{document}.yaml"
        _atomic_write(target, dump_questions(questions))
        written.append(target)
    keep = {p.name for p in written}
    for stale in question_files(questions_dir):
        if stale.name not in keep:
            stale.unlink()
    return written


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class BankStats:
    total: int
    by_document: dict[str, int]
    by_week: dict[int, int]
    by_difficulty: dict[str, int]
    by_document_week: dict[str, dict[int, int]]


def bank_stats(bank: Bank, weeks: Sequence[int], documents: Sequence[str] = ()) -> BankStats:
    by_document: dict[str, int] = {d: 0 for d in sorted(documents)}
    by_document_week: dict[str, dict[int, int]] = {d: {w: 0 for w in weeks} for d in sorted(documents)}
    for q in bank.questions:
        by_document[q.source.document] = by_document.get(q.source.document, 0) + 1
        row = by_document_week.setdefault(q.source.document, {w: 0 for w in weeks})
        for w in q.weeks:
            row[w] = row.get(w, 0) + 1
    return BankStats(
        total=len(bank.questions),
        by_document=dict(sorted(by_document.items())),
        by_week={w: len(bank.pool(w)) for w in weeks},
        by_difficulty={d: sum(1 for q in bank.questions if q.difficulty == d) for d in DIFFICULTIES},
        by_document_week=dict(sorted(by_document_week.items())),
    )
