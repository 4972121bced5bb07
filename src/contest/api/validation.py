"""A strict validator for the small JSON Schema subset our request bodies use.

The same schema dicts go into the OpenAPI document, so the contract and the check cannot drift.
Strict on purpose: "2" is not 2, true is not 1, 1.0 is not 1 (pydantic's lax mode would accept them,
and pydantic costs ~180 ms of cold start). Supported: object (properties, required,
additionalProperties: false | schema, maxProperties, propertyNames.maxLength), string
(minLength, maxLength), integer (minimum, maximum), boolean (const).
"""

from __future__ import annotations

from typing import Any

from contest.rules.errors import ValidationFailed

_TYPE_NAMES = {
    "object": "một đối tượng JSON",
    "string": "một chuỗi ký tự",
    "integer": "một số nguyên",
    "boolean": "true hoặc false",
}


def _fail(path: str, message: str) -> ValidationFailed:
    label = f"Trường «{path}»" if path else "Nội dung"
    return ValidationFailed(f"{label} {message}.", field=path or None)


def _is_type(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    raise ValueError(f"unsupported schema type {kind}")


def validate(schema: dict[str, Any], value: Any, path: str = "") -> None:
    kind = schema["type"]
    if not _is_type(value, kind):
        raise _fail(path, f"phải là {_TYPE_NAMES[kind]}")
    if "const" in schema and value != schema["const"]:
        raise _fail(path, f"phải là {str(schema['const']).lower()}")
    if kind == "string":
        if len(value) < schema.get("minLength", 0):
            raise _fail(path, "không được để trống" if schema.get("minLength") == 1 else "quá ngắn")
        if len(value) > schema.get("maxLength", 10_000):
            raise _fail(path, "quá dài")
    elif kind == "integer":
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            raise _fail(path, f"phải nằm trong khoảng {schema.get('minimum')}–{schema.get('maximum')}")
    elif kind == "object":
        _validate_object(schema, value, path)


def _validate_object(schema: dict[str, Any], value: dict[str, Any], path: str) -> None:
    properties: dict[str, Any] = schema.get("properties", {})
    if len(value) > schema.get("maxProperties", 1_000):
        raise _fail(path, "có quá nhiều mục")
    for name in schema.get("required", []):
        if name not in value:
            raise _fail(_join(path, name), "là bắt buộc")
    extra = schema.get("additionalProperties", False)
    name_limit = schema.get("propertyNames", {}).get("maxLength", 200)
    for name, item in value.items():
        if name in properties:
            validate(properties[name], item, _join(path, name))
        elif extra is False:
            raise _fail(_join(path, name[:50]), "không được hỗ trợ")
        else:
            if len(name) > name_limit:
                raise _fail(path, "có khóa quá dài")
            validate(extra, item, _join(path, name[:50]))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
