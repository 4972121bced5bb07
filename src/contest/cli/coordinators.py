"""`contest coordinators`: appoint and remove the people who follow one unit's participation."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from contest.content.loader import Content
    from contest.store import Store

app = typer.Typer(
    help="Người phụ trách đơn vị: xem ai trong đơn vị đã đăng ký, đã tham gia (không xem điểm).",
    no_args_is_help=True,
)


NOT_VERIFIED_MESSAGE = (
    "Tài khoản {phone} chưa xác thực số điện thoại: không thể chỉ định làm người phụ trách đơn vị. "
    "Người đó cần xác thực số điện thoại (mã gửi qua tin nhắn) trước, rồi chỉ định lại."
)
VERIFICATION_LABELS = {True: "Đã xác thực", False: "Chưa xác thực", None: "Không còn tài khoản"}


def live_content(repo: Store) -> Content:
    """The content the system runs on: the bundle `contest content load` stored in the table."""
    from contest.cli import fail
    from contest.content.loader import content_from_bundle

    bundle = repo.bundle.load_bundle()
    if bundle is None:
        fail("Chưa nạp nội dung vào cơ sở dữ liệu: chạy `contest content load` trước.")
        raise SystemExit(1)
    return content_from_bundle(bundle)


def _unit_names(repo: Store) -> dict[str, str]:
    return {u.id: u.name for u in live_content(repo).units}


@app.command("add")
def add(
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị (content/units.yaml)."),
    phone: str = typer.Option(..., "--phone", help="Số điện thoại đã đăng ký tài khoản của người phụ trách."),
    note: str = typer.Option("", help="Ghi chú, ví dụ: chức vụ, văn bản phân công."),
    aws: bool = typer.Option(False, "--aws", help="Làm việc với hệ thống trên AWS thay vì môi trường cục bộ."),
) -> None:
    """Chỉ định người phụ trách một đơn vị (người đó đăng nhập bằng tài khoản dự thi của mình)."""
    from rich.markup import escape

    from contest.cli import _phone, console, err, fail, repository
    from contest.store.coordinators import CoordinatorNotVerified

    e164 = _phone(phone)
    with repository(aws) as repo:
        units = _unit_names(repo)
        if unit not in units:
            fail(f"Không có đơn vị mã {unit!r} trong danh sách đơn vị đã nạp (content/units.yaml).")
        claim = repo.phones.claim(e164)
        account = repo.accounts.account(claim.account_id) if claim else None
        if account is None:
            fail(f"{e164} chưa đăng ký tài khoản. Người phụ trách cần đăng ký trên trang web trước.")
            return
        if not account.verified:
            fail(NOT_VERIFIED_MESSAGE.format(phone=e164))
            return
        previous = account.coordinator_unit
        try:
            repo.coordinators.appoint_coordinator(account, unit, int(time.time() * 1000), note or None)
        except CoordinatorNotVerified:  # un-verified (or closed) between the read above and the write
            fail(NOT_VERIFIED_MESSAGE.format(phone=e164))
            return
    if account.excluded:
        err.print("[yellow]Lưu ý: số này thuộc danh sách không được dự thi; vẫn được xem trang đơn vị.[/yellow]")
    moved = f" (thay cho đơn vị {units.get(previous, previous)})" if previous and previous != unit else ""
    console.print(f"Đã chỉ định {escape(account.full_name)} ({e164}) phụ trách {escape(units[unit])}{escape(moved)}.")


@app.command("remove")
def remove(
    phone: str = typer.Option(..., "--phone"),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Thôi chỉ định một người phụ trách."""
    from contest.cli import _phone, console, fail, repository

    e164 = _phone(phone)
    with repository(aws) as repo:
        claim = repo.phones.claim(e164)
        removed = claim is not None and repo.coordinators.dismiss_coordinator(claim.account_id)
    if not removed:
        fail(f"{e164} không phải người phụ trách đơn vị nào.")
    console.print(f"Đã thôi chỉ định {e164}.")


@app.command("list")
def list_(
    unit: str = typer.Option("", "--unit", help="Chỉ một đơn vị."),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Liệt kê người phụ trách các đơn vị, kèm trạng thái xác thực số điện thoại của từng tài khoản."""
    from rich.markup import escape
    from rich.table import Table

    from contest.cli import console, contest_timezone, err, repository
    from contest.rules.numerals import format_time

    timezone = contest_timezone()
    with repository(aws) as repo:
        units = _unit_names(repo)
        found = [c for c in repo.coordinators.appointments() if not unit or c.unit_id == unit]
    table = Table("Đơn vị", "Họ và tên", "Số điện thoại", "Xác thực", "Ngày chỉ định", "Ghi chú")
    for c in found:
        when = format_time(c.appointed_at_ms, timezone)
        # names are what people typed: printed as text, never as console markup
        table.add_row(
            escape(units.get(c.unit_id, c.unit_id)),
            escape(c.full_name),
            c.phone,
            VERIFICATION_LABELS[c.verified],
            when,
            escape(c.note or ""),
        )
    console.print(table)
    console.print(f"{len(found)} người phụ trách.")
    blocked = sum(1 for c in found if not c.verified)
    if blocked:
        err.print(
            f"[yellow]{blocked} người phụ trách chưa xác thực số điện thoại (hoặc tài khoản không còn): "
            "không xem được trang đơn vị cho đến khi xác thực.[/yellow]"
        )
