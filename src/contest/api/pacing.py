"""A constant response time for the routes that may send an SMS: no timing oracle.

Whether a code-sending route (register, reclaim, resend, password reset) sends a message depends on the number
(free, taken, unknown, unverified) and the send itself (the SMS budget's transaction, then SNS or a brandname
gateway over HTTPS) takes hundreds of milliseconds: without care, the response time would tell an attacker
what the identical answers hide. Sending after the response is not sound on Lambda (the sandbox freezes when
the handler returns: a message still in flight would wait for the next request, or be lost with the sandbox),
so every such route answers no earlier than a fixed floor after it began, on every path (sent, not sent,
refused by a budget, an error). The floor is `CONTEST_SMS_RESPONSE_FLOOR_MS` (infra/template.yaml); a request
that overran it is counted (metric `SmsPaceOverrun`): raise the floor when that count is not ~0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Pacer:
    def __init__(
        self,
        floor_ms: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        overrun: Callable[[], None] | None = None,
    ) -> None:
        self.floor_s = floor_ms / 1000
        self._monotonic = monotonic
        self._sleep = sleep
        self._overrun = overrun

    @contextmanager
    def __call__(self) -> Iterator[None]:
        """Around one request: whatever happens inside (an answer or a domain error), it ends at the floor."""
        started = self._monotonic()
        try:
            yield
        finally:
            left = self.floor_s - (self._monotonic() - started)
            if left > 0:
                self._sleep(left)
            elif self.floor_s > 0 and self._overrun is not None:
                self._overrun()
