"""The Sunday close interrupted at random points and rerun publishes byte-identical files, and readers of
/results/ over HTTP never see a half-written file.

A clean close is the reference. Then, for seeded random interruption points, the close is stopped at its
k-th step (a DynamoDB call of either of its clients, or the rename that publishes a file: the process dies
with the new bytes in a temporary file) and run again without faults. Meanwhile a reader thread keeps
fetching /results/week-1.json and /results/index.json from the stack: each answer must be a 404 (before
the first publication) or the complete reference bytes.

CONTEST_CLOSE_INTERRUPTIONS (default 8; `make stress`: 30) sets how many interruptions are tried.
"""

from __future__ import annotations

import json
import os
import random
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fakes import FixedClock
from tests.stress.harness import (
    REPO,
    Client,
    answers_for,
    correct_texts,
    make_root,
    running_stack,
    seed_contestants,
)
from tests.support import PINNED_QUIZ_RULES, WEEK1_MID

INTERRUPTIONS = int(os.environ.get("CONTEST_CLOSE_INTERRUPTIONS", "8"))
OUT = REPO / "build" / "stress"


class Interrupted(Exception):
    """The close's process dies here."""


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class Steps:
    """Counts the close's steps (DynamoDB requests of both its clients, file publications) and interrupts
    the k-th one when armed."""

    def __init__(self) -> None:
        self.count = 0
        self.stop_at: int | None = None
        self.lock = threading.Lock()

    def step(self, what: str) -> None:
        with self.lock:
            self.count += 1
            if self.stop_at is not None and self.count == self.stop_at:
                raise Interrupted(f"step {self.count}: {what}")


def test_an_interrupted_close_reruns_to_byte_identical_files_and_readers_never_see_half(tmp_path, monkeypatch):
    root = make_root(tmp_path, contest_changes=PINNED_QUIZ_RULES)  # the rules its checks are written for
    right_text = correct_texts(root)
    clock = FixedClock(WEEK1_MID)
    with running_stack(root, clock) as stack:
        # Given a week with 40 contestants who took the quiz over HTTP
        client = Client(stack.base_url)
        rng = random.Random(7)
        for person in seed_contestants(stack, 40):
            quiz = client.post("/api/quiz", {}, token=person.session).body
            clock.advance(rng.randrange(60, 900))
            body = {
                "token": quiz["token"],
                "answers": answers_for(quiz, right_text, rng.randrange(16)),
                "prediction": rng.randrange(100),
            }
            assert client.post("/api/submit", body, token=person.session).status == 200

        steps = Steps()
        from contest.store.tables import TableSchema

        # the close's two DynamoDB clients: the raw one that streams standings, PynamoDB's for the rest
        clients = [
            stack.functions["close_week"].runtime.repo.standings._client(),
            TableSchema._get_connection().connection.client,
        ]
        for c in clients:
            c.meta.events.register(
                "before-send.dynamodb", lambda request, **kw: steps.step("dynamodb"), unique_id="close-steps"
            )
        import contest.adapters.publisher as publisher_module

        real_replace = os.replace

        def replace(src, dst, *a, **kw):
            steps.step(f"publish {Path(dst).name}")
            return real_replace(src, dst, *a, **kw)

        monkeypatch.setattr(publisher_module.os, "replace", replace)

        # A reader on the site, all along
        seen: dict[str, set[bytes]] = {"/results/week-1.json": set(), "/results/index.json": set()}
        statuses: dict[int, int] = {}
        stop = threading.Event()

        def read() -> None:
            reader = Client(stack.base_url)
            for _ in range(100_000):
                if stop.is_set():
                    return
                for path in seen:
                    reply = reader.get(path)
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
                    if reply.status == 200:
                        seen[path].add(reply.raw)

        reader_thread = threading.Thread(target=read, daemon=True)
        reader_thread.start()
        try:
            # When the week closes without trouble: the reference
            clock.at = stack.functions["close_week"].runtime.content.get().contest.week(1).results_at + timedelta(
                seconds=1
            )
            steps.count = 0
            assert stack.invoke("close_week", {"week": 1})["status"] == "published"
            total_steps = steps.count
            reference_public, reference_private = tree(stack.public_dir), tree(stack.private_dir)
            # And it is interrupted at random steps, then rerun each time
            interrupted = []
            for k in sorted(random.Random(11).sample(range(1, total_steps + 1), min(INTERRUPTIONS, total_steps))):
                steps.count, steps.stop_at = 0, k
                with pytest.raises(Exception) as died:
                    stack.invoke("close_week", {"week": 1})
                assert "step" in str(died.value) or isinstance(died.value, Interrupted) or died.value.__cause__
                interrupted.append(str(died.value)[:80])
                steps.stop_at = None
                assert stack.invoke("close_week", {"week": 1})["status"] == "published"
                # Then every file, public and private, is byte for byte the reference
                assert tree(stack.public_dir) == reference_public, k
                assert tree(stack.private_dir) == reference_private, k
        finally:
            stop.set()
            reader_thread.join(timeout=30)
            for c in clients:
                c.meta.events.unregister("before-send.dynamodb", unique_id="close-steps")

    # And the readers only ever saw the complete reference files (or nothing yet: no file, or the empty index
    # the stack writes before the first close)
    from contest.rules.publication import canonical_json, empty_results_index

    assert seen["/results/week-1.json"] <= {reference_public["results/week-1.json"]}
    empty_index = canonical_json(empty_results_index())
    assert seen["/results/index.json"] <= {reference_public["results/index.json"], empty_index}
    assert set(statuses) <= {200, 404} and statuses.get(200, 0) > 0
    json.loads(reference_public["results/week-1.json"])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "close-interrupted.json").write_text(
        json.dumps(
            {
                "close_steps": total_steps,
                "interruptions": len(interrupted),
                "where": interrupted,
                "reads": statuses,
                "distinct_versions_seen": {p: len(v) for p, v in seen.items()},
                "byte_identical_reruns": len(interrupted),
            },
            indent=2,
            ensure_ascii=False,
        )
    )
