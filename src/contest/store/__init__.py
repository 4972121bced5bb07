"""The only door to DynamoDB: one repository per aggregate, composed in `Store`.

Services never see PynamoDB objects: each repository maps table items to records (`mapping.py`), builds every
key with `keys.py` and keeps invariants as conditional writes or transactions (one account per phone, one
submission per attempt), never read-then-write. `tables.py` declares the items and who reads what by which key.

| repository                 | module            | what                                                          |
|----------------------------|-------------------|---------------------------------------------------------------|
| `Store.bundle`             | `bundle.py`       | the content bundle                                            |
| `Store.accounts`           | `accounts.py`     | accounts: registration, proof of the phone, password reset    |
| `Store.phones`             | `phones.py`       | phone claims, sign-in counting, exclusions, reclaimed numbers |
| `Store.codes`              | `codes.py`        | one-time codes                                                |
| `Store.counters`           | `budgets.py`      | throttles, SMS budgets, used proofs of work                   |
| `Store.quiz`               | `quiz.py`         | attempts, submissions, standings one by one                   |
| `Store.awards`             | `awards.py`       | award confirmations                                           |
| `Store.standings`          | `standings.py`    | the close's streaming reader of a week's standings            |
| `Store.close`              | `close.py`        | committee decisions, disqualifications, closed markers        |
| `Store.coordinators`       | `coordinators.py` | appointments, a unit through index gsi1                       |
| `Store.privacy`            | `privacy.py`      | consents, the request log, everything about an account        |
| `Store.erasure`            | `erasure.py`      | erasures and the retention purge                              |

Each repository is built (and its module imported) on first use: a request handler pays only for what it touches.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from contest.adapters.config import STANDING_SHARDS

if TYPE_CHECKING:
    from contest.store.accounts import AccountStore
    from contest.store.awards import AwardStore
    from contest.store.budgets import CounterStore
    from contest.store.bundle import BundleStore
    from contest.store.close import CloseStore
    from contest.store.codes import CodeStore
    from contest.store.coordinators import CoordinatorStore
    from contest.store.erasure import ErasureStore
    from contest.store.phones import PhoneStore
    from contest.store.privacy import PrivacyStore
    from contest.store.quiz import QuizStore
    from contest.store.standings import StandingsReader


class Store:
    """Every repository over the one table (configured by `contest.store.tables.configure`)."""

    def __init__(
        self,
        shards: int = STANDING_SHARDS,
        *,
        parallel: int = 8,
        queue_pages: int = 32,
        page_limit: int | None = None,
    ) -> None:
        self.shards = shards
        # the streaming reader's knobs: threads, pages waiting in memory, items per Query page (tests paginate)
        self.parallel = parallel
        self.queue_pages = queue_pages
        self.page_limit = page_limit

    @cached_property
    def bundle(self) -> BundleStore:
        from contest.store.bundle import BundleStore

        return BundleStore()

    @cached_property
    def accounts(self) -> AccountStore:
        from contest.store.accounts import AccountStore

        return AccountStore()

    @cached_property
    def phones(self) -> PhoneStore:
        from contest.store.phones import PhoneStore

        return PhoneStore()

    @cached_property
    def codes(self) -> CodeStore:
        from contest.store.codes import CodeStore

        return CodeStore()

    @cached_property
    def counters(self) -> CounterStore:
        from contest.store.budgets import CounterStore

        return CounterStore()

    @cached_property
    def quiz(self) -> QuizStore:
        from contest.store.quiz import QuizStore

        return QuizStore(self.shards)

    @cached_property
    def awards(self) -> AwardStore:
        from contest.store.awards import AwardStore

        return AwardStore(self.accounts)

    @cached_property
    def standings(self) -> StandingsReader:
        from contest.store.standings import StandingsReader

        return StandingsReader(self.shards, self.parallel, self.queue_pages, self.page_limit)

    @cached_property
    def close(self) -> CloseStore:
        from contest.store.close import CloseStore

        return CloseStore(self.phones)

    @cached_property
    def coordinators(self) -> CoordinatorStore:
        from contest.store.coordinators import CoordinatorStore

        return CoordinatorStore()

    @cached_property
    def privacy(self) -> PrivacyStore:
        from contest.store.privacy import PrivacyStore

        return PrivacyStore(self.shards)

    @cached_property
    def erasure(self) -> ErasureStore:
        from contest.store.erasure import ErasureStore

        return ErasureStore(self.shards)
