"""Counters with limits: per-address throttles, the SMS budgets (contest.api.budget) and used proofs of work."""

from __future__ import annotations

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from contest.rules.errors import LoginThrottled, ProofReused, TooManyRegistrations
from contest.store import tables
from contest.store.conditions import cancelled, is_condition_failure
from contest.store.keys import USED, login_counter, proof_pk, registration_counter
from contest.store.records import Counter, RegistrationGate
from contest.store.tables import ThrottleItem


def add_gate(tx: TransactWrite | None, gate: RegistrationGate | None) -> int:
    """Add the gate's items to `tx` (the proof's put first); return how many puts (without `tx`: count only)."""
    if gate is None:
        return 0
    n = 0
    if gate.proof_key is not None:
        used = ThrottleItem(pk=proof_pk(gate.proof_key), sk=USED, hits=1, ttl=gate.proof_expires_at_s + 60)
        if tx is not None:
            tx.save(used, condition=ThrottleItem.pk.does_not_exist())
        n += 1
    if gate.address is not None and tx is not None:
        tx.update(
            ThrottleItem(*registration_counter(gate.address, gate.hour)),
            actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set((gate.hour + 2) * 3600)],
            condition=ThrottleItem.hits.does_not_exist() | (ThrottleItem.hits < gate.limit),
        )
    return n


def gate_refused(failed: list[bool], gate: RegistrationGate | None, puts: int) -> None:
    """The gate's refusals first: the proof's put is the first put, the address count the first update."""
    if gate is None:
        return
    if gate.proof_key is not None and failed[:1] == [True]:
        raise ProofReused()
    if gate.address is not None and len(failed) > puts and failed[puts]:
        raise TooManyRegistrations()


class CounterStore:
    def pass_gate(self, gate: RegistrationGate) -> None:
        """The registration gate alone (a registration that creates nothing: the number is taken), one
        transaction, so every registration path records its proof and counts its address the same way."""
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                add_gate(tx, gate)
        except TransactWriteError as exc:
            gate_refused(cancelled(exc), gate, add_gate(None, gate))
            raise

    def throttle_login(self, ip_hash: str, hour: int, limit: int) -> None:
        """Count a login attempt from an address (atomic, before the password check); LoginThrottled past
        `limit` in the hour. A successful login gives its count back (`refund_login`), so the limit is on
        refused logins and a whole office behind one address can still sign in."""
        self._count_within(*login_counter(ip_hash, hour), hour, limit, LoginThrottled)

    def refund_login(self, ip_hash: str, hour: int) -> None:
        try:
            ThrottleItem(*login_counter(ip_hash, hour)).update(
                actions=[ThrottleItem.hits.add(-1)], condition=ThrottleItem.hits > 0
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise

    def throttle_registration(self, ip_hash: str, hour: int, limit: int) -> None:
        self._count_within(*registration_counter(ip_hash, hour), hour, limit, TooManyRegistrations)

    @staticmethod
    def _count_within(pk: str, sk: str, hour: int, limit: int, refused: type[Exception]) -> None:
        """+1 on an hourly counter (kept two hours), atomically refused with `refused` once it reached `limit`."""
        try:
            ThrottleItem(pk=pk, sk=sk).update(
                actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set((hour + 2) * 3600)],
                condition=ThrottleItem.hits.does_not_exist() | (ThrottleItem.hits < limit),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise refused() from exc
            raise

    def charge_counters(self, counters: list[Counter]) -> set[int]:
        """One transaction: +1 on every counter, each conditioned on staying within its limit (all or nothing)."""
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                for c in counters:
                    tx.update(
                        ThrottleItem(pk=c.pk, sk=c.sk),
                        actions=[ThrottleItem.hits.add(1), ThrottleItem.ttl.set(c.ttl_s)],
                        condition=ThrottleItem.hits.does_not_exist() | (ThrottleItem.hits < c.limit),
                    )
        except TransactWriteError as exc:
            failed = {i for i, bad in enumerate(cancelled(exc)) if bad}
            if failed:
                return failed
            raise
        return set()

    def refund_counters(self, keys: tuple[tuple[str, str], ...]) -> None:
        """Give back one message that was charged but certainly not sent (never below zero; best effort: a lost
        refund only makes a budget stricter)."""
        try:
            with TransactWrite(connection=tables.connection()) as tx:
                for pk, sk in keys:
                    tx.update(
                        ThrottleItem(pk=pk, sk=sk),
                        actions=[ThrottleItem.hits.add(-1)],
                        condition=ThrottleItem.hits > 0,
                    )
        except TransactWriteError:
            pass

    def use_proof(self, key: str, expires_at_s: int) -> bool:
        """Record a solved challenge as used; False when it was used before (single use, kept until expiry)."""
        try:
            ThrottleItem(pk=proof_pk(key), sk=USED, hits=1, ttl=expires_at_s + 60).save(
                condition=ThrottleItem.pk.does_not_exist()
            )
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True
