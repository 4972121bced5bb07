"""PynamoDB models of the one table (the store package is the only importer of pynamodb).

One table, generic keys `pk` / `sk`, TTL attribute `ttl`. Access patterns (who reads what by which key):

| item            | pk                          | sk                       | read by                               |
|-----------------|-----------------------------|--------------------------|---------------------------------------|
| AccountItem     | ACCOUNT#<account_id>        | PROFILE                  | /me, quiz start (query of partition)  |
| PhoneItem       | PHONE#<e164>                | CLAIM                    | login, verify, reset, register (cond) |
| CodeItem        | PHONE#<e164>                | CODE#verify / CODE#reset | verify, resend, reset                 |
| ExclusionItem   | EXCL                        | <e164>                   | register (condition check), CLI, close|
| ThrottleItem    | IP#<hash>                   | REG#<hour> / LOGIN#<hour>| register / login (per-address limits) |
| AttemptItem     | ACCOUNT#<account_id>        | ATTEMPT#<ww>#<nn>        | quiz start, submit, /me               |
| StandingItem    | WEEK#<ww>#S#<ss>            | <account_id>             | the close (query per shard)           |
| ContentItem     | CONTENT                     | bundle                   | cold start (cached)                   |

Index `gsi1` (keys `gsi1pk` / `gsi1sk`, projection: keys + full_name, phone, verified, excluded, unit_visible —
never a score), read by the coordinators' page and the progress report:

| item            | gsi1pk                      | gsi1sk                   | read by                               |
|-----------------|-----------------------------|--------------------------|---------------------------------------|
| AccountItem     | UNIT#<unit_id>              | <account_id>             | coordinator page, report (per unit)   |
| StandingItem    | WEEK#<ww>#UNIT#<unit_id>    | <account_id>             | coordinator page (who took part)      |
| CoordinatorItem | COORDINATORS (pk)           | <account_id> (sk)        | CLI list (query of one partition)     |
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

PLACEHOLDER_TABLE = "contest-unconfigured"


class _Item(Model):
    class Meta:
        table_name = PLACEHOLDER_TABLE
        region = "ap-southeast-1"
        billing_mode = "PAY_PER_REQUEST"
        # Attempts per DynamoDB call = 1 + this (botocore standard mode: jittered backoff, retry quota).
        # PynamoDB's default (3) lets 1 call in 10^4 fail when 10% of requests fail in flight; 5 makes it
        # 1 in 10^6 (tests/stress: 200 contestants, 10% + 5% faults, 0 5xx).
        max_retry_attempts = 5

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    ttl = NumberAttribute(null=True)  # epoch seconds; DynamoDB deletes expired items (eventually)


class UnitIndex(GlobalSecondaryIndex):
    """gsi1: a unit's accounts (UNIT#<unit>) and a week's standings of a unit (WEEK#<ww>#UNIT#<unit>)."""

    class Meta:
        index_name = "gsi1"
        projection = IncludeProjection(["full_name", "phone", "verified", "excluded", "unit_visible"])

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class TableSchema(_Item):
    """Only the keys: used to create the table and to compare with the SAM template."""

    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi1 = UnitIndex()


class AccountItem(_Item):
    account_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    full_name = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    verified = BooleanAttribute(default=False)
    excluded = BooleanAttribute(default=False)
    created_at_ms = NumberAttribute()
    consent_at_ms = NumberAttribute()
    consent_version = UnicodeAttribute()
    consents = UnicodeAttribute(null=True)  # JSON: purpose -> {version, given_at_ms, withdrawn_at_ms}
    unit_visible = BooleanAttribute(null=True)  # the coordinator-view consent stands (index gsi1 projects it)
    password_version = NumberAttribute(default=1)
    session_version = NumberAttribute(null=True)  # raised by logout (ADD 1); absent = 0
    verified_ip_hash = UnicodeAttribute(null=True)
    verified_at_ms = NumberAttribute(null=True)
    verified_by = UnicodeAttribute(null=True)  # "code" | "committee: <name>" (a confirmation by telephone)
    verified_note = UnicodeAttribute(null=True)
    closed_at_ms = NumberAttribute(null=True)  # the phone's owner reclaimed the number: account closed
    gsi1pk = UnicodeAttribute(null=True)  # UNIT#<unit_id> (index gsi1)
    gsi1sk = UnicodeAttribute(null=True)  # <account_id>
    coordinator_unit = UnicodeAttribute(null=True)  # the unit this person coordinates (organisers appoint)


class PhoneItem(_Item):
    account_id = UnicodeAttribute()
    # Login attempts since the last success, counted (ADD) BEFORE the password is checked; a success
    # subtracts only the attempts it saw, so a parallel batch stays counted.
    login_failures = NumberAttribute(default=0)
    locked_until_ms = NumberAttribute(default=0)


class CodeItem(_Item):
    code_hash = UnicodeAttribute()
    account_id = UnicodeAttribute()
    expires_at_ms = NumberAttribute()
    tries = NumberAttribute(default=0)
    sent_at_ms = NumberAttribute()
    window_start_ms = NumberAttribute()
    window_sends = NumberAttribute(default=1)
    # CODE#claim only: the registration waiting for the phone's proof, bound to the registrant's ticket
    ticket_hash = UnicodeAttribute(null=True)
    pending = UnicodeAttribute(null=True)  # JSON: full_name, unit_id, password_hash, consent version/time


class ExclusionItem(_Item):
    phone = UnicodeAttribute()
    added_at_ms = NumberAttribute()
    note = UnicodeAttribute(null=True)


class ThrottleItem(_Item):
    hits = NumberAttribute(default=0)  # not `count`: that would shadow Model.count()


class AttemptItem(_Item):
    account_id = UnicodeAttribute()
    attempt_id = UnicodeAttribute()
    week = NumberAttribute()
    number = NumberAttribute()
    question_ids = ListAttribute(of=UnicodeAttribute)
    orders = ListAttribute(of=UnicodeAttribute)
    issued_at_ms = NumberAttribute()
    expires_at_ms = NumberAttribute()
    full_name = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    phone_masked = UnicodeAttribute()
    submitted_at_ms = NumberAttribute(null=True)
    answers = MapAttribute(null=True)  # type: ignore[var-annotated]
    prediction = NumberAttribute(null=True)
    duration_ms = NumberAttribute(null=True)
    score = NumberAttribute(null=True)
    request_hash = UnicodeAttribute(null=True)


class StandingItem(_Item):
    account_id = UnicodeAttribute()
    score = NumberAttribute()
    duration_ms = NumberAttribute()
    prediction = NumberAttribute()
    unit_id = UnicodeAttribute()
    full_name = UnicodeAttribute()
    phone_masked = UnicodeAttribute()
    attempt_id = UnicodeAttribute()
    attempts = NumberAttribute()
    received_at_ms = NumberAttribute()
    gsi1pk = UnicodeAttribute(null=True)  # WEEK#<ww>#UNIT#<unit_id> (index gsi1: who of a unit took part)
    gsi1sk = UnicodeAttribute(null=True)  # <account_id>


class ContentItem(_Item):
    body = BinaryAttribute(legacy_encoding=False)  # zlib-compressed JSON bundle
    version = UnicodeAttribute()


# ---------------------------------------------------------------------------------------------------
# The weekly close: committee decisions, disqualifications and the closed marker.
#
# | item                 | pk          | sk                                 | read by                          |
# |----------------------|-------------|------------------------------------|----------------------------------|
# | DecisionItem         | WEEK#<ww>   | DECISION#<decided_at_ms:013d>#<id> | the close (query of WEEK#<ww>)   |
# | DisqualificationItem | WEEK#<ww>   | DQ#<account_id>                    | the close (query of WEEK#<ww>)   |
# | ClosedItem           | WEEK#<ww>   | CLOSED                             | the close, the final unit awards |
#
# One query of the week's partition returns everything the close needs besides the standings.
# ---------------------------------------------------------------------------------------------------


class DecisionItem(_Item):
    """A committee order of one tie group (the members' account ids, best first)."""

    week = NumberAttribute()
    group = UnicodeAttribute()  # the label the group had when the decision was taken
    order = ListAttribute(of=UnicodeAttribute)
    reason = UnicodeAttribute()
    by = UnicodeAttribute()
    decided_at_ms = NumberAttribute()


class DisqualificationItem(_Item):
    week = NumberAttribute()
    account_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    by = UnicodeAttribute()
    decided_at_ms = NumberAttribute()


class ClosedItem(_Item):
    """Written after each successful publication of a week (rerun: overwritten)."""

    week = NumberAttribute()
    closed_at_ms = NumberAttribute()
    participants = NumberAttribute()
    standings_sha256 = UnicodeAttribute()
    units = UnicodeAttribute()  # JSON: per unit participants / attempts / score sum (final unit awards)


# ---------------------------------------------------------------------------------------------------
# Unit coordinators. The appointment lives twice, written in one transaction: on the account
# (`AccountItem.coordinator_unit`: read with the profile every coordinator request needs anyway) and as a
# registry item in one small partition, so organisers can list every coordinator with one query.
#
# | item            | pk            | sk           | read by                      |
# |-----------------|---------------|--------------|------------------------------|
# | CoordinatorItem | COORDINATORS  | <account_id> | `contest coordinators list`  |
# ---------------------------------------------------------------------------------------------------


class CoordinatorItem(_Item):
    account_id = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    full_name = UnicodeAttribute()
    appointed_at_ms = NumberAttribute()
    note = UnicodeAttribute(null=True)


# ---------------------------------------------------------------------------------------------------
# Verification policy: award confirmations and reclaimed numbers.
#
# | item         | pk                    | sk                          | read by                               |
# |--------------|-----------------------|-----------------------------|---------------------------------------|
# | AwardItem    | ACCOUNT#<account_id>  | AWARD#<ww>                  | /me (query of the account), confirm,  |
# |              |                       |                             | reports and committee (batch get)     |
# | ReclaimItem  | RECLAIMS              | <at_ms:013d>#<old account>  | `contest committee reclaims`          |
# ---------------------------------------------------------------------------------------------------


class AwardItem(_Item):
    """A prize (or a place in a tie group at a prize boundary) waiting for the phone's confirmation."""

    account_id = UnicodeAttribute()
    week = NumberAttribute()
    prize = UnicodeAttribute()  # prize rank or "pending" (tie group at a boundary)
    created_at_ms = NumberAttribute()
    deadline_ms = NumberAttribute()
    code_salt = UnicodeAttribute(null=True)
    code_hash = UnicodeAttribute(null=True)  # keyed by a random salt: the close never holds the signing secret
    tries = NumberAttribute(default=0)
    sent_at_ms = NumberAttribute(null=True)  # set once the SMS went out (a rerun sends only where missing)
    confirmed_at_ms = NumberAttribute(null=True)
    confirmed_by = UnicodeAttribute(null=True)  # "code" | "committee: <name>"
    confirmed_note = UnicodeAttribute(null=True)


class ReclaimItem(_Item):
    """A number taken over by its owner: the closed (squatter's) account, for the committee."""

    phone = UnicodeAttribute()
    old_account_id = UnicodeAttribute()
    old_full_name = UnicodeAttribute()
    old_unit_id = UnicodeAttribute()
    new_account_id = UnicodeAttribute()
    at_ms = NumberAttribute()
    withdrawn_weeks = ListAttribute(of=NumberAttribute)
    published_weeks = ListAttribute(of=NumberAttribute)


# ---------------------------------------------------------------------------------------------------
# Data subjects' requests: the privacy request log. One small partition; an item holds the
# account id and what was asked, never a name or a phone (it outlives an erased account as proof of handling).
#
# | item               | pk       | sk            | read by                                          |
# |--------------------|----------|---------------|--------------------------------------------------|
# | PrivacyRequestItem | PRIVACY  | <request_id>  | `contest privacy requests`, my data (filtered)   |
# ---------------------------------------------------------------------------------------------------


class PrivacyRequestItem(_Item):
    account_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # export | withdraw | erasure
    purpose = UnicodeAttribute(null=True)  # withdraw: the consent purpose
    received_at_ms = NumberAttribute()
    due_at_ms = NumberAttribute()
    status = UnicodeAttribute()  # pending | done
    handled_by = UnicodeAttribute(null=True)
    handled_at_ms = NumberAttribute(null=True)


# ---------------------------------------------------------------------------------------------------
# Personal data lifecycle: erasures executed and the retention purge.
#
# | item        | pk       | sk                   | read by                                                   |
# |-------------|----------|----------------------|-----------------------------------------------------------|
# | ErasureItem | ERASED   | <erasure_key(phone)> | register and the number's claim (one GetItem), CLI list   |
# | PurgeItem   | RETENTION| PURGED               | the close (no republication after the purge), CLI         |
#
# An erasure keeps no name, phone or unit: the key is an HMAC of the phone under the signing secret, and the
# item expires (ttl) at the retention date, when the purge deletes it as well.
# ---------------------------------------------------------------------------------------------------


class ErasureItem(_Item):
    """A contestant's data was erased: the number may not register again in this contest."""

    erased_at_ms = NumberAttribute()
    by = UnicodeAttribute()  # who executed it: "self-service" or the organiser's name
    published_weeks = ListAttribute(of=NumberAttribute)  # republish these
    withdrawn_weeks = ListAttribute(of=NumberAttribute)  # dropped, unpublished


class PurgeItem(_Item):
    """The retention purge ran: personal data is gone and no week may be republished."""

    purged_at_ms = NumberAttribute()
    retention_ms = NumberAttribute()  # the retention date it applied
    deleted = UnicodeAttribute()  # JSON: items deleted per kind, private files deleted


MODELS: tuple[type[_Item], ...] = (
    TableSchema,
    AccountItem,
    PhoneItem,
    CodeItem,
    ExclusionItem,
    ThrottleItem,
    AttemptItem,
    StandingItem,
    ContentItem,
    DecisionItem,
    DisqualificationItem,
    ClosedItem,
    CoordinatorItem,
    AwardItem,
    ReclaimItem,
    PrivacyRequestItem,
    ErasureItem,
    PurgeItem,
)


_configured: tuple[str, str, str | None] | None = None


def configure(table_name: str, region: str, host: str | None = None) -> None:
    """Point every model at the configured table (called once by the composition root).

    All models share ONE connection: PynamoDB otherwise builds a botocore session and client per
    model class, and each one reloads the DynamoDB service model (tens of ms of cold start each).
    Configuring the same table again keeps the connection (tests and the local stack restart often).
    """
    global _configured
    if _configured == (table_name, region, host):
        return
    _configured = (table_name, region, host)
    _Item.Meta.table_name = table_name
    _Item.Meta.region = region
    setattr(_Item.Meta, "host", host)  # noqa: B010 - PynamoDB reads Meta.host; not declared on the stub
    models: tuple[type[Model], ...] = (_Item, *MODELS)
    for model in models:
        model._connection = None
    shared = TableSchema._get_connection()
    for model in models:
        model._connection = shared


def connection() -> Any:
    """The shared botocore-level connection (transactions need it)."""
    return TableSchema._get_connection().connection


def query_partition(pk: str, sk_prefix: str | None = None, consistent: bool = True) -> list[dict[str, Any]]:
    """Raw items of one partition (mixed item types), in sort-key order."""
    condition = TableSchema.sk.startswith(sk_prefix) if sk_prefix else None
    items: list[dict[str, Any]] = []
    start = None
    while True:
        page = TableSchema._get_connection().query(
            pk, range_key_condition=condition, consistent_read=consistent, exclusive_start_key=start
        )
        items.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def scan_items(consistent: bool = True) -> Iterator[dict[str, Any]]:
    """Every raw item of the table, page by page (the retention purge, the privacy scan tests)."""
    start = None
    while True:
        page = TableSchema._get_connection().scan(consistent_read=consistent, exclusive_start_key=start)
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def create_table(wait: bool = False) -> None:
    """Create the table from the model definitions (local stack and tests; AWS uses the template)."""
    if not TableSchema.exists():
        TableSchema.create_table(wait=wait, billing_mode="PAY_PER_REQUEST")
    TableSchema._get_connection().connection._make_api_call(  # enable TTL like the template does
        "UpdateTimeToLive",
        {
            "TableName": TableSchema.Meta.table_name,
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "ttl"},
        },
    )


def key_schema() -> dict[str, Any]:
    """Keys and indexes as declared here, for comparison with infra/template.yaml."""
    return {
        "hash_key": TableSchema._hash_key_attribute().attr_name,
        "range_key": TableSchema._range_key_attribute().attr_name,
        "attribute_types": {"pk": "S", "sk": "S"},
        "indexes": sorted(getattr(TableSchema, "_indexes", {}).keys()),
        "ttl_attribute": "ttl",
    }
