"""Overlapping requests on the local stack are isolated, as on Lambda (one request per process there).

Found by the stress run: Powertools keeps the request being resolved in a class attribute shared by every
resolver of the process, and the local stack runs overlapping requests in threads of one process, so under
load a contestant was answered with another contestant's quiz or page. contest.local.emulator now keeps
that state per thread (make_router_state_per_thread).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.fakes import FixedClock
from tests.stress.harness import Client, make_root, running_stack, seed_contestants
from tests.support import WEEK1_MID


def test_overlapping_requests_are_each_answered_for_their_own_contestant(tmp_path):
    # Given 40 contestants with their own sessions
    with running_stack(make_root(tmp_path), FixedClock(WEEK1_MID)) as stack:
        people = seed_contestants(stack, 40)
        client = Client(stack.base_url)

        # When all of them open "my page" and start the quiz at the same moment, three times over
        def mine(k: int) -> tuple[str, str, str, str]:
            me = client.get("/api/me", token=people[k % 40].session)
            quiz = client.post("/api/quiz", {}, token=people[k % 40].session)
            again = client.get("/api/me", token=people[k % 40].session)
            return (
                people[k % 40].name,
                me.body["full_name"],
                again.body["attempts"][0]["attempt_id"],
                quiz.body["attempt_id"],
            )

        with ThreadPoolExecutor(40) as pool:
            answers = list(pool.map(mine, range(120)))

    # Then everyone saw their own page and their own attempt, never someone else's
    assert [(name, seen) for name, seen, _, _ in answers if name != seen] == []
    assert [a for a in answers if a[2] != a[3]] == []
