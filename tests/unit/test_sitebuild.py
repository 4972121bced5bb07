"""The site's generated pages say what content/ says, and the built site loads nothing from elsewhere."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from contest.content.loader import load_content
from contest.organisers import sitebuild
from tests.support import CONTENT as TEST_CONTENT

REPO = Path(__file__).resolve().parents[2]


def make_root(tmp_path: Path, edit_contest=None, documents: dict[str, str] | None = None) -> Path:
    """A copy of content/ and site/ where a test may change the contest definition and the documents."""
    root = tmp_path / "repo"
    shutil.copytree(TEST_CONTENT, root / "content", ignore=shutil.ignore_patterns("documents"))
    shutil.copytree(REPO / "site", root / "site")
    (root / "content" / "documents").mkdir()
    for name, text in (documents or {}).items():
        (root / "content" / "documents" / name).write_text(text, encoding="utf-8")
    if edit_contest:
        path = root / "content" / "contest.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit_contest(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def doc(doc_id: str, title: str, order: int, body: str = "# Tiêu đề\n\nNội dung.\n", **extra: str) -> str:
    meta = {
        "id": doc_id,
        "number": extra.get("number", "1/QĐ"),
        "date": extra.get("date", "2022-04-22"),
        "issuer": extra.get("issuer", "Thủ tướng Chính phủ"),
        "title": title,
        "order": order,
    }
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body


# ---------------------------------------------------------------- the rules page


@pytest.mark.shipped_content
def test_rules_page_shows_every_week_question_count_attempts_prizes_and_exclusions():
    # Given the real contest definition
    page = sitebuild.generate_pages(REPO)[sitebuild.RULES_PAGE]
    contest = sitebuild.load_contest(TEST_CONTENT)

    # Then every week's opening, closing and results instants are on the page, in Vietnamese form
    assert "| 1 | 00:00 Thứ Hai, 16/10/2023 | 19:00 Chủ nhật, 22/10/2023 | 20:00 Chủ nhật, 22/10/2023 |" in page
    for week in contest.weeks:
        for instant in (week.opens_at, week.closes_at, week.results_at):
            assert sitebuild.moment(instant) in page
    # and the quiz settings, the ranking and tie-break rule, the prizes with their amounts, the exclusions
    assert "**15 câu hỏi trắc nghiệm**" in page
    assert "**01 lượt** mỗi tuần" in page
    assert "tối đa **30 phút**" in page
    assert "1. **Điểm** từ cao xuống thấp;" in page
    assert "**thời gian làm bài** ngắn hơn xếp trước (tính đến giây)" in page
    assert "**dự đoán** gần đúng nhất với số người dự thi" in page
    assert "| Giải Nhất | 01 | 2.000.000 đồng |" in page
    assert "| Giải Nhì | 02 | 1.000.000 đồng |" in page
    assert "| Giải Ba | 03 | 500.000 đồng |" in page
    assert "tổng trị giá 5.500.000 đồng" in page
    assert "| Giải Nhất | 01 | 3.000.000 đồng |" in page  # the final unit prize
    assert "không được tham gia thi" in page and "Tổ Thư ký" in page
    assert "Sở, ban, ngành cấp tỉnh" in page  # who may register, from units.yaml


def test_rules_page_states_the_final_unit_formula_and_its_weights_from_the_config(tmp_path):
    page = sitebuild.generate_pages(make_root(tmp_path))[sitebuild.RULES_PAGE]
    contest = sitebuild.load_contest(TEST_CONTENT)
    assert contest.final_formula  # both the shipped contest and the fixture have weights
    assert "điểm tổng hợp" in page
    for weight in contest.final_formula.values():
        if weight:
            assert f"{weight:g}".replace(".", ",") in page


@pytest.mark.shipped_content
def test_rules_page_follows_a_changed_contest_definition(tmp_path):
    # Given organisers change the schedule, the quiz settings, a prize and the exclusions
    def edit(data):
        data["weeks"] = data["weeks"][:2]
        data["weeks"][1]["closes_at"] = "2023-10-29T18:30:00+07:00"
        data["weeks"][1]["results_at"] = "2023-10-29T21:00:00+07:00"
        data["quiz"].update(
            questions_per_attempt=20,
            attempts_per_week=3,
            time_limit_minutes=45,
            duration_resolution="milliseconds",
            show_score_on_submit=False,
        )
        data["participants"]["count"] = "attempts"
        data["prizes"]["weekly"][0]["amount"] = 2500000
        data["prizes"]["final_units"] = []
        data["excluded_roles"] = "Cán bộ Sở Thông tin và Truyền thông không được tham gia thi."

    root = make_root(tmp_path, edit)

    # When the rules page is generated
    page = sitebuild.generate_pages(root)[sitebuild.RULES_PAGE]

    # Then it shows the new values, and none of the old ones
    assert "**2 tuần thi**" in page
    assert "| 2 | 00:00 Thứ Hai, 23/10/2023 | 18:30 Chủ nhật, 29/10/2023 | 21:00 Chủ nhật, 29/10/2023 |" in page
    assert "16/10/2023" in page and "30/10/2023" not in page
    assert "**20 câu hỏi trắc nghiệm**" in page and "15 câu" not in page
    assert "tối đa **3 lượt** mỗi tuần" in page and "lượt có kết quả tốt nhất" in page
    assert "tối đa **45 phút**" in page
    assert "(tính đến phần nghìn giây)" in page
    assert "số lượt thi (số bài đã nộp)" in page
    assert "Điểm được công bố cùng kết quả tuần thi." in page
    assert "| Giải Nhất | 01 | 2.500.000 đồng |" in page and "2.000.000" not in page
    assert "Giải chung cuộc" not in page
    assert "Cán bộ Sở Thông tin và Truyền thông không được tham gia thi." in page


def test_text_from_content_cannot_inject_markup_into_the_rules_page(tmp_path):
    # Given an exclusion text with HTML and Markdown table syntax
    root = make_root(tmp_path, lambda d: d.update(excluded_roles="<script>alert(1)</script> | *x*"))

    page = sitebuild.generate_pages(root)[sitebuild.RULES_PAGE]

    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*" in page


def test_money_and_dates_in_vietnamese_form():
    assert sitebuild.vnd(2000000) == "2.000.000 đồng"
    assert sitebuild.vnd(500000, "VNĐ") == "500.000 VNĐ"
    assert sitebuild.iso_day("2022-04-22") == "22/04/2022"
    assert sitebuild.iso_day("năm 2005") == "năm 2005"


# ---------------------------------------------------------------- study materials


def test_materials_index_and_pages_follow_front_matter_order(tmp_path):
    # Given two documents whose file order differs from their `order`
    root = make_root(
        tmp_path,
        documents={
            "a-law.md": doc(
                "a-law",
                "Luật Giao dịch điện tử",
                2,
                number="20/2023/QH15",
                date="2023-06-22",
                issuer="Quốc hội",
            ),
            "qd-505.md": doc(
                "qd-505",
                "Quyết định về Ngày Chuyển đổi số quốc gia",
                1,
                number="505/QĐ-TTg",
                body="# Quyết định 505\n\n<!-- Dữ kiện dùng: 1–10 (ghi chú của người soạn) -->\n"
                "Ngày 10 tháng 10 hằng năm.\n",
            ),
        },
    )

    pages = sitebuild.generate_pages(root)
    index = pages["tai-lieu/index.md"]

    # Then the index lists them by `order`, linking each generated page, with number, date and issuer
    assert index.index("qd-505.md") < index.index("a-law.md")
    assert "| 1 | [Quyết định về Ngày Chuyển đổi số quốc gia](qd-505.md) | 505/QĐ-TTg ngày 22/04/2022 |" in index
    assert "| 2 | [Luật Giao dịch điện tử](a-law.md) | 20/2023/QH15 ngày 22/06/2023 | Quốc hội |" in index
    # and every document has its own page with its body and identity
    page = pages["tai-lieu/qd-505.md"]
    assert page.count("# Quyết định 505") == 1
    assert "Ngày 10 tháng 10 hằng năm." in page
    assert "Dữ kiện dùng" not in page  # the authors' notes are not published
    assert "Số 505/QĐ-TTg, ngày 22/04/2022, Thủ tướng Chính phủ" in page
    # and the nav follows the same order
    assert sitebuild.materials_nav(root) == [
        "tai-lieu/index.md",
        {"Quyết định về Ngày Chuyển đổi số quốc gia": "tai-lieu/qd-505.md"},
        {"Luật Giao dịch điện tử": "tai-lieu/a-law.md"},
    ]


def test_materials_index_without_documents_says_so(tmp_path):
    root = make_root(tmp_path)
    assert "Ban Tổ chức đang cập nhật tài liệu." in sitebuild.generate_pages(root)["tai-lieu/index.md"]


def test_a_document_whose_id_is_not_its_file_name_is_rejected(tmp_path):
    root = make_root(tmp_path, documents={"qd-505.md": doc("qd-999", "Sai", 1)})
    with pytest.raises(ValueError, match="differs from the file name"):
        sitebuild.generate_pages(root)


def test_a_document_without_front_matter_is_rejected(tmp_path):
    root = make_root(tmp_path, documents={"qd-505.md": "# Không có front matter\n"})
    with pytest.raises(ValueError, match="missing front matter"):
        sitebuild.generate_pages(root)


# ---------------------------------------------------------------- placeholders


def test_placeholders_come_from_the_contest_definition_and_typos_fail():
    values = sitebuild.placeholders(REPO)
    assert values["questions_per_attempt"] == "15"
    assert values["time_limit_minutes"] == "30"
    assert values["consent_text"].startswith("Tôi đồng ý để Ban Tổ chức xử lý")
    assert sitebuild.fill("Có {{ questions_per_attempt }} câu", values) == "Có 15 câu"
    with pytest.raises(KeyError, match="questions_per_atempt"):
        sitebuild.fill("{{ questions_per_atempt }}", values, "thi.md")


# ---------------------------------------------------------------- the build


class _Refs(HTMLParser):
    """Every URL a page makes the browser load by itself (not the links a person may follow)."""

    LOADING = frozenset({"src", "srcset", "poster", "data", "action", "formaction", "background", "manifest"})

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in self.LOADING:
                self.loads.extend(part.strip().split(" ")[0] for part in value.split(","))
            elif name == "href":
                (self.links if tag == "a" else self.loads).append(value)
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.loads.append((attributes.get("content") or "").partition("url=")[2])
        if tag == "style":
            self.loads.append("<style>")


def _external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in ("", "data", "blob", "mailto", "tel", "javascript")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    root = make_root(
        tmp,
        documents={
            "qd-505.md": doc(
                "qd-505",
                "Quyết định về Ngày Chuyển đổi số quốc gia",
                1,
                body="# Quyết định 505\n\nXem [Cổng Chuyển đổi số quốc gia](https://dx.gov.vn).\n",
            ),
        },
    )
    out = tmp / "build" / "site"
    sitebuild.build(root, out)
    return out


def test_build_produces_every_page_with_content_pulled_in(built):
    for page in (
        "index.html",
        "the-le/index.html",
        "tai-lieu/index.html",
        "tai-lieu/qd-505/index.html",
        "dang-ky/index.html",
        "xac-thuc/index.html",
        "dang-nhap/index.html",
        "quen-mat-khau/index.html",
        "tai-khoan/index.html",
        "thi/index.html",
        "ket-qua/index.html",
        "quyen-rieng-tu/index.html",
    ):
        assert (built / page).is_file(), page
    contest = sitebuild.load_contest(TEST_CONTENT)
    html = (built / "the-le" / "index.html").read_text(encoding="utf-8")
    assert sitebuild.moment(contest.weeks[0].results_at) in html and 'lang="vi"' in html
    register = (built / "dang-ky" / "index.html").read_text(encoding="utf-8")
    assert "Tôi đồng ý để Ban Tổ chức xử lý họ tên, số điện thoại" in register  # a box per consent purpose
    assert contest.consent_purposes and all(f'data-purpose="{p.id}"' in register for p in contest.consent_purposes)
    assert "{{" not in register
    quiz = (built / "thi" / "index.html").read_text(encoding="utf-8")
    assert f'data-questions="{contest.quiz.questions_per_attempt}"' in quiz
    assert "Quyết định về Ngày Chuyển đổi số quốc gia" in html  # the materials are in the nav of every page


def test_built_site_references_no_external_host(built):
    offenders = []
    for page in built.rglob("*.html"):
        refs = _Refs()
        refs.feed(page.read_text(encoding="utf-8"))
        offenders += [f"{page.relative_to(built)}: {u}" for u in refs.loads if _external(u)]
        # links a person may follow are allowed (the study materials cite official portals), but no
        # Google Fonts / CDN preconnect can hide among them
        offenders += [
            f"{page.relative_to(built)}: {u}"
            for u in refs.links
            if re.search(r"fonts\.googleapis|fonts\.gstatic|unpkg|jsdelivr|cdnjs|googletagmanager", u)
        ]
    for css in built.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text) + re.findall(r"@import\s+['\"]([^'\"]+)", text):
            if _external(url):
                offenders.append(f"{css.relative_to(built)}: {url}")
    own = sorted((built / "assets" / "js").rglob("*.min.js"))  # the site's modules, minified and fingerprinted
    assert [m.name for m in own if m.name.startswith("app.")]
    assert all(re.search(r"\.[0-9a-f]{10}\.min\.js$", m.name) for m in (built / "assets" / "js").rglob("*.js"))
    for module in own:
        own_js = module.read_text(encoding="utf-8")
        offenders += [f"{module.name}: {u}" for u in re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", own_js)]
    assert offenders == []


def test_the_external_host_check_catches_a_web_font(built, tmp_path):
    # Given a page that would load a Google font (what Material does unless theme.font is false)
    refs = _Refs()
    refs.feed(
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<img src="//cdn.example.com/x.png"><a href="https://dx.gov.vn">dx</a>'
    )
    # Then both loads are caught and the plain link is not
    assert [u for u in refs.loads if _external(u)] == [
        "https://fonts.googleapis.com/css?family=Roboto",
        "//cdn.example.com/x.png",
    ]
    assert refs.links == ["https://dx.gov.vn"]


THEME_BUNDLE = 'function Mn(e,t=new Worker(e)){}function Ei(e,t){return L($(location.protocol!=="file:"),Je("search"))}'
ESBUILD = sitebuild.esbuild_binary(Path(sitebuild.__file__).resolve().parents[3])


def small_site(root: Path, modules: dict[str, str], pages: dict[str, str]) -> Path:
    """A built site as MkDocs leaves it: the theme's bundle, contest.css, the site's own modules under assets/js and
    pages (folder -> their data-app value, "" for none), each loading app.js as a module."""
    (root / "assets" / "javascripts").mkdir(parents=True)
    (root / "assets" / "css").mkdir()
    (root / "assets" / "javascripts" / "bundle.a5f9d56c.min.js").write_text(
        THEME_BUNDLE + "\n//# sourceMappingURL=bundle.a5f9d56c.min.js.map\n"
    )
    (root / "assets" / "javascripts" / "bundle.a5f9d56c.min.js.map").write_text("{}")
    (root / "assets" / "javascripts" / "workers").mkdir()
    (root / "assets" / "javascripts" / "workers" / "search.a7633da7.min.js").write_text(
        "var w=1;\n//# sourceMappingURL=search.a7633da7.min.js.map\n"
    )
    (root / "assets" / "stylesheets").mkdir()
    (root / "assets" / "stylesheets" / "main.57a0d79d.min.css.map").write_text("{}")
    (root / "assets" / "stylesheets" / "main.57a0d79d.min.css").write_text(
        ".md{margin:0}\n/*# sourceMappingURL=main.57a0d79d.min.css.map*/"
    )
    (root / "assets" / "images").mkdir()
    (root / "assets" / "images" / "favicon.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">\n<path d="M2 2H4#"/></svg>\n'
    )
    (root / "assets" / "css" / "contest.css").write_text("/* c */\n.a  {  color : red ; }\n")
    for rel, body in modules.items():
        (root / "assets" / "js" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "assets" / "js" / rel).write_text(body)
    for folder, app in pages.items():
        up = "../" * folder.count("/")
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "index.html").write_text(
            f'<html><head><link rel="icon" href="{up}assets/images/favicon.svg">'
            f'<link rel="stylesheet" href="{up}assets/stylesheets/main.57a0d79d.min.css">'
            f'<link rel="stylesheet" href="{up}assets/css/contest.css"></head><body>'
            + (f'<div data-app="{app}"></div>' if app else "")
            + f'<script src="{up}assets/js/app.js" type="module"></script></body></html>'
        )
    (root / "lazy.js").write_text("window.__ctLazyWorker=function(u){};\n")
    return root


APP_JS = """import { c } from './core.js';
export var PAGES = {
  quiz: ['./pages/quiz.js', 'initQuiz'],
  'reset-request': ['./pages/reset.js', 'initReset']
};
export function start(inits) { window.started = [c, Object.keys(inits)]; }
"""
MODULES = {
    "app.js": APP_JS,
    "core.js": "/* a comment */\nexport var c = 'core-marker';\n",
    "state.js": "export var s = 'state-marker';\n",
    "forms.js": "import { c } from './core.js';\nexport var f = c + 'forms-marker';\n",
    "pages/quiz.js": "import { s } from '../state.js';\nexport function initQuiz() { return s + 'quiz-marker'; }\n",
    "pages/reset.js": "import { f } from '../forms.js';\nexport function initReset() { return f + 'reset-marker'; }\n",
}


def scripts(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', html)


def test_lighten_defers_search_and_fingerprints_the_stylesheet(tmp_path):
    from contest.organisers.sitebuild import lighten

    site = small_site(tmp_path, MODULES, {"": ""})
    # When it is lightened
    renames = lighten(site, site / "lazy.js", ESBUILD)
    # Then search waits for the search box, the worker is created lazily, and files carry their content hash
    bundle = (site / renames["assets/javascripts/bundle.a5f9d56c.min.js"]).read_text()
    assert '$(!1),Je("search")' in bundle and "__ctLazyWorker(e)" in bundle and "new Worker(e)" not in bundle
    # no source map is shipped, nor named
    assert "sourceMappingURL" not in bundle and not list(site.rglob("*.map"))
    assert (site / "assets" / "javascripts" / "workers" / "search.a7633da7.min.js").read_text() == "var w=1;\n"
    css = renames["assets/stylesheets/main.57a0d79d.min.css"]
    assert re.fullmatch(r"assets/stylesheets/main\.[0-9a-f]{10}\.min\.css", css)
    html = (site / "index.html").read_text()
    assert css in html and "main.57a0d79d" not in html


def test_a_page_asks_for_one_stylesheet_and_no_favicon_file(tmp_path):
    """A new visitor's requests (issue 12): the theme's stylesheet and ours are one file; the favicon is in the page."""
    from contest.organisers.sitebuild import lighten

    site = small_site(tmp_path, MODULES, {"": "", "thi/": "quiz"})
    # (404.html names its files from the site's root: it is served at any address)
    (site / "404.html").write_text((site / "index.html").read_text().replace('href="assets/', 'href="/assets/'))
    lighten(site, site / "lazy.js", ESBUILD)
    for page in ("index.html", "thi/index.html", "404.html"):
        html = (site / page).read_text()
        folder = page.rpartition("/")[0]
        (sheet,) = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
        # the theme's rules first, then ours, minified; no source map named
        assert (site / folder / sheet.lstrip("/")).resolve().read_text() == ".md{margin:0}\n.a{color:red}"
        (icon,) = re.findall(r'<link rel="icon" href="([^"]+)">', html)
        assert icon.startswith("data:image/svg+xml,%3Csvg") and "%23" in icon and '"' not in icon and " " not in icon
    assert not (site / "assets" / "css").exists()


def test_each_page_loads_one_bundle_of_exactly_its_own_code(tmp_path):
    """One request for the site's JavaScript per page (issue 12: CloudFront requests), not one per module."""
    from contest.organisers.sitebuild import lighten

    # Given the shell with two page modules, each with its own imports, and pages with and without a data-app
    site = small_site(tmp_path, MODULES, {"": "", "thi/": "quiz", "quen/": "reset-request"})
    # When the site is lightened
    lighten(site, site / "lazy.js", ESBUILD)
    # Then each page names exactly one script of ours, minified and fingerprinted, and no modulepreload list
    bundles = {}
    for folder in ("", "thi/", "quen/"):
        html = (site / folder / "index.html").read_text()
        assert "modulepreload" not in html
        (src,) = scripts(html)
        assert re.fullmatch(r"(\.\./)?assets/js/[a-z-]+\.[0-9a-f]{10}\.min\.js", src), src
        bundles[folder] = (site / folder / src).resolve().read_text()
    # holding the shell, the page's module and what it imports, and nothing of another page
    assert "core-marker" in bundles[""] and "marker" not in bundles[""].replace("core-marker", "")
    assert all(m in bundles["thi/"] for m in ("core-marker", "state-marker", "quiz-marker"))
    assert not any(m in bundles["thi/"] for m in ("forms-marker", "reset-marker"))
    assert all(m in bundles["quen/"] for m in ("core-marker", "forms-marker", "reset-marker"))
    assert not any(m in bundles["quen/"] for m in ("state-marker", "quiz-marker"))
    # self-contained (no import left), minified (no comment), no source map
    for body in bundles.values():
        assert not re.search(r"\bimport\b", body) and "a comment" not in body and "sourceMappingURL" not in body
    # the modules themselves are gone from the built site; only the bundles remain
    left = sorted(p.relative_to(site / "assets" / "js").as_posix() for p in (site / "assets" / "js").rglob("*"))
    assert len(left) == 3 and all(re.fullmatch(r"[a-z-]+\.[0-9a-f]{10}\.min\.js", name) for name in left), left


