"""Reading DynamoDB's refusals: a failed condition is an answer, anything else an error."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pynamodb.exceptions import TransactWriteError


def is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def cancelled(exc: TransactWriteError) -> list[bool]:
    """Per transaction item: did its condition fail?"""
    return [bool(r and r.code == "ConditionalCheckFailed") for r in exc.cancellation_reasons]
