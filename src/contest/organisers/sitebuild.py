"""The contest website: pages generated from `content/` and the MkDocs build.

`content/` is the single source: the rules page (Thể lệ), the study-material pages and the
schedule the site's JavaScript uses are generated from it at build time, never copied into `site/`.
The MkDocs hook `site/hooks/content.py` calls `generate_pages` and `placeholders`, so
`mkdocs build -f site/mkdocs.yml --strict` and `build()` produce the same site.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from contest.rules.model import VERIFY_AT_AWARD, Contest, DurationResolution, ParticipantsCount, Prize, Unit, UnitGroup
from contest.rules.names import nfc

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
MATERIALS_DIR = "tai-lieu"
RULES_PAGE = "the-le.md"
PRIVACY_PAGE = "quyen-rieng-tu.md"
MY_PAGE = "tai-khoan.md"


# ---------------------------------------------------------------- loading content/


def load_contest(content_dir: Path) -> Contest:
    """The contest definition, read by the same parser the API uses (contest.content.loader)."""
    from contest.content.loader import parse_contest, read_yaml

    path = content_dir / "contest.yaml"
    return parse_contest(read_yaml(path), str(path))


def load_unit_groups(content_dir: Path) -> tuple[tuple[UnitGroup, ...], tuple[Unit, ...]]:
    from contest.content.loader import parse_units, read_yaml

    path = content_dir / "units.yaml"
    return parse_units(read_yaml(path), str(path))


@dataclass(frozen=True)
class Document:
    """One study document (content/documents/<id>.md): front matter plus its Markdown body."""

    id: str
    number: str
    date: str
    issuer: str
    title: str
    order: int
    body: str
    source: Path


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.DOTALL)


def load_documents(content_dir: Path) -> tuple[Document, ...]:
    """Every document of the plan, in `order` (then id). A file without an id or title is an error."""
    docs = []
    for path in sorted((content_dir / "documents").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        match = _FRONT_MATTER.match(text)
        if not match:
            raise ValueError(f"{path}: missing front matter (--- id/number/date/issuer/title/order ---)")
        meta = yaml.safe_load(match.group(1)) or {}
        for key in ("id", "title"):
            if not meta.get(key):
                raise ValueError(f"{path}: front matter needs `{key}`")
        if str(meta["id"]) != path.stem:
            raise ValueError(f"{path}: front matter id {meta['id']!r} differs from the file name")
        docs.append(
            Document(
                id=str(meta["id"]),
                number=str(meta.get("number") or ""),
                date=str(meta.get("date") or ""),
                issuer=str(meta.get("issuer") or ""),
                title=str(meta["title"]),
                order=int(meta.get("order") or 0),
                body=text[match.end() :],
                source=path,
            )
        )
    return tuple(sorted(docs, key=lambda d: (d.order, d.id)))


# ---------------------------------------------------------------- formatting


def vnd(amount: int, currency: str = "đồng") -> str:
    """2000000 -> '2.000.000 đồng' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + f" {currency}"


def moment(value: datetime) -> str:
    """'19:00 Chủ nhật, 22/10/2023' in the instant's own offset (the contest's time zone)."""
    return f"{value:%H:%M} {WEEKDAYS[value.weekday()]}, {value:%d/%m/%Y}"


def day(value: datetime) -> str:
    return f"{WEEKDAYS[value.weekday()]}, {value:%d/%m/%Y}"


def iso_day(value: str) -> str:
    """'2022-04-22' -> '22/04/2022'; anything else unchanged."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").strftime("%d/%m/%Y")
    except ValueError:
        return value


def _md(text: str) -> str:
    """Content text placed into Markdown: no HTML, no accidental Markdown syntax."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", escaped)


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} phút" + (f" {seconds % 60} giây" if seconds % 60 else "")


# ---------------------------------------------------------------- the rules page


def rules_markdown(contest: Contest, groups: tuple[UnitGroup, ...] = ()) -> str:
    """The Thể lệ page: the prose is `templates/the-le.md`, every figure taken from the contest definition."""
    return render_template(RULES_TEMPLATE, _rules_values(contest, groups), where=RULES_TEMPLATE)


RULES_TEMPLATE = "the-le.md"


def _rules_values(contest: Contest, groups: tuple[UnitGroup, ...]) -> dict[str, str | list[str]]:
    """What the rules page's placeholders stand for: a text, or the lines of a block (possibly none)."""
    q = contest.quiz
    return {
        "name": _md(contest.name),
        "theme": _md(contest.theme),
        "year": str(contest.year),
        "organiser": _md(contest.organiser),
        "plan": _md(contest.plan),
        "unit_groups": _unit_groups_block(groups),
        "verification": verification_rules(contest),
        "excluded_roles": _md(contest.excluded_roles),
        "week_count": str(len(contest.weeks)),
        "timezone": contest.timezone,
        "week_rows": [
            f"| {w.number} | {moment(w.opens_at)} | {moment(w.closes_at)} | {moment(w.results_at)} |"
            for w in contest.weeks
        ],
        "questions_per_attempt": str(q.questions_per_attempt),
        "options_per_question": str(q.options_per_question),
        "points_per_question": str(q.points_per_question),
        "max_score": str(q.max_score),
        "time_limit": _minutes(q.time_limit_seconds),
        "attempts_rule": [_attempts_rule(q.attempts_per_week)],
        "prediction_max": vnd(q.prediction_max, "").strip(),
        "score_rule": [
            "- Sau khi nộp bài, người dự thi thấy ngay số điểm của mình (không hiển thị câu nào đúng, câu nào sai)."
            if q.show_score_on_submit
            else "- Điểm được công bố cùng kết quả tuần thi."
        ],
        "duration_unit": "giây" if q.duration_resolution == DurationResolution.SECONDS else "phần nghìn giây",
        "count_rule": (
            "số người dự thi (mỗi người có ít nhất một bài đã nộp được tính một lần)"
            if contest.participants_count == ParticipantsCount.CONTESTANTS
            else "số lượt thi (số bài đã nộp)"
        ),
        "secretariat": _md(contest.secretariat),
        "weekly_prize_rows": _prize_rows(contest.weekly_prizes, contest.currency),
        "weekly_prize_count": str(sum(p.count for p in contest.weekly_prizes)),
        "weekly_prize_total": vnd(sum(p.count * p.amount for p in contest.weekly_prizes), contest.currency),
        "final_prizes": _final_prizes_block(contest),
        "published_top": str(contest.published_top),
        "close_clock": (
            f"(giờ kết thúc cộng {q.grace_seconds} giây gia hạn cho đường truyền, theo đồng hồ của máy chủ)."
            if q.grace_seconds
            else "(theo đồng hồ của máy chủ)."
        ),
        "sms": sms_rules(contest),
    }