def test_a_change_in_a_shared_module_renames_every_bundle_holding_it(tmp_path):
    from contest.organisers.sitebuild import lighten

    def build(core: str) -> dict[str, str]:
        root = tmp_path / str(len(list(tmp_path.iterdir())))
        site = small_site(root, {**MODULES, "core.js": core}, {"thi/": "quiz", "quen/": "reset-request"})
        lighten(site, site / "lazy.js", ESBUILD)
        return {f: scripts((site / f / "index.html").read_text())[0] for f in ("thi/", "quen/")}

    before, after = build("export var c = 1;\n"), build("export var c = 2;\n")
    assert before["thi/"] != after["thi/"] and before["quen/"] != after["quen/"]


def test_lighten_refuses_an_import_of_a_missing_module(tmp_path):
    from contest.organisers.sitebuild import lighten

    site = small_site(tmp_path, {**MODULES, "pages/quiz.js": "import { g } from '../gone.js';\n"}, {"thi/": "quiz"})
    with pytest.raises(ValueError, match=r"gone\.js"):
        lighten(site, site / "lazy.js", ESBUILD)


def test_without_node_modules_the_build_says_to_install_them(tmp_path, monkeypatch):
    # Given a checkout (and a package) with no node_modules/: `make site` names the command that installs esbuild
    monkeypatch.setattr(sitebuild, "__file__", str(tmp_path / "src" / "contest" / "organisers" / "sitebuild.py"))
    with pytest.raises(sitebuild.SiteBuildError, match=r"make install"):
        sitebuild.esbuild_binary(tmp_path)


