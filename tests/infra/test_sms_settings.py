"""The inline SmsSettings custom resource, run against moto with a recording stand-in for cfnresponse."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
import template_checks

ROLE = "arn:aws:iam::123456789012:role/contest-sms-delivery"


class Responses:
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, event: dict[str, Any], context: Any, status: str, data: dict[str, Any], physical_id: str) -> None:
        self.sent.append((status, data))


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Responses, Any]]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    import boto3
    from moto import mock_aws

    responses = Responses()
    fake = types.ModuleType("cfnresponse")
    fake.SUCCESS, fake.FAILED, fake.send = Responses.SUCCESS, Responses.FAILED, responses.send  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cfnresponse", fake)
    code = template_checks.load()["Resources"]["SmsSettingsFunction"]["Properties"]["Code"]["ZipFile"]
    namespace: dict[str, Any] = {}
    with mock_aws():
        exec(compile(code, "sms_settings_inline", "exec"), namespace)
        yield namespace["handler"], responses, boto3.client("sns", region_name="ap-southeast-1")


def event(kind: str, **props: Any) -> dict[str, Any]:
    return {"RequestType": kind, "ResourceProperties": {"DeliveryStatusRoleArn": ROLE, **props}}


def test_create_applies_the_spend_limit_transactional_type_and_delivery_logging(handler: Any) -> None:
    run, responses, sns = handler
    run(event("Create", MonthlySpendLimit="300", SenderId="STTTTHT"), None)
    attributes = sns.get_sms_attributes()["attributes"]
    assert attributes["MonthlySpendLimit"] == "300"
    assert attributes["DefaultSMSType"] == "Transactional"
    assert attributes["DeliveryStatusIAMRole"] == ROLE
    assert attributes["DefaultSenderID"] == "STTTTHT"
    assert responses.sent == [("SUCCESS", {})]


def test_no_sender_id_leaves_the_carrier_default(handler: Any) -> None:
    run, _, sns = handler
    run(event("Update", MonthlySpendLimit="50", SenderId=""), None)
    assert "DefaultSenderID" not in sns.get_sms_attributes()["attributes"]


def test_delete_leaves_the_account_settings_alone(handler: Any) -> None:
    run, responses, sns = handler
    run(event("Create", MonthlySpendLimit="300"), None)
    run(event("Delete", MonthlySpendLimit="300"), None)
    assert sns.get_sms_attributes()["attributes"]["MonthlySpendLimit"] == "300"
    assert [status for status, _ in responses.sent] == ["SUCCESS", "SUCCESS"]


def test_a_failure_is_reported_to_cloudformation_not_left_hanging(handler: Any) -> None:
    run, responses, _ = handler
    run({"RequestType": "Create", "ResourceProperties": {}}, None)  # no limit, no role: KeyError inside
    assert responses.sent[0][0] == "FAILED"
    assert "MonthlySpendLimit" in responses.sent[0][1]["Error"]
