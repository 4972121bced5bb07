"""`contest winners --week N`: the private winners' list for paying prizes (XLSX, never public)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def winners(
    week: int = typer.Option(..., "--week", min=1, help="Số tuần thi (đã công bố kết quả)."),
    out: Path = typer.Option(None, "--out", help="Tệp .xlsx ghi ra (mặc định build/giai-thuong/tuan-N.xlsx)."),
    aws: bool = typer.Option(False, "--aws", help="Đọc hệ thống trên AWS thay vì môi trường cục bộ."),
) -> None:
    """Danh sách nhận giải (nội bộ): họ tên, đơn vị, số điện thoại đầy đủ, giải, số tiền, số giấy chứng nhận,
    xác nhận số điện thoại — theo tình trạng xác nhận hiện tại. Có dữ liệu cá nhân: không công bố.

    Lần chốt tuần cũng ghi tệp này vào kho riêng (week-N/winners.xlsx) theo tình trạng lúc chốt.
    """
    from contest.cli import console, fail, project_root
    from contest.cli.close import closer, run

    target = out or project_root() / "build" / "giai-thuong" / f"tuan-{week}.xlsx"
    if target.suffix.lower() != ".xlsx":
        fail("Tệp Excel cần đuôi .xlsx.")
    with closer(aws) as close:
        data: Any = run(lambda: close.winners(week))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.chmod(0o600)  # full phone numbers: readable by its owner only
    console.print(f"Đã ghi danh sách nhận giải Tuần {week}: {target} (nội bộ, có số điện thoại đầy đủ: không công bố).")
