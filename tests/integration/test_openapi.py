"""The committed OpenAPI document is what the handlers declare: a test fails when they drift."""

import json

from contest.local import openapi
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
            schema = op["responses"]["422"]["content"]["application/json"]["schema"]
            assert doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["required"] == ["code", "message"]


def _objects(schema, where):
    """Every object schema inside a schema, with where it sits."""
    if not isinstance(schema, dict):
        return
    kinds = schema.get("type")
    if kinds == "object" or (isinstance(kinds, list) and "object" in kinds) or "properties" in schema:
        yield where, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _objects(sub, f"{where}.{name}")
    yield from _objects(schema.get("items"), f"{where}[]")
    yield from _objects(schema.get("additionalProperties"), f"{where}{{*}}")


def test_every_response_object_is_closed_unless_it_says_otherwise(api):
    # an object left open must say so (additionalProperties: true) and why (description)
    doc = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    unstated, open_without_reason = [], []
    schemas = [(f"components.schemas.{n}", schema) for n, schema in doc["components"].get("schemas", {}).items()]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                schemas.append((f"{method.upper()} {path} {status}", answer["content"]["application/json"]["schema"]))
    for name, schema in schemas:
        if "$ref" not in schema:
            for where, obj in _objects(schema, name):
                if "additionalProperties" not in obj:
                    unstated.append(where)
                elif obj["additionalProperties"] is True and not obj.get("description"):
                    open_without_reason.append(where)
    assert unstated == []
    assert open_without_reason == []