def test_a_page_whose_data_app_the_shell_does_not_know_fails_the_build(tmp_path):
    from contest.organisers.sitebuild import lighten

    site = small_site(tmp_path, MODULES, {"thi/": "quizz"})
    with pytest.raises(ValueError, match=r"thi/index\.html: data-app='quizz'"):
        lighten(site, site / "lazy.js", ESBUILD)


def test_lighten_refuses_a_theme_bundle_it_does_not_recognise(tmp_path):
    from contest.organisers.sitebuild import lighten

    (tmp_path / "assets" / "javascripts").mkdir(parents=True)
    (tmp_path / "assets" / "javascripts" / "bundle.x.min.js").write_text("function(){}")
    with pytest.raises(ValueError, match="search can no longer be loaded on demand"):
        lighten(tmp_path, tmp_path / "lazy.js", ESBUILD)


# --- the privacy page -------------------------------------------------------------------


def test_privacy_page_states_controller_purposes_processors_transfer_retention_and_rights():
    page = sitebuild.generate_pages(REPO)[sitebuild.PRIVACY_PAGE]
    assert page == unicodedata.normalize("NFC", page)
    assert "Sở Thông tin và Truyền thông tỉnh Hà Tĩnh" in page
    for title in ("Tham gia Cuộc thi và kết quả (bắt buộc)", "Thống kê tổng hợp (không bắt buộc)"):
        assert f"### {title}" in page
    assert "Vì sao mục «Người phụ trách đơn vị được xem tôi tham gia» không bắt buộc" in page
    assert "| Amazon Web Services (AWS) |" in page and "SNS" in page
    assert "## Chuyển dữ liệu cá nhân ra nước ngoài" in page and "Singapore (vùng `ap-southeast-1`)" in page
    assert "Dữ liệu cá nhân được lưu đến Thứ Tư, 31/01/2024" in page
    assert "[Trang của tôi](tai-khoan.md)" in page and "trong 72 giờ" in page
    assert "{{" not in page