def _unit_groups_block(groups: tuple[UnitGroup, ...]) -> list[str]:
    if not groups:
        return []
    return [
        "Người dự thi đăng ký tài khoản theo một trong các nhóm đơn vị sau:",
        "",
        *(f"- {_md(g.name)}" for g in groups),
        "",
    ]


def _attempts_rule(attempts_per_week: int) -> str:
    if attempts_per_week == 1:
        return "- Mỗi người được thi **01 lượt** mỗi tuần."
    return (
        f"- Mỗi người được thi tối đa **{attempts_per_week} lượt** mỗi tuần; "
        "lượt có kết quả tốt nhất (điểm cao hơn, nếu bằng điểm thì thời gian ngắn hơn) "
        "được dùng để xếp hạng."
    )


def _prize_rows(prizes: tuple[Prize, ...], currency: str) -> list[str]:
    return [f"| {_md(p.label)} | {p.count:02d} | {vnd(p.amount, currency)} |" for p in prizes]


def _final_prizes_block(contest: Contest) -> list[str]:
    """The units' final prizes and, when weighted, the formula in plain words (the published final.json keeps
    the w_… notation)."""
    if not contest.final_unit_prizes:
        return []
    return [
        "### Giải chung cuộc (tập thể, đơn vị)",
        "",
        "Sau các tuần thi, Ban Tổ chức trao giải cho các đơn vị tích cực, "
        "có số lượt thí sinh tham gia lớn và chất lượng bài thi tốt.",
        "",
        "| Giải | Số lượng | Trị giá mỗi giải |",
        "|---|:---:|---:|",
        *_prize_rows(contest.final_unit_prizes, contest.currency),
        "",
        *(final_units_rules(contest) if contest.final_formula else []),
    ]


def render_template(name: str, values: Mapping[str, str | list[str]], where: str = "page") -> str:
    """A page template of this package (`templates/<name>`) with its `{{ key }}` placeholders filled.

    A placeholder alone on its line stands for a block: its value is a list of lines, possibly none (the line
    goes). Elsewhere a value is a text. An unknown or misused key is an error, so a typo never reaches the site."""
    from importlib.resources import files

    template = files("contest.organisers").joinpath("templates", name).read_text(encoding="utf-8")
    texts = {k: v for k, v in values.items() if isinstance(v, str)}
    out: list[str] = []
    for line in template.removesuffix("\n").split("\n"):
        block = _PLACEHOLDER.fullmatch(line)
        if block and block.group(1) in values and not isinstance(values[block.group(1)], str):
            out.extend(values[block.group(1)])
        else:
            out.append(fill(line, texts, where))
    return "\n".join(out)


def privacy_markdown(contest: Contest) -> str:
    """The privacy page (Law 91/2025/QH15), from contest.yaml `registration.consent_purposes` and
    `privacy:`: controller, purposes, categories, processors and where they are, the cross-border transfer,
    retention, rights and how to use them on «Trang của tôi». The prose is `templates/quyen-rieng-tu.md`."""
    p = contest.privacy
    controller = p.controller or contest.organiser
    values: dict[str, str | list[str]] = {
        "controller": _md(controller),
        "contest_name": _md(contest.name),
        "contact": [
            f"- **Bên kiểm soát và xử lý dữ liệu cá nhân:** {_md(controller)} (Ban Tổ chức Cuộc thi).",
            *([f"- **Địa chỉ:** {_md(p.address)}"] if p.address else []),
            *([f"- **Đầu mối bảo vệ dữ liệu cá nhân:** {_md(p.contact_person)}"] if p.contact_person else []),
            *([f"- **Thư điện tử:** {_md(p.contact_email)}"] if p.contact_email else []),
            *([f"- **Điện thoại:** {_md(p.contact_phone)}"] if p.contact_phone else []),
        ],
        "consent_version": _md(contest.consent_version),
        "purposes": [
            line
            for purpose in contest.consent_purposes
            for line in (
                f"### {_md(purpose.title)} ({'bắt buộc' if purpose.required else 'không bắt buộc'})",
                "",
                _md(purpose.text),
                "",
            )
        ],
        "purpose_notes": [line for note in _purpose_notes(contest) for line in (note, "")],
        "published_top": str(contest.published_top),
        "processor_rows": [f"| {_md(x.name)} | {_md(x.role)} | {_md(x.location)} |" for x in p.processors],
        "region_name": _md(p.region_name),
        "region": _md(p.region),
        "retention": (
            f"Dữ liệu cá nhân được lưu đến {day(p.retention)} (sau khi trao giải và hết thời hạn khiếu nại), "
            "sau đó được xóa."
            if p.retention is not None
            else "Dữ liệu cá nhân được lưu đến khi kết thúc Cuộc thi, trao giải và hết thời hạn khiếu nại, "
            "sau đó được xóa."
        ),
        "response_hours": str(p.response_hours),
        "erasure_hours": str(p.erasure_hours),
    }
    return nfc(render_template(PRIVACY_TEMPLATE, values, where=PRIVACY_TEMPLATE))


