"""The composition root of the Lambda functions: builds each function's collaborators once per cold start.

`build_runtime()` for the request handlers (functions/register, account, quiz, submit), `build_public_runtime()`
for functions/info (no signing secret), and `contest.close.runtime` for functions/close_week (no secret at all), each
from `contest.adapters.config`'s settings of its kind; each builder takes the collaborators that replace the ones the
settings
imply (the local stack's rehearsal clock, the tests' fixed clock and in-memory sender: `local.stack.load_function`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from contest.adapters.config import ConfigError, Settings, clock_of
from contest.adapters.sender import LazySender, Sender
from contest.rules.clock import Clock
from contest.rules.perimeter import OriginGuard, parse_origin_secret
from contest.services.stored_content import ContentSource
from contest.store import Store, tables

if TYPE_CHECKING:
    from contest.api.budget import BudgetedSender
    from contest.rules.proof import ProofOfWork
    from contest.rules.receipts import ReceiptSigner
    from contest.services.accounts import Accounts
    from contest.services.coordinators import Coordinators
    from contest.services.privacy import Privacy
    from contest.services.quiz import Quiz


def signing_secret(settings: Settings) -> bytes:
    if settings.signing_secret:
        return settings.signing_secret
    from contest.adapters.signing_secret import load_signing_secret  # AWS only

    assert settings.signing_secret_ref is not None
    # reuse the botocore session PynamoDB already built: a second session costs ≈ 150 ms of cold start
    return load_signing_secret(settings.signing_secret_ref, session=tables.connection().session)


def receipt_key(settings: Settings) -> bytes:
    """The receipts' key secret, loaded at the first signing (never at cold start: only submit signs)."""
    if settings.receipt_key:
        return settings.receipt_key
    if not settings.receipt_key_ref:
        raise ConfigError("missing receipt key: set CONTEST_RECEIPT_KEY_ARN (or CONTEST_RECEIPT_KEY locally)")
    from contest.adapters.signing_secret import load_signing_secret  # AWS only

    return load_signing_secret(settings.receipt_key_ref, session=tables.connection().session)


def origin_guard(settings: Settings) -> OriginGuard:
    """Who may call the API: CloudFront (its secret origin header), and the local stack's adapter."""
    if settings.origin_secret:
        return OriginGuard(parse_origin_secret(settings.origin_secret))
    from contest.adapters.signing_secret import load_origin_secret  # AWS only

    assert settings.origin_secret_ref is not None
    return OriginGuard(load_origin_secret(settings.origin_secret_ref, session=tables.connection().session))


@dataclass
class Runtime:
    """A request handler's collaborators: built at cold start, the services on first use."""

    settings: Settings
    repo: Store
    clock: Clock
    content: ContentSource
    secret: bytes
    sender: Sender
    origin: OriginGuard
    pace: Callable[[], AbstractContextManager[None]] | None = None  # None: contest.api.pacing's, built on first use

    @cached_property
    def sms(self) -> BudgetedSender:
        """Budgets first, then the channel."""
        from contest.api.budget import BudgetedSender, SmsBudget

        budget = SmsBudget(self.repo.counters, self.clock, lambda: self.content.get().contest.sms)
        return BudgetedSender(self.sender, budget)

    @cached_property
    def pacer(self) -> Callable[[], AbstractContextManager[None]]:
        """The constant response time of the code-sending routes (contest.api.pacing)."""
        if self.pace is not None:
            return self.pace
        from contest.api.budget import emit
        from contest.api.pacing import Pacer

        return Pacer(self.settings.sms_response_floor_ms, overrun=lambda: emit("SmsPaceOverrun"))

    def paced(self) -> AbstractContextManager[None]:
        """For `route(pace=...)`."""
        return self.pacer()

    @cached_property
    def proof(self) -> ProofOfWork:
        from contest.rules.proof import ProofOfWork

        return ProofOfWork(self.secret, self.repo.counters, self.clock, lambda: self.content.get().contest.sms)

    @cached_property
    def accounts(self) -> Accounts:
        from contest.services.accounts import Accounts

        return Accounts(self.repo, self.content, self.clock, self.sms, self.secret)

    @cached_property
    def receipts(self) -> ReceiptSigner:
        from contest.rules.receipts import ReceiptSigner

        return ReceiptSigner(lambda: receipt_key(self.settings))

    @cached_property
    def quiz(self) -> Quiz:
        from contest.services.quiz import Quiz

        return Quiz(self.repo, self.content, self.clock, self.secret, random.SystemRandom(), self.receipts)

    @cached_property
    def coordinators(self) -> Coordinators:
        from contest.services.coordinators import Coordinators

        return Coordinators(self.repo, self.content, self.clock, self.accounts)

    @cached_property
    def privacy(self) -> Privacy:
        from contest.services.privacy import Privacy

        return Privacy(self.repo, self.content, self.clock, self.accounts)


def build_runtime(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    sender: Sender | None = None,
    pace: Callable[[], AbstractContextManager[None]] | None = None,
) -> Runtime:
    """A request handler's runtime from its settings; `clock`, `sender` and `pace` replace the ones the settings
    imply (the local stack's rehearsal clock; the integration tests' fixed clock and in-memory sender)."""
    settings = settings or Settings.from_env(kind="request")
    tables.configure(settings.table_name, settings.region, settings.endpoint_url)
    repo = Store()
    return Runtime(
        settings=settings,
        repo=repo,
        clock=clock or clock_of(settings),
        content=ContentSource(repo.bundle.load_bundle),
        secret=signing_secret(settings),
        sender=sender or LazySender(settings, session=lambda: tables.connection().session),
        origin=origin_guard(settings),
        pace=pace,
    )


@dataclass
class PublicRuntime:
    """functions/info's collaborators: the stored content, the clock and the origin check; no signing secret."""

    settings: Settings
    repo: Store
    clock: Clock
    content: ContentSource
    origin: OriginGuard


def build_public_runtime(settings: Settings | None = None, *, clock: Clock | None = None) -> PublicRuntime:
    settings = settings or Settings.from_env(kind="public")
    tables.configure(settings.table_name, settings.region, settings.endpoint_url)
    repo = Store()
    return PublicRuntime(
        settings=settings,
        repo=repo,
        clock=clock or clock_of(settings),
        content=ContentSource(repo.bundle.load_bundle),
        origin=origin_guard(settings),
    )
