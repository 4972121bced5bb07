"""Reading DynamoDB's refusals: a failed condition is an answer, anything else an error."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.models import Model


def is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def put_once(item: Model) -> bool:
    """Write an item unless one with its keys exists: True when written, False when it was there already (a retry
    or a rerun finds its first write). Any other refusal is an error."""
    from pynamodb.exceptions import PutError

    try:
        item.save(condition=type(item)._hash_key_attribute().does_not_exist())
    except PutError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def cancelled(exc: TransactWriteError) -> list[bool]:
    """Per transaction item: did its condition fail?"""
    return [bool(r and r.code == "ConditionalCheckFailed") for r in exc.cancellation_reasons]