PRIVACY_TEMPLATE = "quyen-rieng-tu.md"


def _purpose_notes(contest: Contest) -> list[str]:
    """What not agreeing to an optional purpose means (coordinator, prize contact, statistics), as it applies."""
    notes: list[str] = []
    coordinator = contest.purpose("coordinator")
    if coordinator is not None:
        notes.append(
            f"Vì sao mục «{_md(coordinator.title)}» không bắt buộc: giải thưởng cho đơn vị được hệ thống tự tính "
            "từ số lượt tham gia, tỷ lệ tham gia và điểm trung bình của mọi người trong đơn vị; việc tính giải "
            "không cần ai xem tên bạn. Nếu không đồng ý, bạn vẫn được tính cho đơn vị của mình, chỉ là tên bạn "
            "không hiện trong danh sách của người phụ trách đơn vị."
            if not coordinator.required
            else f"Mục «{_md(coordinator.title)}» là điều kiện để dự thi theo kế hoạch tổ chức Cuộc thi."
        )
    participation = contest.purpose("participation")
    taking_part = f"«{_md(participation.title)}»" if participation is not None else "bắt buộc"
    prize_contact = contest.purpose("prize_contact")
    if prize_contact is not None and not prize_contact.required:
        award_sms = (
            f" Tin nhắn mã xác nhận giải gửi tới người đoạt giải thuộc mục {taking_part}."
            if contest.verification == VERIFY_AT_AWARD
            else ""
        )
        notes.append(
            f"Nếu bạn không đồng ý mục «{_md(prize_contact.title)}» (hoặc rút lại): Ban Tổ chức không gọi điện, "
            "nhắn tin cho bạn về việc nhận giải, và danh sách trao giải nội bộ không có số điện thoại đầy đủ của bạn. "
            "Khi đoạt giải, bạn theo dõi giải trên Trang của tôi và trang Kết quả, xem thông báo trao giải (thời gian, "
            "địa điểm, thủ tục) trên trang Kết quả và tự liên hệ Ban Tổ chức để nhận giải; giải của bạn vẫn được "
            f"giữ nguyên.{award_sms}"
        )
    statistics = contest.purpose("statistics")
    if statistics is not None and not statistics.required:
        notes.append(
            f"Mục «{_md(statistics.title)}»: hiện hệ thống không dùng dữ liệu của bạn để lập số liệu thống kê nào "
            "ngoài việc tổ chức Cuộc thi. Số người tham gia, tỷ lệ tham gia và điểm trung bình theo đơn vị dùng để "
            f"tính giải và theo dõi tiến độ là một phần của mục {taking_part}, tính cho mọi người dự thi và không "
            "nêu tên. "
            "Nếu Ban Tổ chức lập số liệu thống kê cho mục đích khác, Ban Tổ chức chỉ dùng dữ liệu của những người "
            "đang đồng ý mục này; không đồng ý hay rút lại không ảnh hưởng đến việc dự thi, thứ hạng hay giải."
        )
    return notes


def consent_boxes(contest: Contest, prefix: str) -> str:
    """The registration form's box per consent purpose (HTML; every text escaped). Required boxes carry
    `required`; the script sends {purpose: checked} as `consents`."""
    out = [
        f'<fieldset class="ct-consent" id="{prefix}-consents">',
        f"<legend>Đồng ý xử lý dữ liệu cá nhân (phiên bản {html.escape(contest.consent_version)})</legend>",
        '<p>Đọc <a href="../quyen-rieng-tu/">chính sách quyền riêng tư</a>. Mục bắt buộc là điều kiện để dự thi; '
        "các mục khác bạn tự chọn và có thể rút lại trên Trang của tôi.</p>",
    ]
    for purpose in contest.consent_purposes:
        box = f"{prefix}-consent-{purpose.id}"
        tag = "bắt buộc" if purpose.required else "không bắt buộc"
        required = " required" if purpose.required else ""
        out += [
            f'<div class="ct-purpose"><label class="ct-check"><input type="checkbox" id="{box}" '
            f'name="consent-{purpose.id}" data-purpose="{purpose.id}" data-title="{html.escape(purpose.title)}"'
            f'{required} aria-describedby="{box}-text"><span><strong>{html.escape(purpose.title)}</strong> '
            f"({tag})</span></label>",
            f'<p id="{box}-text">{html.escape(" ".join(purpose.text.split()))}</p></div>',
        ]
    out.append("</fieldset>")
    return "".join(out)


FINAL_CRITERIA = (  # final_units.weights key -> how the rules page says it
    ("participation", "số lượt dự thi của đơn vị ÷ số lượt dự thi của đơn vị cao nhất"),
    ("participation_rate", "tỷ lệ tham gia bình quân mỗi tuần ÷ tỷ lệ cao nhất"),
    ("mean_score", "điểm trung bình ÷ điểm tối đa của một bài thi"),
)


def final_units_rules(contest: Contest) -> list[str]:
    """The unit-award formula in plain words, with the weights in place; a criterion weighing 0 is left out."""
    used = [(key, text) for key, text in FINAL_CRITERIA if contest.final_formula.get(key, 0.0) > 0]
    if not used:
        return []
    lines = [f"Các đơn vị được xếp hạng theo điểm tổng hợp sau {len(contest.weeks)} tuần thi:", ""]
    for position, (key, text) in enumerate(used):
        weight = f"{contest.final_formula[key]:g}".replace(".", ",")
        end = "." if position == len(used) - 1 else ""
        lines.append(f"- {'cộng ' if position else ''}{weight} × ({text}){end}")
    lines.append("")
    if any(key == "participation_rate" for key, _ in used) and len(used) > 1:
        lines += [
            "Đơn vị chưa có số biên chế thì không tính tỷ lệ tham gia; các phần còn lại được nhân lên "
            "tương ứng để tổng các hệ số không đổi.",
            "",
        ]
    return lines


