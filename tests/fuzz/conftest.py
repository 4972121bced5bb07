"""Tests marked `slow` run only with CONTEST_SLOW=1 (`make stress`, `make fuzz`); `make test` skips them."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CONTEST_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set CONTEST_SLOW=1 (make stress / make fuzz)")
    here = os.path.dirname(__file__)
    for item in items:
        if "slow" in item.keywords and str(item.fspath).startswith(here):
            item.add_marker(skip)
