"""The domain values are imported by every request handler at cold start (benchmarks/cold_start.py)."""

import dataclasses
import inspect

from contest import model


def test_every_dataclass_of_the_model_has_its_own_docstring():
    # Given the dataclasses of contest.model
    classes = [c for _, c in inspect.getmembers(model, inspect.isclass) if dataclasses.is_dataclass(c)]
    assert classes
    # Then none carries the docstring @dataclass makes up with inspect.signature (a cost paid at every cold start)
    generated = [c.__name__ for c in classes if (c.__doc__ or "").startswith(f"{c.__name__}(")]
    assert generated == []