def test_privacy_page_says_what_the_prize_contact_and_statistics_purposes_change():
    # Given the contest's optional purposes: contact about prizes, and statistics
    page = sitebuild.generate_pages(REPO)[sitebuild.PRIVACY_PAGE]
    # Then a person who declines prize contact reads that nobody calls them and what they do instead
    assert "Ban Tổ chức không gọi điện, nhắn tin cho bạn về việc nhận giải" in page
    assert "tự liên hệ Ban Tổ chức" in page
    # and what the statistics purpose covers: nothing beyond the contest today, and who would count if it did
    assert "không dùng dữ liệu của bạn để lập số liệu thống kê nào ngoài việc tổ chức Cuộc thi" in page
    assert "chỉ dùng dữ liệu của những người đang đồng ý mục này" in page


def test_privacy_page_follows_a_changed_privacy_section(tmp_path):
    def edit(data):
        data["privacy"].update(
            region="ap-southeast-7",
            region_name="Thái Lan",
            contact_email="dulieu@example.gov.vn",
            contact_phone="0239 000 000",
            erasure_hours=24,
            retention="2024-03-01T00:00:00+07:00",
        )
        data["privacy"]["processors"] = [{"name": "Nhà mạng X", "role": "Gửi SMS", "location": "Việt Nam"}]
        data["registration"]["consent_purposes"] = data["registration"]["consent_purposes"][:1]

    page = sitebuild.generate_pages(make_root(tmp_path, edit))[sitebuild.PRIVACY_PAGE]
    assert "Thái Lan (vùng `ap-southeast-7`)" in page and "Singapore" not in page
    assert "dulieu@example.gov.vn" in page and "0239 000 000" in page
    assert "| Nhà mạng X | Gửi SMS | Việt Nam |" in page and "Amazon Web Services (AWS) |" not in page
    assert "trong 24 giờ" in page and "01/03/2024" in page
    assert "Thống kê" not in page and "Vì sao mục" not in page
    assert "không gọi điện, nhắn tin cho bạn" not in page and "số liệu thống kê" not in page


