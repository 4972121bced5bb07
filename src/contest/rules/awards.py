"""Award confirmation (registration.verification = at_award): who must prove the phone after a close, and
the rows the private reports show. Pure: no clock, no I/O.

Who: every prize winner, and every member of an undecided tie group that straddles a prize boundary (any
of them may end up with the prize once the committee decides). Each gets ONE code per week; a confirmed
or still-unconfirmed prize never moves to someone else by itself: the committee decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from contest.rules.model import VERIFY_AT_AWARD, Contest, Prize, Unit, Week
from contest.rules.publication import instant
from contest.rules.ranking import PENDING, WeekRanking

AWARDS_HEADER = (
    "Hạng",
    "Giải",
    "Mã tài khoản",
    "Họ và tên",
    "Số điện thoại (đã che)",
    "Đơn vị",
    "Xác nhận số điện thoại",
    "Thời điểm xác nhận",
    "Người ghi nhận / cách xác nhận",
    "Ghi chú",
    "Hạn xác nhận",
)
WINNERS_HEADER = (
    "Hạng",
    "Giải",
    "Số tiền",
    "Số giấy chứng nhận",
    "Họ và tên",
    "Đơn vị",
    "Số điện thoại",
    "Đồng ý liên hệ về giải",
    "Xác nhận số điện thoại",
    "Thời điểm xác nhận",
    "Cách xác nhận / ghi chú",
    "Mã tài khoản",
)
# Whether a winner agreed to be called or texted about the prize (consent purpose `prize_contact`): without it the
# list gives no number to call; the winner follows the prize on "Trang của tôi" and comes forward.
CONTACT_YES = "Đồng ý"
CONTACT_NO = "Không đồng ý — không gọi, không nhắn tin; chờ người đoạt giải liên hệ"
CONFIRMED = "Đã xác nhận"
NOT_CONFIRMED = "Chưa xác nhận — giải giữ nguyên, chờ Ban Tổ chức"
AT_REGISTRATION = "Đã xác thực khi đăng ký"


def candidates(ranking: WeekRanking) -> list[tuple[int, str, str]]:
    """(position, prize rank or PENDING, account id) of every entry holding or contending for a prize."""
    ids = ranking.columns.account_id
    return [(p, prize, ids[int(ranking.order[p])]) for p, prize in sorted(ranking.prize_at.items())]


def deadline(contest: Contest, week: Week) -> datetime:
    """Confirm by: the week's results time plus the configured hours (fixed by the content, so reruns agree)."""
    return week.results_at + timedelta(hours=contest.award_confirmation_hours)


def award_message(week: int, code: str, until: datetime, contest_name: str = "Cuoc thi") -> str:
    """SMS without diacritics (one 160-character GSM part; `contest_name` is sms.contest_name, ≤ 40 GSM-7)."""
    local = until.strftime("%H:%M %d/%m")
    return (
        f"Ma xac nhan giai Tuan {week} {contest_name}: {code}. "
        f"Nhap tai Trang cua toi truoc {local}. Khong dua ma cho ai."
    )


def award_rows(
    contest: Contest,
    ranking: WeekRanking,
    units: Sequence[Unit],
    awards: Mapping[str, Any],
    prizes: Sequence[Prize],
) -> list[list[Any]]:
    """One row per prize candidate: who, which prize, whether the phone is confirmed, by whom and when.
    `awards` maps account id -> repository.Award (at_award) — deterministic: no 'overdue' computed here."""
    cols = ranking.columns
    unit_names = {u.id: u.name for u in units}
    labels = {p.rank: p.label for p in prizes}
    rows: list[list[Any]] = []
    for position, prize, account_id in candidates(ranking):
        i = int(ranking.order[position])
        unit_id = cols.unit_ids[cols.unit_code[i]]
        label = "Chờ Ban Tổ chức quyết định (đồng hạng)" if prize == PENDING else labels.get(prize, prize)
        base = [
            int(ranking.rank[position]),
            label,
            account_id,
            cols.full_name[i],
            cols.phone_masked[i],
            unit_names.get(unit_id, unit_id),
        ]
        if contest.verification != VERIFY_AT_AWARD:
            rows.append([*base, AT_REGISTRATION, "", "", "", ""])
            continue
        award = awards.get(account_id)
        if award is None:
            rows.append([*base, NOT_CONFIRMED, "", "", "Chưa gửi mã", ""])
            continue
        confirmed = award.confirmed_at_ms is not None
        how = award.confirmed_by or ""
        if how == "code":
            how = "Mã gửi qua tin nhắn"
        elif how == "verified":
            how = "Đã xác thực số trước đó"
        rows.append(
            [
                *base,
                CONFIRMED if confirmed else NOT_CONFIRMED,
                instant(award.confirmed_at_ms, contest.timezone) if award.confirmed_at_ms else "",
                how,
                award.confirmed_note or ("" if award.sent_at_ms or confirmed else "Mã chưa gửi được"),
                instant(award.deadline_ms, contest.timezone),
            ]
        )
    return rows


def national(phone: str) -> str:
    """+84912345678 -> 0912345678 (how a Vietnamese organiser dials and a bank transfer form asks for it)."""
    return "0" + phone[3:] if phone.startswith("+84") else phone


def winner_rows(
    contest: Contest,
    ranking: WeekRanking,
    award_table: Sequence[Sequence[Any]],
    phones: Mapping[str, str],
    numbers: Mapping[int, str],
    contact: Mapping[str, bool] | None = None,
) -> list[list[Any]]:
    """The private winners' list for paying prizes: one row per prize candidate (`award_rows` order), with
    the amount, the certificate number, the FULL phone number and the confirmation. A candidate still in an
    undecided tie group has no amount and no certificate number yet. `contact`: account id -> whether the
    winner agreed to be contacted about the prize (consents.may_contact; missing = agreed); for one who did
    not, the list shows the masked number only (to recognise them when they come forward), never one to call."""
    amounts = {p.rank: p.amount for p in contest.weekly_prizes}
    out: list[list[Any]] = []
    for (position, prize, account_id), row in zip(candidates(ranking), award_table, strict=True):
        agreed = (contact or {}).get(account_id, True)
        out.append(
            [
                row[0],
                row[1],
                None if prize == PENDING else amounts.get(prize),
                numbers.get(position, ""),
                row[3],
                row[5],
                national(phones.get(account_id, "")) if agreed else row[4],
                CONTACT_YES if agreed else CONTACT_NO,
                row[6],
                row[7],
                " — ".join(str(x) for x in (row[8], row[9]) if x),
                account_id,
            ]
        )
    return out
