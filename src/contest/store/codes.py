"""One-time codes sent to a phone (CODE#verify, CODE#reset, CODE#claim), each in the phone's partition."""

from __future__ import annotations

import json

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.transactions import TransactWrite

from contest.store.conditions import is_condition_failure
from contest.store.keys import code_sk, phone_pk
from contest.store.mapping import code_from_item
from contest.store.records import CodeRecord
from contest.store.tables import CodeItem


def code_item(phone: str, purpose: str, code: CodeRecord, ttl_s: int) -> CodeItem:
    return CodeItem(
        ticket_hash=code.ticket_hash,
        pending=None if code.pending is None else json.dumps(code.pending, ensure_ascii=False),
        pk=phone_pk(phone),
        sk=code_sk(purpose),
        code_hash=code.code_hash,
        account_id=code.account_id,
        expires_at_ms=code.expires_at_ms,
        tries=code.tries,
        sent_at_ms=code.sent_at_ms,
        window_start_ms=code.window_start_ms,
        window_sends=code.window_sends,
        ttl=code.expires_at_ms // 1000 + ttl_s,
    )


def consume_code(tx: TransactWrite, phone: str, purpose: str, seen: CodeRecord, max_tries: int) -> None:
    item = CodeItem(pk=phone_pk(phone), sk=code_sk(purpose))
    tx.delete(item, condition=(CodeItem.sent_at_ms == seen.sent_at_ms) & (CodeItem.tries < max_tries))


class CodeStore:
    def code(self, phone: str, purpose: str) -> CodeRecord | None:
        try:
            item = CodeItem.get(phone_pk(phone), code_sk(purpose), consistent_read=True)
        except DoesNotExist:
            return None
        return code_from_item(item)

    def replace_code(self, phone: str, purpose: str, code: CodeRecord, previous: CodeRecord | None, ttl_s: int) -> bool:
        """Write a new code unless another request changed the item since `previous` was read."""
        condition = CodeItem.pk.does_not_exist() if previous is None else CodeItem.sent_at_ms == previous.sent_at_ms
        try:
            code_item(phone, purpose, code, ttl_s).save(condition=condition)
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def discard_code(self, phone: str, purpose: str, seen: CodeRecord) -> None:
        try:
            CodeItem(pk=phone_pk(phone), sk=code_sk(purpose)).delete(condition=CodeItem.sent_at_ms == seen.sent_at_ms)
        except Exception as exc:
            if not is_condition_failure(exc):
                raise

    def mark_code_unsent(self, phone: str, purpose: str, sent: CodeRecord) -> None:
        """The code's message certainly did not leave (budget, gateway refusal): the contestant may ask again at
        once, and it does not count against the phone's hourly sends."""
        try:
            CodeItem(pk=phone_pk(phone), sk=code_sk(purpose)).update(
                actions=[CodeItem.sent_at_ms.set(0), CodeItem.window_sends.add(-1)],
                condition=CodeItem.code_hash == sent.code_hash,
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):  # replaced meanwhile by a newer code: nothing to undo
                raise

    def count_wrong_code(self, phone: str, purpose: str, seen: CodeRecord) -> None:
        try:
            CodeItem(pk=phone_pk(phone), sk=code_sk(purpose)).update(
                actions=[CodeItem.tries.add(1)],
                condition=(CodeItem.sent_at_ms == seen.sent_at_ms),
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