def test_consent_boxes_escape_the_texts_and_mark_only_required_purposes_required():
    from contest.content.loader import load_content

    contest = load_content(REPO / "content").contest
    boxes = sitebuild.consent_boxes(contest, "reg")
    assert boxes.count('type="checkbox"') == len(contest.consent_purposes)
    assert boxes.count(" required ") == sum(p.required for p in contest.consent_purposes)
    assert 'id="reg-consent-participation" name="consent-participation"' in boxes


def test_the_pages_contest_data_carries_the_contests_time_zone_and_currency(tmp_path):
    """The site's scripts format times and money from <meta name="ct-schedule">, not from a hard-coded +07:00
    and ' đồng' (site/docs/assets/js/core.js)."""
    import html
    import json

    # Given a contest in another time zone that pays its prizes in another currency
    def elsewhere(data):
        data["timezone"] = "Asia/Bangkok"
        data["prizes"]["currency"] = "USD"

    root = make_root(tmp_path, elsewhere)
    # When the pages' contest data is built
    data = json.loads(html.unescape(sitebuild.placeholders(root)["schedule_json"]))
    # Then the scripts get both
    assert data["timezone"] == "Asia/Bangkok"
    assert data["currency"] == "USD"
    # and the shipped contest says Asia/Ho_Chi_Minh and đồng
    shipped = json.loads(html.unescape(sitebuild.placeholders(REPO)["schedule_json"]))
    assert (shipped["timezone"], shipped["currency"]) == ("Asia/Ho_Chi_Minh", "đồng")


