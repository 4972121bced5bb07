"""Schemathesis against the committed OpenAPI document (docs/openapi.json), over HTTP on the local stack.

Every operation of the document is fuzzed: cases generated from its request schema (with and without a
valid session), each sent to the running stack and checked: no server error, a documented status code,
the documented content type, and a body valid against the documented response schema.

`make test` runs CONTEST_FUZZ_CASES (default 120) cases in all; `make fuzz` runs 1,200. The figures are
written to build/fuzz/summary.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fakes import FixedClock
from tests.stress.harness import REPO, make_root, running_stack, seed_contestants
from tests.support import WEEK1_MID

DOCUMENT = REPO / "docs" / "openapi.json"
OPERATIONS = sum(len(v) for v in json.loads(DOCUMENT.read_text())["paths"].values())
TOTAL = int(os.environ.get("CONTEST_FUZZ_CASES", "120"))
PER_OPERATION = max(1, -(-TOTAL // OPERATIONS))
OUT = REPO / "build" / "fuzz"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_path(DOCUMENT)
tally: Counter = Counter()
lock = threading.Lock()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = make_root(tmp_path_factory.mktemp("fuzz"))
    with running_stack(root, FixedClock(WEEK1_MID)) as running:
        running.session = seed_contestants(running, 1)[0].session
        yield running
    OUT.mkdir(parents=True, exist_ok=True)
    per_op: Counter = Counter()
    statuses: Counter = Counter()
    documented = {(m.upper(), p) for p, ops in json.loads(DOCUMENT.read_text())["paths"].items() for m in ops}
    for (method, path, status), n in tally.items():
        per_op[f"{method} {path}" if (method, path) in documented else "undocumented method (expects 405)"] += n
        statuses[str(status)] += n
    summary = {
        "document": str(DOCUMENT.relative_to(REPO)),
        "operations": OPERATIONS,
        "cases": sum(tally.values()),
        "per_operation": dict(sorted(per_op.items())),
        "statuses": dict(sorted(statuses.items())),
        "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
    }
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2))


def sign_payload(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """What the site's fetch wrapper adds to every POST (core.js api()): the hex SHA-256 of the exact body, which
    CloudFront's origin access control signs for the function URL (a request without it never reaches a handler)."""
    body = request.body or b""
    data = body.encode() if isinstance(body, str) else body
    if request.method not in ("GET", "HEAD"):
        request.headers["x-amz-content-sha256"] = hashlib.sha256(data).hexdigest()
    return request


@schema.parametrize()
@settings(
    max_examples=PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("CONTEST_FUZZ_SEED") is None,
)
def test_every_operation_answers_as_documented(case, stack):
    # Given a generated request (half of them with a real session, so the routes behind it are reached)
    headers = {}
    if case.operation.definition.raw.get("security") and hash(repr(case.body)) % 2 == 0:
        headers["x-contest-session"] = stack.session
    # When it is sent to the running stack
    signing = requests.Session()
    signing.auth = sign_payload  # applied to the prepared request, body serialized
    response = case.call(base_url=stack.base_url, headers=headers, timeout=30, session=signing)
    with lock:
        tally[(case.method.upper(), case.path, response.status_code)] += 1
    # Then: no server error, a documented status and content type, a body valid against the schema
    case.validate_response(response, checks=CHECKS)
