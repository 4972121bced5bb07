"""Build the Lambda layers for arm64 / CPython 3.12 into build/layers/<name>/python.

    python infra/build_layers.py [--python python3.12] [--out build/layers]

- Which packages go where: infra/layers/layers.toml (the top-level runtime dependencies of pyproject.toml).
  Which versions, and what else each needs: requirements/runtime.txt, the lock with hashes that `.venv/` and
  CI are installed from too (`make lock`), so the layers carry exactly what the tests ran with. A layer holds
  the locked closure of its packages (requirements/lockfile.py `closure`, markers evaluated for Lambda).
- pip installs manylinux (2014 / 2_28) aarch64 wheels for CPython 3.12 (`--platform --only-binary`), whatever
  this machine is, with `--require-hashes --no-deps`: only the locked files, nothing resolved anew.
- The shared layer also gets the part of the `contest` package the handlers can import (`runtime_modules`:
  every contest module reachable from functions/*/app.py, lazy imports included), not the organisers' CLI,
  the local stack, the site builder or the certificates' fonts.
- Every .py is compiled to .pyc by a CPython 3.12 with `unchecked-hash` invalidation: /opt is read-only on
  Lambda, so without shipped .pyc files every cold start compiles every imported module again.
- A package the reports layer shares with the shared layer (none today) is removed from the reports layer: both
  layers sit on close_week's path, and two copies of one package would be a trap.

`sam build` then takes the two folders as they are (the layers have no BuildMethod on purpose).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYERS_TOML = ROOT / "infra" / "layers" / "layers.toml"
PYPROJECT = ROOT / "pyproject.toml"
sys.path.insert(0, str(ROOT / "requirements"))
import lockfile  # noqa: E402 - requirements/lockfile.py, stdlib only

# Environment markers of the Lambda runtime (packaging's names), for the lock's conditional entries.
LAMBDA_MARKERS = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux",
                  "platform_system": "Linux", "platform_machine": "aarch64", "implementation_name": "cpython",
                  "platform_python_implementation": "CPython", "os_name": "posix", "extra": ""}  # fmt: skip
# python3.12 on Lambda runs on Amazon Linux 2023 (glibc 2.34): manylinux_2_28 wheels (numpy 2.4+) fit as well.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
PYTHON_VERSION = "3.12"
LAYER_UNZIPPED_LIMIT = 250 * 1024 * 1024  # Lambda: function + all layers, unzipped


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_pins() -> dict[str, str]:
    """canonical name -> requirement string ("numpy==2.4.6"), from pyproject [project.dependencies]."""
    deps = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = {}
    for requirement in deps:
        name = re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0]
        pins[canonical(name)] = requirement
    return pins


def layer_plan() -> dict[str, list[str]]:
    """layer name -> requirement strings; raises when a runtime dependency is unplaced or placed twice."""
    spec = tomllib.loads(LAYERS_TOML.read_text(encoding="utf-8"))
    pins = runtime_pins()
    placed: dict[str, str] = {}
    for group, body in spec.items():
        for package in body["packages"]:
            key = canonical(package)
            if key in placed:
                raise SystemExit(f"{package} is in both [{placed[key]}] and [{group}] of {LAYERS_TOML}")
            if key not in pins:
                raise SystemExit(f"{package} ([{group}] of {LAYERS_TOML}) is not in pyproject's dependencies")
            placed[key] = group
    unplaced = sorted(set(pins) - set(placed))
    if unplaced:
        raise SystemExit(f"runtime dependencies in no layer and not cli_only in {LAYERS_TOML}: {unplaced}")
    return {
        group: [pins[canonical(p)] for p in body["packages"]] for group, body in spec.items() if group != "cli_only"
    }


def _is_cpython312(path: str) -> bool:
    probe = subprocess.run(  # noqa: S603 - our own argument list
        [path, "-c", "import sys; print(sys.implementation.name, *sys.version_info[:2])"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return probe.returncode == 0 and probe.stdout.split() == ["cpython", "3", "12"]


def find_python312(explicit: str | None = None) -> str:
    """A working CPython 3.12: the one given, python3.12 on PATH, or a pyenv install (shims may not run)."""
    candidates = [explicit] if explicit else ["python3.12"]
    found = [p for c in candidates if (p := shutil.which(c))]
    found += [str(p) for p in sorted((Path.home() / ".pyenv" / "versions").glob("3.12*/bin/python3.12"), reverse=True)]
    for path in found:
        if _is_cpython312(path):
            return path
    raise SystemExit("CPython 3.12 is needed to compile the layers (and by `sam build`): install python3.12")


def locked(requirements: list[str]) -> list[lockfile.Entry]:
    """The entries of requirements/runtime.txt that these top-level requirements need on Lambda."""
    entries = lockfile.read_lock(lockfile.RUNTIME_LOCK)
    roots = {canonical(re.split(r"[\[=<>!~; ]", r, maxsplit=1)[0]) for r in requirements}
    for name in roots:
        pinned = next(r for r in requirements if canonical(re.split(r"[\[=<>!~; ]", r, maxsplit=1)[0]) == name)
        version = pinned.split("==", 1)[1].split(";")[0].strip()
        if not any(e.name == name and e.version == version for e in entries):
            raise SystemExit(f"{pinned} is not in {lockfile.RUNTIME_LOCK}: run `make lock`")
    return lockfile.closure(entries, roots, LAMBDA_MARKERS)


def pip_install(requirements: list[str], target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        requirements_file = Path(tmp) / "requirements.txt"
        requirements_file.write_text("".join(e.requirement() + "\n" for e in locked(requirements)), encoding="utf-8")
        subprocess.run(  # noqa: S603 - our own argument list
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
                "--target", str(target), *[arg for p in PLATFORMS for arg in ("--platform", p)],
                "--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:",
                "--require-hashes", "--no-deps", "-r", str(requirements_file),
            ],
            check=True,
        )  # fmt: skip


def import_graph() -> Any:
    """grimp's graph of `contest` and what it imports (TYPE_CHECKING blocks excluded), without the imports the
    request-path contract of pyproject.toml [tool.importlinter] declares never run on Lambda (each says why)."""
    import grimp

    graph = grimp.build_graph("contest", include_external_packages=True, exclude_type_checking_imports=True)
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    for contract in config["contracts"]:
        if contract.get("id") == "request-path":
            for ignored in contract.get("ignore_imports", []):
                importer, imported = (part.strip() for part in ignored.split("->"))
                graph.remove_import(importer=importer, imported=imported)
    return graph


def handler_imports(app: Path, graph: Any) -> set[str]:
    """The `contest` modules a functions/*/app.py imports itself."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(app.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "contest":
            for alias in node.names:  # `from contest import schemas` names a module; `from contest.x import f` not
                child = f"{node.module}.{alias.name}"
                found.add(child if child in graph.modules else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "contest"}
    return found


def reachable(apps: list[Path], graph: Any | None = None) -> set[str]:
    """Every module these handlers can import: theirs and, transitively, what those import (lazy imports inside
    functions included), `contest` modules and external top-level packages alike."""
    graph = graph or import_graph()
    wanted: set[str] = set()
    for app in apps:
        for module in handler_imports(app, graph):
            wanted |= {module} | graph.find_upstream_modules(module)
    return wanted


def runtime_modules() -> set[str]:
    """The `contest` modules any handler can import, with the packages that hold them."""
    found = {m for m in reachable(sorted((ROOT / "functions").glob("*/app.py"))) if m.split(".")[0] == "contest"}
    return found | {".".join(m.split(".")[:i]) for m in found for i in range(1, m.count(".") + 1)}


