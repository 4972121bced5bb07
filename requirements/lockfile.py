"""The lock files: every package, transitive ones included, pinned with the hashes of its PyPI files.

    python requirements/lockfile.py check      # exit 1, naming what disagrees, when pyproject.toml moved on
    python requirements/lockfile.py pick uv    # one locked requirement (with its hashes), e.g. to bootstrap uv
    python requirements/lockfile.py can-audit  # exit 1, saying why, when PyPI's vulnerability data is unreachable

- requirements/dev.txt: pyproject's [project.dependencies] plus the `dev` extra. `.venv/` (Makefile) and CI
  are installed from it, exactly (`uv pip sync --require-hashes`).
- requirements/runtime.txt: [project.dependencies] alone, constrained to dev.txt's versions. The Lambda layers
  are built from it (infra/build_layers.py), so they carry exactly what the tests ran with.

Both are written by `make lock` (`uv pip compile --universal --generate-hashes`, so one lock serves every
platform: this machine, CI, and the layers' aarch64 wheels). This module only reads them: stdlib only, so the
Makefile can run it before `.venv/` exists.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
PROJECT = "<project>"  # how a "# via contest (pyproject.toml)" line is recorded in `Entry.via`

_ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)
_HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Entry:
    """One locked requirement: `name==version ; marker` with its hashes and who needs it ("# via")."""

    name: str
    version: str
    marker: str | None
    hashes: list[str] = field(default_factory=list)
    via: set[str] = field(default_factory=set)

    def requirement(self) -> str:
        """The entry as a requirements-file line pip and uv accept in hash-checking mode."""
        marker = f" ; {self.marker}" if self.marker else ""
        return f"{self.name}=={self.version}{marker} " + " ".join(f"--hash={h}" for h in self.hashes)


def read_lock(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    in_via = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := _ENTRY.match(line):
            marker = match["marker"].strip() if match["marker"] else None
            entries.append(Entry(canonical(match["name"]), match["version"], marker))
            in_via = False
            continue
        stripped = line.strip()
        if not entries or not line.startswith(" "):
            continue
        if hashes := _HASH.findall(stripped):
            entries[-1].hashes += hashes
        elif stripped.startswith("# via"):
            in_via = True
            if rest := stripped.removeprefix("# via").strip():
                entries[-1].via.add(_parent(rest))
        elif in_via and stripped.startswith("#   "):
            entries[-1].via.add(_parent(stripped.removeprefix("#").strip()))
    return entries


def _parent(text: str) -> str:
    if text.startswith(("-c ", "-r ")):
        return ""  # a constraints file, not a package
    return PROJECT if text.endswith("(pyproject.toml)") else canonical(text)


def pyproject_pins(extras: tuple[str, ...] = ()) -> dict[str, str]:
    """canonical name -> the requirement string as pyproject writes it ("numpy==2.4.6")."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = {}
    for requirement in requirements:
        name = re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0]
        pins[canonical(name)] = requirement
    return pins


def disagreements(lock: Path, pins: dict[str, str]) -> list[str]:
    """What a re-lock would change: a pin the lock does not hold, a locked top-level package no longer pinned."""
    if not lock.exists():
        return [f"{lock.relative_to(ROOT)} is missing"]
    entries = read_lock(lock)
    versions: dict[str, set[str]] = {}
    for entry in entries:
        versions.setdefault(entry.name, set()).add(entry.version)
    problems = []
    for name, requirement in sorted(pins.items()):
        if "==" not in requirement:
            problems.append(f"pyproject.toml: {requirement!r} is not pinned with ==")
            continue
        wanted = requirement.split("==", 1)[1].split(";")[0].strip()
        if wanted not in versions.get(name, set()):
            held = ", ".join(sorted(versions.get(name, set()))) or "nothing"
            problems.append(f"pyproject.toml pins {name}=={wanted}; {lock.relative_to(ROOT)} holds {held}")
    for entry in entries:
        if PROJECT in entry.via and entry.name not in pins:
            problems.append(
                f"{lock.relative_to(ROOT)} still locks {entry.name} for pyproject.toml, no longer asked for"
            )
    return problems


def check() -> list[str]:
    return disagreements(DEV_LOCK, pyproject_pins(("dev",))) + disagreements(RUNTIME_LOCK, pyproject_pins())


def closure(entries: list[Entry], roots: set[str], environment: dict[str, str] | None = None) -> list[Entry]:
    """The entries `roots` need, transitively (following "# via" upwards), whose marker holds in `environment`
    (packaging's marker names; None: keep every entry)."""
    if environment is not None:
        from packaging.markers import Marker

        entries = [e for e in entries if e.marker is None or Marker(e.marker).evaluate(environment)]
    wanted = {canonical(r) for r in roots}
    changed = True
    while changed:
        changed = False
        for entry in entries:
            if entry.name not in wanted and entry.via & wanted:
                wanted.add(entry.name)
                changed = True
    return [e for e in entries if e.name in wanted]


AUDIT_PROBE = "https://pypi.org/pypi/pip/{version}/json"  # what pip-audit's "pypi" service reads, per release


def audit_unreachable(timeout: float = 30) -> str | None:
    """Why pip-audit's PyPI vulnerability service cannot answer from here, or None when it can. pip-audit reads
    one JSON document per locked release; without them `--strict` fails with a misleading "Dependency not found
    on PyPI", and without `--strict` it would report nothing found."""
    import urllib.error
    import urllib.request

    pip = next((e for e in read_lock(DEV_LOCK) if e.name == "pip"), None)
    url = AUDIT_PROBE.format(version=pip.version if pip else "24.0")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - a fixed https URL
            if answer.status == 200:
                return None
            return f"{url} answered HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        return f"{url} answered HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return f"{url} did not answer ({exc})"


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        problems = check()
        for problem in problems:
            sys.stderr.write(f"lock out of date: {problem}\n")
        if problems:
            sys.stderr.write(
                "pyproject.toml and requirements/*.txt disagree: run `make lock`, then commit requirements/ "
                "(CONTRIBUTING.md, 'Dependencies').\n"
            )
        return 1 if problems else 0
    if argv[:1] == ["pick"] and len(argv) == 2:
        found = [e for e in read_lock(DEV_LOCK) if e.name == canonical(argv[1])]
        if not found:
            sys.stderr.write(f"{argv[1]} is not in {DEV_LOCK.relative_to(ROOT)}\n")
            return 1
        sys.stdout.write("".join(e.requirement() + "\n" for e in found))
        return 0
    if argv[:1] == ["can-audit"]:
        if reason := audit_unreachable():
            sys.stderr.write(
                f"audit: PyPI's vulnerability data cannot be read from this machine: {reason}. "
                "Nothing was audited; run `make audit` where pypi.org answers in full.\n"
            )
            return 1
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
