"""`contest questions …`: check, export, import and count the question bank (content/questions/)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.table import Table

from contest.content.bank import (
    LoadedBank,
    Location,
    NearDuplicate,
    bank_stats,
    canonical_order,
    document_front_matter,
    document_ids,
    find_near_duplicates,
    load_bank,
    load_bank_detailed,
    read_records,
    sort_issues,
    validate_records,
    write_bank,
)
from contest.content.files import ContentError, ContentIssue
from contest.organisers.question_lint import ERROR, LintReport, lint_bank
from contest.organisers.question_workbook import WorkbookError, document_titles, export_workbook, read_workbook
from contest.rules.model import DIFFICULTIES, Bank, Contest

app = typer.Typer(
    help="Ngân hàng câu hỏi: kiểm tra, xuất/nhập Excel, thống kê.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(highlight=False)

CONTENT_OPTION = typer.Option(Path("content"), "--content", help="Thư mục nội dung (chứa contest.yaml).")
EXPORT_TARGET = typer.Argument(..., help="Tệp Excel sẽ ghi, ví dụ bank.xlsx.")
IMPORT_SOURCE = typer.Argument(..., help="Tệp Excel đã điền (theo mẫu của lệnh export).")
DRY_RUN_OPTION = typer.Option(False, "--dry-run", help="Chỉ kiểm tra, không ghi gì.")
DIFFICULTY_NAMES = {"easy": "Dễ", "medium": "Trung bình", "hard": "Khó"}


def _contest(content: Path) -> Contest:
    from contest.content.loader import ContentError, parse_contest, read_yaml

    path = content / "contest.yaml"
    if not path.exists():
        _fail(f"Không tìm thấy {path}. Dùng --content để chỉ thư mục nội dung.", code=2)
    try:
        contest = parse_contest(read_yaml(path), str(path))
    except ContentError as exc:
        _print_issues(exc.issues)
        _fail(f"Hãy sửa {path} trước.", code=2)
    return contest


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _print_issues(issues: Sequence[object]) -> None:
    for issue in issues:
        typer.echo(str(issue), err=True)


def _load(content: Path) -> tuple[LoadedBank, list[int], int]:
    contest = _contest(content)
    weeks, per_attempt = [w.number for w in contest.weeks], contest.quiz.questions_per_attempt
    try:
        loaded = load_bank_detailed(
            content / "questions",
            content / "documents",
            weeks,
            per_attempt,
            option_keys=contest.quiz.option_keys,
            pool_factor=contest.quiz.pool_factor,
        )
    except ContentError as exc:
        _print_issues(exc.issues)
        _fail(f"Ngân hàng câu hỏi có {len(exc.issues)} lỗi.")
    return loaded, weeks, per_attempt


def _near_duplicate_issue(pair: NearDuplicate, locations: dict[str, Location]) -> ContentIssue:
    first = locations.get(pair.first, Location("?", 0))
    second = locations.get(pair.second, Location("?", 0))
    how = "cùng bốn phương án" if pair.same_options else "cùng đáp án đúng"
    return ContentIssue(
        second.file,
        second.line,
        f"câu hỏi '{pair.second}' gần trùng với câu hỏi '{pair.first}' ({first.file}:{first.line}): "
        f"nội dung giống {round(pair.similarity * 100)}%, {how}",
    )


def _pools(bank: Bank, weeks: Sequence[int]) -> str:
    return ", ".join(f"tuần {w}: {len(bank.pool(w))}" for w in weeks)


@app.command("check")
def check(content: Path = CONTENT_OPTION) -> None:
    """Kiểm tra ngân hàng câu hỏi: cấu trúc, mã, phương án, đáp án, nguồn, cỡ các tuần và câu gần trùng."""
    loaded, weeks, per_attempt = _load(content)
    factor = _contest(content).quiz.pool_factor
    pairs = find_near_duplicates(loaded.bank)
    if pairs:
        _print_issues([_near_duplicate_issue(p, loaded.locations) for p in pairs])
        _fail(f"Có {len(pairs)} cặp câu hỏi gần trùng nhau: hãy sửa hoặc bỏ bớt một câu trong mỗi cặp.")
    typer.echo(
        f"Ngân hàng câu hỏi hợp lệ: {len(loaded.bank.questions)} câu hỏi "
        f"({_pools(loaded.bank, weeks)}; mỗi tuần cần ít nhất {factor * per_attempt})."
    )


@app.command("export")
def export(
    target: Path = EXPORT_TARGET,
    content: Path = CONTENT_OPTION,
) -> None:
    """Xuất ngân hàng câu hỏi ra tệp Excel (mỗi câu một dòng, kèm trang hướng dẫn).

    Ngân hàng trống hoặc chưa đủ câu cho các tuần vẫn xuất được (mẫu để Ban Tổ chức điền trong Excel);
    chỉ câu hỏi sai cấu trúc mới làm lệnh dừng."""
    contest = _contest(content)
    weeks, per_attempt = [w.number for w in contest.weeks], contest.quiz.questions_per_attempt
    records, issues = read_records(content / "questions")
    # no question file yet is a blank bank here, not an error
    issues = [i for i in issues if i.line > 0]
    questions, _locations, more = validate_records(
        records,
        documents=document_ids(content / "documents"),
        weeks=weeks,
        per_attempt=per_attempt,
        bank_label=str(content / "questions"),
        check_pools=False,
        option_keys=contest.quiz.option_keys,
        pool_factor=contest.quiz.pool_factor,
    )
    issues += more
    if issues:
        _print_issues(sort_issues(issues))
        _fail(f"Ngân hàng câu hỏi có {len(issues)} lỗi.")
    bank = Bank(tuple(questions))
    export_workbook(
        bank,
        target,
        documents=document_titles(content / "documents"),
        weeks=weeks,
        per_attempt=per_attempt,
        pool_factor=contest.quiz.pool_factor,
        option_keys=contest.quiz.option_keys,
    )
    typer.echo(f"Đã xuất {len(bank.questions)} câu hỏi ra {target}.")
    need = contest.quiz.pool_factor * per_attempt
    short = [w for w in weeks if len(bank.pool(w)) < need]
    if short:
        typer.echo(
            f"Còn thiếu câu hỏi ({_pools(bank, weeks)}; mỗi tuần cần ít nhất {need}): hãy điền thêm vào tệp "
            "rồi nhập lại bằng `contest questions import`.",
            err=True,
        )


@app.command("import")
def import_(
    source: Path = IMPORT_SOURCE,
    content: Path = CONTENT_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
) -> None:
    """Nhập tệp Excel: kiểm tra toàn bộ, chỉ ghi khi không có lỗi nào; thay toàn bộ ngân hàng câu hỏi."""
    contest = _contest(content)
    weeks, per_attempt = [w.number for w in contest.weeks], contest.quiz.questions_per_attempt
    if not source.exists():
        _fail(f"Không tìm thấy tệp {source}.", code=2)
    try:
        records = read_workbook(source, label=str(source), option_keys=contest.quiz.option_keys)
    except WorkbookError as exc:
        _print_issues(exc.issues)
        _fail("Tệp không đúng mẫu. Không có gì được ghi.")
    questions, _locations, issues = validate_records(
        records,
        documents=document_ids(content / "documents"),
        weeks=weeks,
        per_attempt=per_attempt,
        bank_label=str(source),
        # New questions arrive through the workbook: each must carry its quote for appeals.
        require_quote=contest.questions_lint.require_quote,
        option_keys=contest.quiz.option_keys,
        pool_factor=contest.quiz.pool_factor,
    )
    if not records:
        issues.append(ContentIssue(str(source), 0, "tệp không có câu hỏi nào"))
    if issues:
        _print_issues(sort_issues(issues))
        _fail(f"Tệp có {len(issues)} lỗi. Không có gì được ghi.")
    bank = Bank(tuple(questions))
    for pair in find_near_duplicates(bank):
        typer.echo(f"Cảnh báo: câu hỏi '{pair.second}' gần trùng với câu hỏi '{pair.first}'.", err=True)
    if dry_run:
        typer.echo(f"Tệp hợp lệ: {len(questions)} câu hỏi ({_pools(bank, weeks)}). Chưa ghi gì.")
        return
    written = write_bank(bank, content / "questions")
    # What was written must read back as the same bank.
    reread = load_bank(
        content / "questions",
        content / "documents",
        weeks,
        per_attempt,
        option_keys=contest.quiz.option_keys,
        pool_factor=contest.quiz.pool_factor,
    )
    if reread != canonical_order(bank):
        _fail("Lỗi khi ghi ngân hàng câu hỏi: nội dung đọc lại không khớp với tệp Excel.")
    typer.echo(
        f"Đã nhập {len(questions)} câu hỏi vào {len(written)} tệp trong {content / 'questions'} "
        f"({_pools(bank, weeks)})."
    )


@app.command("stats")
def stats(content: Path = CONTENT_OPTION) -> None:
    """Thống kê số câu hỏi theo văn bản, theo tuần thi và theo mức độ."""
    loaded, weeks, _per_attempt = _load(content)
    figures = bank_stats(loaded.bank, weeks, document_ids(content / "documents"))

    by_document = Table(title="Theo văn bản nguồn")
    by_document.add_column("Văn bản")
    by_document.add_column("Số câu", justify="right")
    for w in weeks:
        by_document.add_column(f"Tuần {w}", justify="right")
    for doc, count in figures.by_document.items():
        row = figures.by_document_week.get(doc, {})
        by_document.add_row(doc, str(count), *(str(row.get(w, 0)) for w in weeks))
    by_document.add_row("Tổng", str(figures.total), *(str(figures.by_week[w]) for w in weeks))
    console.print(by_document)

    by_week = Table(title="Theo tuần thi (một câu có thể thuộc nhiều tuần)")
    by_week.add_column("Tuần")
    by_week.add_column("Số câu", justify="right")
    for w, count in figures.by_week.items():
        by_week.add_row(str(w), str(count))
    console.print(by_week)

    by_difficulty = Table(title="Theo mức độ")
    by_difficulty.add_column("Mức độ")
    by_difficulty.add_column("Số câu", justify="right")
    for d in DIFFICULTIES:
        by_difficulty.add_row(DIFFICULTY_NAMES[d], str(figures.by_difficulty[d]))
    console.print(by_difficulty)


def lint_content(content: Path, contest: Contest, bank: Bank) -> LintReport:
    """The lint of a loaded bank with the contest's thresholds, weeks and last closing day."""
    last = max((w.closes_at for w in contest.weeks), default=None)
    return lint_bank(
        bank,
        contest.questions_lint,
        weeks=[w.number for w in contest.weeks],
        last_close=last.date() if last is not None else None,
        documents=document_front_matter(content / "documents"),
    )


