"""Proof of work in front of every route that can send an SMS: ALTCHA challenges, self-hosted.

The API issues a challenge (`GET /api/challenge`): PBKDF2-SHA-256 with `sms.proof_of_work.cost` iterations per
try, in ALTCHA's deterministic mode (the server draws the counter in [max_counter/2, max_counter) and signs the
derived key, so verifying costs one HMAC, not a derivation). The browser solves it with the vendored ALTCHA
library in a Web Worker and sends the payload in the `X-Altcha` header of the request that may send a code.

The server checks, before anything else on that route: the HMAC signature (keys derived from the signing secret,
which lives in Secrets Manager), our own expiry (signed into the challenge's data and read on the server's clock:
the library's `expiresAt` would be read on the wall clock, which the local stack shifts), the solution, and that
the challenge was never used before (a conditional put in DynamoDB, kept until it expires).

The `altcha` library is imported on first use only: handlers that never see a challenge pay nothing at cold start.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from contest.rules import errors
from contest.rules.clock import Clock
from contest.rules.model import SmsPolicy

ALGORITHM = "PBKDF2/SHA-256"
HEADER = "x-altcha"
MAX_PAYLOAD_CHARS = 4096


@dataclass(frozen=True)
class Proven:
    """A verified challenge not yet recorded as used: its single-use key and when it expires."""

    key: str
    expires_at_s: int


class UsedProofs(Protocol):
    def use_proof(self, key: str, expires_at_s: int) -> bool: ...


class ProofOfWork:
    def __init__(self, secret: bytes, used: UsedProofs, clock: Clock, policy: Callable[[], SmsPolicy]) -> None:
        self._challenge_key = hmac.new(secret, b"altcha|challenge", hashlib.sha256).hexdigest()
        self._derived_key = hmac.new(secret, b"altcha|derived-key", hashlib.sha256).hexdigest()
        self._used = used
        self._clock = clock
        self._policy = policy

    def challenge(self) -> dict[str, Any]:
        """A fresh signed challenge, as the ALTCHA widget and library expect it."""
        from altcha import create_challenge

        policy = self._policy()
        low = policy.pow_max_counter // 2
        expires = int(self._clock.now().timestamp()) + policy.pow_expires_seconds
        made = create_challenge(
            algorithm=ALGORITHM,
            cost=policy.pow_cost,
            counter=low + secrets.randbelow(policy.pow_max_counter - low),
            data={"exp": expires},
            hmac_secret=self._challenge_key,
            hmac_key_secret=self._derived_key,
        )
        return made.to_dict()

    def check(self, payload: str | None) -> None:
        """Raise unless `payload` is a solved, unexpired challenge of ours that was never used before."""
        proven = self.verify(payload)
        if not self._used.use_proof(proven.key, proven.expires_at_s):
            raise errors.ProofReused()

    def verify(self, payload: str | None) -> Proven:
        """Everything but the single-use record (no I/O): the caller records `Proven.key` as used in its own
        write, before anything is sent (registration does it inside its transaction)."""
        if not payload:
            raise errors.ProofRequired()
        if len(payload) > MAX_PAYLOAD_CHARS:
            raise errors.ProofInvalid()
        from altcha import Payload, verify_solution

        try:
            parsed = Payload.from_base64(payload)
        except (ValueError, KeyError, TypeError, RecursionError, AttributeError) as exc:
            raise errors.ProofInvalid() from exc
        data = parsed.challenge.parameters.data or {}
        expires = data.get("exp") if isinstance(data, dict) else None
        if not isinstance(expires, int) or isinstance(expires, bool):
            raise errors.ProofInvalid()
        result = verify_solution(parsed, self._challenge_key, hmac_key_secret=self._derived_key)
        if not result.verified:
            raise errors.ProofInvalid()
        now_s = int(self._clock.now().timestamp())
        if now_s > expires:
            raise errors.ProofExpired()
        # The signature covers every parameter: one key per challenge the server ever issued.
        return Proven(hashlib.sha256(str(parsed.challenge.signature).encode()).hexdigest()[:40], expires)
