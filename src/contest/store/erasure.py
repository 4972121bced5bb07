"""The personal data lifecycle: erasures executed and the retention purge.

An erasure keeps no name, phone or unit: its key is an HMAC of the phone under the signing secret, and the item
expires (ttl) at the retention date, when the purge deletes it as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, UpdateError

from contest.adapters.config import STANDING_SHARDS
from contest.store import tables
from contest.store.conditions import is_condition_failure
from contest.store.keys import (
    CLOSED,
    CONTENT,
    ERASED,
    EXCLUSIONS,
    PRIVACY,
    PURGED,
    RECLAIMS,
    RETENTION,
    WEEK_PREFIX,
    is_standing_pk,
    shard_of,
    standing_pk,
)
from contest.store.tables import ErasureItem, ExclusionItem, PurgeItem, ReclaimItem, StandingItem, TableSchema


def _kept_after_purge(pk: str, sk: str) -> bool:
    """What the retention purge keeps: the content, each week's closed marker (SHA-256 and unit totals, nothing
    personal), the purge record and the request log. Everything else is deleted: a new item kind is purged
    unless listed here."""
    if pk in (CONTENT, RETENTION, PRIVACY):
        return True
    return pk.startswith(WEEK_PREFIX) and sk == CLOSED and not is_standing_pk(pk)


@dataclass(frozen=True)
class Erasure:
    """An executed erasure: no name, phone or unit, only the number's keyed hash."""

    key: str  # contest.rules.erasure.erasure_key of the phone
    erased_at_ms: int
    by: str
    published_weeks: tuple[int, ...]
    withdrawn_weeks: tuple[int, ...]


@dataclass(frozen=True)
class Purge:
    """The retention purge's record."""

    purged_at_ms: int
    retention_ms: int
    deleted: dict[str, int]


class ErasureStore:
    def __init__(self, shards: int = STANDING_SHARDS) -> None:
        self.shards = shards

    def record_erasure(self, erasure: Erasure, ttl_s: int | None) -> None:
        ErasureItem(
            pk=ERASED,
            sk=erasure.key,
            erased_at_ms=erasure.erased_at_ms,
            by=erasure.by,
            published_weeks=list(erasure.published_weeks),
            withdrawn_weeks=list(erasure.withdrawn_weeks),
            ttl=ttl_s,
        ).save()

    def erasures(self) -> list[Erasure]:
        return sorted(
            (
                Erasure(
                    i.sk,
                    int(i.erased_at_ms),
                    i.by,
                    tuple(int(str(w)) for w in i.published_weeks),
                    tuple(int(str(w)) for w in i.withdrawn_weeks),
                )
                for i in ErasureItem.query(ERASED)
            ),
            key=lambda e: (e.erased_at_ms, e.key),
        )

    def anonymise_standing(self, week: int, account_id: str, listing: str, mark: str) -> bool:
        """A published week: keep the entry's numbers (ranks and the SHA-256 stay), drop name and phone."""
        item = StandingItem(pk=standing_pk(week, shard_of(account_id, self.shards)), sk=account_id)
        try:
            item.update(
                actions=[StandingItem.full_name.set(listing), StandingItem.phone_masked.set(mark)],
                condition=StandingItem.pk.exists(),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def delete_standing(self, week: int, account_id: str) -> None:
        StandingItem(pk=standing_pk(week, shard_of(account_id, self.shards)), sk=account_id).delete()

    def delete_partition(self, pk: str) -> int:
        """Delete every item of one partition (an account's profile, attempts and awards; a phone's claim and
        codes). Returns how many."""
        keys = [(i["pk"]["S"], i["sk"]["S"]) for i in tables.query_partition(pk)]
        self.delete_keys(keys)
        return len(keys)

    def partition_owners(self, pk: str) -> list[tuple[tuple[str, str], str | None]]:
        """Each item's key in one partition with the account it belongs to (`account_id`, when it has one)."""
        return [((i["pk"]["S"], i["sk"]["S"]), i.get("account_id", {}).get("S")) for i in tables.query_partition(pk)]

    def delete_keys(self, keys: Iterable[tuple[str, str]]) -> None:
        with TableSchema.batch_write() as batch:
            for pk, sk in keys:
                batch.delete(TableSchema(pk=pk, sk=sk))

    def delete_exclusion(self, phone: str) -> None:
        ExclusionItem(pk=EXCLUSIONS, sk=phone).delete()

    def reclaim_keys_of(self, account_id: str) -> list[tuple[str, str]]:
        """The committee's reclaim records naming the account (as the number's old or new holder)."""
        return [
            (RECLAIMS, i.sk)
            for i in (ReclaimItem.from_raw_data(raw) for raw in tables.query_partition(RECLAIMS))
            if account_id in (i.old_account_id, i.new_account_id)
        ]

    def purge_record(self) -> Purge | None:
        try:
            item = PurgeItem.get(RETENTION, PURGED, consistent_read=True)
        except DoesNotExist:
            return None
        return Purge(int(item.purged_at_ms), int(item.retention_ms), json.loads(item.deleted))

    def purgeable_keys(self) -> Iterator[tuple[str, str]]:
        """The key of every item the purge deletes (a scan of the whole table)."""
        for raw in tables.scan_items():
            pk, sk = raw["pk"]["S"], raw["sk"]["S"]
            if not _kept_after_purge(pk, sk):
                yield pk, sk

    def mark_purged(self, purge: Purge) -> None:
        PurgeItem(
            pk=RETENTION,
            sk=PURGED,
            purged_at_ms=purge.purged_at_ms,
            retention_ms=purge.retention_ms,
            deleted=json.dumps(purge.deleted, sort_keys=True),
        ).save()
