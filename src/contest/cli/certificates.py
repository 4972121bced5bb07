"""`contest certificates --week N | --final`: one PDF per prize winner, from the published results."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import typer


def certificates(
    week: int = typer.Option(0, "--week", help="Số tuần thi (giải cá nhân của tuần)."),
    final: bool = typer.Option(False, "--final", help="Giải tập thể chung cuộc (đơn vị)."),
    out: Path = typer.Option(None, "--out", help="Thư mục ghi giấy chứng nhận (mặc định build/giay-chung-nhan/...)."),
    aws: bool = typer.Option(False, "--aws", help="Đọc kết quả đã công bố trên AWS thay vì môi trường cục bộ."),
) -> None:
    """Giấy chứng nhận (PDF) cho người/đơn vị đạt giải theo kết quả đã công bố.

    Giải đang chờ Ban Tổ chức quyết định (đồng hạng) chưa được cấp giấy chứng nhận.
    """
    from contest.cli import console, err, fail, project_root
    from contest.cli.close import closer
    from contest.close.certificates import final_certificates, week_certificates, write_all

    if bool(week) == final:
        fail("Chọn một: --week N (giải tuần) hoặc --final (giải đơn vị chung cuộc).")
    name = "final.json" if final else f"week-{week}.json"
    with closer(aws) as close:
        contest = close.content.get().contest
        raw = close.publisher.read_public(name)
    if raw is None:
        fail(f"Chưa có kết quả đã công bố {name}: chạy `contest close-week` trước.")
        return
    published = json.loads(raw)
    style = contest.certificates
    if style is None:
        fail(
            "contest.yaml chưa có mục certificates: (cơ quan ban hành, nơi cấp, người ký). "
            "Xem docs/content-format.md, thêm mục này, chạy `contest content load` rồi chạy lại lệnh."
        )
        return
    if final:
        issued = max(w.results_at for w in contest.weeks).astimezone(ZoneInfo(contest.timezone)).date()
        certs = final_certificates(published, style=style, theme=contest.theme, year=contest.year, issued_on=issued)
        folder = out or project_root() / "build" / "giay-chung-nhan" / "chung-cuoc"
    else:
        certs = week_certificates(published, style=style, theme=contest.theme, year=contest.year)
        folder = out or project_root() / "build" / "giay-chung-nhan" / f"tuan-{week}"
    pending = (
        sum(p["count"] for prize in published["prizes"] for p in prize["pending"])
        if not final
        else sum(1 for u in published["units"] if u.get("prize") == "pending")
    )
    written = write_all(certs, folder)
    for cert in certs:
        console.print(f"{cert.number}  {cert.code}  {cert.prize_label:<10} {cert.recipient}", markup=False)
    if written:
        console.print(
            f"Đã ghi {len(written)} giấy chứng nhận, tat-ca.pdf và danh-sach.csv vào {folder} "
            "(có dữ liệu cá nhân: không công bố)."
        )
    else:
        console.print(f"Chưa có giải nào được trao: không có giấy chứng nhận; đã xoá các tệp cũ trong {folder}.")
    if pending:
        err.print(
            f"[yellow]{pending} giải đang chờ Ban Tổ chức quyết định: chưa cấp giấy chứng nhận. "
            "Sau khi quyết định (contest committee order) và công bố lại, chạy lệnh này lần nữa.[/yellow]"
        )