# ---------------------------------------------------------------- contest-specific texts from content/


def test_rules_page_takes_options_points_secretariat_and_unit_award_weights_from_the_content(tmp_path):
    # Given another contest: 3 options, 5 points each, its own secretariat, a unit-award weight of 0
    def edit(data):
        data["quiz"].update(questions_per_attempt=20, options_per_question=3, points_per_question=5)
        data["secretariat"] = "Tổ Giúp việc"
        data["excluded_roles"] = "Thành viên Ban Tổ chức và Tổ Giúp việc không được dự thi."
        data["final_units"]["weights"] = {"participation": 0.6, "participation_rate": 0, "mean_score": 0.4}

    page = sitebuild.generate_pages(make_root(tmp_path, edit))[sitebuild.RULES_PAGE]

    # Then the page says so, and says nothing of the criterion that weighs nothing
    assert "(mỗi câu 3 phương án" in page and "4 phương án" not in page
    assert "được 5 điểm; điểm tối đa là **100 điểm**" in page
    assert "Tổ Giúp việc báo cáo" in page and "Tổ Thư ký" not in page
    assert "- 0,6 × (số lượt dự thi" in page and "- cộng 0,4 × (điểm trung bình" in page
    assert "tỷ lệ tham gia bình quân" not in page and "số biên chế" not in page