def lint_lines(report: LintReport, locations: dict[str, Location] | None = None) -> list[str]:
    """One line per finding, errors first, each pointing at the question's file and line when known."""
    lines = []
    for finding in sorted(report.findings, key=lambda f: (f.severity != ERROR, f.rule, f.question or "")):
        label = "lỗi" if finding.severity == ERROR else "cảnh báo"
        where = ""
        if finding.question is not None:
            loc = (locations or {}).get(finding.question)
            where = f"{loc.file}:{loc.line}: " if loc is not None else ""
            where += f"[{finding.question}] "
        lines.append(f"{where}{label} ({finding.rule}): {finding.message}")
    return lines


def _rate_row(label: str, figures: object) -> list[str]:
    from contest.organisers.question_lint import KeyLongest

    assert isinstance(figures, KeyLongest)
    return [label, str(figures.questions), str(figures.key_longest), f"{figures.rate:.1%}", f"{figures.chance:.1%}"]


RULE_NAMES = {
    "key-longest-rate": "Đáp án hay là phương án dài nhất",
    "key-longest-rare": "Đáp án hiếm khi là phương án dài nhất",
    "key-much-longer": "Đáp án dài vượt trội",
    "distractor-prefix": "Phương án nhiễu “Chỉ/Tất cả/Toàn bộ…”",
    "option-is-other-key": "Phương án nhiễu là đáp án câu khác (cùng tuần)",
    "stem-gives-key": "Câu hỏi chứa đáp án câu khác (cùng tuần)",
    "same-options": "Trùng bộ phương án (cùng tuần)",
    "near-duplicate": "Câu hỏi gần trùng (cùng tuần)",
    "anachronism": "Dữ kiện sau thời điểm thi / sau văn bản",
    "undated": "Nguồn chưa ghi ngày (source.date)",
    "attribution": "Thiếu “Theo …”",
    "quote": "Thiếu câu trích (source.quote)",
}


