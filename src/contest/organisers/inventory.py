"""The data inventory (docs/privacy.md): every stored attribute and file, its purpose, category,
retention and place. `contest privacy inventory` writes it as Markdown; tests/unit/test_inventory.py fails when a
PynamoDB model gains an attribute this module does not describe (or describes one that no longer exists).

Pure: it reads the model classes' attribute names only, never the database.
"""

from __future__ import annotations

from dataclasses import dataclass

# Categories (Law 91/2025/QH15 distinguishes basic and sensitive personal data; nothing here is sensitive)
BASIC = "cá nhân cơ bản"
PSEUDO = "bí danh (mã ngẫu nhiên hoặc băm có khoá)"
AUTH = "bí mật xác thực (chỉ lưu dạng băm)"
ACTIVITY = "cá nhân cơ bản (hoạt động dự thi)"
NONE = "không phải dữ liệu cá nhân"

TABLE = "DynamoDB, bảng của stack (ap-southeast-1, Singapore), mã hoá KMS; bản sao PITR"
UNTIL_PURGE = "đến ngày `privacy.retention` (lệnh/lịch xoá theo thời hạn), hoặc khi thí sinh yêu cầu xoá"
UNTIL_TTL = "tự xoá khi hết hạn (TTL), chậm nhất ngày `privacy.retention`"


@dataclass(frozen=True)
class Attr:
    category: str
    purpose: str


@dataclass(frozen=True)
class Item:
    what: str
    key: str
    retention: str
    attrs: dict[str, Attr]


_KEYS = {
    "pk": Attr(PSEUDO, "khoá phân vùng (xem cột Khoá)"),
    "sk": Attr(PSEUDO, "khoá sắp xếp (xem cột Khoá)"),
    "ttl": Attr(NONE, "thời điểm DynamoDB tự xoá bản ghi"),
}
_UNIT_INDEX = {
    "gsi1pk": Attr(BASIC, "chỉ mục theo đơn vị (UNIT#<đơn vị>): người phụ trách đơn vị, báo cáo"),
    "gsi1sk": Attr(PSEUDO, "chỉ mục theo đơn vị: mã tài khoản"),
}
_WHEN = "thời điểm (ms) của sự việc: xác định thời hạn, kiểm tra lại"


def _at(purpose: str = _WHEN) -> Attr:
    return Attr(NONE, purpose)


