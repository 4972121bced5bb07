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
    _applied = True
