"""`contest receipts`: check a contestant's receipt offline, print the public key to publish."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Biên nhận bài thi có chữ ký số (Ed25519): kiểm tra, khóa công khai.", no_args_is_help=True)


def _read_json(path: Path, what: str) -> dict:
    from contest.cli import fail

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"Không đọc được {what} {path}: {exc}")
    if not isinstance(data, dict):
        fail(f"{what.capitalize()} {path} không đúng định dạng.")
    return data


@app.command("verify")
def verify(
    file: Path = typer.Argument(..., help="Tệp biên nhận (bien-nhan-….json) hoặc câu trả lời của /api/submit."),
    key: Path = typer.Option(
        None, help="Khóa công khai results/receipt-key.json (mặc định: của máy chạy thử .dev/public/results)."
    ),
) -> None:
    """Kiểm tra chữ ký trên một biên nhận, không cần mạng; in các trường đã ký nếu hợp lệ."""
    from contest.cli import console, err, project_root
    from contest.rules.receipts import ReceiptInvalid, verify_receipt

    key = key or project_root() / ".dev" / "public" / "results" / "receipt-key.json"
    receipt = _read_json(file, "biên nhận")
    receipt = receipt.get("receipt", receipt) if isinstance(receipt.get("receipt"), dict) else receipt
    try:
        fields = verify_receipt(receipt, _read_json(key, "khóa công khai"))
    except ReceiptInvalid as exc:
        err.print(f"[red]KHÔNG HỢP LỆ:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print("[green]HỢP LỆ[/green]: chữ ký của máy chủ cuộc thi khớp với khóa công khai.")
    for name, value in fields.items():
        console.print(f"  {name}: {value}")


@app.command("public-key")
def public_key() -> None:
    """In khóa công khai (JSON) từ CONTEST_RECEIPT_KEY hoặc .dev/receipt-key, để công bố cùng kết quả."""
    from contest.adapters.config import TerminalSettings
    from contest.cli import fail, project_root
    from contest.rules.receipts import ReceiptSigner

    secret = TerminalSettings.from_env().receipt_key or ""
    if not secret:
        path = project_root() / ".dev" / "receipt-key"
        if not path.exists():
            fail("Chưa có khóa: đặt CONTEST_RECEIPT_KEY hoặc chạy `make dev` một lần để tạo .dev/receipt-key.")
        secret = path.read_text().strip()
    document = ReceiptSigner(lambda: secret.encode()).public_key_document()
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