ITEMS: dict[str, Item] = {
    "TableSchema": Item("khoá chung của mọi bản ghi (tạo bảng)", "pk / sk", "—", {**_KEYS, **_UNIT_INDEX}),
    "AccountItem": Item(
        "tài khoản thí sinh",
        "ACCOUNT#<mã tài khoản> / PROFILE",
        UNTIL_PURGE + "; tài khoản chưa xác thực: TTL 24 giờ",
        {
            **_KEYS,
            **_UNIT_INDEX,
            "account_id": Attr(PSEUDO, "mã tài khoản ngẫu nhiên"),
            "phone": Attr(BASIC, "đăng nhập, mã xác thực, liên hệ nhận giải; mỗi người một tài khoản"),
            "full_name": Attr(BASIC, "kết quả, giấy chứng nhận, trao giải"),
            "unit_id": Attr(BASIC, "đơn vị công tác: giải tập thể, người phụ trách đơn vị"),
            "password_hash": Attr(AUTH, "đăng nhập (scrypt có muối)"),
            "verified": Attr(BASIC, "số điện thoại đã được chứng minh là của người đăng ký"),
            "excluded": Attr(BASIC, "thuộc diện không được dự thi (Ban Tổ chức, Tổ Thư ký)"),
            "created_at_ms": _at(),
            "consent_at_ms": _at("thời điểm đồng ý (chứng minh sự đồng ý)"),
            "consent_version": Attr(NONE, "phiên bản văn bản đồng ý đã hiển thị"),
            "password_version": Attr(NONE, "vô hiệu phiên đăng nhập cũ khi đổi mật khẩu"),
            "session_version": Attr(NONE, "đăng xuất khỏi mọi phiên"),
            "verified_ip_hash": Attr(PSEUDO, "băm có khoá của địa chỉ IP khi xác thực: cờ dùng chung thiết bị"),
            "verified_at_ms": _at(),
            "verified_by": Attr(BASIC, "cách xác thực: mã SMS hoặc tên thành viên Ban Tổ chức xác nhận"),
            "verified_note": Attr(BASIC, "ghi chú của Ban Tổ chức khi xác nhận qua điện thoại"),
            "closed_at_ms": _at("tài khoản bị đóng do chủ số điện thoại lấy lại số"),
            "coordinator_unit": Attr(BASIC, "đơn vị người này phụ trách (Ban Tổ chức chỉ định)"),
            "consents": Attr(BASIC, "sự đồng ý theo từng mục đích: phiên bản văn bản, thời điểm đồng ý và rút lại"),
            "unit_visible": Attr(BASIC, "người phụ trách đơn vị được thấy tên (theo sự đồng ý với mục đó)"),
        },
    ),
    "PhoneItem": Item(
        "số điện thoại đã được dùng (mỗi số một tài khoản)",
        "PHONE#<số E.164> / CLAIM",
        UNTIL_PURGE + "; số chưa xác thực: TTL 24 giờ",
        {
            **_KEYS,
            "pk": Attr(BASIC, "số điện thoại (E.164) làm khoá: đăng nhập, đăng ký, lấy lại mật khẩu"),
            "account_id": Attr(PSEUDO, "tài khoản giữ số"),
            "login_failures": Attr(NONE, "chống dò mật khẩu"),
            "locked_until_ms": _at("khoá đăng nhập tạm thời"),
        },
    ),
    "CodeItem": Item(
        "mã một lần gửi qua SMS (xác thực, đặt lại mật khẩu, lấy lại số)",
        "PHONE#<số E.164> / CODE#<mục đích>",
        UNTIL_TTL + " (mã: vài phút)",
        {
            **_KEYS,
            "pk": Attr(BASIC, "số điện thoại nhận mã"),
            "code_hash": Attr(AUTH, "kiểm tra mã (HMAC, không lưu mã)"),
            "account_id": Attr(PSEUDO, "tài khoản của mã"),
            "expires_at_ms": _at(),
            "tries": Attr(NONE, "giới hạn số lần nhập sai"),
            "sent_at_ms": _at(),
            "window_start_ms": _at("giới hạn số tin gửi tới một số"),
            "window_sends": Attr(NONE, "giới hạn số tin gửi tới một số"),
            "ticket_hash": Attr(AUTH, "gắn mã lấy lại số với đúng người đăng ký"),
            "pending": Attr(BASIC, "đăng ký đang chờ (họ tên, đơn vị, băm mật khẩu, đồng ý) khi lấy lại số"),
        },
    ),
    "ExclusionItem": Item(
        "số điện thoại không được dự thi (Ban Tổ chức nhập)",
        "EXCL / <số E.164>",
        UNTIL_PURGE,
        {
            **_KEYS,
            "sk": Attr(BASIC, "số điện thoại bị loại"),
            "phone": Attr(BASIC, "số điện thoại bị loại"),
            "added_at_ms": _at(),
            "note": Attr(BASIC, "ghi chú của Ban Tổ chức (lý do)"),
        },
    ),
    "ThrottleItem": Item(
        "bộ đếm theo địa chỉ IP (chống lạm dụng đăng ký, đăng nhập, SMS)",
        "IP#<băm có khoá của IP> / REG#<giờ> …",
        UNTIL_TTL + " (vài giờ)",
        {**_KEYS, "pk": Attr(PSEUDO, "băm có khoá của địa chỉ IP"), "hits": Attr(NONE, "số lần trong giờ")},
    ),
    "AttemptItem": Item(
        "lượt làm bài",
        "ACCOUNT#<mã tài khoản> / ATTEMPT#<tuần>#<lượt>",
        UNTIL_PURGE,
        {
            **_KEYS,
            "account_id": Attr(PSEUDO, "người làm bài"),
            "attempt_id": Attr(PSEUDO, "mã lượt"),
            "week": Attr(NONE, "tuần thi"),
            "number": Attr(NONE, "số thứ tự lượt"),
            "question_ids": Attr(NONE, "câu hỏi đã rút"),
            "orders": Attr(NONE, "thứ tự phương án đã trộn"),
            "issued_at_ms": _at("giờ bắt đầu (thời gian làm bài do máy chủ đo)"),
            "expires_at_ms": _at(),
            "full_name": Attr(BASIC, "bản sao khi làm bài: xếp hạng"),
            "unit_id": Attr(BASIC, "bản sao khi làm bài: xếp hạng đơn vị"),
            "phone_masked": Attr(BASIC, "3 số cuối điện thoại: công bố kết quả"),
            "submitted_at_ms": _at(),
            "answers": Attr(ACTIVITY, "câu trả lời: chấm điểm, khiếu nại"),
            "prediction": Attr(ACTIVITY, "câu dự đoán số người tham gia"),
            "duration_ms": Attr(ACTIVITY, "thời gian làm bài: xếp hạng"),
            "score": Attr(ACTIVITY, "điểm"),
            "request_hash": Attr(NONE, "nhận ra lần gửi lại cùng một bài (không tính hai lần)"),
        },
    ),
    "StandingItem": Item(
        "kết quả tốt nhất của một người trong tuần (đầu vào xếp hạng)",
        "WEEK#<tuần>#S#<mảnh> / <mã tài khoản>",
        UNTIL_PURGE + "; khi xoá theo yêu cầu sau công bố: giữ số liệu, bỏ tên và số điện thoại",
        {
            **_KEYS,
            **_UNIT_INDEX,
            "gsi1pk": Attr(BASIC, "chỉ mục WEEK#<tuần>#UNIT#<đơn vị>: ai trong đơn vị đã tham gia"),
            "account_id": Attr(PSEUDO, "người dự thi"),
            "score": Attr(ACTIVITY, "điểm"),
            "duration_ms": Attr(ACTIVITY, "thời gian làm bài"),
            "prediction": Attr(ACTIVITY, "dự đoán"),
            "unit_id": Attr(BASIC, "đơn vị: bảng đơn vị, giải tập thể"),
            "full_name": Attr(BASIC, "công bố kết quả (sau khi xoá: chỉ vài chữ đầu giữ thứ tự trong nhóm đồng hạng)"),
            "phone_masked": Attr(BASIC, "3 số cuối điện thoại: phân biệt người trùng tên khi công bố"),
            "attempt_id": Attr(PSEUDO, "lượt tốt nhất"),
            "attempts": Attr(ACTIVITY, "số lượt đã nộp"),
            "received_at_ms": _at(),
        },
    ),
    "ContentItem": Item(
        "nội dung cuộc thi (contest.yaml, đơn vị, câu hỏi)",
        "CONTENT / bundle",
        "suốt cuộc thi (không có dữ liệu cá nhân)",
        {**_KEYS, "body": Attr(NONE, "gói nội dung nén"), "version": Attr(NONE, "phiên bản nội dung")},
    ),
    "DecisionItem": Item(
        "quyết định của Ban Tổ chức về thứ tự một nhóm đồng hạng",
        "WEEK#<tuần> / DECISION#…",
        UNTIL_PURGE,
        {
            **_KEYS,
            "week": Attr(NONE, "tuần"),
            "group": Attr(NONE, "nhãn nhóm"),
            "order": Attr(PSEUDO, "mã tài khoản theo thứ tự quyết định"),
            "reason": Attr(BASIC, "lý do (văn bản tự do của Ban Tổ chức)"),
            "by": Attr(BASIC, "người quyết định (thành viên Ban Tổ chức)"),
            "decided_at_ms": _at(),
        },
    ),
    "DisqualificationItem": Item(
        "huỷ kết quả của một người trong tuần",
        "WEEK#<tuần> / DQ#<mã tài khoản>",
        UNTIL_PURGE + " (giữ khi xoá theo yêu cầu: để chạy lại không đưa người đó trở lại bảng xếp hạng)",
        {
            **_KEYS,
            "week": Attr(NONE, "tuần"),
            "account_id": Attr(PSEUDO, "người bị huỷ kết quả"),
            "reason": Attr(BASIC, "lý do (văn bản tự do)"),
            "by": Attr(BASIC, "người quyết định"),
            "decided_at_ms": _at(),
        },
    ),
    "ClosedItem": Item(
        "dấu đã công bố kết quả một tuần",
        "WEEK#<tuần> / CLOSED",
        "giữ sau khi xoá theo thời hạn (không có dữ liệu cá nhân)",
        {
            **_KEYS,
            "week": Attr(NONE, "tuần"),
            "closed_at_ms": _at(),
            "participants": Attr(NONE, "số người tham gia"),
            "standings_sha256": Attr(NONE, "SHA-256 của standings.tsv đã công bố"),
            "units": Attr(NONE, "tổng theo đơn vị (giải tập thể)"),
        },
    ),
    "CoordinatorItem": Item(
        "người phụ trách đơn vị (Ban Tổ chức chỉ định)",
        "COORDINATORS / <mã tài khoản>",
        UNTIL_PURGE,
        {
            **_KEYS,
            "account_id": Attr(PSEUDO, "tài khoản người phụ trách"),
            "unit_id": Attr(BASIC, "đơn vị phụ trách"),
            "phone": Attr(BASIC, "liên hệ (chỉ Ban Tổ chức xem qua lệnh)"),
            "full_name": Attr(BASIC, "danh sách người phụ trách"),
            "appointed_at_ms": _at(),
            "note": Attr(BASIC, "ghi chú của Ban Tổ chức"),
        },
    ),
    "AwardItem": Item(
        "xác nhận nhận giải bằng mã SMS",
        "ACCOUNT#<mã tài khoản> / AWARD#<tuần>",
        UNTIL_PURGE,
        {
            **_KEYS,
            "account_id": Attr(PSEUDO, "người đoạt giải"),
            "week": Attr(NONE, "tuần"),
            "prize": Attr(ACTIVITY, "giải"),
            "created_at_ms": _at(),
            "deadline_ms": _at("hạn xác nhận"),
            "code_salt": Attr(AUTH, "muối của mã xác nhận"),
            "code_hash": Attr(AUTH, "băm của mã xác nhận"),
            "tries": Attr(NONE, "số lần nhập sai"),
            "sent_at_ms": _at(),
            "confirmed_at_ms": _at(),
            "confirmed_by": Attr(BASIC, "cách xác nhận: mã hoặc thành viên Ban Tổ chức"),
            "confirmed_note": Attr(BASIC, "ghi chú của Ban Tổ chức"),
        },
    ),
    "ReclaimItem": Item(
        "một số điện thoại được chủ số lấy lại (hồ sơ cho Ban Tổ chức)",
        "RECLAIMS / <thời điểm>#<mã tài khoản cũ>",
        UNTIL_PURGE,
        {
            **_KEYS,
            "phone": Attr(BASIC, "số điện thoại được lấy lại"),
            "old_account_id": Attr(PSEUDO, "tài khoản bị đóng"),
            "old_full_name": Attr(BASIC, "tên đã khai trên tài khoản bị đóng"),
            "old_unit_id": Attr(BASIC, "đơn vị đã khai trên tài khoản bị đóng"),
            "new_account_id": Attr(PSEUDO, "tài khoản mới của chủ số"),
            "at_ms": _at(),
            "withdrawn_weeks": Attr(NONE, "tuần bị rút kết quả"),
            "published_weeks": Attr(NONE, "tuần đã công bố trước đó"),
        },
    ),
    "PrivacyRequestItem": Item(
        "sổ yêu cầu về dữ liệu cá nhân (tải dữ liệu, rút lại đồng ý, xoá): không có tên, số điện thoại",
        "PRIVACY / <X|W|E>-<12 ký tự hex>",
        "giữ sau ngày `privacy.retention` làm bằng chứng đã xử lý (chỉ còn mã tài khoản, không liên kết tới ai)",
        {
            **_KEYS,
            "account_id": Attr(PSEUDO, "tài khoản đã gửi yêu cầu (còn lại sau khi xoá tài khoản: chứng minh đã xử lý)"),
            "kind": Attr(NONE, "loại yêu cầu: export, withdraw, erasure"),
            "purpose": Attr(NONE, "mục đích bị rút lại sự đồng ý"),
            "received_at_ms": _at("thời điểm nhận yêu cầu"),
            "due_at_ms": _at("hạn xử lý theo luật (privacy.response_hours / erasure_hours)"),
            "status": Attr(NONE, "chờ xử lý hoặc đã xử lý"),
            "handled_by": Attr(BASIC, "người của Ban Tổ chức đã xử lý, hoặc «tự phục vụ»"),
            "handled_at_ms": _at("thời điểm xử lý"),
        },
    ),
    "ErasureItem": Item(
        "một lần xoá dữ liệu theo yêu cầu (số điện thoại không được đăng ký lại trong cuộc thi)",
        "ERASED / <HMAC của số điện thoại>",
        UNTIL_TTL,
        {
            **_KEYS,
            "sk": Attr(PSEUDO, "HMAC-SHA256 của số điện thoại (khoá bí mật): chặn đăng ký lại"),
            "erased_at_ms": _at(),
            "by": Attr(BASIC, "người thực hiện xoá (Ban Tổ chức) hoặc «tự phục vụ»"),
            "published_weeks": Attr(NONE, "tuần cần công bố lại với nhãn trung tính"),
            "withdrawn_weeks": Attr(NONE, "tuần chưa công bố mà người đó được rút ra"),
        },
    ),
    "PurgeItem": Item(
        "dấu đã xoá dữ liệu theo thời hạn",
        "RETENTION / PURGED",
        "giữ (không có dữ liệu cá nhân)",
        {
            **_KEYS,
            "purged_at_ms": _at(),
            "retention_ms": _at("ngày hết thời hạn lưu trữ đã áp dụng"),
            "deleted": Attr(NONE, "số bản ghi, tệp đã xoá theo loại"),
        },
    ),
}