def test_the_site_json_names_the_currency_and_time_zone_and_the_title_comes_from_the_content(tmp_path):
    def edit(data):
        data["prizes"]["currency"] = "VNĐ"
        data["site"] = {"title": "Pháp luật 2025", "description": "Tìm hiểu pháp luật"}

    root = make_root(tmp_path, edit)
    contest = sitebuild.load_contest(root / "content")
    schedule = sitebuild.public_schedule(contest)
    assert schedule["currency"] == "VNĐ" and schedule["timezone"] == "Asia/Ho_Chi_Minh"
    assert schedule["max_score"] == contest.quiz.max_score

    # and the MkDocs hook sets the site's name and description from it (mkdocs.yml holds no contest text)
    import importlib.util
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("content_hook", root / "site" / "hooks" / "content.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    config = SimpleNamespace(
        config_file_path=str(root / "site" / "mkdocs.yml"), nav=None, watch=[], extra={}, site_name="x"
    )
    config.site_description = None
    hook.on_config(config)
    assert (config.site_name, config.site_description) == ("Pháp luật 2025", "Tìm hiểu pháp luật")
    assert "Hà Tĩnh" not in (REPO / "site" / "mkdocs.yml").read_text(encoding="utf-8")


# ---------------------------------------------------------------- a failed build says why


def test_a_link_to_a_removed_page_fails_the_build_naming_the_page_and_the_link(tmp_path, capsys):
    # Given a hand-written page that links to a page that no longer exists
    root = make_root(tmp_path, documents={"luat-a.md": doc("luat-a", "Luật A", 1)})
    index = root / "site" / "docs" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n[Xem](trang-da-xoa.md)\n", encoding="utf-8")

    # When the site is built, then the error names the page and the broken link (not a bare "Error 1")
    with pytest.raises(sitebuild.SiteBuildError) as caught:
        sitebuild.build(root, tmp_path / "out")
    assert "index.md" in str(caught.value) and "trang-da-xoa.md" in str(caught.value)
    assert "strict mode" in str(caught.value)

    # and `make site` (python -m contest.organisers.sitebuild) prints it and exits 1
    import os

    here = os.getcwd()
    os.chdir(root)
    try:
        assert sitebuild.main([str(tmp_path / "out2")]) == 1
    finally:
        os.chdir(here)
    assert "trang-da-xoa.md" in capsys.readouterr().err


def test_a_content_error_fails_the_build_with_its_file_and_line(tmp_path):
    root = make_root(tmp_path, lambda d: d["quiz"].update(attempt_per_week=2))
    with pytest.raises(
        sitebuild.SiteBuildError, match=r"contest\.yaml:\d+: khóa 'quiz\.attempt_per_week' không được hỗ trợ"
    ):
        sitebuild.build(root, tmp_path / "out")
    bad = make_root(tmp_path / "b", documents={"luat-a.md": "---\nid: luat-a\ntitle: A\nisuer: X\n---\n"})
    with pytest.raises(sitebuild.SiteBuildError, match=r"luat-a\.md:4: khóa 'isuer' không được hỗ trợ"):
        sitebuild.build(bad, tmp_path / "out")


