"""Integration tests: the real handlers, through the services and PynamoDB, on moto (in-process)."""

from __future__ import annotations

import pytest
from moto import mock_aws

from contest.content.loader import bundle_of
from contest.local.emulator import make_dynamodb_atomic, make_router_state_per_thread
from contest.local.stack import load_function
from contest.store import Store, tables
from tests.fakes import FixedClock, MemorySender
from tests.support import ORIGIN_SECRET, PINNED_QUIZ_RULES, ROOT, WEEK1_MID, Api, make_content

TABLE = "contest-test"


make_dynamodb_atomic()  # moto has no per-request atomicity; real DynamoDB does
make_router_state_per_thread()  # tests call one module from many threads; Lambda runs one request per sandbox


@pytest.fixture(autouse=True)
def aws():
    with mock_aws():
        yield


@pytest.fixture
def clock():
    return FixedClock(WEEK1_MID)


@pytest.fixture
def sender():
    return MemorySender()


@pytest.fixture
def content():
    return make_content(contest_changes=PINNED_QUIZ_RULES)


@pytest.fixture
def env(monkeypatch, tmp_path):
    values = {
        "CONTEST_TABLE": TABLE,
        "CONTEST_SMS_SENDER": "outbox",
        "CONTEST_OUTBOX": str(tmp_path / "outbox.jsonl"),
        "CONTEST_SIGNING_SECRET": "test-secret-" + "s" * 40,
        "CONTEST_RECEIPT_KEY": "test-receipt-key-" + "r" * 40,
        "CONTEST_ORIGIN_SECRET": ORIGIN_SECRET,
        "CONTEST_PUBLISH_DIR": str(tmp_path / "public"),
        "CONTEST_PRIVATE_DIR": str(tmp_path / "private"),
        "POWERTOOLS_SERVICE_NAME": "contest",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    # the e2e session's local stack (a session fixture) leaves its own clock in the environment while it runs;
    # integration tests build their handlers as on AWS, with the clock each test injects
    monkeypatch.delenv("CONTEST_CLOCK", raising=False)
    return values


@pytest.fixture
def repo(env, content):
    tables.configure(TABLE, "ap-southeast-1")
    tables.create_table()
    repository = Store()
    repository.bundle.save_bundle(bundle_of(content))
    return repository


def load_handlers(clock, sender, names=("register", "account", "info", "quiz", "submit"), **collaborators):
    functions = {}
    for name in names:
        functions[name] = load_function(
            ROOT / "functions" / name / "app.py", name, clock=clock, sender=sender, **collaborators
        )
    return functions


@pytest.fixture
def api(repo, clock, sender):
    return Api(load_handlers(clock, sender))
