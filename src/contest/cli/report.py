"""`contest report --week N [--xlsx FILE]`: the organisers' private progress report of a week so far."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer

if TYPE_CHECKING:
    from contest.content.loader import Content
    from contest.organisers.progress import ProgressReport
    from contest.rules.model import Week
    from contest.store import Store


def report(
    week: int = typer.Option(..., "--week", help="Số tuần thi."),
    xlsx: Path = typer.Option(None, "--xlsx", help="Ghi thêm tệp Excel (.xlsx) tại đường dẫn này."),
    aws: bool = typer.Option(False, "--aws", help="Đọc hệ thống trên AWS thay vì môi trường cục bộ."),
    parallel: int = typer.Option(8, help="Số luồng đọc song song các phân đoạn bảng xếp hạng."),
) -> None:
    """Báo cáo tiến độ tuần (nội bộ, không công bố): theo đơn vị và toàn Cuộc thi."""
    from contest.cli import console, fail, repository
    from contest.cli.coordinators import live_content
    from contest.organisers.progress import progress_xlsx

    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        fail("Tệp Excel cần đuôi .xlsx.")
    with repository(aws) as repo:
        content = live_content(repo)
        target = content.contest.week(week)
        if target is None:
            fail(f"Không có tuần {week}.")
        now = datetime.now(ZoneInfo(content.contest.timezone))
        repo.standings.parallel = max(1, parallel)
        result = _read_with_progress_bar(repo, content, target, now)
    _print_report(result, week, now)
    if xlsx is not None:
        xlsx.parent.mkdir(parents=True, exist_ok=True)
        xlsx.write_bytes(progress_xlsx(result, group_names={g.id: g.name for g in content.groups}))
        console.print(f"Đã ghi {xlsx} (nội bộ, không công bố).")


def _read_with_progress_bar(repo: Store, content: Content, target: Week, now: datetime) -> ProgressReport:
    """Read the week's progress, showing a bar: registrations counted first, then the standings read."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from contest.cli import console
    from contest.organisers.progress import read_progress

    contest = content.contest
    columns = (SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn())
    with Progress(*columns, MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"Đếm số đăng ký của {len(content.units)} đơn vị…", total=None)

        def registered(total: int) -> None:  # the bar's end: no week has more standings than accounts
            bar.update(task, description=f"Đọc bảng xếp hạng tuần {target.number}…", total=max(total, 1), completed=0)

        def rows(n: int) -> None:
            total = bar.tasks[0].total or n
            bar.update(task, completed=n, total=max(total, n))

        return read_progress(
            repo,
            contest.name,
            target,
            content.units,
            now,
            registered,
            rows,
            scope_label=contest.scope_label,
            verified_only=contest.phone_verification,
        )


def _print_report(result: ProgressReport, week: int, now: datetime) -> None:
    from rich.table import Column, Table

    from contest.cli import console
    from contest.organisers.progress import PRIVATE_NOTE, table_rows
    from contest.rules.numerals import format_number, format_seconds

    table = Table(
        # unit names stay legible on a narrow terminal; the numbers' headers wrap instead
        Column("Đơn vị", min_width=24),
        *("Biên chế", "Đã đăng ký", "Đã tham gia", "Lượt thi", "Tỷ lệ/biên chế", "Tỷ lệ/đăng ký", "Điểm TB"),
        title=f"Tiến độ tuần {week} — lập lúc {now:%H:%M %d/%m/%Y}",
        caption=PRIVATE_NOTE,
    )
    cells = table_rows(result)
    for row in cells[:-1]:
        table.add_row(*row)
    table.add_section()
    table.add_row(*cells[-1], style="bold")
    console.print(table)
    for note in result.notes:
        console.print(note)
    console.print(
        f"Đã đọc {format_number(result.standings_read)} bản ghi xếp hạng ({format_number(result.left_out)} không tính) "
        f"trong {format_seconds(result.seconds, 1)}."
    )