def sms_rules(contest: Contest) -> list[str]:
    """What a contestant should know about code messages (contest.yaml `sms:`, `limits:`)."""
    sms, limits = contest.sms, contest.limits
    return [
        "## Tin nhắn mã xác thực",
        "",
        "- Trước mỗi yêu cầu có thể gửi tin nhắn (đăng ký, gửi lại mã, quên mật khẩu), trình duyệt của bạn tự "
        "giải một bước kiểm tra chống gửi tin nhắn tự động trong khoảng một đến vài giây; không cần nhập gì thêm "
        "và không có dữ liệu nào gửi tới bên thứ ba.",
        f"- Mỗi số điện thoại nhận tối đa {limits.code_sends_per_hour} mã mỗi loại trong một giờ, hai lần gửi "
        f"cách nhau ít nhất {limits.code_resend_seconds} giây; mã có hiệu lực {limits.code_ttl_seconds // 60} phút.",
        f"- Mỗi địa chỉ mạng được yêu cầu tối đa {sms.per_address_per_hour} tin nhắn mã trong một giờ; toàn "
        f"Cuộc thi gửi tối đa {sms.global_per_hour} tin nhắn mỗi giờ. Khi đạt giới hạn, tài khoản và bài thi "
        "của bạn vẫn được giữ nguyên; trang web báo rõ khi nào có thể bấm “Gửi lại mã”.",
        "- Để bảo vệ kinh phí, việc gửi tin nhắn tự tạm dừng khi chi phí tin nhắn trong tháng chạm ngưỡng Ban Tổ "
        "chức đặt ra; Ban Tổ chức được báo ngay để xử lý.",
        "",
    ]


# ---------------------------------------------------------------- study materials


_AUTHOR_NOTES = re.compile(r"<!--.*?-->\n?", re.DOTALL)


def document_markdown(doc: Document) -> str:
    """A document's own Markdown with its identity (number, date, issuer) shown under the title."""
    facts = [
        f
        for f in (
            doc.number and f"Số {_md(doc.number)}",
            doc.date and f"ngày {iso_day(doc.date)}",
            doc.issuer and _md(doc.issuer),
        )
        if f
    ]
    header = f'!!! abstract "{", ".join(facts)}"\n    Tài liệu ôn tập của Cuộc thi.\n' if facts else ""
    body = _AUTHOR_NOTES.sub("", doc.body).lstrip("\n")  # authors' notes stay out of the published page
    head = f"---\ntitle: {json.dumps(doc.title, ensure_ascii=False)}\n---\n\n"
    if body.startswith("# "):
        title_line, _, rest = body.partition("\n")
        return f"{head}{title_line}\n\n{header}\n{rest}"
    return f"{head}# {_md(doc.title)}\n\n{header}\n{body}"


def materials_index_markdown(docs: tuple[Document, ...]) -> str:
    lines = [
        "---",
        "title: Tài liệu ôn tập",
        "---",
        "",
        "# Tài liệu ôn tập",
        "",
        "Câu hỏi của Cuộc thi được xây dựng từ các văn bản dưới đây.",
        "",
    ]
    if not docs:
        lines.append("Ban Tổ chức đang cập nhật tài liệu.")
        return "\n".join(lines) + "\n"
    lines += ["| STT | Văn bản | Số, ngày | Cơ quan ban hành |", "|:---:|---|---|---|"]
    for i, d in enumerate(docs, 1):
        when = " ngày ".join(x for x in (_md(d.number), iso_day(d.date)) if x)
        lines.append(f"| {i} | [{_md(d.title)}]({d.id}.md) | {when} | {_md(d.issuer)} |")
    return "\n".join(lines) + "\n"


def generate_pages(root: Path) -> dict[str, str]:
    """Every generated page, as {path under the docs dir: Markdown}."""
    content = root / "content"
    contest = load_contest(content)
    groups, _units = load_unit_groups(content)
    docs = load_documents(content)
    pages = {
        RULES_PAGE: rules_markdown(contest, groups),
        PRIVACY_PAGE: privacy_markdown(contest),
        f"{MATERIALS_DIR}/index.md": materials_index_markdown(docs),
    }
    for d in docs:
        pages[f"{MATERIALS_DIR}/{d.id}.md"] = document_markdown(d)
    return pages


def materials_nav(root: Path) -> list[Any]:
    docs = load_documents(root / "content")
    return [f"{MATERIALS_DIR}/index.md"] + [{d.title: f"{MATERIALS_DIR}/{d.id}.md"} for d in docs]


# ---------------------------------------------------------------- page placeholders