def test_the_rules_page_prose_is_a_template_whose_every_placeholder_is_filled():
    # Given the rules page template and the values the contest gives it
    from importlib.resources import files

    template = files("contest.organisers").joinpath("templates", sitebuild.RULES_TEMPLATE).read_text(encoding="utf-8")
    content = load_content(TEST_CONTENT)
    values = sitebuild._rules_values(content.contest, content.groups)
    # Then every placeholder has a value and every value a placeholder (no figure silently dropped)
    assert set(re.findall(r"\{\{\s*([a-z_]+)\s*\}\}", template)) == set(values)
    page = sitebuild.rules_markdown(content.contest, content.groups)
    assert "{{" not in page and page.startswith("---\ntitle: Thể lệ\n---\n")


def test_a_template_block_with_no_lines_leaves_no_blank_line_and_an_unknown_key_is_refused(tmp_path):
    # Given the rules page of a contest with no unit groups and no final prizes
    content = load_content(TEST_CONTENT)
    contest = dataclasses.replace(content.contest, final_unit_prizes=())
    page = sitebuild.rules_markdown(contest, ())
    # Then the empty blocks vanish with their lines
    assert "## Đối tượng dự thi\n\nMỗi người chỉ được dùng" in page
    assert "người đạt giải nhận Giấy chứng nhận và tiền thưởng.\n\n## Công bố kết quả" in page
    # And a value the template does not know of, used inline, is an error rather than a silent gap
    with pytest.raises(KeyError, match="unknown placeholder"):
        sitebuild.render_template(sitebuild.RULES_TEMPLATE, {"name": "x"})


def test_the_privacy_page_prose_is_a_template_whose_every_placeholder_is_filled():
    from importlib.resources import files

    template = files("contest.organisers").joinpath("templates", sitebuild.PRIVACY_TEMPLATE).read_text(encoding="utf-8")
    contest = load_content(TEST_CONTENT).contest
    page = sitebuild.privacy_markdown(contest)
    # every placeholder filled, every purpose stated, nothing of the template's syntax left on the page
    assert "{{" not in page and page.startswith("---\ntitle: Quyền riêng tư\n---\n")
    assert set(re.findall(r"\{\{\s*([a-z_]+)\s*\}\}", template)) >= {"purposes", "contact", "retention"}
    assert all(f"### {p.title} (" in page for p in contest.consent_purposes)


def test_instant_navigation_is_on_only_with_a_site_url_it_needs(built):
    # Material's instant navigation takes a link for its own only when the sitemap lists it with the site's
    # address (site_url); without one every <loc> is "None…": the feature would do nothing but fetch the sitemap
    html = (built / "thi" / "index.html").read_text(encoding="utf-8")
    config = json.loads(re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S)[1])
    locations = re.findall(r"<loc>(.*?)</loc>", (built / "sitemap.xml").read_text(encoding="utf-8"))
    if "navigation.instant" in config["features"]:
        assert locations and all(loc.startswith(("https://", "http://")) for loc in locations), locations[:3]


_CONTEST_BLOCK = re.compile(r'<script type="application/json" id="ct-contest">(.*?)</script>', re.S)


def test_every_page_carries_the_contest_facts_and_the_version_content_load_stores(tmp_path):
    """core.contest() answers from the page (no GET /api/contest) while the API names the same content version
    (X-Contest-Content): the facts are GET /api/contest's minus now/open_week, and the version is the one
    `contest content load` stores (contest.content.loader.bundle_of)."""
    from contest.content.loader import bundle_of
    from contest.services.stored_content import contest_facts

    root = make_root(tmp_path)
    shutil.rmtree(root / "content" / "documents")
    shutil.copytree(TEST_CONTENT / "documents", root / "content" / "documents")
    sitebuild.build(root, tmp_path / "out")
    content = load_content(root / "content")
    expected = {"version": bundle_of(content)["version"], "facts": contest_facts(content)}
    assert expected["version"]
    for rel in ("index.html", "thi/index.html", "dang-ky/index.html", "tai-khoan/index.html", "ket-qua/index.html"):
        found = _CONTEST_BLOCK.findall((tmp_path / "out" / rel).read_text(encoding="utf-8"))
        assert len(found) == 1, rel
        assert "<" not in found[0], rel
        assert json.loads(found[0]) == expected, rel
    assert sitebuild.json_in_html({"t": "</script><!--"}) == '{"t":"\\u003c/script>\\u003c!--"}'


def test_pages_of_content_that_cannot_be_loaded_carry_no_version(built):
    """`built` cites documents it lacks: `contest content load` refuses it, so no loaded content can match its
    pages, and they always ask the API (core.pageContest needs a version)."""
    found = json.loads(_CONTEST_BLOCK.findall((built / "index.html").read_text(encoding="utf-8"))[0])
    assert found["version"] is None
    assert found["facts"]["weeks"]
