"""`contest committee`: decisions of the Ban Tổ chức, recorded in the database, then republished."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from contest.cli import console, fail
from contest.cli.close import closer, report, run

app = typer.Typer(help="Quyết định của Ban Tổ chức (đồng hạng, hủy kết quả).", no_args_is_help=True)


@app.command("groups")
def groups(
    week: int = typer.Option(..., "--week", min=1),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Liệt kê các nhóm đồng hạng của tuần (mã tài khoản để dùng với `committee order`)."""
    with closer(aws) as c:
        raw = c.publisher.read_private(f"week-{week}/review.json")
    if raw is None:
        fail(f"Tuần {week} chưa được chốt.")
    review = json.loads(raw)
    table = Table("Nhóm", "Hạng", "Trạng thái", "Giải", "Mã tài khoản", "Họ và tên", "Đơn vị")
    for g in review["tie_groups"]:
        for m in g["members"]:
            table.add_row(
                g["label"],
                str(g["rank"]),
                g["status_label"],
                g["prize"] or "",
                m["account_id"],
                m["name"],
                m["unit"],
            )
    console.print(table)


@app.command("order")
def order(
    week: int = typer.Option(..., "--week", min=1),
    group: str = typer.Option(..., "--group", help="Nhãn nhóm đồng hạng, ví dụ N1."),
    ids: str = typer.Option(..., "--order", help="Mã tài khoản theo thứ tự, cách nhau bằng dấu phẩy."),
    reason: str = typer.Option(..., "--reason", help="Lý do (được công bố)."),
    by: str = typer.Option(..., "--by", help="Người/cơ quan quyết định (được công bố)."),
    force: bool = typer.Option(
        False, "--force", help="Cho phép trước giờ công bố, khi tuần đã đóng và hết thời gian gia hạn."
    ),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Ghi thứ tự Ban Tổ chức quyết định cho một nhóm đồng hạng, rồi công bố lại kết quả tuần."""
    members = [i.strip() for i in ids.split(",") if i.strip()]
    with closer(aws) as c:
        report(run(lambda: c.order_group(week, group, members, reason, by, force=force)))


@app.command("disqualify")
def disqualify(
    week: int = typer.Option(..., "--week", min=1),
    account: str = typer.Option(..., "--account", help="Mã tài khoản."),
    reason: str = typer.Option(..., "--reason", help="Lý do (được công bố, không kèm danh tính)."),
    by: str = typer.Option(..., "--by"),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Hủy kết quả của một tài khoản trong tuần (ghi lý do), rồi công bố lại kết quả tuần."""
    with closer(aws) as c:
        report(run(lambda: c.disqualify(week, account, reason, by)))
