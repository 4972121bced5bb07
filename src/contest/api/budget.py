"""SMS budgets and the circuit breaker: no message leaves without being counted first.

Every code message is charged, BEFORE it is handed to the channel, against three atomic DynamoDB counters in one
transaction (all or nothing, so a refused message charges nothing):

- the client address's hourly budget (`sms.per_address_per_hour`, by keyed hash of the address);
- the contest's global hourly budget (`sms.global_per_hour`), spread over `sms.global_shards` counter items so
  no single key is hot; a full shard sends the charge to the next one, so the budget is refused only when all
  are full;
- the calendar month's message count against the circuit breaker: `sms.monthly_spend_limit_usd ×
  sms.breaker_fraction ÷ sms.price_per_message_usd` messages. When it trips, nothing is sent until the next
  month (or until the organisers raise the limit in contest.yaml) and the `SmsCircuitOpen` metric fires the
  organisers' alarm (infra/template.yaml).

A message the channel definitely did not send (gateway 5xx, refusal) is refunded; one whose fate is unknown
(timeout) stays charged. Each outcome is a CloudWatch metric (Powertools EMF), emitted only when a message is
attempted, so handlers that never send import nothing at cold start.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from contest.rules import errors
from contest.rules.clock import Clock
from contest.rules.model import SmsPolicy
from contest.store.keys import sms_address_counter, sms_global_counter, sms_month_counter
from contest.store.records import Counter

HOUR_S = 3600
METRICS_NAMESPACE = "Contest"


@dataclass(frozen=True)
class Charge:
    """The counter items one message was charged to (for a refund)."""

    keys: tuple[tuple[str, str], ...]


class BudgetStore(Protocol):
    def charge_counters(self, counters: list[Counter]) -> set[int]:
        """Add 1 to every counter if each stays within its limit (empty set); else change nothing and return
        the positions of the counters that are full."""
        ...

    def refund_counters(self, keys: tuple[tuple[str, str], ...]) -> None: ...


def month_of(now: datetime) -> tuple[str, int]:
    """('YYYYMM', epoch seconds of the next month's start), in UTC like the SNS monthly spend limit."""
    utc = now.astimezone(UTC)
    nxt = datetime(utc.year + (utc.month == 12), utc.month % 12 + 1, 1, tzinfo=UTC)
    return f"{utc.year:04d}{utc.month:02d}", int(nxt.timestamp())


def emit(name: str, value: float = 1) -> None:
    """One CloudWatch metric by embedded metric format (Powertools), flushed at once."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(namespace=METRICS_NAMESPACE)  # dimension `service`: POWERTOOLS_SERVICE_NAME (the alarms')
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.flush_metrics()


class SmsBudget:
    def __init__(
        self,
        store: BudgetStore,
        clock: Clock,
        policy: Callable[[], SmsPolicy],
        metric: Callable[[str], None] = emit,
    ) -> None:
        self._store = store
        self._clock = clock
        self._policy = policy
        self.metric = metric

    def charge(self, address: str | None) -> Charge:
        """Count one message or raise the budget error (with `retry_after` seconds) that refused it."""
        policy = self._policy()
        now = self._clock.now()
        now_s = int(now.timestamp())
        hour = now_s // HOUR_S
        next_hour_s = (hour + 1) * HOUR_S
        month, next_month_s = month_of(now)
        base, extra = divmod(policy.global_per_hour, policy.global_shards)  # shard limits add up to the budget
        first = secrets.randbelow(policy.global_shards)
        for step in range(policy.global_shards):
            shard = (first + step) % policy.global_shards
            counters = [
                Counter(*sms_month_counter(month), policy.monthly_message_cap, next_month_s + 40 * 86400),
                Counter(*sms_global_counter(shard, hour), base + (shard < extra), next_hour_s + HOUR_S),
            ]
            if address:
                counters.append(
                    Counter(*sms_address_counter(address, hour), policy.per_address_per_hour, next_hour_s + HOUR_S)
                )
            full = self._store.charge_counters(counters)
            if not full:
                return Charge(tuple((c.pk, c.sk) for c in counters))
            if 0 in full:
                self.metric("SmsCircuitOpen")
                raise errors.SmsSuspended(retry_after=next_month_s - now_s)
            if 2 in full:
                self.metric("SmsRefusedAddress")
                raise errors.SmsAddressBudget(retry_after=next_hour_s - now_s)
        self.metric("SmsRefusedGlobal")
        raise errors.SmsGlobalBudget(retry_after=next_hour_s - now_s)

    def refund(self, charge: Charge) -> None:
        self._store.refund_counters(charge.keys)


class Channel(Protocol):
    def send(self, phone: str, text: str, *, key: str | None = None) -> None: ...


class BudgetedSender:
    """The only way a code message leaves: budget first, then the channel (SNS, a brandname gateway, the
    local outbox)."""

    def __init__(self, channel: Channel, budget: SmsBudget) -> None:
        self._channel = channel
        self.budget = budget

    def send(self, phone: str, text: str, *, address: str | None = None, key: str | None = None) -> None:
        from contest.adapters.sender import SendFailed

        charge = self.budget.charge(address)
        try:
            self._channel.send(phone, text, key=key)
        except SendFailed as exc:
            if exc.maybe_sent:
                self.budget.metric("SmsUnconfirmed")
                raise errors.SmsGatewayTimeout(retry_after=60) from exc
            self.budget.refund(charge)
            self.budget.metric("SmsSendFailed")
            raise errors.SmsGatewayFailed(retry_after=60) from exc
        self.budget.metric("SmsSent")


def describe(policy: SmsPolicy) -> dict[str, Any]:
    """The figures the rules page and the docs state."""
    return {
        "per_address_per_hour": policy.per_address_per_hour,
        "global_per_hour": policy.global_per_hour,
        "monthly_message_cap": policy.monthly_message_cap,
    }
