"""Typed settings: the only module that reads the environment.

Per kind of process: `Settings.from_env(kind="request")` for the request handlers (the signing and origin
secrets are required), `kind="public"` for functions/info (the origin secret only), `kind="close"` for the weekly
close (it signs nothing and answers no HTTP request, so it needs, and its role may read, neither), and
`TerminalSettings` for the organisers' CLI against AWS. Validated once at cold start; a missing setting is a crash
at init, never a silent default. `contest.api.runtime` builds each function's collaborators from them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from contest.rules.clock import Clock, OffsetClock, SystemClock

STANDING_SHARDS = 16
_N = TypeVar("_N", int, float)

FunctionKind = Literal["request", "public", "close"]  # a request handler, functions/info (signs nothing), close_week


class ConfigError(RuntimeError):
    pass


def local_stack(env: Mapping[str, str], sms_sender: str) -> bool:
    """Whether these settings describe the local stack (or a test), the only place a clock override may run.

    On Lambda `AWS_LAMBDA_FUNCTION_NAME` is always set (a reserved variable no configuration can remove); a
    deployment sends real SMS and publishes to buckets. Any of these means a real contest."""
    real = (
        bool(env.get("AWS_LAMBDA_FUNCTION_NAME", "").strip())
        or sms_sender != "outbox"
        or bool(env.get("CONTEST_PUBLIC_BUCKET", "").strip())
        or bool(env.get("CONTEST_PRIVATE_BUCKET", "").strip())
        or not env.get("CONTEST_PUBLISH_DIR", "").strip()
    )
    return not real


@dataclass(frozen=True)
class Settings:
    """A Lambda function's settings (`from_env(kind=...)`), validated once at its cold start."""

    table_name: str
    region: str
    sms_sender: str  # "sns" | "gateway" | "outbox"
    signing_secret: bytes | None = None  # local stack and tests only
    signing_secret_ref: str | None = None  # AWS: SSM parameter name or Secrets Manager ARN
    # The receipts' Ed25519 key (NOT the token secret): read by the submit function only, at its first signing
    receipt_key: bytes | None = None  # local stack and tests only
    receipt_key_ref: str | None = None  # AWS: Secrets Manager ARN (or SSM SecureString name)
    origin_secret: str | None = (
        None  # local stack and tests only: the value the adapter sends (contest.rules.perimeter)
    )
    origin_secret_ref: str | None = None  # AWS: Secrets Manager ARN of {"current": ..., "previous": ...}
    outbox_path: Path | None = None
    clock_start: datetime | None = None
    public_bucket: str | None = None
    private_bucket: str | None = None
    publish_dir: Path | None = None
    private_dir: Path | None = None
    endpoint_url: str | None = None  # local stack / tests only (a moto server)
    gateway_url: str | None = None  # sms_sender "gateway": the brandname provider's HTTPS endpoint
    gateway_secret: str | None = None  # local stack and tests only: the credentials' JSON
    gateway_secret_ref: str | None = None  # AWS: Secrets Manager name or ARN of the credentials' JSON
    gateway_success: tuple[str, str] = ("code", "00")  # answer field and value that mean "accepted"
    gateway_timeout_s: float = 5.0
    sms_response_floor_ms: int = 0  # code-sending routes answer no earlier than this (contest.api.pacing); 0 = off

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, kind: FunctionKind = "request") -> Settings:
        """`kind="close"`: the weekly close, which signs nothing and answers no HTTP request, so it needs (and its
        role may read) neither the signing secret nor the origin secret. `kind="public"`: functions/info, behind
        CloudFront (the origin secret) but signing and verifying nothing (no signing secret)."""
        read = _Environment(os.environ if env is None else env)
        region = read.optional("AWS_REGION") or read.optional("AWS_DEFAULT_REGION")
        if not region:
            raise ConfigError("missing required setting AWS_REGION")
        sms_sender = read.required("CONTEST_SMS_SENDER")
        if sms_sender not in ("sns", "gateway", "outbox"):
            raise ConfigError("CONTEST_SMS_SENDER must be 'sns', 'gateway' or 'outbox'")
        gateway = _gateway_settings(read, sms_sender)
        floor_ms = read.number(
            "CONTEST_SMS_RESPONSE_FLOOR_MS",
            int,
            "0",
            "a whole number of milliseconds",
            lambda ms: 0 <= ms <= 10_000,
            "0 and 10000",
        )
        secrets = _secret_settings(read, kind)
        outbox = read.optional("CONTEST_OUTBOX")
        if sms_sender == "outbox" and not outbox:
            raise ConfigError("CONTEST_OUTBOX is required with CONTEST_SMS_SENDER=outbox")
        return cls(
            table_name=read.required("CONTEST_TABLE"),
            region=region,
            sms_sender=sms_sender,
            **secrets,
            outbox_path=Path(outbox) if outbox else None,
            clock_start=_clock_start(read, sms_sender),
            public_bucket=read.optional("CONTEST_PUBLIC_BUCKET"),
            private_bucket=read.optional("CONTEST_PRIVATE_BUCKET"),
            publish_dir=read.path("CONTEST_PUBLISH_DIR"),
            private_dir=read.path("CONTEST_PRIVATE_DIR"),
            endpoint_url=read.optional("AWS_ENDPOINT_URL"),
            **gateway,
            sms_response_floor_ms=floor_ms,
        )


