"""Reading a file organisers write under content/: YAML with line numbers, and the one error type.

Every problem found in contest.yaml, units.yaml, questions/*.yaml, a document's front matter or a question
workbook is a `ContentIssue` (file, line, a Vietnamese message for the organiser); a loader collects all of
them and raises one `ContentError`. The YAML is parsed here only: `load` gives plain data whose mappings
remember their lines (`Lines`), `compose` gives PyYAML nodes (the question bank reads scalars as written).

PyYAML is imported on first use: the request handlers import `contest.content.loader` for the stored JSON bundle
and never read YAML.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.DOTALL)


@dataclass(frozen=True)
class ContentIssue:
    """One problem found in a content file, with where it is."""

    file: str
    line: int  # 1-based; 0 when the problem concerns the file or folder as a whole
    message: str

    def __str__(self) -> str:
        if self.line > 0:
            return f"{self.file}:{self.line}: {self.message}"
        return f"{self.file}: {self.message}"


def sort_issues(issues: Iterable[ContentIssue]) -> list[ContentIssue]:
    """By file and line; problems of a file or folder as a whole (line 0) last."""
    return sorted(issues, key=lambda i: (i.line == 0, i.file, i.line))


class ContentError(Exception):
    """Content is not valid; `issues` lists every problem found."""

    def __init__(self, issues: Sequence[ContentIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def did_you_mean(key: str, allowed: Iterable[Any]) -> str:
    """ "; có phải 'x'?" for the closest allowed key, or "" (difflib: misspellings, not synonyms)."""
    close = difflib.get_close_matches(str(key), sorted(str(a) for a in allowed), n=1, cutoff=0.6)
    return f"; có phải '{close[0]}'?" if close else ""


class Lines(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each key."""

    line = 0
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int, int]]  # (key, line of the repeat, line of the first): the first one stays


@functools.cache
def _loader_class() -> Any:
    """A safe loader whose mappings are `Lines`; libyaml when available (about ten times faster, same marks)."""
    import yaml

    class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        first_line = 1  # the file line the parsed text starts on (a front matter starts on line 2)

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return LineLoader


def _construct_mapping(loader: Any, node: Any) -> Lines:
    loader.flatten_mapping(node)
    first = loader.first_line
    mapping = Lines()
    mapping.line = node.start_mark.line + first
    mapping.key_lines = {}
    mapping.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if str(key) in mapping.key_lines:
            mapping.duplicates.append((str(key), key_node.start_mark.line + first, mapping.key_lines[str(key)]))
            continue  # the first one stays (and the repeat is an error)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[str(key)] = key_node.start_mark.line + first
    return mapping


def read_text(path: Path, file: str | None = None) -> str:
    """The file's text (UTF-8), or a ContentError naming it."""
    file = str(path) if file is None else file
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([ContentIssue(file, 1, f"tệp không phải UTF-8 ({exc.reason})")]) from exc
    except OSError as exc:
        raise ContentError([ContentIssue(file, 1, f"không đọc được tệp: {exc.strerror or exc}")]) from exc


_COLON = "dấu ':' không được đứng ở đây; văn bản có dấu ':' cần đặt trong ngoặc kép"
_TAB = "có ký tự không được đứng đầu (thường là tab); hãy thụt lề bằng dấu cách"
# What the commonest PyYAML problems mean for someone editing a content file.
_SYNTAX_HINTS = {
    "mapping values are not allowed here": _COLON,
    "mapping values are not allowed in this context": _COLON,  # libyaml's words
    "found character '\\t' that cannot start any token": _TAB,
    "found character that cannot start any token": _TAB,
    "did not find expected key": "không tìm thấy khóa ở chỗ cần có; kiểm tra thụt lề",
    "found unexpected end of stream": "tệp kết thúc khi một dấu ngoặc chưa được đóng",
}


def _syntax_error(exc: Any, file: str, first_line: int) -> ContentError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + first_line if mark else first_line
    hint = _SYNTAX_HINTS.get(str(exc.problem), "kiểm tra thụt lề, dấu ':' và dấu ngoặc kép")
    return ContentError([ContentIssue(file, line, f"lỗi cú pháp YAML: {hint} (PyYAML báo: {exc.problem or exc})")])


def load(text: str, file: str, *, first_line: int = 1) -> Any:
    """The YAML document as plain data, its mappings `Lines`; a syntax error is a ContentError at its line."""
    import yaml

    loader = _loader_class()(text)
    loader.first_line = first_line
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file, first_line) from exc
    finally:
        loader.dispose()


def compose(text: str, file: str) -> tuple[Any, Any]:
    """The YAML document as PyYAML nodes (None when empty) and the loader to construct values with."""
    import yaml

    loader = _loader_class()(text)
    try:
        return loader.get_single_node(), loader
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file, 1) from exc
    finally:
        loader.dispose()


def read_yaml(path: Path, file: str | None = None) -> Any:
    """A YAML file as plain data with line numbers (`load`)."""
    file = str(path) if file is None else file
    return load(read_text(path, file), file)


def read_front_matter(path: Path) -> Any:
    """The front matter (`--- … ---` at the top) of a Markdown file, lines counted in the file; None without one."""
    match = FRONT_MATTER.match(read_text(path))
    if not match:
        return None
    return load(match.group(1), str(path), first_line=2)
