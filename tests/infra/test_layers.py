"""The Lambda layers carry what the handlers import: nothing missing at cold start, pyproject's versions."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path
from typing import Any

import build_layers
import pytest
from packaging.requirements import Requirement
from template_checks import FUNCTIONS, INFRA

# Imported when present, with a fallback when not (the layer does not ship them on purpose).
OPTIONAL_IMPORTS = {
    "blinker": "pynamodb.signals falls back to no-op signals",
    "certifi": "botocore falls back to its own bundled CA file",
    "pillow": "openpyxl needs it only to embed images; close_week writes none",
    "defusedxml": "openpyxl uses it to read untrusted workbooks; close_week only writes",
}
LAMBDA_MARKERS = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux",
                  "platform_system": "Linux", "platform_machine": "aarch64", "implementation_name": "cpython",
                  "platform_python_implementation": "CPython", "os_name": "posix", "extra": ""}  # fmt: skip


def closure(packages: list[str]) -> set[str]:
    """The packages and, transitively, what their installed metadata requires on Lambda (no extras)."""
    seen: set[str] = set()
    todo = [build_layers.canonical(p) for p in packages]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(LAMBDA_MARKERS):
                todo.append(build_layers.canonical(requirement.name))
    return seen


def layers_of(folder: str) -> list[str]:
    spec = tomllib.loads((INFRA / "layers" / "layers.toml").read_text(encoding="utf-8"))
    names = list(spec["shared"]["packages"])
    if folder == "close_week":  # the template gives close_week the reports layer as well
        names += spec["reports"]["packages"]
    return names


def test_every_runtime_dependency_is_in_one_layer_or_declared_cli_only() -> None:
    plan = build_layers.layer_plan()  # raises SystemExit naming the unplaced or doubly placed package
    assert set(plan) == {"shared", "reports"}
    pins = build_layers.runtime_pins()
    for requirements in plan.values():
        assert all(r in pins.values() and "==" in r for r in requirements), requirements


def test_close_week_alone_gets_the_reports_layer(template: dict[str, Any]) -> None:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        layers = resource["Properties"].get("Layers", [])
        assert (layers == [{"Ref": "ReportsLayer"}]) == (logical_id == "CloseWeekFunction"), logical_id
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "SharedLayer"}]


@pytest.mark.parametrize("folder", ["register", "account", "info", "quiz", "submit", "close_week"])
def test_a_handler_imports_only_what_its_layers_ship(folder: str, handlers: dict[str, dict[str, Any]]) -> None:
    if folder not in handlers:
        pytest.fail(f"functions/{folder}/app.py is missing")
    shipped = closure(layers_of(folder)) | {"contest"} | set(OPTIONAL_IMPORTS)
    loaded = {build_layers.canonical(d) for d in handlers[folder]["dists"]}
    assert sorted(loaded - shipped) == [], f"imported at cold start by functions/{folder} but in no layer"


def test_the_closure_follows_requirements_transitively() -> None:
    # boto3 -> botocore -> python-dateutil -> six: a missing link here would hide a missing package above
    assert {"boto3", "botocore", "python-dateutil", "six", "jmespath", "s3transfer"} <= closure(["boto3"])


@pytest.fixture(scope="module")
def import_graph() -> Any:
    return build_layers.import_graph()


@pytest.mark.parametrize("folder", ["register", "account", "info", "quiz", "submit", "close_week"])
def test_everything_a_handler_can_import_later_is_in_its_layers(folder: str, import_graph: Any) -> None:
    # Given every module the handler can reach, lazy imports included (the receipts' key signs with
    # `cryptography` at the first submission, long after the cold start the probe above watches)
    reached = build_layers.reachable([FUNCTIONS / folder / "app.py"], import_graph)
    external = {m for m in reached if m.split(".")[0] != "contest" and m not in sys.stdlib_module_names}
    owners = importlib.metadata.packages_distributions()
    # When those top-level packages are mapped to the distributions that install them
    needed = {build_layers.canonical(d) for m in external for d in owners.get(m, [m])}
    # Then the handler's layers ship every one of them
    shipped = closure(layers_of(folder)) | set(OPTIONAL_IMPORTS)
    assert sorted(needed - shipped) == [], f"functions/{folder} can import these, but no layer of it ships them"


def test_the_layers_carry_the_locked_versions_with_their_hashes() -> None:
    for requirements in build_layers.layer_plan().values():
        entries = build_layers.locked(requirements)
        assert entries and all(e.hashes for e in entries)
        assert {build_layers.canonical(r.split("==")[0]) for r in requirements} <= {e.name for e in entries}


def test_the_shared_layer_leaves_the_organisers_tools_out() -> None:
    modules = build_layers.runtime_modules()
    assert {"contest.api.runtime", "contest.close.week", "contest.api.http"} <= modules
    assert not {m for m in modules if m.startswith(("contest.cli", "contest.local", "contest.organisers"))}
    # the content parsers are shipped (the stored bundle), the bank's YAML tools are not
    assert "contest.content.loader" in modules and "contest.content.bank" not in modules
    # the close numbers certificates in its private winners' list (contest.close.certificates.week_numbers), but PDFs
    # are rendered by the CLI alone: the fonts stay out (copy_package copies .py files only), and so does fpdf2
    assert "contest.close.certificates" in modules


RUNTIME_GROUPS = {"rules", "adapters", "store", "content", "services", "api", "close"}


def test_the_shared_layer_ships_the_runtime_groups_as_python_files_only(tmp_path: Path) -> None:
    # Given the part of the package the shared layer gets, copied as infra/build_layers.py copies it
    build_layers.copy_package(build_layers.runtime_modules(), tmp_path)
    shipped = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    # Then it holds the runtime groups and nothing of organisers/, cli/ or local/
    assert {p.split("/")[1] for p in shipped} == RUNTIME_GROUPS
    # and Python files only: neither the certificates' fonts (the close numbers certificates, the CLI renders
    # them) nor the site's page templates
    assert [p for p in shipped if not p.endswith(".py")] == []
    # and of the content group, the parsers of the stored bundle, not the bank's YAML tools
    assert "contest/content/loader.py" in shipped and "contest/content/bank.py" not in shipped


def test_the_layers_leave_pyyaml_out_and_ship_phone_numbers_without_their_geodata() -> None:
    # contest.rules.phones parses, validates, types and formats numbers: phonenumbers' metadata, which
    # phonenumberslite keeps; the geocoder, carrier and time-zone data (~40 MB) are what it drops
    shipped = {e.name for reqs in build_layers.layer_plan().values() for e in build_layers.locked(reqs)}
    assert "phonenumberslite" in shipped and "phonenumbers" not in shipped
    assert not shipped & {"pyyaml", "fpdf2", "typer", "rich", "rapidfuzz"}


def test_the_group_packages_import_nothing() -> None:
    # a handler's cold start loads what it loaded before the grouping: a group's __init__ is its docstring alone
    # (store/ is the exception: its package is `Store`, the composition of its repositories)
    root = INFRA.parent / "src" / "contest"
    for group in sorted(RUNTIME_GROUPS - {"store"} | {"organisers"}):
        body = ast.parse((root / group / "__init__.py").read_text(encoding="utf-8")).body
        assert all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) for n in body), group
