"""The modules every request handler imports at cold start (benchmarks/cold_start.py) define their dataclasses
without the docstring @dataclass would otherwise make up with inspect.signature, a cost paid at every cold start."""

import dataclasses
import importlib
import inspect

import pytest

# the contest modules with dataclasses that every request handler imports at cold start (the store's records are
# imported on first use)
COLD_START_MODULES = [
    "contest.rules.model",
    "contest.adapters.config",
    "contest.api.runtime",
    "contest.content.loader",
    "contest.content.files",
]


@pytest.mark.parametrize("name", COLD_START_MODULES)
def test_every_dataclass_of_a_cold_start_module_has_its_own_docstring(name):
    # Given the dataclasses the module defines
    module = importlib.import_module(name)
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if c.__module__ == name and dataclasses.is_dataclass(c)
    ]
    # Then none carries the generated docstring
    generated = [c.__name__ for c in classes if (c.__doc__ or "").startswith(f"{c.__name__}(")]
    assert generated == []
