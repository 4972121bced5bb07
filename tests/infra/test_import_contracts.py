"""The import contracts of pyproject.toml [tool.importlinter] hold, and watch what the handlers really import."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import build_layers
from template_checks import FUNCTIONS, ROOT


def contract(contract_id: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c.get("id") == contract_id)


def test_the_request_path_contract_starts_from_what_the_request_handlers_import() -> None:
    # Given every HTTP handler (all functions but the weekly close)
    apps = [app for app in sorted(FUNCTIONS.glob("*/app.py")) if app.parent.name != "close_week"]
    graph = build_layers.import_graph()
    imported = set().union(*(build_layers.handler_imports(app, graph) for app in apps))
    # Then the contract checks exactly the modules they import (and so, transitively, all they reach)
    assert sorted(imported) == sorted(contract("request-path")["source_modules"])


def test_lint_imports_keeps_every_contract() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