def verification_rules(contest: Contest) -> list[str]:
    """The rules page's paragraph on when the phone is proven (registration.verification) and why."""
    if contest.verification == VERIFY_AT_AWARD:
        return [
            "### Xác thực số điện thoại khi nhận giải",
            "",
            "Đăng ký **không cần** mã xác thực: bạn dự thi được ngay sau khi đăng ký. Số điện thoại chỉ được "
            "xác thực khi điều đó thực sự cần: sau mỗi lần công bố kết quả tuần, mỗi người đoạt giải (và mỗi "
            "thành viên của nhóm đồng hạng ở ranh giới giải) nhận **một** mã qua tin nhắn và nhập mã ở "
            f"**Trang của tôi** trong vòng **{contest.award_confirmation_hours} giờ** kể từ giờ công bố. "
            "Giải chưa được xác nhận vẫn được giữ nguyên để Ban Tổ chức xem xét (Ban Tổ chức có thể gọi điện "
            "xác nhận), không tự động chuyển cho người khác.",
            "",
            "Lý do: gửi một tin nhắn cho mỗi lượt đăng ký tốn kém gấp nhiều lần tổng giá trị giải thưởng, trong "
            "khi việc chứng minh chủ số điện thoại chỉ thực sự cần khi trao giải; cách này tiết kiệm mà vẫn bảo "
            "đảm giải được trao đúng người.",
            "",
            "Nếu số điện thoại của bạn đã bị người khác đăng ký, hãy dùng trang **Lấy lại số điện thoại**: một "
            "mã gửi tới số đó cho phép chủ số lấy lại; tài khoản đăng ký trước đó bị đóng và kết quả chưa công "
            "bố của tài khoản đó bị rút. Tài khoản đã xác thực số điện thoại không bao giờ bị lấy mất theo cách này.",
        ]
    return [
        "### Xác thực số điện thoại khi đăng ký",
        "",
        "Sau khi đăng ký, bạn nhập mã gửi qua tin nhắn tới số điện thoại đã đăng ký; chỉ tài khoản đã xác thực "
        "mới đăng nhập và dự thi được. Đăng ký chưa xác thực sẽ tự hết hiệu lực sau 1 ngày.",
        "",
        "Lý do: mỗi người chỉ có một tài khoản bằng số điện thoại chính chủ, được chứng minh ngay từ đầu.",
        "",
        "Nếu số điện thoại của bạn đã bị người khác đăng ký, hãy đăng ký lại (hoặc dùng trang **Lấy lại số "
        "điện thoại**) và nhập mã gửi tới số đó: tài khoản chưa xác thực đăng ký trước đó bị đóng. Tài khoản đã "
        "xác thực số điện thoại không bao giờ bị lấy mất theo cách này.",
    ]


def public_schedule(contest: Contest) -> dict[str, Any]:
    """What the site's JavaScript may know about the contest before asking the API."""
    return {
        "name": contest.name,
        "theme": contest.theme,
        "questions_per_attempt": contest.quiz.questions_per_attempt,
        "prediction_max": contest.quiz.prediction_max,
        "time_limit_seconds": contest.quiz.time_limit_seconds,
        "show_score_on_submit": contest.quiz.show_score_on_submit,
        "duration_resolution": contest.quiz.duration_resolution,
        "options_per_question": contest.quiz.options_per_question,
        "points_per_question": contest.quiz.points_per_question,
        "max_score": contest.quiz.max_score,
        "code_resend_seconds": contest.limits.code_resend_seconds,
        "login_failures_before_delay": contest.limits.login_failures_before_delay,
        "timezone": contest.timezone,
        "currency": contest.currency,
        "weeks": [
            {
                "number": w.number,
                "opens_at": w.opens_at.isoformat(),
                "closes_at": w.closes_at.isoformat(),
                "results_at": w.results_at.isoformat(),
            }
            for w in contest.weeks
        ],
    }


def page_contest(root: Path) -> dict[str, Any]:
    """What every page carries in `<script type="application/json" id="ct-contest">`: the public facts GET /api/contest
    answers (contest.services.stored_content.contest_facts: everything but `now` and `open_week`, which the page
    derives from its clock and the weeks) and the content's `version`, the same digest `contest content load` stores
    (contest.content.loader.bundle_of). The API names the loaded version in every answer (X-Contest-Content): while they
    match, core.contest() asks nothing; when they differ the page falls back to GET /api/contest. Content that
    `contest content load` would refuse (a question citing a missing document …) gets no version: its pages always
    ask the API."""
    from contest.content.loader import Content, ContentError, bundle_of, load_content
    from contest.rules.model import Bank
    from contest.services.stored_content import contest_facts

    try:
        content = load_content(root / "content")
    except ContentError as exc:
        # content `contest content load` refuses is never the loaded one: no version, so every page asks the API
        logging.getLogger(__name__).warning(
            "content/ cannot be loaded (%d problems): pages carry no version", len(exc.issues)
        )
        groups, units = load_unit_groups(root / "content")
        return {
            "version": None,
            "facts": contest_facts(Content(load_contest(root / "content"), groups, units, Bank(()))),
        }
    return {"version": bundle_of(content)["version"], "facts": contest_facts(content)}


