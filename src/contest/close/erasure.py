"""Personal data lifecycle: executing an erasure, and the retention purge.

`erase_account` is what `contest privacy erase` (and the self-service erasure request, once approved) runs:

- weeks NOT yet published: the person's standing is deleted, so they drop out of the coming results;
- weeks already published: the standing keeps its numbers (score, time, prediction, unit, random account id),
  so nobody's rank, tie group or prize moves and `standings.tsv` keeps its bytes and SHA-256; its name becomes
  a listing prefix and its phone the erased mark (contest.rules.erasure). The NEXT publication run of that week
  (`republish=True` here, or `contest close-week --week N`) writes «Thí sinh đã yêu cầu xoá dữ liệu» into the
  public and private files and states that a republication happened;
- the profile, attempts (answers), award confirmations, the phone claim and its codes, a coordinator
  appointment, the committee's reclaim records and an exclusion of the number are deleted. Sessions are signed
  tokens checked against the profile: without it, every session is dead;
- the number is kept only as an HMAC under the signing secret until the retention date, so it cannot register
  again in this contest (one account per person: no second set of attempts by erasing and re-registering).

`purge` deletes every personal item of the table and the private reports that name people, once the
retention date (`privacy.retention` in contest.yaml) has passed by the contest's clock AND the server's clock.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contest.adapters.observability import logger
from contest.adapters.publisher import Publisher
from contest.rules.clock import Clock, SystemClock, iso, to_ms
from contest.rules.erasure import ERASED_LABEL, ERASED_MARK, erasure_key, listing_prefix
from contest.rules.errors import UnknownAccount
from contest.rules.model import Contest
from contest.rules.names import nfc
from contest.services.stored_content import ContentSource
from contest.store import Store
from contest.store.erasure import Erasure, Purge
from contest.store.keys import COORDINATORS, account_pk, phone_pk

# Private files the purge keeps: nothing in them names a person once the accounts are gone (random account ids,
# units, scores). `standings.tsv` keeps the published SHA-256 checkable; the unit tables back the unit awards.
KEPT_PRIVATE_SUFFIXES = ("/standings.tsv", "/units.csv")
KEPT_PRIVATE_FILES = ("final/report.xlsx",)
BATCH = 500


def retention_of(contest: Contest) -> datetime | None:
    """`privacy.retention` of contest.yaml: the instant personal data is purged (None: not configured)."""
    return contest.privacy.retention


def retention_ttl(contest: Contest) -> int | None:
    """The retention date as a DynamoDB TTL (epoch seconds), for items written until then."""
    at = retention_of(contest)
    return None if at is None else int(at.timestamp())


@dataclass(frozen=True)
class ErasureResult:
    account_id: str
    published_weeks: tuple[int, ...]  # the standing stays, anonymised: republish these weeks
    withdrawn_weeks: tuple[int, ...]  # the standing is gone: out of these weeks' coming results
    deleted_items: int
    republished: tuple[int, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "erased",
            "account_id": self.account_id,
            "published_weeks": list(self.published_weeks),
            "withdrawn_weeks": list(self.withdrawn_weeks),
            "deleted_items": self.deleted_items,
            "republished": list(self.republished),
            "republish_needed": [w for w in self.published_weeks if w not in self.republished],
        }


def erase_account(
    account_id: str,
    *,
    repo: Store,
    content: ContentSource,
    clock: Clock,
    secret: bytes,
    by: str,
    publisher: Publisher | None = None,
    republish: bool = False,
    wall: Clock | None = None,
) -> ErasureResult:
    """Erase one account's personal data (see the module's docstring). Raises UnknownAccount when there is no
    such profile (never created, or erased already). With `republish` (and a publisher) every published week the
    person took part in is published again at once; otherwise the result lists the weeks to republish."""
    from contest.close.week import CloseWeek

    bundle = content.get()
    contest = bundle.contest
    account = repo.accounts.account(account_id)
    if account is None:
        raise UnknownAccount()
    now_ms = to_ms(clock.now())
    closer = CloseWeek(repo, content, clock, publisher, wall or SystemClock())  # type: ignore[arg-type]
    closed = repo.close.closed_weeks(w.number for w in contest.weeks)
    published: list[int] = []
    withdrawn: list[int] = []
    for week in contest.weeks:
        standing = repo.quiz.standing(week.number, account_id)
        if standing is None:
            continue
        if week.number not in closed:
            repo.erasure.delete_standing(week.number, account_id)
            withdrawn.append(week.number)
            continue
        ranking = closer.rank(bundle, week)
        cols = ranking.columns
        others: list[str] = []
        for position in range(len(ranking)):
            if cols.account_id[int(ranking.order[position])] == account_id:
                group = ranking.group_of(position)
                if group is not None:
                    members = [int(i) for i in ranking.order[group.start : group.start + group.size]]
                    others = [cols.listing[i] for i in members if cols.account_id[i] != account_id]
                break
        prefix = listing_prefix(standing.full_name, others) if others else ""
        repo.erasure.anonymise_standing(week.number, account_id, prefix, ERASED_MARK)
        published.append(week.number)

    deleted = repo.erasure.delete_partition(account_pk(account_id))  # profile, attempts (answers), awards
    holds_number = account.closed_at_ms is None  # a closed account's number belongs to its reclaimer now
    phone_items = [
        key
        for key, owner in repo.erasure.partition_owners(phone_pk(account.phone))
        if owner == account_id  # the claim and this account's codes; never another account's
    ]
    repo.erasure.delete_keys(phone_items)
    coordinator_and_reclaims = [(COORDINATORS, account_id), *repo.erasure.reclaim_keys_of(account_id)]
    repo.erasure.delete_keys(coordinator_and_reclaims)
    deleted += len(phone_items) + len(coordinator_and_reclaims)
    if holds_number:
        if repo.phones.is_excluded(account.phone):
            repo.erasure.delete_exclusion(account.phone)  # the erasure key below keeps the number out just the same
        repo.erasure.record_erasure(
            Erasure(erasure_key(secret, account.phone), now_ms, by, tuple(published), tuple(withdrawn)),
            ttl_s=retention_ttl(contest),
        )
    logger.info("account erased", extra={"published_weeks": published, "withdrawn_weeks": withdrawn})
    republished: list[int] = []
    if publisher is not None:
        redact_archives(publisher, account.full_name, account.phone)
        if republish:
            for number in published:
                closer.close(number, force=True, republish=True, archive=False)
                republished.append(number)
    return ErasureResult(account_id, tuple(published), tuple(withdrawn), deleted, tuple(republished))


ARCHIVE_PREFIX = "archive/"


def _redact_text(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in patterns:
        text = pattern.sub(replacement, text)
    return text


def redact_archives(publisher: Publisher, full_name: str, phone: str) -> list[str]:
    """Superseded results the close archived (private `archive/`, kept for the record of committee decisions) still
    name the person: their name becomes the neutral label and their number disappears, in every archived file
    (JSON, CSV, TSV as text; workbooks cell by cell). Returns the files changed."""
    name = nfc(full_name)
    national = "0" + phone[3:] if phone.startswith("+84") else phone
    patterns = [
        (re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)"), ERASED_LABEL),
        (re.compile(re.escape(phone)), ""),
        (re.compile(r"(?<!\d)" + re.escape(national) + r"(?!\d)"), ""),
    ]
    changed: list[str] = []
    for file in publisher.list_private():
        if not file.startswith(ARCHIVE_PREFIX):
            continue
        data = publisher.read_private(file)
        if data is None:
            continue
        if data[:2] == b"PK":
            new = _redact_workbook(data, patterns)
        else:
            text = data.decode("utf-8")
            new = _redact_text(nfc(text), patterns).encode("utf-8")
            if new == nfc(text).encode("utf-8"):
                new = data
        if new != data:
            publisher.put_private(file, new)
            changed.append(file)
    return changed


def _redact_workbook(data: bytes, patterns: list[tuple[re.Pattern[str], str]]) -> bytes:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    touched = False
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    value = _redact_text(nfc(cell.value), patterns)
                    if value != nfc(cell.value):
                        cell.value = value
                        touched = True
    if not touched:
        return data
    from contest.rules.spreadsheet import FIXED_DOCUMENT_TIME, xlsx_bytes

    return xlsx_bytes(book, book.properties.created or FIXED_DOCUMENT_TIME)  # the same bytes on a rerun


def _kind(pk: str, sk: str) -> str:
    """A readable kind for the purge's counts (the key prefixes of store/keys.py)."""
    head = pk.split("#", 1)[0]
    if head == "WEEK":
        return "standing" if "#S#" in pk else sk.split("#", 1)[0].lower()
    if head == "ACCOUNT":
        return sk.split("#", 1)[0].lower()
    if head == "PHONE":
        return "phone-" + sk.split("#", 1)[0].lower()
    return head.lower()


