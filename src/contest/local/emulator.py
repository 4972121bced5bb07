"""Fidelity fixes for the local emulator (moto), applied by the local stack and the tests.

Real DynamoDB applies each request atomically: a conditional put or a transaction either sees the
state before another writer or after it. moto evaluates conditions and writes in plain Python with
no lock, so two threads can both pass `attribute_not_exists(pk)`. Serialising moto's DynamoDB
request handling restores the semantics our invariants rely on (one account per phone, one
submission per attempt). It changes moto, never our code: production runs on DynamoDB itself.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.RLock()
_applied = False


def make_dynamodb_atomic() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    _cheap_transaction_rollback()
    _applied = True


def _cheap_transaction_rollback() -> None:
    """moto deep-copies the whole table (once per item) before each TransactWriteItems so it can roll
    back: ~150 ms per submission with a few hundred contestants, seconds with thousands. A transaction
    can only change the items it names, so snapshotting those items gives the same rollback. Relies on
    the lock above (the module's `copy` is swapped only while one transaction runs)."""
    import copy
    import types

    from moto.dynamodb import models
    from moto.dynamodb.exceptions import (
        MockValidationException,
        MultipleTransactionsException,
        TransactionCanceledException,
    )
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items
    no_table_copy = types.SimpleNamespace(
        deepcopy=lambda value, *a, **kw: value if isinstance(value, Table) else copy.deepcopy(value, *a, **kw)
    )

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshots = []
        try:
            for entry in transact_items:
                _, op = next(iter(entry.items()))
                table = self.get_table(op["TableName"])
                if "Item" in op:
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                current = self.get_item(op["TableName"], key)
                before = None if current is None else current.to_json()["Attributes"]
                snapshots.append((op["TableName"], key, before))
        except Exception:
            return original(self, transact_items)
        models.copy = no_table_copy  # type: ignore[assignment]
        try:
            return original(self, transact_items)
        except (TransactionCanceledException, MultipleTransactionsException, MockValidationException):
            for table_name, key, attrs in reversed(snapshots):
                self.delete_item(table_name, key)
                if attrs is not None:
                    self.put_item(table_name, copy.deepcopy(attrs))
            raise
        finally:
            models.copy = copy

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class _PerThread:
    """A class attribute whose value is kept per thread."""

    def __init__(self, name: str, values: threading.local) -> None:
        self.name, self.values = name, values

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        try:
            return getattr(self.values, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, obj: object, value: Any) -> None:
        setattr(self.values, self.name, value)


_router_applied = False


def make_router_state_per_thread() -> None:
    """Lambda runs one request per process at a time; the local stack runs overlapping requests in threads
    of one process. Powertools keeps the request being resolved in a class attribute
    (`BaseRouter.current_event`, `BaseRouter.lambda_context`), shared by every resolver of the process, so
    overlapping requests would read each other's headers (one contestant answered with another's quiz).
    Keeping those two attributes per thread restores Lambda's isolation. Changes Powertools, never our code.
    """
    global _router_applied
    if _router_applied:
        return
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    values = threading.local()
    for name in ("current_event", "lambda_context"):  # instance reads (app.current_event)
        setattr(BaseRouter, name, _PerThread(name, values))
    meta = type(
        "PerThreadRouterMeta",
        (type(BaseRouter),),
        {name: _PerThread(name, values) for name in ("current_event", "lambda_context")},  # class writes
    )
    BaseRouter.__class__ = meta  # type: ignore[method-assign]
    _router_applied = True