@app.command("lint")
def lint(
    content: Path = CONTENT_OPTION,
    strict: bool = typer.Option(False, "--strict", help="Cảnh báo cũng làm lệnh thất bại."),
) -> None:
    """Độ công bằng của ngân hàng câu hỏi: đáp án đoán được qua hình thức, gợi ý giữa các câu, dữ kiện sau kỳ thi."""
    contest = _contest(content)
    loaded, weeks, _per_attempt = _load(content)
    report = lint_content(content, contest, loaded.bank)

    figures = Table(title="Đáp án đúng là phương án dài nhất")
    for column in ("Nhóm câu", "Số câu", "Đáp án dài nhất", "Tỷ lệ", "Ngẫu nhiên"):
        figures.add_column(column, justify="left" if column == "Nhóm câu" else "right")
    figures.add_row(*_rate_row("Toàn ngân hàng", report.overall))
    figures.add_row(*_rate_row("Toàn ngân hàng, phương án chữ", report.overall_text))
    for w in weeks:
        figures.add_row(*_rate_row(f"Tuần {w}", report.pools[w]))
        figures.add_row(*_rate_row(f"Tuần {w}, phương án chữ", report.pools_text[w]))
    console.print(figures)

    counts = Table(title="Theo quy tắc")
    counts.add_column("Quy tắc")
    counts.add_column("Mã")
    counts.add_column("Số phát hiện", justify="right")
    for rule, name in RULE_NAMES.items():
        counts.add_row(name, rule, str(report.count(rule)))
    console.print(counts)

    for line in lint_lines(report, loaded.locations):
        typer.echo(line, err=True)
    summary = f"{len(report.errors)} lỗi, {len(report.warnings)} cảnh báo ({_pools(loaded.bank, weeks)})."
    if report.errors or (strict and report.warnings):
        _fail(f"Ngân hàng câu hỏi chưa đạt: {summary}")
    typer.echo(f"Ngân hàng câu hỏi đạt: {summary}")
