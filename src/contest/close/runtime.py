"""The composition root of the weekly close: builds the close's collaborators, for functions/close_week and for
the organisers' CLI (`contest close-week`, `contest committee`, ...), the same way.

Apart from `contest.api.runtime` (the request handlers'; both take their clock and their SMS sender from
`contest.adapters`) because the close reaches numpy and openpyxl (the reports layer), which no request handler may
import. functions/close_week builds it from `Settings.from_env(kind="close")`
(no signing secret, no origin secret); the CLI from `config.TerminalSettings` and, on the local stack, the running
stack's marker (contest.cli.close)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from contest.adapters.config import Settings, clock_of
from contest.adapters.publisher import Publisher, publisher_for
from contest.adapters.sender import LazySender, Sender
from contest.close.week import CloseWeek
from contest.rules.clock import Clock, SystemClock
from contest.services.stored_content import ContentSource
from contest.store import Store, tables


@dataclass
class CloseRuntime:
    """What the close needs, built once (per cold start, or per CLI command). Unlike `Runtime` it holds no signing
    secret and no origin secret: close_week's IAM role may read neither. Its SMS sender (at_award: award codes) is
    built on first use; None from a terminal without SMS (the scheduled close sends them)."""

    repo: Store
    clock: Clock
    content: ContentSource
    publisher: Publisher
    sender: Sender | None
    wall: Clock = field(default_factory=SystemClock)  # the server's own clock (on AWS never overridden)

    def close_week(self) -> CloseWeek:
        return CloseWeek(self.repo, self.content, self.clock, self.publisher, self.wall, self.sender)


def assemble_close(
    *,
    table_name: str,
    region: str,
    public_bucket: str | None,
    private_bucket: str | None,
    publish_dir: Path | None,
    private_dir: Path | None,
    clock: Clock,
    sender: Sender | None,
    wall: Clock | None = None,
) -> CloseRuntime:
    """The one place the close is composed. `publisher_for` raises ValueError when neither buckets nor folders
    are given."""
    publisher = publisher_for(
        public_bucket=public_bucket,
        private_bucket=private_bucket,
        publish_dir=publish_dir,
        private_dir=private_dir,
        region=region,
    )
    tables.configure(table_name, region)
    repo = Store()  # the close and the retention purge
    return CloseRuntime(
        repo=repo,
        clock=clock,
        content=ContentSource(repo.bundle.load_bundle),
        publisher=publisher,
        sender=sender,
        wall=wall or SystemClock(),
    )


def build_close_runtime(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    wall: Clock | None = None,
    sender: Sender | None = None,
) -> CloseRuntime:
    """functions/close_week's runtime; `clock`, `wall` and `sender` replace the ones the settings imply (the local
    stack's rehearsal clock, the integration tests' fixed clock and in-memory sender)."""
    settings = settings or Settings.from_env(kind="close")  # no signing secret, no origin secret: see config.py
    return assemble_close(
        table_name=settings.table_name,
        region=settings.region,
        public_bucket=settings.public_bucket,
        private_bucket=settings.private_bucket,
        publish_dir=settings.publish_dir,
        private_dir=settings.private_dir,
        clock=clock or clock_of(settings),
        # at_award: one code per prize winner after the close
        sender=sender or LazySender(settings, session=lambda: tables.connection().session),
        wall=wall,
    )
