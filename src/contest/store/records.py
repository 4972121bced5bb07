"""What the store hands to the services besides the domain model (contest.rules.model): plain frozen records."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, NamedTuple


@dataclass(frozen=True)
class PhoneClaim:
    """Who holds a number (its CLAIM item) and its sign-in counter."""

    account_id: str
    login_failures: int
    locked_until_ms: int
    expires_at_s: int | None = None  # TTL of an unverified account's claim (at_registration)

    def live(self, now_s: int) -> bool:
        """DynamoDB deletes expired items only eventually (moto never): an expired claim is no claim."""
        return self.expires_at_s is None or self.expires_at_s > now_s


@dataclass(frozen=True)
class LoginCount:
    """A phone's login counter as one counted attempt left it."""

    account_id: str
    attempts: int  # attempts since the last success, this one included
    locked_until_ms: int
    expires_at_s: int | None = None  # TTL of an unverified account's claim (at_registration)


@dataclass(frozen=True)
class CodeRecord:
    """A one-time code as stored (its hash only) with the phone's send window."""

    code_hash: str
    account_id: str
    expires_at_ms: int
    tries: int
    sent_at_ms: int
    window_start_ms: int
    window_sends: int
    ticket_hash: str | None = None  # CODE#claim: the registrant's ticket (the code alone is not enough)
    pending: dict[str, Any] | None = None  # CODE#claim: the registration waiting for the code


@dataclass(frozen=True)
class Award:
    """A week's prize waiting for (or holding) its winner's confirmation."""

    account_id: str
    week: int
    prize: str
    created_at_ms: int
    deadline_ms: int
    code_salt: str | None
    code_hash: str | None
    tries: int
    sent_at_ms: int | None
    confirmed_at_ms: int | None
    confirmed_by: str | None
    confirmed_note: str | None


@dataclass(frozen=True)
class Reclaim:
    """A number taken over by its owner from an unverified account: the committee's record."""

    phone: str
    old_account_id: str
    old_full_name: str
    old_unit_id: str
    new_account_id: str
    at_ms: int
    withdrawn_weeks: tuple[int, ...]
    published_weeks: tuple[int, ...]


@dataclass(frozen=True)
class Exclusion:
    """A phone the organisers excluded from the ranking."""

    phone: str
    added_at_ms: int
    note: str | None


@dataclass(frozen=True)
class RegistrationGate:
    """What a registration must pass, written inside its own transaction (registration costs at most 3 DynamoDB calls):
    the solved proof of work recorded as used (single use, kept until it expires) and +1 on the address's
    hourly registration count (the same counter `throttle_registration` uses)."""

    proof_key: str | None
    proof_expires_at_s: int
    address: str | None
    hour: int
    limit: int


class NumberState(NamedTuple):
    """What registering a number must know, read in one consistent call."""

    excluded: bool  # on the organisers' exclusion list
    claim: PhoneClaim | None  # the account holding it, if any
    erased: bool  # its owner's data was erased in this contest: it may not register again
    login_refusals: int = 0  # the registering address's refused logins this hour (when asked: at_award)


class Submission(enum.Enum):
    """How `QuizStore.record_submission` ended."""

    STORED = "stored"
    ATTEMPT_TAKEN = "attempt-taken"  # already submitted (possibly by our own earlier request whose response was lost)
    STANDING_MOVED = "standing-moved"  # another attempt of the contestant changed the standing: re-read and retry


@dataclass(frozen=True)
class Counter:
    """A counter item the SMS budget charges: its keys, its limit, how long it lives."""

    pk: str
    sk: str
    limit: int
    ttl_s: int
