"""docs/architecture.md stays true: it names every module of the package and every setting the code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "contest"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def documented_names() -> set[str]:
    """Every `code` span of the document outside its diagrams ("services/quiz.py", "cli/", "CONTEST_TABLE" ...)."""
    prose = re.sub(r"```.*?```", "", DOC, flags=re.DOTALL)
    return {name.strip() for span in re.findall(r"`([^`]+)`", prose) for name in span.split(",")}


def test_every_module_of_the_package_is_described() -> None:
    # Given the package's modules (cli/ and local/ are described as one subpackage each)
    modules = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("cli", "local"):
            modules.add(relative.parts[0] + "/")
        elif relative.name != "__init__.py":
            modules.add(relative.as_posix())
    # Then the architecture document names each of them
    assert sorted(modules - documented_names()) == [], "modules missing from docs/architecture.md"


def test_every_setting_the_code_reads_is_described() -> None:
    source = (PACKAGE / "adapters" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r"""(?:optional|required|path|number|env\.get)\(\s*"([A-Z][A-Z0-9_]+)\"""", source))
    template = (ROOT / "infra" / "template.yaml").read_text(encoding="utf-8")
    passed = set(re.findall(r"^\s+((?:CONTEST|POWERTOOLS)_[A-Z0-9_]+):", template, flags=re.MULTILINE))
    assert read and passed <= read | {n for n in passed if n.startswith("POWERTOOLS_")}
    assert sorted((read | passed) - documented_names()) == [], "settings missing from docs/architecture.md"
