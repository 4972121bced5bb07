"""Sending one-time codes. Amazon SNS in AWS; in the local stack, a console line and a JSON-lines outbox."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, Protocol


class Sender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class OutboxSender:
    """Local stack only: the developer's phone is the console and `.dev/outbox.jsonl`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
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

    def send(self, phone: str, text: str) -> None:
        self._client.publish(
            PhoneNumber=phone,
            Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )


class MemorySender:
    """For tests: keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
