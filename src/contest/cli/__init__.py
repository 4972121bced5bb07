"""The `contest` command for organisers and developers."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from contest.rules.numerals import format_time

if TYPE_CHECKING:
    from contest.rules.model import Bank
    from contest.store import Store

app = typer.Typer(help="Công cụ của Ban Tổ chức cuộc thi trực tuyến.", no_args_is_help=True, add_completion=False)
content_app = typer.Typer(help="Nội dung cuộc thi (content/).", no_args_is_help=True)
exclusions_app = typer.Typer(
    help="Danh sách số điện thoại không được dự thi (xem excluded_roles trong contest.yaml).", no_args_is_help=True
)
app.add_typer(content_app, name="content")
app.add_typer(exclusions_app, name="exclusions")


console = Console()
err = Console(stderr=True)


def project_root(start: Path | None = None) -> Path:
    """The folder holding content/contest.yaml: the current one or a parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "content" / "contest.yaml").exists():
            return folder
    raise typer.BadParameter("Không tìm thấy thư mục content/contest.yaml (hãy chạy lệnh trong thư mục dự án).")


def contest_timezone() -> str:
    """The contest's time zone (contest.yaml `timezone`) for CLI listings; Asia/Ho_Chi_Minh when unreadable.
    Listings never use the time zone of the machine running the command."""
    from contest.rules.numerals import VIETNAM

    try:
        from contest.content.loader import read_yaml

        data = read_yaml(project_root() / "content" / "contest.yaml")
        zone = data.get("timezone") if isinstance(data, dict) else None
    except Exception:
        zone = None
    return str(zone or VIETNAM)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def repository(aws: bool) -> Iterator[Store]:
    """The store on AWS (settings from the environment) or on the running local stack."""
    from contest.local.stack import attached
    from contest.store import Store, tables

    if aws:
        from contest.adapters.config import TerminalSettings

        settings = TerminalSettings.from_env()
        table, region = settings.table_name, settings.region
        if not table or not region:
            fail("Cần đặt CONTEST_TABLE và AWS_REGION để làm việc với AWS.")
        tables.configure(str(table), str(region))
        yield Store()
        return
    with attached(project_root()) as marker:
        if marker is None:
            fail("Không có môi trường cục bộ nào đang chạy. Hãy chạy `make dev` trước, hoặc dùng --aws.")
        tables.configure(marker["table"], marker["region"], marker["moto_url"])
        yield Store()


# --- dev -----------------------------------------------------------------------------------------


dev_app = typer.Typer(help="Môi trường cục bộ để phát triển và diễn tập.", add_completion=False)
app.add_typer(dev_app, name="dev")


