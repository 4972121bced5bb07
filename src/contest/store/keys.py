"""Every key of the table, written once: partition keys, sort keys and index keys (tables.py lists who reads what).

Pure string builders: no PynamoDB, no I/O, so rules and tests may import them freely.
"""

from __future__ import annotations

import hashlib

from contest.adapters.config import STANDING_SHARDS

# --- fixed partition and sort keys ----------------------------------------------------------------------------
PROFILE = "PROFILE"  # sk of an account's profile
CLAIM = "CLAIM"  # sk of a phone's claim
CONTENT = "CONTENT"  # pk of the content bundle
BUNDLE = "bundle"  # its sk
EXCLUSIONS = "EXCL"  # one small partition: a query lists it, a transaction checks one key of it
RECLAIMS = "RECLAIMS"  # the committee's record of numbers taken over by their owners
COORDINATORS = "COORDINATORS"  # the registry of appointments
PRIVACY = "PRIVACY"  # the data subjects' requests (account ids only): kept as proof of their handling
ERASED = "ERASED"  # erasures executed (sk: the phone's erasure key)
RETENTION = "RETENTION"  # the retention purge's record ...
PURGED = "PURGED"  # ... and its sk
CLOSED = "CLOSED"  # sk of a week's closed marker
USED = "USED"  # sk of a used proof of work
UNIT_INDEX = "gsi1"  # the index of a unit's accounts and of who of a unit took part in a week

# --- sort-key prefixes ----------------------------------------------------------------------------------------
ATTEMPT_PREFIX = "ATTEMPT#"
AWARD_PREFIX = "AWARD#"
CODE_PREFIX = "CODE#"
DECISION_PREFIX = "DECISION#"
DQ_PREFIX = "DQ#"
RULINGS_PREFIX = "D"  # what DECISION# and DQ# share: one query of a week reads both
WEEK_PREFIX = "WEEK#"


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def phone_pk(phone: str) -> str:
    return f"PHONE#{phone}"


def code_sk(purpose: str) -> str:
    """A phone's one-time code: CODE#verify, CODE#reset, CODE#claim."""
    return f"{CODE_PREFIX}{purpose}"


def attempt_sk(week: int, number: int) -> str:
    return f"{attempt_week_prefix(week)}{number:02d}"


def attempt_week_prefix(week: int) -> str:
    return f"{ATTEMPT_PREFIX}{week:02d}#"


def award_sk(week: int) -> str:
    return f"{AWARD_PREFIX}{week:02d}"


def week_pk(week: int) -> str:
    """A week's committee decisions, disqualifications and closed marker."""
    return f"{WEEK_PREFIX}{week:02d}"


def decision_sk(decided_at_ms: int, digest: str) -> str:
    return f"{DECISION_PREFIX}{decided_at_ms:013d}#{digest}"


def dq_sk(account_id: str) -> str:
    return f"{DQ_PREFIX}{account_id}"


def shard_of(account_id: str, shards: int = STANDING_SHARDS) -> int:
    return int(hashlib.sha256(account_id.encode()).hexdigest()[:8], 16) % shards


def standing_pk(week: int, shard: int) -> str:
    return f"{week_pk(week)}#S#{shard:02d}"


def is_standing_pk(pk: str) -> bool:
    return pk.startswith(WEEK_PREFIX) and "#S#" in pk


def unit_index_pk(unit_id: str) -> str:
    """Index gsi1: the accounts of a unit."""
    return f"UNIT#{unit_id}"


def unit_week_index_pk(week: int, unit_id: str) -> str:
    """Index gsi1: the standings (who took part) of a unit in a week."""
    return f"{week_pk(week)}#UNIT#{unit_id}"


def login_counter(ip_hash: str, hour: int) -> tuple[str, str]:
    """An address's refused logins in an hour."""
    return f"IP#{ip_hash}", f"LOGIN#{hour}"


def registration_counter(ip_hash: str, hour: int) -> tuple[str, str]:
    """An address's registrations in an hour."""
    return f"IP#{ip_hash}", f"REG#{hour}"


def sms_month_counter(month: str) -> tuple[str, str]:
    """The month's messages, against the circuit breaker (contest.api.budget)."""
    return "SMS#MONTH", month


def sms_global_counter(shard: int, hour: int) -> tuple[str, str]:
    """One shard of the contest's hourly message budget."""
    return f"SMS#GLOBAL#{shard:02d}", f"H#{hour}"


def sms_address_counter(address: str, hour: int) -> tuple[str, str]:
    """A client address's (keyed hash) hourly message budget."""
    return f"SMS#ADDR#{address}", f"H#{hour}"


def proof_pk(key: str) -> str:
    """A solved proof of work, recorded as used (sk USED)."""
    return f"POW#{key}"


def reclaim_sk(at_ms: int, old_account_id: str) -> str:
    return f"{at_ms:013d}#{old_account_id}"