def copy_package(modules: set[str], site: Path) -> None:
    """The modules' source files (a package as its __init__.py, if any) into site/, nothing else of src/contest."""
    for module in sorted(modules):
        parts = module.split(".")
        source = ROOT / "src" / Path(*parts)
        source = source / "__init__.py" if source.is_dir() else source.with_suffix(".py")
        if not source.exists():  # a namespace package (src/contest has no __init__.py)
            continue
        destination = site / source.relative_to(ROOT / "src")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def strip(target: Path) -> None:
    """Drop what never runs on Lambda: caches of the building interpreter, tests shipped inside wheels."""
    for cache in target.rglob("__pycache__"):
        shutil.rmtree(cache)
    for tests in [*target.glob("*/tests"), *target.glob("numpy/*/tests")]:
        if tests.is_dir():
            shutil.rmtree(tests)


def compile_pyc(python312: str, target: Path) -> None:
    subprocess.run(  # noqa: S603 - our own argument list
        [
            python312,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(target),
        ],
        check=True,
    )


def size_of(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def build(out: Path, python312: str) -> dict[str, int]:
    sizes = {}
    plan = layer_plan()
    for layer, requirements in plan.items():
        folder = out / layer
        if folder.exists():
            shutil.rmtree(folder)
        site = folder / "python"
        site.mkdir(parents=True)
        pip_install(requirements, site)
        if layer == "shared":
            copy_package(runtime_modules(), site)
        strip(site)
        sizes[layer] = size_of(folder)
    shared_site = out / "shared" / "python"
    for layer in plan:
        if layer == "shared":
            continue
        for entry in (out / layer / "python").iterdir():
            if (shared_site / entry.name).exists():
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        sizes[layer] = size_of(out / layer)
    for layer in plan:
        compile_pyc(python312, out / layer / "python")
        sizes[layer] = size_of(out / layer)
    return sizes


# Which layers each function gets (as in infra/template.yaml: Globals give shared, close_week adds reports).
FUNCTION_LAYERS = {"close_week": ("shared", "reports")}
SMOKE_ENV = {
    "AWS_ACCESS_KEY_ID": "smoke", "AWS_SECRET_ACCESS_KEY": "smoke", "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # an AWS call at import time fails at once, reaching nothing
    "CONTEST_TABLE": "smoke", "CONTEST_SIGNING_SECRET": "smoke-" + "s" * 40, "CONTEST_SMS_SENDER": "sns",
    "CONTEST_ORIGIN_SECRET": "smoke-" + "o" * 40,
    "CONTEST_PUBLIC_BUCKET": "smoke-public", "CONTEST_PRIVATE_BUCKET": "smoke-private",
    "POWERTOOLS_SERVICE_NAME": "smoke",
}  # fmt: skip


def smoke_import(out: Path, python312: str) -> list[str]:
    """Import every functions/*/app.py with CPython 3.12 and nothing on the path but its layers, as Lambda
    would. Functions whose layers hold aarch64 binaries (numpy) are only checked on an aarch64 machine."""
    import platform

    lines = []
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        name = app.parent.name
        layers = FUNCTION_LAYERS.get(name, ("shared",))
        if "reports" in layers and platform.machine() not in ("aarch64", "arm64"):
            lines.append(f"smoke {name:10s} skipped: its layers hold aarch64 binaries")
            continue
        path = os.pathsep.join(str((out / layer / "python").resolve()) for layer in layers)
        code = (
            "import importlib.util, time; t = time.perf_counter(); "
            f"spec = importlib.util.spec_from_file_location('app', {str(app)!r}); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            "assert callable(m.lambda_handler); print(round((time.perf_counter() - t) * 1000))"
        )
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": path, "PYTHONNOUSERSITE": "1", **SMOKE_ENV}
        result = subprocess.run(  # noqa: S603 - our own argument list
            [python312, "-S", "-c", code], env=env, capture_output=True, text=True, check=False, cwd=out
        )
        if result.returncode != 0:
            raise SystemExit(f"functions/{name}/app.py does not import from its layers:\n{result.stderr[-2000:]}")
        lines.append(f"smoke {name:10s} imports from its layers alone ({result.stdout.strip()} ms here)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="a CPython 3.12 interpreter (default: python3.12 on PATH, then pyenv)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "layers")
    parser.add_argument("--no-smoke", action="store_true", help="skip importing the handlers from the layers")
    args = parser.parse_args()
    python312 = find_python312(args.python)
    sizes = build(args.out, python312)
    for layer, size in sizes.items():
        sys.stdout.write(f"layer {layer:8s} {size / 1024 / 1024:6.1f} MB unzipped  {args.out / layer}\n")
    if sum(sizes.values()) > LAYER_UNZIPPED_LIMIT:
        raise SystemExit("the layers exceed Lambda's 250 MB unzipped limit")
    if not args.no_smoke:
        for line in smoke_import(args.out, python312):
            sys.stdout.write(line + "\n")


if __name__ == "__main__":
    main()