@dev_app.callback(invoke_without_command=True)
def dev(
    ctx: typer.Context,
    port: int = typer.Option(8000, help="Cổng HTTP trên 127.0.0.1."),
    clock: str = typer.Option(
        "", envvar="CONTEST_CLOCK", help="Giờ bắt đầu của đồng hồ, ví dụ 2023-10-18T09:00:00+07:00."
    ),
    build_site: bool = typer.Option(True, "--site/--no-site", help="Dựng lại trang web khi khởi động."),
    reset: bool = typer.Option(
        False,
        "--reset",
        help="Bắt đầu lại từ đầu: xoá dữ liệu đã lưu (.dev/state), kết quả, báo cáo và hộp thư SMS cục bộ.",
    ),
) -> None:
    """Chạy toàn bộ cuộc thi trên máy này (API, trang web, kết quả) tại http://127.0.0.1:PORT.

    Dữ liệu (tài khoản, bài thi, kết quả, đồng hồ) được giữ lại giữa các lần chạy trong .dev/;
    --reset để bắt đầu lại. `contest dev clock …` chỉnh đồng hồ diễn tập khi đang chạy.
    """
    if ctx.invoked_subcommand is not None:
        return
    from contest.content.loader import ContentError, load_content
    from contest.local.stack import LocalStack, port_is_free

    root = project_root()
    try:
        contest = load_content(root / "content").contest
    except ContentError as exc:
        fail(f"Nội dung chưa hợp lệ:\n{exc}")
    start: datetime | None
    if clock:
        start = _instant(clock, contest.timezone)
        note = "theo CONTEST_CLOCK"
    else:
        start = None  # the saved rehearsal clock, else the opening of week 1
        note = "lúc mở tuần 1 hoặc giờ đã lưu của lần chạy trước (đặt CONTEST_CLOCK=... để chọn giờ khác)"
    if not port_is_free(port):
        fail(f"Cổng {port} trên 127.0.0.1 đang bận. Hãy dừng chương trình đang dùng cổng đó hoặc chọn --port khác.")
    if build_site:
        try:
            from contest.organisers import sitebuild
        except ImportError:
            err.print("[yellow]Chưa có bộ dựng trang web; chỉ chạy API.[/yellow]")
        else:
            with console.status("Đang dựng trang web…"):
                sitebuild.build(root, root / "build" / "site")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stack = LocalStack(root, port=port, clock_start=start, quiet=False, persist=True, reset=reset)
    if stack.clock_start is None:
        stack = LocalStack(
            root, port=port, clock_start=contest.weeks[0].opens_at, quiet=False, persist=True, reset=reset
        )
    with stack:
        console.print(f"[bold green]Cuộc thi đang chạy tại {stack.base_url}[/bold green]")
        console.print(
            f"Đồng hồ: {format_time(round(stack.clock.now().timestamp() * 1000), contest.timezone)} — {note}."
        )
        if reset:
            console.print("Đã bắt đầu lại từ đầu (--reset).")
        elif stack.restored_items:
            console.print(f"Đã khôi phục {stack.restored_items} bản ghi của lần chạy trước (--reset để bắt đầu lại).")
        console.print(f"Tin nhắn SMS (mã xác thực) hiện ở đây và trong {stack.outbox_path}.")
        console.print("Chỉnh đồng hồ khi đang chạy: contest dev clock 2023-10-22T20:01. Nhấn Ctrl-C để dừng.")
        try:
            while not stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        console.print("Đang dừng và lưu dữ liệu…")
    console.print(f"Đã dừng. Dữ liệu được lưu trong {stack.state_dir} (--reset để bắt đầu lại).")


def _instant(text: str, timezone: str) -> datetime:
    """An ISO time; without an offset it is read in the contest's time zone (2023-10-22T20:01)."""
    from zoneinfo import ZoneInfo

    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"Không phải thời điểm hợp lệ: {text} (ví dụ 2023-10-22T20:01 hoặc 2023-10-22T20:01:00+07:00).")
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(timezone))


@dev_app.command("clock")
def dev_clock(
    at: str = typer.Argument(..., help="Giờ mới của đồng hồ diễn tập, ví dụ 2023-10-22T20:01 (giờ của cuộc thi)."),
) -> None:
    """Chuyển đồng hồ của môi trường cục bộ đang chạy tới một thời điểm, không cần khởi động lại.

    Chỉ dùng cho diễn tập trên máy này; hệ thống thật luôn chạy theo đồng hồ của máy chủ. Khi đồng hồ qua giờ
    công bố của một tuần, lịch cục bộ tự chốt tuần đó như trên AWS.
    """
    from contest.content.loader import read_yaml
    from contest.local.stack import attached, request_clock

    root = project_root()
    data = read_yaml(root / "content" / "contest.yaml")
    timezone = str((data.get("timezone") if isinstance(data, dict) else None) or "Asia/Ho_Chi_Minh")
    target = _instant(at, timezone)
    with attached(root) as marker:
        if marker is None:
            fail("Không có môi trường cục bộ nào đang chạy. Hãy chạy `make dev` trước.")
    moved = request_clock(root / ".dev", target)
    if moved is None:
        fail("Môi trường cục bộ không phản hồi yêu cầu chỉnh đồng hồ (đã chờ 15 giây).")
    console.print(
        f"Đồng hồ diễn tập: {format_time(round(target.timestamp() * 1000), timezone)} ({timezone}). "
        "Lịch cục bộ sẽ chốt các tuần đã đến giờ công bố trong vài giây."
    )


# --- content -------------------------------------------------------------------------------------