def json_in_html(value: Any) -> str:
    """JSON for a `<script type="application/json">` block: no `<` at all, so no `</script>` or `<!--` inside."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def placeholders(root: Path) -> dict[str, str]:
    """`{{ name }}` values for the hand-written pages (HTML-escaped: they may sit inside attributes)."""
    content = root / "content"
    contest = load_contest(content)
    first, last = contest.weeks[0], contest.weeks[-1]
    values = {
        "contest_name": contest.name,
        "contest_theme": contest.theme,
        "organiser": contest.organiser,
        "consent_text": contest.consent_text,
        "consent_version": contest.consent_version,
        "questions_per_attempt": str(contest.quiz.questions_per_attempt),
        "time_limit_minutes": str(contest.quiz.time_limit_seconds // 60),
        "weeks_count": str(len(contest.weeks)),
        "first_day": day(first.opens_at),
        "last_day": day(last.closes_at),
        "code_resend_seconds": str(contest.limits.code_resend_seconds),
        "phone_hint": (
            "Mã xác thực sẽ được gửi đến số này bằng tin nhắn."
            if contest.phone_verification
            else "Không cần mã khi đăng ký; nếu đoạt giải, bạn nhận một mã xác nhận qua số này."
        ),
        "award_confirmation_hours": str(contest.award_confirmation_hours),
        "prediction_max": str(contest.quiz.prediction_max),
        "schedule_json": json.dumps(public_schedule(contest), ensure_ascii=False, separators=(",", ":")),
    }
    built = {k: html.escape(" ".join(v.split()) if k != "schedule_json" else v) for k, v in values.items()}
    # already HTML, every text in it escaped (sitebuild.consent_boxes)
    built["consent_boxes"] = consent_boxes(contest, "reg")
    built["consent_boxes_reclaim"] = consent_boxes(contest, "rcl")
    built["contest_json"] = json_in_html(page_contest(root))  # raw: a JSON data block, never HTML-escaped
    return built


_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def fill(markdown: str, values: dict[str, str], where: str = "page") -> str:
    """Replace `{{ key }}`; an unknown key is an error, so a typo never reaches the site."""

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"{where}: unknown placeholder {{{{ {key} }}}}")
        return values[key]

    return _PLACEHOLDER.sub(one, markdown)


# ---------------------------------------------------------------- a lighter first load

_SEARCH_AT_LOAD = re.compile(r'([\w$]+)\(location\.protocol!=="file:"\),([\w$]+)\("search"\)')
_OWN_JS = "assets/js"  # the site's own ES modules (entry app.js, core, pages/...); assets/vendor is not ours
_OWN_CSS = ("assets/css/contest.css",)
_FINGERPRINTED = re.compile(r"\.[0-9a-f]{10}\.min\.js$")


def _fingerprint(rel: str, body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:10]
    stem, ext = rel.rsplit(".", 1)
    return f"{stem}.{digest}.min.{ext}"


def esbuild_binary(root: Path) -> Path:
    """esbuild from the checkout's node_modules (npm, pinned in package-lock.json; `make install` runs `npm ci`),
    else from the node_modules of the checkout this package runs from (a contest made with `contest new`), wherever
    in the package this module sits."""
    for base in (Path(root), *Path(__file__).resolve().parents):
        exe = base / "node_modules" / ".bin" / "esbuild"
        if exe.is_file():
            return exe
    raise SiteBuildError("esbuild is missing (node_modules/.bin/esbuild): run `make install` (npm ci) first")


def lighten(site_dir: Path, lazy_worker: Path, esbuild: Path) -> dict[str, str]:
    """After the MkDocs build, fewer and lighter requests: the theme's bundle creates its search worker and fetches
    the index only when the search opens; contest.css is minified (rcssmin) and appended to the theme's stylesheet,
    one file per page (assets/stylesheets/main.<sha256:10>.min.css, cached for good); the SVG favicon is written into
    each page (a data: URL); the site's own ES modules (assets/js/**.js) become one minified, fingerprinted bundle per
    page (bundle_pages); every page is rewritten to the new names. Returns {old path: new path} (a page's bundle
    under the key `assets/js/app.js#<its data-app values>`). Fails the build if the theme's bundle or stylesheet no
    longer has the expected shape or a module imports a file the site does not have."""
    import rcssmin

    renames: dict[str, str] = {}
    bundles = sorted((site_dir / "assets" / "javascripts").glob("bundle.*.min.js"))
    if len(bundles) != 1:
        raise ValueError(f"expected one theme bundle, found {len(bundles)}")
    bundle = bundles[0]
    text = bundle.read_text(encoding="utf-8")
    text, found = _SEARCH_AT_LOAD.subn(r'\1(!1),\2("search")', text)
    if found != 1 or text.count("new Worker(") != 1:
        raise ValueError("the theme's bundle changed: search can no longer be loaded on demand (sitebuild.lighten)")
    text = lazy_worker.read_text(encoding="utf-8") + text.replace("new Worker(", "__ctLazyWorker(")
    text = _SOURCE_MAP.sub("", text).rstrip() + "\n"
    jobs = [(bundle.relative_to(site_dir).as_posix(), text)]
    # One stylesheet per page: the theme's, then ours (minified), in the order the pages named them
    themes = sorted((site_dir / "assets" / "stylesheets").glob("main.*.min.css"))
    if len(themes) != 1:
        raise ValueError(f"expected one theme stylesheet, found {len(themes)}")
    css = _SOURCE_MAP.sub("", themes[0].read_text(encoding="utf-8")).rstrip()
    css += "".join("\n" + rcssmin.cssmin((site_dir / rel).read_text(encoding="utf-8")) for rel in _OWN_CSS)
    jobs.append((themes[0].relative_to(site_dir).as_posix(), css))
    for rel, body in jobs:
        stem = rel.rsplit(".min.", 1)[0].rsplit(".", 1)[0]  # bundle.a5f9d56c.min.js: the theme's hash replaced
        new = _fingerprint(stem + "." + rel.rsplit(".", 1)[1], body)
        (site_dir / new).write_text(body, encoding="utf-8")
        (site_dir / rel).unlink()
        renames[rel] = new
    for rel in _OWN_CSS:
        (site_dir / rel).unlink()
        folder = (site_dir / rel).parent
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    # No source map is shipped: the theme's are removed (with the comments naming them in the files we rewrite)
    for source_map in sorted(site_dir.rglob("*.map")):
        source_map.unlink()
    for worker in sorted((site_dir / "assets" / "javascripts" / "workers").glob("*.js")):
        body = worker.read_text(encoding="utf-8")
        if _SOURCE_MAP.search(body):
            worker.write_text(_SOURCE_MAP.sub("", body).rstrip() + "\n", encoding="utf-8")
    ours = "|".join(re.escape(rel) for rel in _OWN_CSS)
    own_links = re.compile(rf'<link rel="stylesheet" href="[^"]*(?:{ours})">')
    # longest first: a name before a shorter name it contains
    ordered = sorted(renames.items(), key=lambda item: -len(item[0]))
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        changed = _inline_favicon(own_links.sub("", html), page, site_dir)
        for old, new in ordered:
            changed = changed.replace(old, new)
        if changed != html:
            page.write_text(changed, encoding="utf-8")
    renames.update(bundle_pages(site_dir, esbuild))
    return renames


_SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*")
_ICON = re.compile(r'(<link rel="icon" href=")([^":]+\.svg)(")')


def _inline_favicon(html: str, page: Path, site_dir: Path) -> str:
    """The site's SVG favicon written into the page as a data: URL (≈ 0.3 KB; the CSP allows data: images): a new
    visitor does not ask for it as a file. Left as it is when the file is not in the built site."""
    from urllib.parse import quote

    def inline(match: re.Match[str]) -> str:
        ref = match.group(2)
        path = (site_dir / ref.lstrip("/") if ref.startswith("/") else page.parent / ref).resolve()
        if not path.is_file() or site_dir.resolve() not in path.parents:
            return match.group(0)
        svg = " ".join(path.read_text(encoding="utf-8").split())
        return f"{match.group(1)}data:image/svg+xml,{quote(svg, safe='/=:;,')}{match.group(3)}"

    return _ICON.sub(inline, html)


_ENTRY = f"{_OWN_JS}/app.js"
# app.js's PAGES table, one line per data-app:  'receipt-check': ['./pages/receipt-check.js', 'initReceiptCheck'],
_PAGE_ROW = re.compile(r"""^\s*['"]?([\w-]+)['"]?\s*:\s*\[\s*'(\./pages/[\w/-]+\.js)'\s*,\s*'(\w+)'\s*\]""", re.M)
_DATA_APP = re.compile(r'\bdata-app="([\w-]+)"')
_ENTRY_TAG = re.compile(r'(<script src="[^"]*)' + re.escape(_ENTRY) + '"')


