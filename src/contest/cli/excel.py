"""`contest excel-vi FILE.csv`: one of the reports' CSV files for Excel with Vietnamese regional settings."""

from __future__ import annotations

from pathlib import Path

import typer


def excel_vi(
    source: Path = typer.Argument(..., help="Tệp CSV do hệ thống ghi (standings.csv, units.csv, awards.csv…)."),
    out: Path = typer.Option(None, "--out", help="Tệp ghi ra (mặc định: <tên>-excel-vi.csv cạnh tệp gốc)."),
) -> None:
    """Chuyển một tệp CSV sang dạng Excel tiếng Việt mở được bằng nhấp đúp: dấu `;` ngăn cột, dấu `,` thập phân.

    Các tệp CSV gốc dùng dấu `,` (chuẩn chung, LibreOffice và các chương trình khác đọc đúng) và UTF-8 có BOM;
    Excel đặt vùng Việt Nam dùng `;` nên mở tệp gốc sẽ dồn cả dòng vào cột A. Cách khác: dùng tệp .xlsx.
    """
    from contest.cli import console, fail
    from contest.rules.cells import excel_vi as convert

    if not source.is_file():
        fail(f"Không có tệp {source}.")
    target = out or source.with_name(f"{source.stem}-excel-vi.csv")
    try:
        target.write_bytes(convert(source.read_bytes()))
    except (UnicodeDecodeError, ValueError) as exc:
        fail(f"{source} không phải tệp CSV của hệ thống: {exc}")
    console.print(f"Đã ghi {target} (dấu ; ngăn cột, dấu , thập phân, UTF-8 có BOM).")
