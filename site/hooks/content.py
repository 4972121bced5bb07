"""MkDocs hook: pulls `content/` into the site at build time (nothing is copied into site/).

- generated pages: the rules page (Thể lệ), the materials index and one page per study document;
- the "Tài liệu ôn tập" nav entry is expanded into the documents, in their front-matter order;
- `{{ key }}` placeholders in hand-written pages are filled from content/contest.yaml;
- the site's name and description are set from content/contest.yaml (`site:`, `name`, `theme`).
The logic lives in `contest.organisers.sitebuild`; this file only wires it into MkDocs' events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

try:
    from contest.organisers import sitebuild
except ImportError:  # a plain `mkdocs build -f site/mkdocs.yml` from a checkout without the package installed
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from contest.organisers import sitebuild

MATERIALS_NAV_TARGET = f"{sitebuild.MATERIALS_DIR}/index.md"


def _root(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent.parent


def _expand(nav: list[Any], root: Path) -> list[Any]:
    out: list[Any] = []
    for item in nav:
        if isinstance(item, dict):
            ((title, target),) = item.items()
            if target == MATERIALS_NAV_TARGET:
                out.append({title: sitebuild.materials_nav(root)})
            elif isinstance(target, list):
                out.append({title: _expand(target, root)})
            else:
                out.append(item)
        else:
            out.append(item)
    return out


def on_config(config: Any) -> Any:
    root = _root(config)
    # The site's title and description come from content/contest.yaml (`site:`, default: name / theme), not
    # from mkdocs.yml: a new contest edits content/ only.
    contest = sitebuild.load_contest(root / "content")
    config.site_name = contest.title
    config.site_description = contest.description
    if config.nav:
        config.nav = _expand(config.nav, root)
    config.watch.append(str(root / "content"))
    config.extra["contest_placeholders"] = sitebuild.placeholders(root)
    return config


def on_files(files: Files, config: Any) -> Files:
    for path, markdown in sitebuild.generate_pages(_root(config)).items():
        if files.get_file_from_path(path) is not None:
            raise ValueError(f"site/docs/{path} would hide a page generated from content/; remove it")
        files.append(File.generated(config, path, content=markdown))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    return sitebuild.fill(markdown, config.extra["contest_placeholders"], page.file.src_uri)


SEARCH_FOLD = Path(__file__).resolve().parent.parent / "search" / "fold-vi.js"
LUNR_VI = Path("assets/javascripts/lunr/min/lunr.vi.min.js")


def on_post_build(config: Any) -> None:
    site_dir = Path(config.site_dir)
    _fold_search(site_dir)
    # The ALTCHA solver (npm, pinned and integrity-checked) into the built site: nothing from other hosts.
    sitebuild.vendor_altcha(site_dir, _root(config) / "build" / "npm")
    # One bundle per page (esbuild, npm, pinned in package-lock.json), contest.css and the theme's bundle minified
    sitebuild.lighten(
        site_dir,
        Path(__file__).resolve().parent.parent / "search" / "lazy-worker.js",
        sitebuild.esbuild_binary(_root(config)),
    )


def _fold_search(site_dir: Path) -> None:
    """Search without diacritics: append site/search/fold-vi.js to the theme's Vietnamese lunr support."""
    target = site_dir / LUNR_VI
    if not target.exists():
        raise FileNotFoundError(f"{LUNR_VI} is missing from the built site: the search language changed?")
    text = target.read_text(encoding="utf-8")
    if "fold-vi" not in text:
        target.write_text(text.rstrip() + "\n" + SEARCH_FOLD.read_text(encoding="utf-8"), encoding="utf-8")