@content_app.command("check")
def content_check(
    root: Path = typer.Option(None, help="Thư mục dự án (mặc định: thư mục hiện tại)."),
) -> None:
    """Kiểm tra content/: cấu hình cuộc thi, đơn vị, ngân hàng câu hỏi."""
    from contest.content.loader import ContentError, load_content

    folder = project_root(root)
    try:
        content = load_content(folder / "content")
    except ContentError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False, soft_wrap=True)
        fail(f"{len(exc.issues)} lỗi.")
    # The bank's fairness lint (`contest questions lint`): its errors fail the check, the rest warn.
    from contest.cli.questions import lint_content, lint_lines

    report = lint_content(folder / "content", content.contest, content.bank)
    for line in lint_lines(report):
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    if report.errors:
        fail(
            f"Ngân hàng câu hỏi: {len(report.errors)} lỗi, {len(report.warnings)} cảnh báo "
            "(chi tiết: contest questions lint)."
        )
    console.print(
        f"Hợp lệ: {len(content.contest.weeks)} tuần, {len(content.units)} đơn vị, "
        f"{len(content.bank.questions)} câu hỏi"
        + (f" ({len(report.warnings)} cảnh báo về câu hỏi)." if report.warnings else ".")
    )
    for line in key_schedule_warnings(content.bank, [w.number for w in content.contest.weeks]):
        err.print(f"[yellow]{line}[/yellow]", highlight=False, soft_wrap=True)


def key_schedule_warnings(bank: Bank, weeks: list[int]) -> list[str]:
    """Overlapping pools are allowed; say which keys each week's results will publish and which wait."""
    from contest.rules.model import key_week

    shared: dict[tuple[int, ...], list[int]] = {}
    for q in bank.questions:
        if len(q.weeks) > 1:
            shared.setdefault(q.weeks, [0, key_week(q)])[0] += 1
    if not shared:
        return []
    lines = [
        f"Cảnh báo: {n} câu hỏi thuộc nhiều tuần ({', '.join(map(str, ws))}): đáp án của chúng chỉ được "
        f"công bố cùng kết quả Tuần {last}."
        for ws, (n, last) in sorted(shared.items())
    ]
    for w in weeks:
        withheld = bank.keys_withheld_at(w)
        later = ", ".join(str(n) for n in sorted({key_week(q) for q in withheld}))
        lines.append(
            f"Tuần {w}: kết quả công bố đáp án {len(bank.keys_published_with(w))} câu"
            + (f"; {len(withheld)} câu chưa công bố đáp án (công bố cùng kết quả Tuần {later})." if withheld else ".")
        )
    return lines


@app.command("new")
def new(
    target: Path = typer.Argument(..., help="Thư mục nội dung mới, ví dụ content (phải chưa có hoặc đang trống)."),
    name: str = typer.Option("Cuộc thi trực tuyến tìm hiểu …", "--name", help="Tên Cuộc thi."),
    start: str = typer.Option("", "--start", help="Ngày mở tuần 1 (YYYY-MM-DD; mặc định: thứ Hai tới)."),
    weeks: int = typer.Option(4, "--weeks", min=1, max=52, help="Số tuần thi."),
) -> None:
    """Tạo thư mục nội dung cho một cuộc thi mới: contest.yaml (mọi khóa có chú thích), units.yaml, một văn bản
    mẫu và tệp Excel câu hỏi trống để điền (xem docs/new-contest.md)."""
    from datetime import date

    from contest.organisers.scaffold import WORKBOOK, next_monday, scaffold

    try:
        first = date.fromisoformat(start) if start else next_monday(date.today())
    except ValueError:
        fail(f"--start phải có dạng YYYY-MM-DD, không phải {start!r}.", code=2)
    try:
        written = scaffold(target, name=name, start=first, weeks=weeks)
    except FileExistsError:
        fail(f"{target} đã có nội dung: chọn một thư mục mới (không ghi đè gì).", code=2)
    for path in written:
        console.print(f"Đã tạo {path}", highlight=False)
    console.print(
        f"Tiếp theo: sửa {target / 'contest.yaml'} và {target / 'units.yaml'}, thay văn bản mẫu trong "
        f"{target / 'documents'}, điền {target / WORKBOOK} rồi `contest questions import {target / WORKBOOK} "
        f"--content {target}`; kiểm tra bằng `contest content check` (docs/new-contest.md).",
        highlight=False,
    )


@content_app.command("load")
def content_load(
    aws: bool = typer.Option(False, "--aws", help="Nạp vào hệ thống trên AWS thay vì môi trường cục bộ."),
) -> None:
    """Nạp content/ (cấu hình, đơn vị, câu hỏi) vào cơ sở dữ liệu."""
    from contest.content.loader import ContentError, bundle_of, load_content

    try:
        content = load_content(project_root() / "content")
    except ContentError as exc:
        fail(f"Nội dung chưa hợp lệ:\n{exc}")
    bundle = bundle_of(content)
    with repository(aws) as repo:
        repo.bundle.save_bundle(bundle)
    console.print(f"Đã nạp nội dung phiên bản {bundle['version']} ({len(content.bank.questions)} câu hỏi).")


