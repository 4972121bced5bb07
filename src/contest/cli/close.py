"""`contest close-week`: close (or rerun) a week from a terminal, on the running local stack or on AWS.

Shares its building blocks with `contest committee` (cli/committee.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from contest.adapters.config import TerminalSettings
from contest.cli import console, err, fail, project_root
from contest.rules.numerals import format_number

if TYPE_CHECKING:
    from contest.adapters.sender import Sender
    from contest.close.week import CloseWeek

app = typer.Typer(help="Chốt kết quả một tuần thi (xếp hạng, công bố, báo cáo).", add_completion=False)


def _clock_override(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        fail(f"CONTEST_CLOCK không phải thời điểm ISO hợp lệ: {raw}")
        raise
    if start.tzinfo is None:
        fail("CONTEST_CLOCK cần múi giờ, ví dụ 2023-10-22T20:00:00+07:00")
    return start


def _sender(settings: TerminalSettings, region: str | None) -> Sender | None:
    """at_award: the close sends one code per prize winner. From a terminal: SNS when CONTEST_SMS_SENDER=sns,
    the outbox file when CONTEST_OUTBOX is set; otherwise no SMS (the scheduled close sends them)."""
    from contest.adapters.sender import OutboxSender, SnsSender

    if settings.sms_sender == "sns" and region:
        return SnsSender(region)
    if settings.outbox_path is not None:
        return OutboxSender(settings.outbox_path)
    return None


@contextmanager
def closer(aws: bool) -> Iterator[CloseWeek]:
    """A CloseWeek use case on AWS (settings from the environment) or on the running local stack, composed by
    `contest.close.runtime` as functions/close_week's is.

    The clock: CONTEST_CLOCK when set (the same override as the local stack; refused against real buckets),
    else the running local stack's own clock, else the system clock. Whatever the clock says, the close
    publishes nothing before the week's window has ended by the machine's own clock as well.
    """
    from contest.close.runtime import assemble_close
    from contest.local.stack import attached

    settings = TerminalSettings.from_env()
    if aws:
        try:
            runtime = assemble_close(**_on_aws(settings))
        except ValueError:  # no publication target
            fail("Cần đặt CONTEST_PUBLIC_BUCKET và CONTEST_PRIVATE_BUCKET (nơi công bố kết quả và báo cáo).")
        yield runtime.close_week()
        return
    with attached(project_root()) as marker:
        if marker is None:
            fail("Không có môi trường cục bộ nào đang chạy. Hãy chạy `make dev` trước, hoặc dùng --aws.")
            raise typer.Exit(1)
        yield assemble_close(**_on_local_stack(settings, marker)).close_week()


def _on_aws(settings: TerminalSettings) -> dict[str, Any]:
    """The close's parts from the terminal's environment, for `assemble_close`."""
    from contest.rules.clock import OffsetClock, SystemClock

    override = _clock_override(settings.clock)
    table, region = settings.table_name, settings.region
    if not table or not region:
        fail("Cần đặt CONTEST_TABLE và AWS_REGION để làm việc với AWS.")
    if override and (settings.public_bucket or settings.private_bucket):
        fail("CONTEST_CLOCK chỉ dùng cho môi trường cục bộ; hệ thống thật chạy theo đồng hồ của máy chủ.")
    return {
        "table_name": table,
        "region": region,
        "public_bucket": settings.public_bucket,
        "private_bucket": settings.private_bucket,
        "publish_dir": settings.publish_dir,
        "private_dir": settings.private_dir,
        "clock": OffsetClock(override) if override else SystemClock(),
        "sender": _sender(settings, region),
    }


def _on_local_stack(settings: TerminalSettings, marker: dict[str, Any]) -> dict[str, Any]:
    """The close's parts on the running local stack: its table, its folders, its clock as the server's clock
    (as for the stack's own close_week), its outbox."""
    from contest.adapters.sender import OutboxSender
    from contest.local.stack import stack_now
    from contest.rules.clock import OffsetClock

    clock = OffsetClock(_clock_override(settings.clock) or stack_now(marker))
    outbox = Path(marker["publish_dir"]).parent / "outbox.jsonl"
    sender = _sender(settings, marker["region"]) or (OutboxSender(outbox) if outbox.parent.is_dir() else None)
    return {
        "table_name": marker["table"],
        "region": marker["region"],
        "public_bucket": None,
        "private_bucket": None,
        "publish_dir": Path(marker["publish_dir"]),
        "private_dir": Path(marker["private_dir"]),
        "clock": clock,
        "sender": sender,
        "wall": clock,
    }


def report(result: dict[str, Any]) -> None:
    if result.get("status") == "nothing-due":
        console.print("Chưa có tuần nào đến giờ công bố kết quả.")
        return
    if result.get("status") == "already-closed":
        console.print(f"Tuần {result['week']} đã được chốt. Dùng --week {result['week']} để chốt lại.")
        return
    if result.get("status") == "recorded":
        console.print(f"Đã ghi quyết định cho tuần {result['week']}; sẽ áp dụng khi chốt kết quả.")
        return
    who = "người" if result["counted"] == "contestants" else "lượt"
    console.print(
        f"[bold green]Đã công bố kết quả tuần {result['week']}[/bold green]: "
        f"{format_number(result['participants'])} {who} tham gia, "
        f"{format_number(result['ranked'])} người được xếp hạng."
    )
    if result.get("archived"):
        console.print(f"Bản công bố trước được lưu lại trong kho riêng: {result['archived']}/.")
    if result["tie_groups"]:
        console.print(f"{result['tie_groups']} nhóm đồng hạng.")
    if result["pending_prizes"]:
        err.print(
            f"[yellow]{result['pending_prizes']} giải chờ Ban Tổ chức quyết định "
            f"(xem `contest committee groups --week {result['week']}`).[/yellow]"
        )
    if result["flags"]:
        console.print(f"{result['flags']} cờ rà soát (xem báo cáo riêng week-{result['week']}/report.xlsx).")
    if result["stale_decisions"]:
        err.print(f"[yellow]{result['stale_decisions']} quyết định không còn khớp nhóm đồng hạng nào.[/yellow]")
    if result.get("award_codes_sent") or result.get("award_codes_failed"):
        console.print(f"Đã gửi {result['award_codes_sent']} mã xác nhận giải qua tin nhắn.")
        if result["award_codes_failed"]:
            err.print(f"[yellow]{result['award_codes_failed']} mã chưa gửi được: chạy lại để gửi.[/yellow]")
    if result.get("awards_unconfirmed"):
        console.print(
            f"{result['awards_unconfirmed']} người đoạt/chờ giải chưa xác nhận số điện thoại "
            f"(week-{result['week']}/awards.csv; `contest committee verify` ghi nhận xác nhận qua điện thoại)."
        )
    if result.get("final"):
        console.print("Đã công bố giải đơn vị chung cuộc (final.json).")
    console.print(f"SHA-256 bảng xếp hạng đầy đủ: {result['standings_sha256']}")


def run(action: Any) -> dict[str, Any]:
    from contest.rules.errors import ContestError

    try:
        return action()
    except ContestError as exc:
        extra = f" {json.dumps(exc.extra, ensure_ascii=False)}" if exc.extra else ""
        fail(f"{exc.message}{extra}")
        raise


@app.callback(invoke_without_command=True)
def close_week(
    week: int = typer.Option(None, "--week", min=1, help="Tuần cần chốt; bỏ trống: tuần vừa đến giờ công bố."),
    force: bool = typer.Option(
        False,
        "--force",
        help=(
            "Chốt sớm hơn giờ công bố, khi tuần đã đóng và đã hết thời gian gia hạn nộp bài. "
            "Không bao giờ chốt (hay công bố đáp án) khi tuần còn đang diễn ra."
        ),
    ),
    republish: bool = typer.Option(
        False,
        "--republish",
        help=(
            "Công bố lại một tuần đã công bố khi kết quả mới khác bản đã công bố. Bản cũ được lưu vào "
            "archive/week-N-<thời điểm>/ trong kho riêng của Ban Tổ chức, không bị ghi đè mất."
        ),
    ),
    aws: bool = typer.Option(False, "--aws", help="Làm việc với hệ thống trên AWS thay vì môi trường cục bộ."),
) -> None:
    """Chốt kết quả tuần: xếp hạng, công bố results/week-N.json và ghi báo cáo riêng cho Ban Tổ chức.

    Một tuần đã công bố không bao giờ bị ghi đè bằng kết quả khác nếu không có --republish.
    """
    with closer(aws) as c:
        report(run(lambda: c.close(week, force=force, republish=republish)))
