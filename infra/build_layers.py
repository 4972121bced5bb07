"""Build the Lambda layers for arm64 / CPython 3.12 into build/layers/<name>/python.

    python infra/build_layers.py [--python python3.12] [--out build/layers]

- Which packages go where: infra/layers/layers.toml. Which versions: the pins of pyproject.toml
  [project.dependencies] (one source of truth: the layers carry what the tests ran with).
- pip installs manylinux (2014 / 2_28) aarch64 wheels for CPython 3.12 (`--platform --only-binary`), whatever
this machine is.
- The shared layer also gets the `contest` package (src/contest).
- Every .py is compiled to .pyc by a CPython 3.12 with `unchecked-hash` invalidation: /opt is read-only on
  Lambda, so without shipped .pyc files every cold start compiles every imported module again.
- A package the reports layer shares with the shared layer (none today) is removed from the reports layer:
both
  layers sit on close_week's path, and two copies of one package would be a trap.

`sam build` then takes the two folders as they are (the layers have no BuildMethod on purpose).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS_TOML = ROOT / "infra" / "layers" / "layers.toml"
PYPROJECT = ROOT / "pyproject.toml"
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


def pip_install(requirements: list[str], target: Path) -> None:
    subprocess.run(  # noqa: S603 - our own argument list
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--target", str(target), *[arg for p in PLATFORMS for arg in ("--platform", p)],
            "--implementation", "cp",
            "--python-version", PYTHON_VERSION, "--only-binary=:all:", "--upgrade", *requirements,
        ],
        check=True,
    )  # fmt: skip


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
            shutil.copytree(ROOT / "src" / "contest", site / "contest", ignore=shutil.ignore_patterns("__pycache__"))
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
