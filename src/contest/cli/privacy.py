"""`contest privacy`: the log of data subjects' requests and their legal deadlines.

Contestants make requests themselves on "Trang của tôi" (download my data, withdraw a consent, ask for
erasure); every one is logged with the account id only. Organisers list the pending ones with their deadlines
(Asia/Ho_Chi_Minh) and mark them handled. Erasure itself is executed by `contest privacy erase`, which closes
the request through `Privacy.erasure_done`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from contest.services.privacy import Privacy

app = typer.Typer(
    help="Yêu cầu về dữ liệu cá nhân của thí sinh (tải dữ liệu, rút lại đồng ý, xóa dữ liệu) và thời hạn xử lý.",
    no_args_is_help=True,
)


def add_commands(group: typer.Typer) -> None:
    """Into `contest privacy` (next to erase, purge, inventory): requests, done."""
    group.command("requests")(requests)
    group.command("done")(done)


KIND_LABELS = {"export": "Tải dữ liệu", "withdraw": "Rút lại đồng ý", "erasure": "Xóa dữ liệu"}
STATUS_LABELS = {"pending": "Chờ xử lý", "done": "Đã xử lý"}
ZONE = "Asia/Ho_Chi_Minh"


class _Now:
    def now(self):  # type: ignore[no-untyped-def]
        from datetime import UTC, datetime

        return datetime.fromtimestamp(time.time(), UTC)


@contextmanager
def privacy_service(aws: bool) -> Iterator[Privacy]:
    """The same service the API uses, over the table the CLI is attached to (AWS or the local stack)."""
    from contest.cli import repository
    from contest.cli.coordinators import live_content
    from contest.services.privacy import Privacy

    class _Content:
        def __init__(self, content):  # type: ignore[no-untyped-def]
            self._content = content

        def get(self):  # type: ignore[no-untyped-def]
            return self._content

    with repository(aws) as repo:
        yield Privacy(repo, _Content(live_content(repo)), _Now(), None)  # type: ignore[arg-type]


def _local(ms: int | None) -> str:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(ZONE)).strftime("%d/%m/%Y %H:%M")


@app.command("requests")
def requests(
    pending: bool = typer.Option(False, "--pending", help="Chỉ các yêu cầu chưa xử lý."),
    aws: bool = typer.Option(False, "--aws", help="Làm việc với hệ thống trên AWS thay vì môi trường cục bộ."),
) -> None:
    """Liệt kê yêu cầu (cũ trước), với thời hạn theo giờ Việt Nam; quá hạn được đánh dấu."""
    from rich.table import Table

    from contest.cli import console

    now_ms = int(time.time() * 1000)
    with privacy_service(aws) as service:
        found = service.requests(pending_only=pending)
    if not found:
        console.print("Không có yêu cầu nào đang chờ xử lý." if pending else "Chưa có yêu cầu nào.")
        return
    table = Table(title=f"Yêu cầu về dữ liệu cá nhân (giờ {ZONE})")
    for column in ("Mã", "Loại", "Mục", "Tài khoản", "Nhận lúc", "Hạn xử lý", "Trạng thái", "Người xử lý"):
        table.add_column(column)
    for r in found:
        late = r.status == "pending" and r.due_at_ms < now_ms
        table.add_row(
            r.request_id,
            KIND_LABELS.get(r.kind, r.kind),
            r.purpose or "",
            r.account_id,
            _local(r.received_at_ms),
            _local(r.due_at_ms) + (" [bold red]QUÁ HẠN[/bold red]" if late else ""),
            STATUS_LABELS.get(r.status, r.status),
            f"{r.handled_by} ({_local(r.handled_at_ms)})" if r.handled_by else "",
        )
    console.print(table)
    waiting = sum(1 for r in found if r.status == "pending")
    console.print(f"{len(found)} yêu cầu, {waiting} chờ xử lý.")


@app.command("done")
def done(
    request_id: str = typer.Argument(..., help="Mã yêu cầu (cột «Mã» của `contest privacy requests`)."),
    by: str = typer.Option(..., "--by", help="Tên người đã xử lý yêu cầu."),
    aws: bool = typer.Option(False, "--aws", help="Làm việc với hệ thống trên AWS thay vì môi trường cục bộ."),
) -> None:
    """Đánh dấu một yêu cầu đã xử lý (ghi người và thời điểm xử lý)."""
    from contest.cli import console, fail
    from contest.rules import errors

    with privacy_service(aws) as service:
        before = service.repo.privacy.privacy_request(request_id.strip())
        try:
            after = service.mark_done(request_id.strip(), by)
        except errors.ContestError as exc:
            fail(exc.message)
    if before is not None and before.status == "done":
        console.print(
            f"Yêu cầu {after.request_id} đã được xử lý trước đó ({after.handled_by}, {_local(after.handled_at_ms)})."
        )
    else:
        console.print(f"Đã đánh dấu yêu cầu {after.request_id} là đã xử lý ({after.handled_by}).")
