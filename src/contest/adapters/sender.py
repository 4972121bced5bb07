"""Sending one-time codes: the channels. Amazon SNS, a Vietnamese SMS brandname gateway over HTTPS, and in the
local stack a console line and a JSON-lines outbox.

A channel only delivers; whether a message may be sent at all is decided before, by `contest.api.budget`
(budgets, circuit breaker). A channel that fails raises `SendFailed`, telling whether the message may still have
gone out (`maybe_sent`: a timeout after the request was written) or certainly did not (refused, 5xx, no
connection). Channels never retry by themselves: a blind retry after a timeout could send, and charge, twice.
`key` identifies one message (the same for a retry of the same message), passed to gateways that de-duplicate.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from contest.adapters.config import Settings


class SendFailed(Exception):
    def __init__(self, reason: str, *, maybe_sent: bool) -> None:
        super().__init__(reason)
        self.maybe_sent = maybe_sent


class Sender(Protocol):
    def send(self, phone: str, text: str, *, key: str | None = None) -> None: ...


class OutboxSender:
    """Local stack only: the developer's phone is the console and `.dev/outbox.jsonl`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, phone: str, text: str, *, key: str | None = None) -> None:
        line = json.dumps({"phone": phone, "text": text}, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # phone numbers and codes: readable by the developer only (0600 from creation; an older file is
            # tightened), as .dev/secret
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        sys.stderr.write(f"[SMS → {phone}] {text}\n")  # the simulated phone screen, not a log


class SnsSender:
    """Transactional SMS through Amazon SNS (a plain botocore client: no boto3 import at cold start)."""

    def __init__(self, region: str) -> None:
        import botocore.session

        self._client: Any = botocore.session.get_session().create_client("sns", region_name=region)

    def send(self, phone: str, text: str, *, key: str | None = None) -> None:
        from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

        try:
            self._client.publish(
                PhoneNumber=phone,
                Message=text,
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
            )
        except ReadTimeoutError as exc:
            raise SendFailed("sns: no answer", maybe_sent=True) from exc
        except (ClientError, BotoCoreError) as exc:
            raise SendFailed(f"sns: {type(exc).__name__}", maybe_sent=False) from exc


class GatewaySender:
    """A Vietnamese SMS brandname gateway over HTTPS (docs/deploy.md, "SMS brandname").

    One POST of JSON `{"brandname", "phone" (84…, no plus), "message", "request_id"}` to `url`, authenticated
    with HTTP Basic (`username`/`password` of the credentials) or a bearer `api_key`. Success is HTTP 200 with a
    JSON body whose `success_field` equals `success_value` (e.g. `code` = `"00"`); anything else is a failure.
    The request id is the message's key, so a gateway that de-duplicates never charges one message twice.
    """

    def __init__(
        self,
        url: str,
        credentials: dict[str, str],
        *,
        success_field: str,
        success_value: str,
        timeout_s: float,
    ) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the SMS gateway URL must use https")
        if not credentials.get("brandname"):
            raise ValueError("the SMS gateway credentials need a brandname")
        if not (credentials.get("api_key") or (credentials.get("username") and credentials.get("password"))):
            raise ValueError("the SMS gateway credentials need api_key, or username and password")
        self.url = url
        self._credentials = credentials
        self._success = (success_field, success_value)
        self._timeout_s = timeout_s

    def _authorization(self) -> str:
        import base64

        if self._credentials.get("api_key"):
            return f"Bearer {self._credentials['api_key']}"
        pair = f"{self._credentials['username']}:{self._credentials['password']}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def send(self, phone: str, text: str, *, key: str | None = None) -> None:
        import socket
        import urllib.error
        import urllib.request

        body = json.dumps(
            {
                "brandname": self._credentials["brandname"],
                "phone": phone.lstrip("+"),
                "message": text,
                "request_id": key or "",
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": self._authorization()},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as answer:  # noqa: S310  # nosec B310  # https checked in __init__
                status, raw = answer.status, answer.read(65536)
        except urllib.error.HTTPError as exc:
            raise SendFailed(f"gateway: HTTP {exc.code}", maybe_sent=False) from exc
        except TimeoutError as exc:
            raise SendFailed("gateway: timeout", maybe_sent=True) from exc
        except urllib.error.URLError as exc:
            timed_out = isinstance(exc.reason, TimeoutError | socket.timeout)
            raise SendFailed("gateway: unreachable", maybe_sent=timed_out) from exc
        except OSError as exc:  # connection reset while reading the answer
            raise SendFailed("gateway: connection lost", maybe_sent=True) from exc
        try:
            answer_body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SendFailed("gateway: answer is not JSON", maybe_sent=False) from exc
        field, expected = self._success
        if status != 200 or not isinstance(answer_body, dict) or str(answer_body.get(field)) != expected:
            raise SendFailed("gateway: refused", maybe_sent=False)


def gateway_credentials(inline: str | None, ref: str | None, session: Any | None = None) -> dict[str, str]:
    """The gateway's credentials: a JSON object from Secrets Manager (`ref`), or inline (local stack, tests)."""
    if inline:
        raw = inline
    else:
        if session is None:
            import botocore.session

            session = botocore.session.get_session()
        raw = session.create_client("secretsmanager").get_secret_value(SecretId=ref)["SecretString"]
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("the SMS gateway secret must be a JSON object")
    return {str(k): str(v) for k, v in value.items()}


class LazySender:
    """The channel the settings name (outbox, gateway or SNS), built on first use, so handlers that never send pay
    nothing at cold start. `session` returns the botocore session that reads the gateway's secret from Secrets
    Manager (the store's, so a sandbox opens one); the request handlers and the close both build theirs here."""

    def __init__(self, settings: Settings, session: Callable[[], Any]) -> None:
        self._settings = settings
        self._session = session

    @cached_property
    def _sender(self) -> Sender:
        settings = self._settings
        if settings.sms_sender == "outbox":
            assert settings.outbox_path is not None
            return OutboxSender(settings.outbox_path)
        if settings.sms_sender == "gateway":
            assert settings.gateway_url is not None
            session = None if settings.gateway_secret else self._session()
            return GatewaySender(
                settings.gateway_url,
                gateway_credentials(settings.gateway_secret, settings.gateway_secret_ref, session),
                success_field=settings.gateway_success[0],
                success_value=settings.gateway_success[1],
                timeout_s=settings.gateway_timeout_s,
            )
        return SnsSender(settings.region)

    def send(self, phone: str, text: str, *, key: str | None = None) -> None:
        self._sender.send(phone, text, key=key)
