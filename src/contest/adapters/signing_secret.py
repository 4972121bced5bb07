"""The signing secret on AWS: fetched once per cold start, then kept in memory for the life of the sandbox.

The stack generates the secret in Secrets Manager at deploy time (infra/template.yaml, `SigningSecret`) and hands
the functions only its ARN (`CONTEST_SIGNING_SECRET_ARN`). An SSM SecureString name ("/contest/...", or an
`arn:aws:ssm:` ARN) works too, for stacks that keep the secret there.

Why a plain botocore client and not Powertools parameters (`parameters.get_secret`): Powertools builds a boto3
client, and `import boto3` drags in boto3 and s3transfer on top of botocore. Measured with
benchmarks/signing_secret_cold_start.py (fresh interpreter, after the DynamoDB client every function already has;
request built and signed, not sent): boto3 via Powertools ≈ 235–260 ms, botocore with its own session
≈ 190–200 ms, botocore sharing the session already loaded by another client ≈ 15–20 ms. So: botocore, and pass
`session=` the botocore session the process already has (PynamoDB's, the SNS sender's) to skip reloading
botocore's data files. Powertools' own caching adds nothing here: the value never changes within a sandbox's life
(rotation is followed by a forced cold start, docs/deploy.md).
"""

from __future__ import annotations

import threading
from typing import Any

from contest.adapters.config import ConfigError

MIN_SECRET_BYTES = 32

_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def _is_ssm(name_or_arn: str) -> bool:
    return name_or_arn.startswith("/") or (name_or_arn.startswith("arn:") and ":ssm:" in name_or_arn)


_clients: dict[tuple[int, str], Any] = {}


def _client(session: Any, service: str) -> Any:
    """One client per session and service: the origin secret is read with the client that read the signing
    secret (a second client on the same session would cost ≈ 15 ms more at cold start)."""
    if session is None:
        import botocore.session  # lazy: the local stack and the tests never pay for it

        session = botocore.session.get_session()
    key = (id(session), service)
    if key not in _clients:
        _clients[key] = session.create_client(service)
    return _clients[key]


def _fetch_text(name_or_arn: str, session: Any) -> str | bytes:
    if _is_ssm(name_or_arn):
        ssm = _client(session, "ssm")
        value: str | bytes = ssm.get_parameter(Name=name_or_arn, WithDecryption=True)["Parameter"]["Value"]
        return value
    answer = _client(session, "secretsmanager").get_secret_value(SecretId=name_or_arn)
    return answer["SecretString"] if "SecretString" in answer else answer["SecretBinary"]


def _fetch(name_or_arn: str, session: Any) -> bytes:
    value = _fetch_text(name_or_arn, session)
    secret = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(f"the signing secret {name_or_arn} is shorter than {MIN_SECRET_BYTES} bytes")
    return secret


def load_signing_secret(name_or_arn: str, session: Any | None = None) -> bytes:
    """The secret's bytes; the first call per process fetches it, every later call returns the same bytes.

    `session`: an existing `botocore.session.Session` to create the client from (saves ≈ 150+ ms at cold
    start);
    None makes a new one. AWS errors (missing secret, access denied) propagate: a function without its secret
    must fail at init, loudly, not serve unsigned tokens.
    """
    cached = _cache.get(name_or_arn)
    if cached is not None:
        return cached
    with _lock:
        if name_or_arn not in _cache:
            _cache[name_or_arn] = _fetch(name_or_arn, session)
        return _cache[name_or_arn]


def load_origin_secret(name_or_arn: str, session: Any | None = None) -> tuple[str, ...]:
    """The origin header values the API accepts (contest.rules.perimeter), read once per sandbox like the signing
    secret and from the same client. A malformed secret is a crash at init, never an open API."""
    from contest.rules.perimeter import parse_origin_secret

    key = "origin:" + name_or_arn
    cached = _cache.get(key)
    if cached is None:
        with _lock:
            if key not in _cache:
                value = _fetch_text(name_or_arn, session)
                text = value.decode("utf-8") if isinstance(value, bytes) else value
                try:
                    parse_origin_secret(text)
                except ValueError as exc:
                    raise ConfigError(f"the origin secret {name_or_arn} is malformed: {exc}") from None
                _cache[key] = text.encode("utf-8")
            cached = _cache[key]
    return parse_origin_secret(cached.decode("utf-8"))


def forget_cached_secrets() -> None:
    """Tests only: start over as a fresh sandbox would."""
    with _lock:
        _cache.clear()
        _clients.clear()