@dataclass(frozen=True)
class File:
    where: str
    name: str
    contents: str
    category: str
    retention: str


PRIVATE = "S3, bucket riêng (reports/), chỉ Ban Tổ chức; phiên bản cũ tự xoá sau 30 ngày"
PUBLIC = "S3, bucket công khai (results/), phát qua CloudFront"
AFTER_PURGE_KEPT = "giữ sau ngày `privacy.retention` (không còn liên kết tới người nào)"
PURGED_FILE = "xoá vào ngày `privacy.retention`; khi xoá theo yêu cầu: viết lại ở lần công bố kế tiếp"

FILES: tuple[File, ...] = (
    File(
        PUBLIC,
        "week-N.json",
        "top công bố: họ tên, 3 số cuối điện thoại, đơn vị, điểm, thời gian, giải",
        BASIC,
        "công bố công khai; người yêu cầu xoá được thay bằng nhãn trung tính ở lần công bố kế tiếp",
    ),
    File(
        PUBLIC,
        "index.json",
        "mục lục các tuần đã công bố và bản sao kết quả tuần mới nhất (như week-N.json của tuần đó)",
        BASIC,
        "công bố công khai; người yêu cầu xoá được thay bằng nhãn trung tính ở lần công bố kế tiếp",
    ),
    File(PUBLIC, "final.json", "bảng giải tập thể theo đơn vị", NONE, "công bố công khai"),
    File(
        PRIVATE,
        "week-N/standings.tsv",
        "bảng xếp hạng đầy đủ: mã tài khoản, đơn vị, điểm (SHA-256 công bố)",
        PSEUDO,
        AFTER_PURGE_KEPT,
    ),
    File(
        PRIVATE,
        "week-N/standings.csv, report.xlsx",
        "bảng xếp hạng đầy đủ có họ tên, số điện thoại che",
        BASIC,
        PURGED_FILE,
    ),
    File(
        PRIVATE, "week-N/review.json", "nhóm đồng hạng, cờ xem xét, người bị loại (họ tên, số che)", BASIC, PURGED_FILE
    ),
    File(PRIVATE, "week-N/awards.csv", "người đoạt giải và trạng thái xác nhận", BASIC, PURGED_FILE),
    File(
        PRIVATE,
        "week-N/winners.xlsx",
        "danh sách nhận giải: họ tên, số điện thoại đầy đủ, đơn vị, giải, số tiền, xác nhận",
        BASIC,
        PURGED_FILE,
    ),
    File(
        PRIVATE,
        "archive/week-N-<thời điểm>/…",
        "bản công bố bị thay thế (quyết định của Ban Tổ chức)",
        BASIC,
        PURGED_FILE + "; người yêu cầu xoá được thay tên ngay",
    ),
    File(PRIVATE, "week-N/units.csv, final/report.xlsx", "tổng theo đơn vị", NONE, AFTER_PURGE_KEPT),
    File(
        "máy của Ban Tổ chức (lệnh `contest certificates`, `contest report`)",
        "giấy chứng nhận PDF, danh-sach.csv, báo cáo tiến độ XLSX",
        "họ tên, đơn vị, giải",
        BASIC,
        "Ban Tổ chức tự xoá; tạo lại sau một lần xoá theo yêu cầu (docs/privacy.md)",
    ),
    File(
        "CloudWatch Logs (ap-southeast-1)",
        "nhật ký Lambda, API",
        "không có số điện thoại, mã, token (quy tắc dự án)",
        PSEUDO,
        "`LogRetentionDays` (mặc định 30 ngày)",
    ),
    File(
        "CloudWatch Logs (ap-southeast-1)",
        "nhật ký giao tin SMS của SNS",
        "số điện thoại đầy đủ của người nhận",
        BASIC,
        "`SmsLogRetentionDays` (mặc định 3 ngày; SNS ghi mọi tin lỗi và 10% tin thành công)",
    ),
)