# --- exclusions ----------------------------------------------------------------------------------


def _phone(raw: str) -> str:
    from contest.rules import errors, phones

    try:
        return phones.normalize(raw)
    except errors.InvalidPhone:
        fail(f"Số điện thoại không hợp lệ: {raw}")


@exclusions_app.command("add")
def exclusions_add(
    phone: str,
    note: str = typer.Option("", help="Ghi chú, ví dụ: Tổ Thư ký."),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Thêm một số điện thoại vào danh sách không được dự thi."""
    import time

    e164 = _phone(phone)
    with repository(aws) as repo:
        had_account = repo.phones.add_exclusion(e164, note or None, int(time.time() * 1000))
    console.print(f"Đã thêm {e164}." + (" Tài khoản hiện có đã bị loại khỏi dự thi." if had_account else ""))


@exclusions_app.command("remove")
def exclusions_remove(phone: str, aws: bool = typer.Option(False, "--aws")) -> None:
    """Bỏ một số điện thoại khỏi danh sách."""
    e164 = _phone(phone)
    with repository(aws) as repo:
        removed = repo.phones.remove_exclusion(e164)
    if not removed:
        fail(f"{e164} không có trong danh sách.")
    console.print(f"Đã bỏ {e164} khỏi danh sách.")


@exclusions_app.command("list")
def exclusions_list(aws: bool = typer.Option(False, "--aws")) -> None:
    """Liệt kê danh sách không được dự thi."""
    from rich.table import Table

    timezone = contest_timezone()
    with repository(aws) as repo:
        found = repo.phones.exclusions()
    table = Table("Số điện thoại", "Ngày thêm", "Ghi chú")
    for item in found:
        table.add_row(
            item.phone,
            format_time(item.added_at_ms, timezone),
            item.note or "",
        )
    console.print(table)
    console.print(f"{len(found)} số.")


@app.command()
def openapi(
    check: bool = typer.Option(False, "--check", help="Chỉ kiểm tra docs/openapi.json có khớp không."),
) -> None:
    """Sinh tài liệu OpenAPI (docs/openapi.json) từ các route của các hàm."""
    from contest.local import openapi as spec

    root = project_root()
    offline = {
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "CONTEST_TABLE": "openapi",
        "CONTEST_SMS_SENDER": "outbox",
        "CONTEST_OUTBOX": str(root / ".dev" / "outbox.jsonl"),
        "CONTEST_SIGNING_SECRET": "x" * 48,
        # the close function builds its publisher at import: a local target, never written here
        "CONTEST_PUBLISH_DIR": str(root / ".dev" / "public"),
        "CONTEST_PRIVATE_DIR": str(root / ".dev" / "private"),
        "CONTEST_ORIGIN_SECRET": "o" * 48,
    }
    for name, value in offline.items():
        os.environ.setdefault(name, value)
    text = spec.render(spec.load_functions(root))
    target = root / "docs" / "openapi.json"
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            fail("docs/openapi.json đã cũ: chạy `contest openapi` để sinh lại.")
        console.print("docs/openapi.json khớp với các route.")
        return
    target.write_text(text, encoding="utf-8")
    console.print(f"Đã ghi {target}.")


def main() -> None:
    app()


def _add_subcommands() -> None:
    """The other command groups live in their own modules, which use the helpers above: add them last."""
    from contest.cli import (
        certificates,
        close,
        committee,
        coordinators,
        erasure,
        excel,
        privacy,
        questions,
        receipts,
        report,
        winners,
    )

    app.add_typer(questions.app, name="questions")
    app.add_typer(coordinators.app, name="coordinators")
    app.add_typer(close.app, name="close-week")
    app.add_typer(committee.app, name="committee")
    app.add_typer(receipts.app, name="receipts")
    privacy_app = typer.Typer(help="Dữ liệu cá nhân (Luật 91/2025/QH15).", no_args_is_help=True)
    erasure.add_commands(privacy_app)  # erase, purge, inventory
    privacy.add_commands(privacy_app)  # requests, done (data subjects' requests)
    app.add_typer(privacy_app, name="privacy")
    app.command("report")(report.report)
    app.command("certificates")(certificates.certificates)
    app.command("winners")(winners.winners)
    app.command("excel-vi")(excel.excel_vi)


_add_subcommands()
