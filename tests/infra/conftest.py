"""Fixtures for the template checks: the parsed SAM template, its transform, the resolvers' routes.

The slow parts (cfn-lint twice, `sam validate`, importing each handler in a fresh interpreter) are started
together in background processes by the first infra test, and the tests read their results: on two cores the
whole folder then takes about as long as its slowest part.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

INFRA = Path(__file__).resolve().parents[2] / "infra"
if str(INFRA) not in sys.path:
    sys.path.insert(0, str(INFRA))

import template_checks  # noqa: E402


def sam_cli() -> str | None:
    return shutil.which("sam") or (
        str(template_checks.ROOT / ".venv-sam" / "bin" / "sam")
        if (template_checks.ROOT / ".venv-sam" / "bin" / "sam").exists()
        else None
    )


@dataclass
class Background:
    checks: subprocess.Popen[str]
    sam: subprocess.Popen[str] | None
    probes: dict[str, subprocess.Popen[str]]
    _results: dict[str, Any] = field(default_factory=dict)

    def check_steps(self) -> dict[str, Any]:
        if "checks" not in self._results:
            out, err = self.checks.communicate(timeout=300)
            assert out.strip(), f"infra/template_checks.py --json printed nothing:\n{err[-3000:]}"
            self._results["checks"] = json.loads(out.strip().splitlines()[-1])
        return self._results["checks"]  # type: ignore[no-any-return]

    def sam_validate(self) -> tuple[int, str]:
        assert self.sam is not None
        if "sam" not in self._results:
            out, err = self.sam.communicate(timeout=300)
            self._results["sam"] = (self.sam.returncode, out + err)
        return self._results["sam"]  # type: ignore[no-any-return]

    def handlers(self) -> dict[str, dict[str, Any]]:
        if "handlers" not in self._results:
            self._results["handlers"] = template_checks.collect_handler_probes(self.probes)
        return self._results["handlers"]  # type: ignore[no-any-return]

    def stop(self) -> None:
        for process in [self.checks, self.sam, *self.probes.values()]:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def background(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    tmp = tmp_path_factory.mktemp("infra")
    checks = subprocess.Popen(
        [sys.executable, str(INFRA / "template_checks.py"), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    sam = None
    if (cli := sam_cli()) is not None:
        env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": template_checks.REGION}
        sam = subprocess.Popen(
            [cli, "validate", "--template-file", str(template_checks.TEMPLATE)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp,
        )  # fmt: skip
    running = Background(checks, sam, template_checks.start_handler_probes(tmp))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return template_checks.load()


@pytest.fixture(scope="session")
def transformed() -> dict[str, Any]:
    return template_checks.transform()


@pytest.fixture(scope="session")
def handlers(background: Background) -> dict[str, dict[str, Any]]:
    return background.handlers()


@pytest.fixture(scope="session")
def routes_by_folder(handlers: dict[str, dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """folder -> routes of its resolver, for every functions/* folder whose app.py has one."""
    return {
        folder: {(method, path) for method, path in probe["routes"]}
        for folder, probe in handlers.items()
        if probe["routes"] is not None
    }
