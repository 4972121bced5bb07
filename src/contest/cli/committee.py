"""`contest committee`: decisions of the Ban Tổ chức, recorded in the database, then republished."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from contest.cli import console, fail, project_root
from contest.cli.close import closer, report, run
from contest.organisers.question_workbook import document_titles

app = typer.Typer(
    help="Quyết định của Ban Tổ chức (đồng hạng, hủy kết quả, xác nhận số điện thoại, số bị lấy lại).",
    no_args_is_help=True,
)


HANDLE_MIN = 6  # characters of an account id that name a member (like a short git commit id)


def handles(account_ids: list[str]) -> dict[str, str]:
    """Account id -> its shortest prefix (at least HANDLE_MIN characters) that no other listed id shares."""
    out = {}
    for account_id in account_ids:
        size = HANDLE_MIN
        while size < len(account_id) and any(o != account_id and o.startswith(account_id[:size]) for o in account_ids):
            size += 1
        out[account_id] = account_id[:size]
    return out


def resolve(tokens: list[str], members: list[str]) -> list[str]:
    """The committee's order as typed (full ids or handles) -> full account ids of the group's members."""
    out = []
    for token in tokens:
        found = [m for m in members if m == token or (len(token) >= HANDLE_MIN and m.startswith(token))]
        if len(found) != 1:
            fail(
                f"'{token}' không chỉ đúng một thành viên của nhóm (dùng mã ngắn trong `contest committee groups`, "
                f"ít nhất {HANDLE_MIN} ký tự)."
            )
        out.append(found[0])
    return out


def _review(c: Any, week: int) -> dict[str, Any]:
    raw = c.publisher.read_private(f"week-{week}/review.json")
    if raw is None:
        fail(f"Tuần {week} chưa được chốt.")
    review: dict[str, Any] = json.loads(raw)
    return review


@app.command("groups")
def groups(
    week: int = typer.Option(..., "--week", min=1),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Liệt kê các nhóm đồng hạng của tuần, mỗi nhóm một bảng vừa màn hình 80 cột.

    Mỗi thành viên có một mã ngắn (đầu mã tài khoản) để dùng với `committee order --order mã1,mã2,…`.
    """
    from contest.rules.publication import prize_label

    with closer(aws) as c:
        review = _review(c, week)
        members = [m["account_id"] for g in review["tie_groups"] for m in g["members"]]
        awards = c.repo.awards.awards_for(week, members)
        contest = c.content.get().contest
        accounts = {m: c.repo.accounts.account(m) for m in members}
        no_contact = {m for m, a in accounts.items() if a is not None and not _may_contact(contest, a)}
    short = handles(members)
    if not review["tie_groups"]:
        console.print(f"Tuần {week} không có nhóm đồng hạng nào.")
        return
    for g in review["tie_groups"]:
        stake = [prize_label(p, contest.weekly_prizes) for p in g.get("at_stake") or []]
        if stake:  # undecided across prizes: which ones, in Vietnamese ("Giải Nhất, Giải Nhì")
            prize = ", ".join(dict.fromkeys(str(p) for p in stake))
        else:
            prize = (prize_label(g["prize"], contest.weekly_prizes) if g["prize"] else None) or "không có giải"
        title = f"Nhóm {g['label']} · hạng {g['rank']} · {prize} · {g['status_label']}"
        table = Table(
            Column("Hạng", justify="right", no_wrap=True),
            Column("Mã ngắn", no_wrap=True),
            Column("Họ và tên", ratio=3),
            Column("Đơn vị", ratio=3),
            Column("Xác nhận SĐT", ratio=2),
            title=escape(title),
            title_justify="left",
            expand=False,
        )
        for m in g["members"]:
            rank = m.get("rank", g["rank"])  # after a decision each member has a rank of their own
            won = prize_label(m.get("prize"), contest.weekly_prizes) if m.get("prize") not in (None, "pending") else ""
            table.add_row(
                f"{rank}" + (f" {won}" if won else ""),
                short[m["account_id"]],
                escape(m["name"]),  # what people typed: text, never console markup
                escape(m["unit"]),
                _confirmation(contest, awards.get(m["account_id"]), bool(g["prize"]))
                + (" · không liên hệ" if m["account_id"] in no_contact else ""),
            )
        console.print(table)
    if no_contact:
        console.print(
            "«không liên hệ»: người không đồng ý để Ban Tổ chức gọi điện, nhắn tin về giải; họ tự theo dõi trên "
            "Trang của tôi và liên hệ Ban Tổ chức.",
            markup=False,
            highlight=False,
        )
    console.print(
        f"Ghi quyết định: contest committee order --week {week} --group N1 --order <mã ngắn>,<mã ngắn>,… "
        '--reason "…" --by "…"',
        markup=False,
        highlight=False,
    )


