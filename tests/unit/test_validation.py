"""validation: request bodies checked strictly against the same schemas the OpenAPI document shows."""

from __future__ import annotations

from typing import Any

import pytest

from contest.api import schemas
from contest.api.validation import validate
from contest.rules.errors import ValidationFailed
from tests.support import unit

VIETNAMESE_LETTERS = set("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĐ")


def submit_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"token": "a.b.c", "answers": {"w1-q001": "A", "w1-q002": "D"}, "prediction": 1234}
    body.update(changes)
    return body


def register_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "full_name": "Nguyễn Văn An",
        "phone": "0912345678",
        "unit_id": unit("so-tttt"),
        "password": "mat-khau-123",
        "consent": True,
    }
    body.update(changes)
    return body


def refused(schema: dict[str, Any], body: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        validate(schema, body)
    return caught.value


def test_valid_bodies_pass() -> None:
    # Given well-formed submit and register bodies (including the prediction bounds and no answers)
    # When / Then they validate
    validate(schemas.SUBMIT, submit_body())
    validate(schemas.SUBMIT, submit_body(prediction=0, answers={}))
    validate(schemas.SUBMIT, submit_body(prediction=10_000_000))
    validate(schemas.REGISTER, register_body())


@pytest.mark.parametrize("prediction", ["2", True, False, 1.0, 2.5, -1, 10_000_001, None, [2], {"n": 2}])
def test_prediction_is_a_strict_integer_in_range(prediction: object) -> None:
    # Given a prediction that is not an integer 0..10,000,000 (strings, booleans and floats included)
    # When the body is validated
    error = refused(schemas.SUBMIT, submit_body(prediction=prediction))
    # Then it is refused naming the field
    assert error.body()["field"] == "prediction"


@pytest.mark.parametrize("value", [1, None, True, ["A"], {"x": "A"}, 1.0])
def test_answer_values_must_be_strings(value: object) -> None:
    # Given an answer whose value is not a string
    # When / Then the body is refused, naming the answer under `answers`
    error = refused(schemas.SUBMIT, submit_body(answers={"w1-q001": value}))
    assert str(error.body()["field"]).startswith("answers")


def test_answer_values_are_at_most_one_character_and_not_empty() -> None:
    # Given answers "AB" and "" (the schema allows one label)
    # When / Then both are refused
    refused(schemas.SUBMIT, submit_body(answers={"w1-q001": "AB"}))
    refused(schemas.SUBMIT, submit_body(answers={"w1-q001": ""}))


def test_answers_are_bounded() -> None:
    # Given 101 answers, or a question id longer than 64 characters
    # When / Then the body is refused
    refused(schemas.SUBMIT, submit_body(answers={f"q{i}": "A" for i in range(101)}))
    refused(schemas.SUBMIT, submit_body(answers={"q" * 65: "A"}))
    validate(schemas.SUBMIT, submit_body(answers={f"q{i}": "A" for i in range(100)}))


@pytest.mark.parametrize(("schema", "body"), [(schemas.SUBMIT, submit_body()), (schemas.REGISTER, register_body())])
def test_unknown_top_level_field_is_refused(schema: dict[str, Any], body: dict[str, Any]) -> None:
    # Given a body with a field the API does not know
    # When / Then it is refused, naming that field
    error = refused(schema, body | {"is_admin": True})
    assert error.body()["field"] == "is_admin"


@pytest.mark.parametrize(
    ("schema", "body"),
    [(schemas.SUBMIT, submit_body()), (schemas.REGISTER, register_body())],
)
def test_every_missing_field_is_refused(schema: dict[str, Any], body: dict[str, Any]) -> None:
    # Given a body missing one of its required fields (each in turn). Consent comes in one of two forms
    # (the per-purpose "consents" or the older single "consent"), so the schema cannot require either:
    # silence is refused by the consent rules (test_consents), not here.
    for name in (n for n in body if n in schema["required"]):
        partial = {k: v for k, v in body.items() if k != name}
        # When / Then it is refused, naming the missing field
        error = refused(schema, partial)
        assert error.body()["field"] == name


@pytest.mark.parametrize("consent", [False, "true", 1, None])
def test_consent_must_be_true(consent: object) -> None:
    # Given a registration without explicit consent
    # When / Then it is refused, naming consent
    error = refused(schemas.REGISTER, register_body(consent=consent))
    assert error.body()["field"] == "consent"


@pytest.mark.parametrize(
    ("schema", "body", "field"),
    [
        (schemas.REGISTER, register_body(full_name="a" * 301), "full_name"),
        (schemas.REGISTER, register_body(phone="0" * 41), "phone"),
        (schemas.REGISTER, register_body(unit_id="u" * 65), "unit_id"),
        (schemas.REGISTER, register_body(password="p" * 257), "password"),
        (schemas.SUBMIT, submit_body(token="t" * 4097), "token"),
    ],
)
def test_string_over_max_length_is_refused(schema: dict[str, Any], body: dict[str, Any], field: str) -> None:
    # Given a string one character over its maxLength
    # When / Then the body is refused naming it, and at maxLength it passes
    assert refused(schema, body).body()["field"] == field
    validate(schema, body | {field: body[field][:-1]})


def test_empty_required_string_is_refused() -> None:
    # Given an empty phone, When / Then it is refused
    assert refused(schemas.REGISTER, register_body(phone="")).body()["field"] == "phone"


@pytest.mark.parametrize("body", [None, [], "x", 1, True])
def test_body_that_is_not_an_object_is_refused(body: object) -> None:
    # Given a JSON body that is not an object, When / Then it is refused
    refused(schemas.SUBMIT, body)


@pytest.mark.parametrize(
    ("schema", "body", "field"),
    [
        (schemas.SUBMIT, submit_body(prediction="2"), "prediction"),
        (schemas.SUBMIT, submit_body(prediction=-1), "prediction"),
        (schemas.REGISTER, register_body(consent=False), "consent"),
        (schemas.REGISTER, {k: v for k, v in register_body().items() if k != "phone"}, "phone"),
        (schemas.REGISTER, register_body(full_name="a" * 301), "full_name"),
        (schemas.REGISTER, register_body(extra=1), "extra"),
    ],
)
def test_error_is_vietnamese_names_the_field_and_carries_it(schema: dict[str, Any], body: Any, field: str) -> None:
    # Given an invalid body
    # When it is validated
    error = refused(schema, body)
    # Then the error is VALIDATION_FAILED (422), its Vietnamese message mentions the field,
    # and the body carries `field`
    payload = error.body()
    assert payload["code"] == "VALIDATION_FAILED" and error.status == 422
    assert payload["field"] == field
    assert field in payload["message"]
    assert VIETNAMESE_LETTERS & set(payload["message"]), payload["message"]
