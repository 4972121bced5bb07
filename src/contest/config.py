"""Typed settings: the only module that reads the environment.

Validated once at cold start; a missing setting is a crash at init, never a silent default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

STANDING_SHARDS = 16


class ConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    sms_sender: str  # "sns" | "outbox"
    signing_secret: bytes | None = None  # local stack and tests only
    signing_secret_ref: str | None = None  # AWS: SSM parameter name or Secrets Manager ARN
    # The receipts' Ed25519 key (NOT the token secret): read by the submit function only, at its first signing
    receipt_key: bytes | None = None  # local stack and tests only
    receipt_key_ref: str | None = None  # AWS: Secrets Manager ARN (or SSM SecureString name)
    outbox_path: Path | None = None
    clock_start: datetime | None = None
    public_bucket: str | None = None
    private_bucket: str | None = None
    publish_dir: Path | None = None
    private_dir: Path | None = None
    endpoint_url: str | None = None  # local stack / tests only (a moto server)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigError(f"missing required setting {name}")
            return value

        def optional(name: str) -> str | None:
            return env.get(name, "").strip() or None

        region = optional("AWS_REGION") or optional("AWS_DEFAULT_REGION")
        if not region:
            raise ConfigError("missing required setting AWS_REGION")
        sms_sender = required("CONTEST_SMS_SENDER")
        if sms_sender not in ("sns", "outbox"):
            raise ConfigError("CONTEST_SMS_SENDER must be 'sns' or 'outbox'")
        secret = optional("CONTEST_SIGNING_SECRET")
        secret_ref = optional("CONTEST_SIGNING_SECRET_PARAM") or optional("CONTEST_SIGNING_SECRET_ARN")
        if not secret and not secret_ref:
            raise ConfigError("missing signing secret: set CONTEST_SIGNING_SECRET_PARAM (or _ARN)")
        if secret and len(secret) < 32:
            raise ConfigError("CONTEST_SIGNING_SECRET must be at least 32 characters")
        receipt_key = optional("CONTEST_RECEIPT_KEY")
        if receipt_key and len(receipt_key) < 32:
            raise ConfigError("CONTEST_RECEIPT_KEY must be at least 32 characters")
        if receipt_key and secret and receipt_key == secret:
            raise ConfigError("CONTEST_RECEIPT_KEY must not be the token signing secret")
        outbox = optional("CONTEST_OUTBOX")
        if sms_sender == "outbox" and not outbox:
            raise ConfigError("CONTEST_OUTBOX is required with CONTEST_SMS_SENDER=outbox")
        clock = optional("CONTEST_CLOCK")
        try:
            clock_start = datetime.fromisoformat(clock) if clock else None
        except ValueError as exc:
            raise ConfigError(f"CONTEST_CLOCK is not an ISO instant: {clock}") from exc
        if clock_start is not None and clock_start.tzinfo is None:
            raise ConfigError("CONTEST_CLOCK needs an offset, e.g. 2023-10-18T09:00:00+07:00")
        return cls(
            table_name=required("CONTEST_TABLE"),
            region=region,
            sms_sender=sms_sender,
            signing_secret=secret.encode() if secret else None,
            signing_secret_ref=secret_ref,
            receipt_key=receipt_key.encode() if receipt_key else None,
            receipt_key_ref=optional("CONTEST_RECEIPT_KEY_ARN"),
            outbox_path=Path(outbox) if outbox else None,
            clock_start=clock_start,
            public_bucket=optional("CONTEST_PUBLIC_BUCKET"),
            private_bucket=optional("CONTEST_PRIVATE_BUCKET"),
            publish_dir=Path(p) if (p := optional("CONTEST_PUBLISH_DIR")) else None,
            private_dir=Path(p) if (p := optional("CONTEST_PRIVATE_DIR")) else None,
            endpoint_url=optional("AWS_ENDPOINT_URL"),
        )
