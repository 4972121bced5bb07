"""The store's records: each dataclass has its own docstring (@dataclass would otherwise make one up with
inspect.signature on the first request that imports it), and the standing's shapes follow STANDING_FIELDS."""

import dataclasses
import importlib
import inspect
import pkgutil

import contest.store
from contest.rules.model import STANDING_FIELDS
from contest.store.mapping import STANDING_KINDS


def test_every_dataclass_of_the_store_has_its_own_docstring():
    # Given every dataclass the store's modules define
    classes = []
    for info in pkgutil.iter_modules(contest.store.__path__, "contest.store."):
        module = importlib.import_module(info.name)
        classes += [
            c
            for _, c in inspect.getmembers(module, inspect.isclass)
            if c.__module__ == info.name and dataclasses.is_dataclass(c)
        ]
    # Then none carries the generated docstring
    assert classes
    assert [c.__name__ for c in classes if (c.__doc__ or "").startswith(f"{c.__name__}(")] == []


def test_the_standing_kinds_follow_the_record():
    # Given the record's fields, Then the wire/compact conversion reads them in that order, numbers as numbers
    assert tuple(name for name, _ in STANDING_KINDS) == STANDING_FIELDS
    assert {name for name, number in STANDING_KINDS if number} == {
        "score",
        "duration_ms",
        "prediction",
        "attempts",
        "received_at_ms",
    }
