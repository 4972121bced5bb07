"""Use cases of the weekly quiz: start (or resume) an attempt, submit it."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from contest.rules import errors, phones, sessions, tokens
from contest.rules.clock import Clock, from_ms, iso, to_ms
from contest.rules.draw import displayed_questions, draw
from contest.rules.model import Attempt, StandingRecord
from contest.rules.receipts import ReceiptSigner
from contest.rules.scoring import check_answers, ranked_duration, score
from contest.rules.weeks import accepts_submission, attempt_expiry, open_week
from contest.services.stored_content import ContentSource
from contest.store import Store
from contest.store.records import Submission

RETRY_WINDOW_S = 3600  # an attempt token stays valid this long after the deadline, for lost-response retries
MAX_SUBMIT_ROUNDS = 3


def request_hash(answers: dict[str, str], prediction: int) -> str:
    canonical = json.dumps({"a": answers, "p": prediction}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def better(a: Attempt, b: Attempt, resolution: str) -> bool:
    """Is submitted attempt a strictly better than b? Score desc, then duration asc."""
    assert a.score is not None and b.score is not None and a.duration_ms is not None and b.duration_ms is not None
    return (-a.score, ranked_duration(a.duration_ms, resolution)) < (
        -b.score,
        ranked_duration(b.duration_ms, resolution),
    )


@dataclass
class Quiz:
    repo: Store
    content: ContentSource
    clock: Clock
    secret: bytes
    rng: random.Random
    receipts: ReceiptSigner | None = None  # None only where no receipt is ever shown (unit fakes)

    def start(self, bearer: str | None) -> dict[str, Any]:
        """Start (or resume) this week's attempt of the account with a current session (bearer)."""
        now = self.clock.now()
        claims = sessions.claims(bearer, self.secret, int(now.timestamp()))
        content = self.content.get()
        contest = content.contest
        week = open_week(contest, now)
        if week is None:
            upcoming = [w for w in contest.weeks if w.opens_at > now]
            if upcoming:
                raise errors.WeekNotOpen(
                    f"Tuần thi {upcoming[0].number} bắt đầu lúc "
                    f"{upcoming[0].opens_at.strftime('%H:%M ngày %d/%m/%Y')}.",
                    opens_at=iso(upcoming[0].opens_at),
                )
            raise errors.WeekNotOpen("Cuộc thi đã kết thúc. Cảm ơn bạn đã quan tâm.")
        found, attempts = self.repo.accounts.account_with_attempts(claims["sub"])
        account = sessions.current(found, claims)
        if contest.phone_verification and not account.verified:
            raise errors.NotVerified()
        if account.excluded and account.verified:
            # Only someone who proved the phone learns that it is excluded. An excluded number registered by
            # a third party (at_award, not yet proven) may answer, but is never ranked nor awarded (the close
            # drops every excluded account), so nobody can discover the list by registering numbers.
            raise errors.Excluded(contest.excluded_roles or None)
        this_week = [a for a in attempts if a.week == week.number]
        rules = contest.quiz
        open_attempt = next(
            (
                a
                for a in reversed(this_week)
                if not a.submitted and accepts_submission(from_ms(a.expires_at_ms), rules, now)
            ),
            None,
        )
        if open_attempt is None:
            if len(this_week) >= rules.attempts_per_week:
                raise errors.NoAttemptsLeft()
            question_ids, orders = draw(content.bank.pool(week.number), rules.questions_per_attempt, self.rng)
            open_attempt = Attempt(
                account_id=account.account_id,
                week=week.number,
                number=len(this_week) + 1,
                attempt_id=uuid.uuid4().hex,
                question_ids=question_ids,
                orders=orders,
                issued_at_ms=to_ms(now),
                expires_at_ms=to_ms(attempt_expiry(week, rules, now)),
                full_name=account.full_name,
                unit_id=account.unit_id,
                phone_masked=phones.mask(account.phone),
            )
            if not self.repo.quiz.create_attempt(open_attempt):  # a second tab started the same attempt
                raced = [
                    a
                    for a in self.repo.quiz.attempts(account.account_id, week.number)
                    if a.number == open_attempt.number
                ]
                if not raced:
                    raise errors.Busy()
                open_attempt = raced[0]
        return self._show(open_attempt, account.password_version, week.prediction_question, rules.prediction_max)

    def _show(
        self, attempt: Attempt, password_version: int, prediction_text: str, prediction_max: int
    ) -> dict[str, Any]:
        token = tokens.sign(
            {
                "kind": "attempt",
                "sub": attempt.account_id,
                "ver": password_version,  # a password reset ends the attempt token too (fetch it again)
                "wk": attempt.week,
                "n": attempt.number,
                "aid": attempt.attempt_id,
                "iat": attempt.issued_at_ms // 1000,
                "exp": attempt.expires_at_ms // 1000 + RETRY_WINDOW_S,
            },
            self.secret,
        )
        return {
            "attempt_id": attempt.attempt_id,
            "token": token,
            "week": attempt.week,
            "issued_at": iso(from_ms(attempt.issued_at_ms)),
            "expires_at": iso(from_ms(attempt.expires_at_ms)),
            "questions": displayed_questions(attempt.question_ids, attempt.orders, self.content.get().bank.by_id()),
            "prediction": {"text": prediction_text, "max": prediction_max},
        }

    def submit(self, token: str, answers: dict[str, str], prediction: int, bearer: str | None) -> dict[str, Any]:
        """Store one result of the attempt. Needs the attempt token AND a current session (bearer) of the
        attempt's owner: a leaked attempt token alone, someone else's session, a session from before a
        password reset or a logout are refused. A retry with the same body gets the same receipt."""
        received = self.clock.now()
        now_s = int(received.timestamp())
        claims = tokens.verify(token, self.secret, kind="attempt", now_s=now_s)
        session = sessions.claims(bearer, self.secret, now_s)
        if session["sub"] != claims["sub"]:
            raise errors.NotYourAttempt()
        content = self.content.get()
        rules = content.contest.quiz
        if prediction > rules.prediction_max:
            raise errors.ValidationFailed(
                f"Số dự đoán phải nằm trong khoảng 0–{rules.prediction_max}.", field="prediction"
            )
        digest = request_hash(answers, prediction)
        for _ in range(MAX_SUBMIT_ROUNDS):
            found, attempts = self.repo.accounts.account_with_attempts(claims["sub"])  # one query, as before
            account = sessions.current(found, session)
            if claims.get("ver") != account.password_version:
                raise errors.StaleAttempt()
            week_attempts = [a for a in attempts if a.week == claims["wk"]]
            attempt = next((a for a in week_attempts if a.number == claims["n"]), None)
            if attempt is None or attempt.attempt_id != claims["aid"]:
                raise errors.InvalidToken()
            if attempt.submitted:
                return self._receipt_of_stored(attempt, digest)
            week = content.contest.week(attempt.week)
            if week is None or received > week.closes_at + timedelta(seconds=rules.grace_seconds):
                raise errors.WeekClosed()
            if not accepts_submission(from_ms(attempt.expires_at_ms), rules, received):
                raise errors.AttemptExpired()
            check_answers(attempt, answers)
            received_ms = to_ms(received)
            submitted = replace(
                attempt,
                submitted_at_ms=received_ms,
                answers=dict(answers),
                prediction=prediction,
                duration_ms=received_ms - attempt.issued_at_ms,
                score=score(attempt, answers, content.bank.by_id(), rules.points_per_question),
                request_hash=digest,
            )
            earlier = [a for a in week_attempts if a.submitted]
            best_before = min(
                earlier,
                key=lambda a: (
                    -(a.score or 0),
                    ranked_duration(a.duration_ms or 0, rules.duration_resolution),
                ),
                default=None,
            )
            is_best = best_before is None or better(submitted, best_before, rules.duration_resolution)
            best = submitted if is_best else best_before
            assert best is not None
            standing = StandingRecord(
                account_id=best.account_id,
                score=best.score or 0,
                duration_ms=best.duration_ms or 0,
                prediction=best.prediction or 0,
                unit_id=best.unit_id,
                full_name=best.full_name,
                phone_masked=best.phone_masked,
                attempt_id=best.attempt_id,
                attempts=len(earlier) + 1,
                received_at_ms=best.submitted_at_ms or received_ms,
            )
            outcome = self.repo.quiz.record_submission(submitted, standing, is_best)
            if outcome is Submission.STORED:
                return self._receipt(submitted)
            # ATTEMPT_TAKEN: maybe our own earlier write whose response was lost -> re-read and compare.
            # STANDING_MOVED: another attempt of the same person landed meanwhile -> recompute.
        raise errors.Busy()

    def _receipt_of_stored(self, attempt: Attempt, digest: str) -> dict[str, Any]:
        if attempt.request_hash != digest:
            raise errors.AlreadySubmitted(receipt=self._receipt(attempt))
        return self._receipt(attempt)

    def _receipt(self, attempt: Attempt) -> dict[str, Any]:
        assert attempt.submitted_at_ms is not None and attempt.duration_ms is not None
        receipt: dict[str, Any] = {
            "attempt_id": attempt.attempt_id,
            "week": attempt.week,
            "received_at": iso(from_ms(attempt.submitted_at_ms)),
            "duration_ms": attempt.duration_ms,
            "questions": len(attempt.question_ids),
            # the score's ceiling (quiz.points_per_question per question): "30/30", not "30/15"
            "max_score": len(attempt.question_ids) * self.content.get().contest.quiz.points_per_question,
        }
        shown = self.content.get().contest.quiz.show_score_on_submit
        if shown:
            receipt["score"] = attempt.score
        if self.receipts is not None:
            receipt.update(
                self.receipts.sign(
                    {
                        "attempt_id": attempt.attempt_id,
                        "week": attempt.week,
                        "received_at": receipt["received_at"],
                        "duration_ms": attempt.duration_ms,
                        "score": attempt.score if shown else None,
                        "answers_sha256": attempt.request_hash,
                    }
                )
            )
        return receipt
