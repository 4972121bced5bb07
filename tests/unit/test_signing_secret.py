"""load_signing_secret against moto: Secrets Manager (the stack's choice) and SSM SecureString."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")

import botocore.session
from botocore.exceptions import ClientError
from moto import mock_aws

from contest.adapters.config import ConfigError
from contest.adapters.signing_secret import forget_cached_secrets, load_signing_secret

SECRET = "Zq8mX2vN7pL4rT9wK3yB6cF1hJ5dG0sA" * 2  # 64 alphanumerics, like GenerateSecretString makes


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    forget_cached_secrets()
    with mock_aws():
        yield
    forget_cached_secrets()


def _client(service: str):  # type: ignore[no-untyped-def]
    return botocore.session.get_session().create_client(service, region_name="ap-southeast-1")


def test_reads_a_secrets_manager_secret_by_arn_as_bytes() -> None:
    # Given the secret the stack generated
    arn = _client("secretsmanager").create_secret(Name="contest-prod/signing-secret", SecretString=SECRET)["ARN"]
    # When a function loads it by the ARN it gets in CONTEST_SIGNING_SECRET_ARN
    secret = load_signing_secret(arn)
    # Then it has the secret's bytes
    assert secret == SECRET.encode()


def test_reads_a_secret_by_name_too() -> None:
    _client("secretsmanager").create_secret(Name="contest-prod/signing-secret", SecretString=SECRET)
    assert load_signing_secret("contest-prod/signing-secret") == SECRET.encode()


def test_fetches_once_per_process_then_serves_from_memory() -> None:
    # Given a secret that a first call has loaded
    secrets = _client("secretsmanager")
    arn = secrets.create_secret(Name="contest/s", SecretString=SECRET)["ARN"]
    first = load_signing_secret(arn)
    # When the secret changes (or disappears) in AWS afterwards
    secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    # Then the warm sandbox keeps the value it started with: no call is made
    assert load_signing_secret(arn) is first
    # And a new cold start would fetch again (and here fail, the secret being gone)
    forget_cached_secrets()
    with pytest.raises(ClientError) as raised:
        load_signing_secret(arn)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_uses_the_session_it_is_given() -> None:
    # Given a botocore session the process already has (PynamoDB's, the SMS sender's)
    session = botocore.session.get_session()
    session.create_client("dynamodb", region_name="ap-southeast-1")
    arn = _client("secretsmanager").create_secret(Name="contest/s", SecretString=SECRET)["ARN"]
    created: list[str] = []
    original = session.create_client

    def spy(service_name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        created.append(service_name)
        return original(service_name, *args, **kwargs)

    session.create_client = spy  # type: ignore[method-assign]
    # When the secret is loaded with it
    secret = load_signing_secret(arn, session=session)
    # Then the client came from that session
    assert secret == SECRET.encode()
    assert created == ["secretsmanager"]


def test_reads_a_binary_secret() -> None:
    raw = os.urandom(48)
    arn = _client("secretsmanager").create_secret(Name="contest/bin", SecretBinary=raw)["ARN"]
    assert load_signing_secret(arn) == raw


def test_reads_an_ssm_secure_string_by_name() -> None:
    _client("ssm").put_parameter(Name="/contest/prod/signing-secret", Value=SECRET, Type="SecureString")
    assert load_signing_secret("/contest/prod/signing-secret") == SECRET.encode()


def test_a_short_secret_is_a_configuration_error() -> None:
    arn = _client("secretsmanager").create_secret(Name="contest/short", SecretString="too-short")["ARN"]
    with pytest.raises(ConfigError, match="shorter than 32 bytes"):
        load_signing_secret(arn)


def test_a_missing_secret_fails_loudly() -> None:
    with pytest.raises(ClientError) as raised:
        load_signing_secret("arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:nope-AbCdEf")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_origin_secret_is_read_once_with_its_current_and_previous_values() -> None:
    import json

    from contest.adapters.signing_secret import load_origin_secret

    client = _client("secretsmanager")
    arn = client.create_secret(Name="contest-prod/origin-secret", SecretString=json.dumps({"current": "c" * 48}))["ARN"]
    assert load_origin_secret(arn) == ("c" * 48,)
    # a sandbox keeps what it read (a rotation renews the sandboxes: docs/deploy.md)
    client.put_secret_value(SecretId=arn, SecretString=json.dumps({"current": "n" * 48, "previous": "c" * 48}))
    assert load_origin_secret(arn) == ("c" * 48,)
    forget_cached_secrets()
    assert load_origin_secret(arn) == ("n" * 48, "c" * 48)


def test_a_malformed_origin_secret_fails_the_cold_start() -> None:
    from contest.adapters.signing_secret import load_origin_secret

    arn = _client("secretsmanager").create_secret(Name="contest-prod/origin-secret", SecretString="short")["ARN"]
    with pytest.raises(ConfigError, match="origin secret"):
        load_origin_secret(arn)