def _may_contact(contest: Any, account: Any) -> bool:
    """Did this person agree to be called or texted about a prize (consent purpose prize_contact)?"""
    from contest.rules.consents import may_contact, of_account

    record = of_account(account.consents, contest.consent_purposes, account.consent_version, account.consent_at_ms)
    return may_contact(contest.consent_purposes, record)


def _confirmation(contest: Any, award: Any, prize: bool) -> str:
    from contest.rules.model import VERIFY_AT_AWARD
    from contest.rules.numerals import format_time

    if contest.verification != VERIFY_AT_AWARD:
        return "xác thực khi đăng ký"
    if award is None:
        return "chưa gửi mã" if prize else ""
    if award.confirmed_at_ms is None:
        return f"chưa xác nhận (hạn {format_time(award.deadline_ms, contest.timezone)})"
    how = {"code": "mã", "verified": "đã xác thực trước"}.get(award.confirmed_by or "", award.confirmed_by or "")
    return f"đã xác nhận ({how}, {format_time(award.confirmed_at_ms, contest.timezone)})"


@app.command("verify")
def verify(
    account: str = typer.Option(None, "--account", help="Mã tài khoản."),
    phone: str = typer.Option(None, "--phone", help="Hoặc số điện thoại."),
    by: str = typer.Option(..., "--by", help="Người gọi điện xác nhận (ghi vào hồ sơ)."),
    note: str = typer.Option(..., "--note", help="Ghi chú: gọi số nào, lúc nào, người nghe xác nhận gì."),
    winner_called: bool = typer.Option(
        False,
        "--winner-called",
        help="Người đoạt giải tự liên hệ Ban Tổ chức (cần khi họ không đồng ý để Ban Tổ chức gọi điện, nhắn tin).",
    ),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Ghi nhận xác nhận số điện thoại qua điện thoại (ai, khi nào): tài khoản được xác thực, giải được xác nhận.

    Người không đồng ý để Ban Tổ chức liên hệ về giải (mục đồng ý «prize_contact») không được gọi điện, nhắn tin:
    chỉ ghi nhận khi chính họ liên hệ Ban Tổ chức, với --winner-called."""
    from contest.rules import errors, phones
    from contest.rules.clock import to_ms

    if bool(account) == bool(phone):
        fail("Cần đúng một trong --account hoặc --phone.")
    if not by.strip() or not note.strip():
        fail("Cần ghi --by và --note.")
    with closer(aws) as c:
        account_id = account
        if phone:
            try:
                e164 = phones.normalize(phone)
            except errors.ContestError as exc:
                fail(exc.message)
                raise
            claim = c.repo.phones.claim(e164)
            if claim is None:
                fail("Không có tài khoản nào đăng ký số điện thoại này.")
                raise typer.Exit(1)
            account_id = claim.account_id
        found = c.repo.accounts.account(account_id)
        if found is None or found.closed_at_ms is not None:
            fail("Không có tài khoản này (hoặc tài khoản đã bị đóng khi chủ số lấy lại số).")
            raise typer.Exit(1)
        if not winner_called and not _may_contact(c.content.get().contest, found):
            fail(
                f"{found.full_name} không đồng ý để Ban Tổ chức gọi điện, nhắn tin về giải: không gọi cho người này. "
                "Người đoạt giải theo dõi giải trên Trang của tôi và tự liên hệ Ban Tổ chức; khi họ liên hệ, ghi "
                "nhận bằng lệnh này với --winner-called."
            )
        weeks = c.repo.awards.verify_by_committee(
            found.account_id, to_ms(c.clock.now()), f"committee: {by.strip()}", note.strip()
        )
    listed = ", ".join(str(w) for w in weeks) if weeks else "không có giải nào đang chờ"
    console.print(
        f"Đã ghi nhận xác nhận số điện thoại của {found.full_name} ({found.account_id}) do {by.strip()} thực hiện. "
        f"Giải đã xác nhận: tuần {listed}. Chạy lại `contest close-week --week N` để cập nhật báo cáo."
    )


@app.command("reclaims")
def reclaims(aws: bool = typer.Option(False, "--aws")) -> None:
    """Các số điện thoại đã được chủ số lấy lại: tài khoản bị đóng và các tuần bị rút kết quả."""
    from contest.rules.numerals import format_time

    with closer(aws) as c:
        found = c.repo.phones.reclaims()
        timezone = c.content.get().contest.timezone
    table = Table(
        "Thời điểm",
        "Số điện thoại",
        "Tài khoản bị đóng",
        "Họ và tên",
        "Đơn vị",
        "Tài khoản mới",
        "Rút khỏi tuần",
        "Tuần đã công bố (Ban Tổ chức xem xét)",
    )
    for r in found:
        table.add_row(
            format_time(r.at_ms, timezone),
            r.phone,
            r.old_account_id,
            escape(r.old_full_name),  # what people typed: text, never console markup
            r.old_unit_id,
            r.new_account_id,
            ", ".join(map(str, r.withdrawn_weeks)),
            ", ".join(map(str, r.published_weeks)),
        )
    console.print(table)
    console.print(f"{len(found)} số đã được lấy lại.")


@app.command("order")
def order(
    week: int = typer.Option(..., "--week", min=1),
    group: str = typer.Option(..., "--group", help="Nhãn nhóm đồng hạng, ví dụ N1."),
    ids: str = typer.Option(..., "--order", help="Mã ngắn (hoặc mã tài khoản) theo thứ tự, cách nhau bằng dấu phẩy."),
    reason: str = typer.Option(..., "--reason", help="Lý do (được công bố)."),
    by: str = typer.Option(..., "--by", help="Người/cơ quan quyết định (được công bố)."),
    force: bool = typer.Option(
        False, "--force", help="Cho phép trước giờ công bố, khi tuần đã đóng và hết thời gian gia hạn."
    ),
    aws: bool = typer.Option(False, "--aws"),
) -> None:
    """Ghi thứ tự Ban Tổ chức quyết định cho một nhóm đồng hạng, rồi công bố lại kết quả tuần."""
    tokens = [i.strip() for i in ids.split(",") if i.strip()]
    with closer(aws) as c:
        raw = c.publisher.read_private(f"week-{week}/review.json")
        found = next((g for g in json.loads(raw)["tie_groups"] if g["label"] == group), None) if raw else None
        members = resolve(tokens, [m["account_id"] for m in found["members"]]) if found else tokens
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


QUOTE_SOURCE_LABELS = {
    "document": "nguyên văn văn bản",
    "fact-sheet": "nội dung bảng dữ kiện đã kiểm chứng (không phải nguyên văn văn bản)",
}


@app.command("question")
def question(
    question_id: str = typer.Argument(..., help="Mã câu hỏi, ví dụ qd505-001 (in trên phiếu khiếu nại)."),
    root: Path = typer.Option(None, "--root", help="Thư mục dự án (mặc định: thư mục hiện tại)."),
) -> None:
    """Xem một câu hỏi, đáp án đúng và câu trích của văn bản mà đáp án dựa vào (để trả lời khiếu nại)."""
    from contest.content.loader import ContentError, load_content

    folder = project_root(root)
    try:
        content = load_content(folder / "content")
    except ContentError as exc:
        fail(f"content/ có {len(exc.issues)} lỗi: chạy contest content check.")
    q = content.bank.by_id().get(question_id.strip())
    if q is None:
        fail(f"Không có câu hỏi mã '{question_id}'.")
    table = Table(show_header=False)
    table.add_row("Câu hỏi", f"{q.id}: {q.text}")
    for key, text in q.options.items():
        table.add_row(f"Phương án {key}", text + ("  ← đáp án đúng" if key == q.correct else ""))
    table.add_row("Tuần thi", ", ".join(str(w) for w in q.weeks))
    titles = document_titles(folder / "content" / "documents")
    table.add_row("Văn bản nguồn", f"{q.source.document}: {titles.get(q.source.document, '')}")
    if q.source.ref:
        table.add_row("Điều, mục", q.source.ref)
    if q.source.fact:
        table.add_row("Mục dữ kiện", q.source.fact)
    if q.source.date:
        table.add_row("Ngày dữ kiện", q.source.date)
    if q.source.quote:
        label = QUOTE_SOURCE_LABELS.get(q.source.quote_source or "", q.source.quote_source or "")
        table.add_row("Câu trích", f"“{q.source.quote}” ({label})")
    else:
        table.add_row("Câu trích", "chưa có (source.quote)")
    console.print(table)