def _private_kept(name: str) -> bool:
    return name in KEPT_PRIVATE_FILES or name.endswith(KEPT_PRIVATE_SUFFIXES)


def _chunks(keys: Iterator[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    for key in keys:
        batch.append(key)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def purge(
    repo: Store,
    content: ContentSource,
    clock: Clock,
    publisher: Publisher,
    *,
    dry_run: bool = False,
    wall: Clock | None = None,
) -> dict[str, Any]:
    """Delete every personal item and private report naming people, once the retention date has passed.

    Before that date (by the contest's clock or by the server's own clock) it touches nothing. Idempotent: a
    second run finds nothing more to delete (the scheduled run fires daily)."""
    contest = content.get().contest
    retention = retention_of(contest)
    if retention is None:
        return {"status": "no-retention-date"}
    now = clock.now()
    if now < retention or (wall or SystemClock()).now() < retention:
        return {"status": "not-due", "retention": iso(retention)}
    counts: Counter[str] = Counter()
    files = [name for name in publisher.list_private() if not _private_kept(name)]
    if dry_run:
        for pk, sk in repo.erasure.purgeable_keys():
            counts[_kind(pk, sk)] += 1
        return {"status": "dry-run", "retention": iso(retention), "items": dict(sorted(counts.items())), "files": files}
    for batch in _chunks(repo.erasure.purgeable_keys()):
        repo.erasure.delete_keys(batch)
        counts.update(_kind(pk, sk) for pk, sk in batch)
    for name in files:
        publisher.delete_private(name)
    deleted = {**dict(sorted(counts.items())), "private_files": len(files)}
    repo.erasure.mark_purged(Purge(to_ms(now), to_ms(retention), deleted))
    logger.info("personal data purged", extra={"deleted": deleted})
    return {"status": "purged", "retention": iso(retention), "items": dict(sorted(counts.items())), "files": files}