class _Environment:
    """Reads of one environment: trimmed, an empty value is an absent one."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def optional(self, name: str) -> str | None:
        return self.env.get(name, "").strip() or None

    def required(self, name: str) -> str:
        value = self.optional(name)
        if not value:
            raise ConfigError(f"missing required setting {name}")
        return value

    def path(self, name: str) -> Path | None:
        value = self.optional(name)
        return Path(value) if value else None

    def number(
        self, name: str, parse: Callable[[str], _N], default: str, what: str, within: Callable[[_N], bool], bounds: str
    ) -> _N:
        """The number `name` holds (`default` when unset), `what` it must be and `within` its bounds."""
        try:
            value = parse(self.optional(name) or default)
        except ValueError as exc:
            raise ConfigError(f"{name} must be {what}") from exc
        if not within(value):
            raise ConfigError(f"{name} must be between {bounds}")
        return value


def _gateway_settings(read: _Environment, sms_sender: str) -> dict[str, Any]:
    """The brandname gateway's endpoint, credentials, answer and timeout (CONTEST_SMS_GATEWAY_*)."""
    gateway_url = read.optional("CONTEST_SMS_GATEWAY_URL")
    gateway_secret = read.optional("CONTEST_SMS_GATEWAY_SECRET")
    gateway_secret_ref = read.optional("CONTEST_SMS_GATEWAY_SECRET_ID")
    if sms_sender == "gateway" and not (gateway_url and (gateway_secret or gateway_secret_ref)):
        raise ConfigError("CONTEST_SMS_SENDER=gateway needs CONTEST_SMS_GATEWAY_URL and CONTEST_SMS_GATEWAY_SECRET_ID")
    success_field, _, success_value = (read.optional("CONTEST_SMS_GATEWAY_SUCCESS") or "code=00").partition("=")
    if not success_field or not success_value:
        raise ConfigError("CONTEST_SMS_GATEWAY_SUCCESS must read field=value, e.g. code=00")
    timeout_s = read.number(
        "CONTEST_SMS_GATEWAY_TIMEOUT_SECONDS", float, "5", "a number of seconds", lambda s: 0 < s <= 20, "0 and 20"
    )
    return {
        "gateway_url": gateway_url,
        "gateway_secret": gateway_secret,
        "gateway_secret_ref": gateway_secret_ref,
        "gateway_success": (success_field.strip(), success_value.strip()),
        "gateway_timeout_s": timeout_s,
    }