def page_table(app_js: str) -> dict[str, tuple[str, str]]:
    """app.js's PAGES: {data-app value: (page module relative to app.js, its exported init)}."""
    table = {name: (module, init) for name, module, init in _PAGE_ROW.findall(app_js)}
    if not table:
        raise ValueError(f"{_ENTRY} has no PAGES table the build can read (sitebuild.page_table)")
    return table


def page_entry(apps: tuple[str, ...], table: dict[str, tuple[str, str]]) -> str:
    """The source of a page's bundle: app.js's shell started with the init of each data-app the page has."""
    lines = ["import { start } from './app.js';"]
    alias: dict[tuple[str, str], str] = {}
    for app in apps:
        if table[app] not in alias:
            alias[table[app]] = f"p{len(alias)}"
            module, init = table[app]
            lines.append(f"import {{ {init} as {alias[table[app]]} }} from '{module}';")
    lines.append("start({" + ", ".join(f"{json.dumps(app)}: {alias[table[app]]}" for app in apps) + "});")
    return "\n".join(lines) + "\n"


def _esbuild(esbuild: Path, source: str, resolve_dir: Path) -> str:
    """One ES-module bundle, minified, no source map: everything the entry imports, statically, in one file."""
    import subprocess

    done = subprocess.run(  # noqa: S603  # nosec B603  # the checkout's esbuild, fixed arguments, build time
        [str(esbuild), "--bundle", "--format=esm", "--minify", "--charset=utf8", "--log-level=error"],
        input=source,
        cwd=resolve_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ValueError(f"esbuild could not bundle a page ({source.strip()!r}):\n{done.stderr.strip()}")
    return done.stdout


def bundle_pages(site_dir: Path, esbuild: Path) -> dict[str, str]:
    """Each page that loads app.js loads instead ONE bundle (esbuild): app.js's shell, the page module(s) its
    `data-app` values name in app.js's PAGES, and what they import; nothing of another page. One request per page
    instead of one per module (the entry, core, format, the page's module and its imports). Bundles are minified,
    fingerprinted (assets/js/<data-app values or `app`>.<sha256:10>.min.js, cached for good) and shared by pages
    with the same data-app values; no source map is written. The modules themselves are removed from the built
    site. Returns {`assets/js/app.js#<data-app values>`: bundle path}. Fails on a data-app value PAGES lacks."""
    js = site_dir / _OWN_JS
    if not (site_dir / _ENTRY).is_file():
        return {}
    table = page_table((site_dir / _ENTRY).read_text(encoding="utf-8"))
    built: dict[tuple[str, ...], str] = {}
    for page in sorted(site_dir.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        tag = _ENTRY_TAG.search(html)
        if not tag:
            continue
        apps = tuple(dict.fromkeys(_DATA_APP.findall(html)))
        unknown = [app for app in apps if app not in table]
        if unknown:
            where = page.relative_to(site_dir).as_posix()
            raise ValueError(f"{where}: data-app={unknown[0]!r} is not in {_ENTRY}'s PAGES")
        if apps not in built:
            body = _esbuild(esbuild, page_entry(apps, table), js)
            built[apps] = _fingerprint(f"{_OWN_JS}/{'-'.join(apps) or 'app'}.js", body)
            (site_dir / built[apps]).write_text(body, encoding="utf-8")
        page.write_text(_ENTRY_TAG.sub(rf'\g<1>{built[apps]}"', html), encoding="utf-8")
    keep = set(built.values())
    for path in sorted(js.rglob("*.js"), reverse=True):
        if path.relative_to(site_dir).as_posix() not in keep:
            path.unlink()
    for folder in sorted((p for p in js.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return {f"{_ENTRY}#{' '.join(apps)}": rel for apps, rel in built.items()}


# ---------------------------------------------------------------- the build


class SiteBuildError(Exception):
    """The site could not be built; the message says why (MkDocs' strict-mode warnings, a content error)."""


class _Warnings(logging.Handler):
    """MkDocs logs why a strict build fails (a link to a removed page …) and then only aborts: keep the reasons."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def build(root: Path, out_dir: Path) -> None:
    """Generate the pages from `root/content` and build the site with `mkdocs build --strict` into out_dir.

    A failed build raises SiteBuildError naming every warning MkDocs' strict mode stopped on (MkDocs itself only
    raises `Abort('Aborted with 1 warnings in strict mode!')`, which `make` showed as a bare `Error 1`)."""
    import os

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from contest.content.loader import ContentError, check_documents

    documents = check_documents(root / "content" / "documents")
    if documents:
        raise SiteBuildError("content/documents: " + "\n".join(str(i) for i in documents))
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    collected = _Warnings()
    mkdocs_logger = logging.getLogger("mkdocs")
    mkdocs_logger.addHandler(collected)
    try:
        config = load_config(
            config_file=str(root / "site" / "mkdocs.yml"),
            site_dir=str(Path(out_dir).resolve()),
            strict=True,
        )
        mkdocs_build(config)
    except ContentError as exc:
        raise SiteBuildError(f"content/ has {len(exc.issues)} problem(s):\n{exc}") from None
    except (Abort, ConfigurationError) as exc:
        reasons = "\n".join(f"  - {m}" for m in dict.fromkeys(collected.messages)) or "  (no warning recorded)"
        raise SiteBuildError(f"mkdocs build --strict stopped: {exc}\n{reasons}") from None
    finally:
        mkdocs_logger.removeHandler(collected)
    write_csp_hashes(Path(out_dir))


# ---------------------------------------------------------------- the Content-Security-Policy's script hashes

CSP_HASHES_FILE = "csp-script-hashes.txt"
_JS_TYPES = {"", "text/javascript", "application/javascript", "module"}


class _InlineScripts(HTMLParser):
    """Inline scripts that a browser would run, and the inline event handlers / javascript: URLs (which a hash
    in script-src cannot allow without 'unsafe-hashes')."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self._inside: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}>")
        if tag == "script":
            found = dict(attrs)
            kind = (found.get("type") or "").strip().lower()
            self._inside = [] if "src" not in found and kind in _JS_TYPES else None

    def handle_data(self, data: str) -> None:
        if self._inside is not None:
            self._inside.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._inside is not None:
            self.scripts.append("".join(self._inside))
            self._inside = None


def inline_script_hashes(site_dir: Path) -> tuple[list[str], list[str]]:
    """('sha256-…' sources of every distinct inline script in the built site, inline handlers found).

    infra/template.yaml's Content-Security-Policy lists exactly these hashes in script-src instead of
    'unsafe-inline' (tests/infra/test_security_template.py checks they match a fresh build)."""
    hashes: set[str] = set()
    handlers: list[str] = []
    for page in sorted(Path(site_dir).rglob("*.html")):
        parser = _InlineScripts()
        parser.feed(page.read_text(encoding="utf-8"))
        parser.close()
        for script in parser.scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
            hashes.add(f"sha256-{digest}")
        handlers += [f"{page.relative_to(site_dir)}: {h}" for h in parser.handlers]
    return sorted(hashes), handlers


def write_csp_hashes(site_dir: Path) -> Path:
    """Emit the hashes next to the built site (build/csp-script-hashes.txt), one source expression a line, for
    whoever updates the template after a theme upgrade (the infra test says when)."""
    hashes, _ = inline_script_hashes(site_dir)
    target = Path(site_dir).resolve().parent / CSP_HASHES_FILE
    target.write_text("".join(f"'{h}'\n" for h in hashes), encoding="utf-8")
    return target


# ---------------------------------------------------------------- vendored browser code

# The ALTCHA proof-of-work solver, from the npm registry at build time (never from another host at run time).
ALTCHA_NPM = "altcha@3.2.2"
ALTCHA_INTEGRITY = "sha512-yNITQaRSkRe0u/hMxdzoXFFqxqn9iDt1rJ0reREU3D3uDD3w1oFz6v5C2PMww2XnGThtYUwe8MW+PxsiBglNqw=="
ALTCHA_FILES = {  # file in the npm package -> file in the site, under assets/vendor/altcha/
    "package/dist/lib/index.min.js": "altcha-lib.js",
    "package/dist/workers/pbkdf2.js": "pbkdf2-worker.js",
    "package/LICENSE.txt": "LICENSE.txt",
}


def _integrity(data: bytes) -> str:
    import base64
    import hashlib

    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def altcha_tarball(cache_dir: Path) -> bytes:
    """The pinned npm tarball: from the cache, or `npm pack` into it; refused unless its sha512 is the pinned one."""
    import subprocess

    name, version = ALTCHA_NPM.split("@")
    path = cache_dir / f"{name}-{version}.tgz"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603  # nosec B603, B607  # npm, fixed arguments, build time
            ["npm", "pack", ALTCHA_NPM, "--silent", "--pack-destination", str(cache_dir)],  # noqa: S607
            check=True,
            capture_output=True,
        )
    data = path.read_bytes()
    if _integrity(data) != ALTCHA_INTEGRITY:
        path.unlink()
        raise ValueError(f"{path.name}: integrity differs from the pinned {ALTCHA_INTEGRITY}")
    return data


def vendor_altcha(site_dir: Path, cache_dir: Path) -> None:
    """Copy the ALTCHA solver library and its PBKDF2 worker into the built site."""
    import io
    import tarfile

    out = site_dir / "assets" / "vendor" / "altcha"
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(altcha_tarball(cache_dir)), mode="r:gz") as tar:
        for member, target in ALTCHA_FILES.items():
            extracted = tar.extractfile(member)
            if extracted is None:
                raise ValueError(f"{ALTCHA_NPM}: {member} missing")
            (out / target).write_bytes(extracted.read())


def main(argv: list[str] | None = None) -> int:
    """`python -m contest.organisers.sitebuild [out_dir]` (`make site`): build from the current checkout; a failure
    prints why."""
    import sys

    # the MkDocs hooks raise contest.organisers.sitebuild's SiteBuildError, not the copy `python -m` runs as __main__
    from contest.organisers import sitebuild

    args = sys.argv[1:] if argv is None else argv
    try:
        sitebuild.build(Path("."), Path(args[0] if args else "build/site"))
    except sitebuild.SiteBuildError as exc:
        sys.stderr.write(f"make site: the site was not built.\n{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
