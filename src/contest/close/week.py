"""The weekly close at each results_at: rank a week, publish its results and reports; committee decisions and reruns.

`CloseWeek.close(week=None)` is what the schedule runs: the latest week whose results time has come,
unless it is closed already. `close(week=N)` is a rerun; a week whose results time has not come is refused
unless `force`. Every run reads the committee's recorded decisions and disqualifications and applies them,
so a rerun over the same data publishes byte-identical files.

A published week is never overwritten with different results by accident (a rerun on an emptied or
different database, a rehearsal pointed at the wrong place): a run whose public file would differ from the
one already published is refused (`AlreadyPublished`) unless `republish` is given; then the previous public
and private files are first copied to `archive/week-N-<time>/` in the PRIVATE store (the superseded public
file may name someone since disqualified or erased: it is kept for the record, not left public). Committee
decisions (`order_group`, `disqualify`) are deliberate changes and republish with that archive.

Nothing is published before the week's window has ended (`closes_at + grace`, the last instant a
submission is still accepted), whatever the flag or payload: `force` only allows a close between that
instant and the announced results time. The window is checked against the contest's clock AND the
server's own clock (`wall`), so a contest clock set ahead by mistake (or on purpose) cannot publish a key
while contestants can still submit. Keys themselves are published by construction only once no later
week can draw the question (`publication.answer_key`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contest.adapters.observability import logger
from contest.adapters.publisher import Publisher
from contest.adapters.sender import Sender
from contest.close.reports import awards_csv, final_workbook, standings_csv, units_csv, week_workbook, winners_workbook
from contest.content.loader import Content
from contest.rules.awards import NOT_CONFIRMED, award_message, award_rows, candidates, winner_rows
from contest.rules.awards import deadline as award_deadline
from contest.rules.clock import Clock, SystemClock, iso, to_ms
from contest.rules.codes import award_code_hash, new_code, new_salt
from contest.rules.errors import (
    AlreadyPublished,
    ContestError,
    DataPurged,
    MissingReason,
    OrderMismatch,
    UnknownGroup,
    UnknownWeek,
    WeekNotOver,
    WeekStillOpen,
)
from contest.rules.model import VERIFY_AT_AWARD, Contest, Week
from contest.rules.publication import (
    canonical_json,
    final_public,
    index_entry,
    results_index,
    week_public,
    week_review,
    write_canonical_standings,
)
from contest.rules.ranking import (
    Disqualification,
    GroupOrder,
    RankingRules,
    UnitRow,
    WeekRanking,
    aggregate_units,
    rank_final_units,
    rank_week,
    review_flags,
)
from contest.rules.weeks import week_to_close
from contest.services.stored_content import ContentSource
from contest.store import Store
from contest.store.close import ClosedWeek
from contest.store.records import Award

INDEX = "index.json"
FINAL = "final.json"


def week_files(week: int) -> dict[str, str]:
    return {
        "public": f"week-{week}.json",
        "canonical": f"week-{week}/standings.tsv",
        "csv": f"week-{week}/standings.csv",
        "units_csv": f"week-{week}/units.csv",
        "xlsx": f"week-{week}/report.xlsx",
        "review": f"week-{week}/review.json",
        "awards_csv": f"week-{week}/awards.csv",
        "winners": f"week-{week}/winners.xlsx",
    }


@dataclass(frozen=True)
class CloseRequest:
    """What one invocation of the close asks for, parsed at the edge (functions/close_week) from the Scheduler's
    payload: {} (the default: the week from the clock), {"week": N, "force": bool, "republish": bool}, or
    {"action": "purge"} (the daily retention schedule).

    `force` never reaches before the week's window has ended (see `CloseWeek.close`); `republish` lets a
    rerun replace published results that would change (the previous ones are archived)."""

    week: int | None = None
    force: bool = False
    republish: bool = False
    purge: bool = False


def parse_event(event: Any) -> CloseRequest:
    """The Scheduler payload as a `CloseRequest`; a malformed one is refused before anything is read."""
    if not isinstance(event, Mapping):
        return CloseRequest()
    if event.get("action") == "purge":
        return CloseRequest(purge=True)
    week = event.get("week")
    if week is not None and (isinstance(week, bool) or not isinstance(week, int) or week < 1):
        raise UnknownWeek(f"Số tuần không hợp lệ: {week!r}")
    force = event.get("force", False)
    if not isinstance(force, bool):
        raise ContestError("force phải là true hoặc false")
    republish = event.get("republish", False)
    if not isinstance(republish, bool):
        raise ContestError("republish phải là true hoặc false")
    return CloseRequest(week, force, republish)


def _unit_rows_json(rows: Sequence[UnitRow]) -> list[dict[str, Any]]:
    return [
        {
            "unit_id": r.unit_id,
            "name": r.name,
            "group": r.group,
            "headcount": r.headcount,
            "participants": r.participants,
            "attempts": r.attempts,
            "score_sum": r.score_sum,
        }
        for r in rows
    ]


def _unit_rows_from_json(rows: Sequence[Mapping[str, Any]]) -> list[UnitRow]:
    return [
        UnitRow(
            r["unit_id"],
            r["name"],
            r["group"],
            r["headcount"],
            r["participants"],
            r["attempts"],
            r["score_sum"],
        )
        for r in rows
    ]


@dataclass
class CloseWeek:
    repo: Store
    content: ContentSource
    clock: Clock
    publisher: Publisher
    wall: Clock = field(default_factory=SystemClock)
    sender: Sender | None = None  # at_award: one code per prize winner (None: a terminal without SMS)

    # --- the close -------------------------------------------------------------------------------

    def run(self, request: CloseRequest) -> dict[str, Any]:
        if request.purge:  # the daily retention schedule
            from contest.close.erasure import purge

            return purge(self.repo, self.content, self.clock, self.publisher, wall=self.wall)
        return self.close(request.week, force=request.force, republish=request.republish)

    def close(
        self, week: int | None = None, *, force: bool = False, republish: bool = False, archive: bool = True
    ) -> dict[str, Any]:
        """`archive=False`: a republication after an erasure (close/erasure), whose superseded files differ only by
        the erased names; archiving them would keep exactly what the erasure removes."""
        content = self.content.get()
        contest = content.contest
        now = self.clock.now()
        if self.repo.close.purged():
            if week is None:
                return {"status": "data-purged"}
            raise DataPurged()
        if week is None:
            due = week_to_close(contest, now)
            if due is None:
                return {"status": "nothing-due"}
            if self.repo.close.week_decisions(due.number).closed is not None:
                return {"status": "already-closed", "week": due.number}
            target = due
        else:
            found = contest.week(week)
            if found is None:
                raise UnknownWeek()
            target = found
        self._refuse_if_not_publishable(content, target, now, force=force or week is None)
        return self._publish_week(content, target, now_ms=to_ms(now), republish=republish, archive=archive)

    def window_end(self, content: Content, week: Week) -> datetime:
        """The last instant a submission of the week is accepted: nothing is published before it."""
        return week.closes_at + timedelta(seconds=content.contest.quiz.grace_seconds)

    def _window_over(self, content: Content, week: Week, now: datetime) -> bool:
        end = self.window_end(content, week)
        return now > end and self.wall.now() > end

    def _refuse_if_not_publishable(self, content: Content, week: Week, now: datetime, *, force: bool) -> None:
        if not self._window_over(content, week, now):
            raise WeekStillOpen(window_ends_at=iso(self.window_end(content, week)))
        if now < week.results_at and not force:
            raise WeekNotOver()

    def rank(self, content: Content, week: Week) -> WeekRanking:
        """Rank a week from the database: standings streamed, decisions and exclusions applied, flagged."""
        contest = content.contest
        rules = RankingRules.from_contest(contest)
        decisions = self.repo.close.week_decisions(week.number)
        ranking = rank_week(
            self.repo.standings.stream_standings(week.number),
            rules,
            excluded=self.repo.close.excluded_account_ids(),
            disqualifications=decisions.disqualifications,
            decisions=decisions.orders,
        )
        devices = self.repo.standings.verified_ip_hashes(ranking.columns.account_id)
        ranking.flags, ranking.devices_recorded = review_flags(
            ranking.columns, ranking.order, ranking.duration_ms, rules, devices
        )
        return ranking

    def _publish_week(
        self, content: Content, week: Week, now_ms: int, *, republish: bool = False, archive: bool = True
    ) -> dict[str, Any]:
        contest = content.contest
        ranking = self.rank(content, week)
        unit_rows = aggregate_units(ranking, content.units)
        canonical = io.BytesIO()
        sha = write_canonical_standings(ranking, canonical)
        public = week_public(contest, week, ranking, unit_rows, content.bank, sha, content.units)
        files = week_files(week.number)
        # Before anything is sent or written: never overwrite published results with different ones by accident
        previous = self.publisher.read_public(files["public"])
        archived = None
        if previous is not None and previous != canonical_json(public):
            if not republish:
                raise AlreadyPublished(week=week.number, published_sha256=json.loads(previous).get("standings_sha256"))
            archived = self._archive(week.number, previous, now_ms) if archive else None
        review = week_review(contest, ranking, content.units)
        fixed = week.results_at.astimezone(UTC).replace(tzinfo=None)
        codes = self._send_award_codes(contest, week, ranking, now_ms)
        awards = award_rows(
            contest,
            ranking,
            content.units,
            self.repo.awards.awards_for(week.number, [c[2] for c in candidates(ranking)]),
            contest.weekly_prizes,
        )
        # Private first, then the public week, then (after the last week) the final awards, the index last.
        self.publisher.put_private(files["canonical"], canonical.getvalue())
        del canonical
        self.publisher.put_private(files["csv"], standings_csv(ranking, content.units))
        self.publisher.put_private(files["units_csv"], units_csv(unit_rows))
        self.publisher.put_private(files["review"], canonical_json(review))
        self.publisher.put_private(files["awards_csv"], awards_csv(awards))
        self.publisher.put_private(
            files["xlsx"],
            week_workbook(ranking, unit_rows, content.units, review, fixed, awards=awards, timezone=contest.timezone),
        )
        self.publisher.put_private(files["winners"], self._winners_xlsx(contest, week, ranking, awards, fixed))
        self.publisher.put_public(files["public"], canonical_json(public))
        closed = ClosedWeek(week.number, now_ms, ranking.actual_count, sha, _unit_rows_json(unit_rows))
        final = self._publish_final(content, closed)
        index = results_index(self._read_index(), index_entry(public), final, public)
        self.publisher.put_public(INDEX, canonical_json(index))
        # Last: the marker the schedule checks. A run that fails before it is retried in full.
        self.repo.close.mark_closed(closed)
        pending = sum(1 for s in ranking.prizes if s.pending_group is not None)
        return {
            "status": "published",
            "week": week.number,
            "participants": ranking.actual_count,
            "counted": ranking.rules.participants_count,
            "ranked": len(ranking),
            "tie_groups": len(ranking.groups),
            "pending_prizes": pending,
            "flags": len(ranking.flags),
            "removed": len(ranking.removed),
            "stale_decisions": len(ranking.stale_decisions),
            "standings_sha256": sha,
            "final": final,
            "award_codes_sent": codes["sent"],
            "award_codes_failed": codes["failed"],
            "awards_unconfirmed": sum(1 for row in awards if row[6] == NOT_CONFIRMED),
            "archived": archived,
        }

    def _archive(self, week: int, previous_public: bytes, now_ms: int) -> str:
        """Copy what is about to be replaced (public week file, the week's private files, the final awards)
        into the private store under archive/week-N-<UTC time of this run>/; returns that folder."""
        stamp = datetime.fromtimestamp(now_ms / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = f"archive/week-{week}-{stamp}"
        self.publisher.put_private(f"{folder}/week-{week}.json", previous_public)
        for key, name in week_files(week).items():
            if key == "public":
                continue
            data = self.publisher.read_private(name)
            if data is not None:
                self.publisher.put_private(f"{folder}/{name.split('/', 1)[1]}", data)
        for name, read in ((FINAL, self.publisher.read_public), ("final/report.xlsx", self.publisher.read_private)):
            data = read(name)
            if data is not None:
                self.publisher.put_private(f"{folder}/{name.replace('/', '-')}", data)
        logger.info("superseded results archived", extra={"week": week, "archive": folder})
        return folder

    def _winners_xlsx(
        self, contest: Contest, week: Week, ranking: WeekRanking, awards: Sequence[Sequence[Any]], fixed: datetime
    ) -> bytes:
        """The private winners' list (full phone numbers, amounts, certificate numbers, confirmations)."""
        from contest.close.certificates import week_numbers
        from contest.rules.consents import may_contact, of_account

        phones, contact = {}, {}
        for _, _, account_id in candidates(ranking):
            account = self.repo.accounts.account(account_id)
            phones[account_id] = account.phone if account is not None else ""
            contact[account_id] = account is not None and may_contact(
                contest.consent_purposes,
                of_account(account.consents, contest.consent_purposes, account.consent_version, account.consent_at_ms),
            )
        numbers = week_numbers(ranking, contest.certificates, contest.year, week.number)
        rows = winner_rows(contest, ranking, awards, phones, numbers, contact)
        title = f"{contest.name} — danh sách nhận giải Tuần {week.number} (nội bộ)"
        return winners_workbook(rows, fixed, timezone=contest.timezone, currency=contest.currency, title=title)

    def winners(self, week: int) -> bytes:
        """`contest winners --week N`: the winners' list of a published week, with today's confirmations."""
        content = self.content.get()
        target = content.contest.week(week)
        if target is None:
            raise UnknownWeek()
        if self.publisher.read_public(week_files(week)["public"]) is None:
            raise WeekNotOver("Tuần này chưa công bố kết quả: chưa có danh sách nhận giải.")
        ranking = self.rank(content, target)
        contest = content.contest
        awards = award_rows(
            contest,
            ranking,
            content.units,
            self.repo.awards.awards_for(week, [c[2] for c in candidates(ranking)]),
            contest.weekly_prizes,
        )
        fixed = target.results_at.astimezone(UTC).replace(tzinfo=None)
        return self._winners_xlsx(contest, target, ranking, awards, fixed)

    def _send_award_codes(self, contest: Contest, week: Week, ranking: WeekRanking, now_ms: int) -> dict[str, int]:
        """at_award: ONE code per prize candidate and week. The award item is written first (conditional),
        the SMS sent only by the run that created it; a run that failed before sending leaves `sent_at_ms`
        unset and the next run sends a fresh code. Already-proven phones need no SMS."""
        counts = {"sent": 0, "failed": 0}
        if contest.verification != VERIFY_AT_AWARD or self.sender is None:
            return counts  # without a sender (a terminal with no SMS set up) the scheduled close sends them
        until = award_deadline(contest, week)
        for _, prize, account_id in candidates(ranking):
            award = self.repo.awards.award(account_id, week.number)
            if award is not None and (award.sent_at_ms is not None or award.confirmed_at_ms is not None):
                continue
            account = self.repo.accounts.account(account_id)
            if account is None or account.closed_at_ms is not None:
                continue
            code, salt = new_code(), new_salt()
            digest = award_code_hash(salt, account_id, week.number, code)
            if award is None:
                fresh = Award(
                    account_id, week.number, prize, now_ms, to_ms(until), salt, digest, 0, None, None, None, None
                )
                if not self.repo.awards.create_award(fresh):
                    continue  # a concurrent run created it
                if account.verified:
                    self.repo.awards.confirm_award(account_id, week.number, now_ms, "verified", None, None)
                    continue
            elif not self.repo.awards.rekey_award(account_id, week.number, salt, digest, award.code_hash):
                continue
            try:
                self.sender.send(
                    account.phone,
                    award_message(
                        week.number,
                        code,
                        until.astimezone(ZoneInfo(contest.timezone)),
                        contest.sms.contest_name,
                    ),
                )
            except Exception:  # the next run sends again: the item has no sent_at_ms
                logger.exception("award code not sent")
                counts["failed"] += 1
                continue
            self.repo.awards.mark_award_sent(account_id, week.number, now_ms)
            counts["sent"] += 1
        return counts

    def _read_index(self) -> dict[str, Any] | None:
        raw = self.publisher.read_public(INDEX)
        return json.loads(raw) if raw else None

    def _publish_final(self, content: Content, current: ClosedWeek) -> bool:
        """After the last week: the final unit awards, from the closed weeks' unit tables."""
        contest = content.contest
        numbers = [w.number for w in contest.weeks]
        closed = self.repo.close.closed_weeks(n for n in numbers if n != current.week) | {current.week: current}
        if len(closed) < len(numbers):
            return False
        weekly = [_unit_rows_from_json(closed[n].units) for n in numbers]
        rows = rank_final_units(weekly, contest.final_formula, contest.quiz.max_score, contest.final_unit_prizes)
        fixed = max(w.results_at for w in contest.weeks).astimezone(UTC).replace(tzinfo=None)
        self.publisher.put_private("final/report.xlsx", final_workbook(rows, contest.final_unit_prizes, fixed))
        self.publisher.put_public(FINAL, canonical_json(final_public(contest, rows, numbers, contest.final_formula)))
        return True

    # --- committee decisions ---------------------------------------------------------------------

    def _closable(self, week: int, force: bool) -> Week:
        content = self.content.get()
        found = content.contest.week(week)
        if found is None:
            raise UnknownWeek()
        self._refuse_if_not_publishable(content, found, self.clock.now(), force=force)
        return found

    def order_group(
        self, week: int, group: str, order: Sequence[str], reason: str, by: str, *, force: bool = False
    ) -> dict[str, Any]:
        """Record the committee's order of tie group `group` (as currently published) and republish."""
        if not reason.strip() or not by.strip():
            raise MissingReason()
        target = self._closable(week, force)
        content = self.content.get()
        ranking = self.rank(content, target)
        found = next((g for g in ranking.groups if g.label == group), None)
        if found is None:
            raise UnknownGroup()
        members = ranking.members(found)
        if len(order) != len(set(order)) or set(order) != set(members):
            raise OrderMismatch(members=sorted(members))
        self.repo.close.record_group_order(
            week, GroupOrder(tuple(order), reason.strip(), by.strip(), to_ms(self.clock.now()), group)
        )
        return self.close(week, force=True, republish=True)  # the decision is the reason to republish

    def disqualify(self, week: int, account_id: str, reason: str, by: str) -> dict[str, Any]:
        """Record a disqualification; republish when the week's results are already due."""
        if not reason.strip() or not by.strip():
            raise MissingReason()
        content = self.content.get()
        found = content.contest.week(week)
        if found is None:
            raise UnknownWeek()
        self.repo.close.record_disqualification(
            week, Disqualification(account_id, reason.strip(), by.strip(), to_ms(self.clock.now()))
        )
        now = self.clock.now()
        if now < found.results_at or not self._window_over(content, found, now):
            return {"status": "recorded", "week": week}
        return self.close(week, force=True, republish=True)  # the decision is the reason to republish