def _secret_settings(read: _Environment, kind: FunctionKind) -> dict[str, Any]:
    """The token signing secret (request handlers), the receipts' key and the origin secret (behind CloudFront):
    each a value (local stack, tests) or a reference to AWS's store."""
    secret = read.optional("CONTEST_SIGNING_SECRET")
    secret_ref = read.optional("CONTEST_SIGNING_SECRET_PARAM") or read.optional("CONTEST_SIGNING_SECRET_ARN")
    if kind == "request" and not secret and not secret_ref:
        raise ConfigError("missing signing secret: set CONTEST_SIGNING_SECRET_ARN (or _PARAM for SSM)")
    if secret and len(secret) < 32:
        raise ConfigError("CONTEST_SIGNING_SECRET must be at least 32 characters")
    receipt_key = read.optional("CONTEST_RECEIPT_KEY")
    if receipt_key and len(receipt_key) < 32:
        raise ConfigError("CONTEST_RECEIPT_KEY must be at least 32 characters")
    if receipt_key and secret and receipt_key == secret:
        raise ConfigError("CONTEST_RECEIPT_KEY must not be the token signing secret")
    origin = read.optional("CONTEST_ORIGIN_SECRET")
    origin_ref = read.optional("CONTEST_ORIGIN_SECRET_ARN")
    if kind in ("request", "public") and not origin and not origin_ref:
        raise ConfigError("missing origin secret: set CONTEST_ORIGIN_SECRET_ARN")
    if origin and len(origin) < 32:
        raise ConfigError("CONTEST_ORIGIN_SECRET must be at least 32 characters")
    return {
        "signing_secret": secret.encode() if secret else None,
        "signing_secret_ref": secret_ref,
        "receipt_key": receipt_key.encode() if receipt_key else None,
        "receipt_key_ref": read.optional("CONTEST_RECEIPT_KEY_ARN"),
        "origin_secret": origin,
        "origin_secret_ref": origin_ref,
    }


def _clock_start(read: _Environment, sms_sender: str) -> datetime | None:
    """CONTEST_CLOCK: the local stack's moved clock, refused anywhere a real contest runs."""
    clock = read.optional("CONTEST_CLOCK")
    try:
        clock_start = datetime.fromisoformat(clock) if clock else None
    except ValueError as exc:
        raise ConfigError(f"CONTEST_CLOCK is not an ISO instant: {clock}") from exc
    if clock_start is not None and clock_start.tzinfo is None:
        raise ConfigError("CONTEST_CLOCK needs an offset, e.g. 2023-10-18T09:00:00+07:00")
    if clock_start is not None and not local_stack(read.env, sms_sender):
        raise ConfigError(
            "CONTEST_CLOCK is for the local stack only (outbox SMS, local publication, not on Lambda): "
            "a deployed contest runs on the server's clock"
        )
    return clock_start


@dataclass(frozen=True)
class TerminalSettings:
    """What the organisers' CLI reads from the environment when it works on AWS (`--aws`) or overrides the clock.

    Nothing is required here: each command says, in Vietnamese, what it misses. The clock is kept as written
    (the CLI explains a malformed one)."""

    table_name: str | None = None
    region: str | None = None
    clock: str | None = None  # CONTEST_CLOCK as written: the same override as the local stack
    public_bucket: str | None = None
    private_bucket: str | None = None
    publish_dir: Path | None = None
    private_dir: Path | None = None
    sms_sender: str | None = None
    outbox_path: Path | None = None
    signing_secret: bytes | None = None
    signing_secret_ref: str | None = None
    receipt_key: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TerminalSettings:
        read = _Environment(os.environ if env is None else env)
        optional = read.optional
        secret = optional("CONTEST_SIGNING_SECRET")
        return cls(
            table_name=optional("CONTEST_TABLE"),
            region=optional("AWS_REGION") or optional("AWS_DEFAULT_REGION"),
            clock=optional("CONTEST_CLOCK"),
            public_bucket=optional("CONTEST_PUBLIC_BUCKET"),
            private_bucket=optional("CONTEST_PRIVATE_BUCKET"),
            publish_dir=read.path("CONTEST_PUBLISH_DIR"),
            private_dir=read.path("CONTEST_PRIVATE_DIR"),
            sms_sender=optional("CONTEST_SMS_SENDER"),
            outbox_path=read.path("CONTEST_OUTBOX"),
            signing_secret=secret.encode() if secret else None,
            signing_secret_ref=optional("CONTEST_SIGNING_SECRET_ARN") or optional("CONTEST_SIGNING_SECRET_PARAM"),
            receipt_key=optional("CONTEST_RECEIPT_KEY"),
        )


def clock_of(settings: Settings) -> Clock:
    """The server's clock; the local stack's moved clock only where config allows it (never on Lambda)."""
    return OffsetClock(settings.clock_start) if settings.clock_start else SystemClock()
