"""The composition root of functions/close_week: builds the close's collaborators once per cold start.

Apart from `contest.runtime` (the request handlers') because the close reaches numpy and openpyxl (the reports
layer), which no request handler may import. Built from `Settings.from_env(kind="close")`: no signing secret, no
origin secret."""

from __future__ import annotations

from dataclasses import dataclass, field

from contest.clock import Clock, SystemClock
from contest.config import Settings
from contest.publisher import Publisher, publisher_for
from contest.runtime import LazySender, clock_of
from contest.sender import Sender
from contest.services.close import CloseWeek
from contest.services.stored_content import ContentSource
from contest.store import Store, tables


@dataclass
class CloseRuntime:
    """What close_week needs, built once per cold start. Unlike `Runtime` it loads no signing secret and no origin
    secret: its IAM role may read neither. Its SMS sender (at_award: award codes) is built on first use."""

    settings: Settings
    repo: Store
    clock: Clock
    content: ContentSource
    publisher: Publisher
    sender: Sender
    wall: Clock = field(default_factory=SystemClock)  # the server's own clock (on AWS never overridden)

    def close_week(self) -> CloseWeek:
        # the clock is read here, per call: the local stack swaps in its own clock after import
        return CloseWeek(self.repo, self.content, self.clock, self.publisher, self.wall, self.sender)


def build_close_runtime(settings: Settings | None = None) -> CloseRuntime:
    settings = settings or Settings.from_env(kind="close")  # no signing secret, no origin secret: see config.py
    tables.configure(settings.table_name, settings.region)
    repo = Store()  # the close and the retention purge
    return CloseRuntime(
        settings=settings,
        repo=repo,
        clock=clock_of(settings),
        content=ContentSource(repo.bundle.load_bundle),
        publisher=publisher_for(
            public_bucket=settings.public_bucket,
            private_bucket=settings.private_bucket,
            publish_dir=settings.publish_dir,
            private_dir=settings.private_dir,
            region=settings.region,
        ),
        sender=LazySender(settings),  # at_award: one code per prize winner after the close
    )