def model_attributes() -> dict[str, list[str]]:
    """Every PynamoDB model of store/tables.py and its attribute names (the table's truth)."""
    from contest.store import tables

    return {model.__name__: sorted(model.get_attributes()) for model in tables.MODELS}


def undescribed() -> list[str]:
    """`Model.attribute` the inventory does not describe, and descriptions of attributes that do not exist."""
    found = model_attributes()
    problems = [
        f"{m}.{a}" for m, attrs in found.items() for a in attrs if a not in ITEMS.get(m, Item("", "", "", {})).attrs
    ]
    problems += [f"{m} (model gone)" for m in ITEMS if m not in found]
    problems += [
        f"{m}.{a} (attribute gone)" for m, item in ITEMS.items() if m in found for a in item.attrs if a not in found[m]
    ]
    return problems


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    """The inventory as Markdown (docs/privacy.md embeds it between its markers)."""
    found = model_attributes()
    lines = [
        "### Bảng DynamoDB",
        "",
        f"Nơi lưu: {TABLE}.",
        "",
    ]
    for name, attrs in found.items():
        item = ITEMS[name]
        lines += [
            f"#### {name}: {item.what}",
            "",
            f"Khoá: `{item.key}`. Thời hạn: {item.retention}.",
            "",
            "| Thuộc tính | Loại dữ liệu | Mục đích |",
            "|---|---|---|",
        ]
        lines += [f"| `{a}` | {_cell(item.attrs[a].category)} | {_cell(item.attrs[a].purpose)} |" for a in attrs]
        lines.append("")
    lines += [
        "### Tệp",
        "",
        "| Nơi lưu | Tệp | Nội dung | Loại dữ liệu | Thời hạn |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(f.where)} | {_cell(f.name)} | {_cell(f.contents)} | {_cell(f.category)} | {_cell(f.retention)} |"
        for f in FILES
    ]
    return "\n".join(lines) + "\n"
