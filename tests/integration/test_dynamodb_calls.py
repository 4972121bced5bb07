"""DynamoDB requests per registration (benchmarks/cold_start.py prints the same counts for the whole flow):
registration folds the proof of work's replay record and the per-address throttle into its transaction."""

from __future__ import annotations

from collections import Counter

import pytest
from botocore.client import BaseClient

from contest.store import tables
from tests.integration.conftest import load_handlers
from tests.support import PHONES, Api, code_for, e164, make_content


@pytest.fixture
def calls(monkeypatch):
    """Every DynamoDB API call of every botocore client (PynamoDB's models and its transactions use several)."""
    counted: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if self.meta.service_model.service_name == "dynamodb":
            counted.update(["n", operation_name])
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return counted


def registration_calls(api: Api, calls: Counter[str], phone: str) -> int:
    proof = api.proof()  # issued and solved in the browser: no DynamoDB call
    before = calls["n"]
    reply = api.register(phone, headers={"x-altcha": proof})
    assert reply.status == 201, reply.body
    return calls["n"] - before


@pytest.mark.parametrize("mode", ["at_registration", "at_award"])
def test_a_registration_makes_at_most_three_dynamodb_calls(mode, env, clock, sender, calls):
    # Given the contest in either verification mode
    content = make_content(contest_changes={"registration.verification": mode})
    from contest.content.loader import bundle_of
    from contest.store import Store

    tables.configure("contest-test", "ap-southeast-1")
    tables.create_table()
    Store().bundle.save_bundle(bundle_of(content))
    api = Api(load_handlers(clock, sender))
    api.get("/api/units")  # the content is read once per sandbox, not per request
    # When two people register (the second on a warm sandbox, as most do)
    registration_calls(api, calls, PHONES[0])
    counted = registration_calls(api, calls, PHONES[1])
    # Then the registration took at most 3 requests (reads batched; proof, throttle, account in one transaction)
    assert counted <= 3, (counted, calls)
    # And it still did its job: the account exists, and a code went out only in at_registration mode
    sent = [m for m in sender.sent if e164(PHONES[1]) in str(m)]
    assert bool(sent) is (mode == "at_registration")
    if mode == "at_registration":
        code = code_for(sender.sent, e164(PHONES[1]))
        assert api.post("/api/verify", {"phone": PHONES[1], "code": code}).status == 200
    assert api.login(PHONES[1]).status == 200


def test_a_replayed_proof_is_still_refused(env, clock, sender, calls):
    content = make_content(contest_changes={"registration.verification": "at_award"})
    from contest.content.loader import bundle_of
    from contest.store import Store

    tables.configure("contest-test", "ap-southeast-1")
    tables.create_table()
    Store().bundle.save_bundle(bundle_of(content))
    api = Api(load_handlers(clock, sender))
    proof = api.proof()
    assert api.register(PHONES[2], headers={"x-altcha": proof}).status == 201
    # When the same solved challenge is sent again, for a free number and for the number just registered
    for phone in (PHONES[3], PHONES[2]):
        again = api.register(phone, headers={"x-altcha": proof})
        # Then it is refused, and nothing was registered with it
        assert again.status == 403 and again.body["code"] == "POW_REUSED", again.body
    assert api.login(PHONES[3]).status == 401
