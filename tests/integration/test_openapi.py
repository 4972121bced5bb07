"""The committed OpenAPI document is what the handlers declare: a test fails when they drift."""

import json

from contest import openapi
from tests.support import ROOT


def test_committed_openapi_matches_the_routes(api):
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    generated = openapi.render(openapi.load_functions(ROOT))
    assert committed == generated, "docs/openapi.json is stale: run `contest openapi`"


def test_every_route_is_documented_with_a_json_error_body(api):
    doc = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    routes = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    declared = {(r.method, r.path) for module in api.functions.values() for r in module.app._static_routes}
    assert declared <= routes
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["responses"]["422"]["content"]["application/json"]["schema"]["required"] == [
                "code",
                "message",
            ]
