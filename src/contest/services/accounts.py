"""Use cases of accounts: register, verify the phone, log in, reset the password, read my profile."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contest.adapters.sender import Sender
from contest.rules import consents, errors, names, passwords, phones, sessions
from contest.rules.clock import Clock, from_ms, iso, to_ms
from contest.rules.codes import (
    CODE_LENGTH,
    award_code_matches,
    code_hash,
    code_matches,
    new_code,
    ticket_hash,
    well_formed,
)
from contest.rules.erasure import erasure_key
from contest.rules.model import UNVERIFIED_TTL_SECONDS, Account, Contest
from contest.rules.proof import Proven
from contest.rules.sms import code_text
from contest.services.stored_content import ContentSource
from contest.store import Store
from contest.store.records import CodeRecord, LoginCount, PhoneClaim, Reclaim, RegistrationGate

WINDOW_MS = 3_600_000
LOCK_BASE_S, LOCK_MAX_S = 30, 900
NO_ACCOUNT = "0" * 32  # read on the unknown-number path so that every path makes the same reads
RECLAIM_REASON = "Chủ số điện thoại đã lấy lại số; tài khoản đăng ký trước đó bị đóng."
RECLAIM_BY = "Hệ thống (lấy lại số điện thoại)"
DUMMY = passwords.DUMMY_HASH


def ip_hash(secret: bytes, ip: str | None) -> str | None:
    """Addresses are kept only as a keyed hash (for throttles and review flags)."""
    if not ip:
        return None
    return hashlib.sha256(secret + b"|ip|" + ip.encode()).hexdigest()[:32]


@dataclass
class Accounts:
    repo: Store
    content: ContentSource
    clock: Clock
    sender: Sender
    secret: bytes

    # --- registration ----------------------------------------------------------------------------
    #
    # Every unauthenticated account route answers the same whether the number is free, registered,
    # verified, excluded or locked: one status and body per route, the same reads and one
    # scrypt hash on every path, no tries_left or wait time that only a registered number could have.
    # What differs happens only on the phone (a code arrives or not), which only its owner sees.

    def _registered_message(self) -> str:
        if self.content.get().contest.phone_verification:
            return (
                "Đã nhận đăng ký. Nếu số điện thoại hợp lệ, mã xác thực đã được gửi tới số này: "
                "nhập mã ở bước tiếp theo để hoàn tất đăng ký."
            )
        return (
            "Đã nhận đăng ký. Mời bạn đăng nhập để dự thi. Nếu không đăng nhập được vì số điện thoại "
            "đã có người khác dùng, hãy chọn «Lấy lại số điện thoại»."
        )

    def _live_claim(self, phone: str, now_ms: int) -> PhoneClaim | None:
        claim = self.repo.phones.claim(phone)
        return claim if claim is not None and claim.live(now_ms // 1000) else None

    def _pending(
        self,
        full_name: str,
        phone: str,
        unit_id: str,
        password: str,
        ip: str | None,
        given: dict[str, bool] | None = None,
        legacy: bool | None = None,
        *,
        throttle: bool = True,
    ) -> tuple[str, str, dict[str, Any], int, str | None]:
        """Checks shared by register and reclaim: (e164, name, pending registration, now_ms). Always one
        scrypt hash and (unless the caller counts it in its own transaction) the per-address throttle, before
        anything about the number is read.

        `given`: the form's box per consent purpose; `legacy`: the older single box (contest.rules.consents)."""
        content = self.content.get()
        contest = content.contest
        agreed = consents.accepted(contest.consent_purposes, given, legacy)  # input only: says nothing of the number
        e164 = phones.normalize(phone)
        clean = names.clean_name(full_name)
        secret_password = passwords.check_strength(password, e164)
        if content.unit(unit_id) is None:
            raise errors.UnknownUnit()
        now_ms = to_ms(self.clock.now())
        address = ip_hash(self.secret, ip)
        if address and throttle:
            self.repo.counters.throttle_registration(
                address, now_ms // WINDOW_MS, contest.limits.registrations_per_ip_per_hour
            )
        pending = {
            "full_name": clean,
            "unit_id": unit_id,
            "password_hash": passwords.hash_password(secret_password),
            "consent_version": contest.consent_version,
            "consent_at_ms": now_ms,
            "consents": consents.record(agreed, contest.consent_version, now_ms),
        }
        return e164, clean, pending, now_ms, address

    def register(
        self,
        *,
        full_name: str,
        phone: str,
        unit_id: str,
        password: str,
        ip: str | None,
        proof: Proven | None = None,
        consents: dict[str, bool] | None = None,
        consent: bool | None = None,
    ) -> dict[str, Any]:
        """At most 3 DynamoDB calls: one batched read of the number (exclusion, claim), one transaction that
        records the proof of work as used, counts the address and creates the account (or the gate alone when
        the number is taken), and in at_registration mode the SMS budget's transaction.

        In at_award mode a registration that created the account answers with its session (`token`,
        `expires_at`, as login would), so the new participant goes straight in: "register, then log in with
        the same password" already told a free number from a taken one there (docs/verification.md). A
        registration that created nothing (taken, erased, a concurrent registration won) answers as before."""
        contest = self.content.get().contest
        e164, clean, pending, now_ms, address = self._pending(
            full_name, phone, unit_id, password, ip, consents, consent, throttle=False
        )
        verify = contest.phone_verification
        ticket = secrets.token_urlsafe(24)
        hour = now_ms // WINDOW_MS
        gate = RegistrationGate(
            proof.key if proof else None,
            proof.expires_at_s if proof else 0,
            address,
            hour,
            contest.limits.registrations_per_ip_per_hour,
        )
        # at_award: the answer may carry the session only where the login it replaces could have succeeded, so the
        # address's refused-login budget (login's per-address limit) is read with the number (the same call)
        opens = not verify
        login_limit = contest.limits.login_failures_per_ip_per_hour
        login_of = (address, hour) if opens and address else None
        # an erased number cannot register again in this contest: answered like any number, no account
        excluded, claim, erased, refusals = self.repo.phones.number_state(
            e164, erasure_key(self.secret, e164), login_of
        )
        opens = opens and refusals < login_limit
        if claim is not None and not claim.live(now_ms // 1000):
            claim = None
        code, record, created = None, None, None
        if claim is not None or erased:
            self.repo.counters.pass_gate(gate)
        else:
            created, code, record = self._create_account(contest, e164, clean, unit_id, pending, excluded, now_ms, gate)
            if created is None:  # a concurrent registration won: handled as taken
                claim = self._live_claim(e164, now_ms)
        refused: errors.SmsNotSent | None = None
        try:
            if claim is None and code and record:
                self._send_code(e164, code, "verify", address=address, record=record, purpose="verify")
            elif claim is not None and verify and not erased:
                # Taken number, code-at-registration mode: the registrant expects a code. It goes to the phone
                # and, with this registration's ticket, lets the phone's owner take the number over (reclaim).
                self._start_claim(e164, pending, ticket, address, quiet_budget=False)
        except errors.SmsNotSent as exc:  # a budget (address / global / breaker): the same for every number
            refused = exc
        answer = self._registered_answer(verify, ticket, refused)
        if opens and created is not None:
            answer.update(self._session(created, contest.limits.session_seconds, from_ms(now_ms)))
        elif opens and address:
            self._count_replaced_login(address, hour, login_limit)
        return answer

    def _create_account(
        self,
        contest: Contest,
        e164: str,
        clean: str,
        unit_id: str,
        pending: dict[str, Any],
        excluded: bool,
        now_ms: int,
        gate: RegistrationGate,
    ) -> tuple[Account | None, str | None, CodeRecord | None]:
        """The account (with its verification code in at_registration mode), created with the registration's
        gate in one transaction; no account when a concurrent registration took the number first."""
        verify = contest.phone_verification
        account = Account(
            account_id=uuid.uuid4().hex,
            phone=e164,
            full_name=clean,
            unit_id=unit_id,
            password_hash=pending["password_hash"],
            verified=False,
            excluded=excluded,
            created_at_ms=now_ms,
            password_version=1,
            expires_at_s=now_ms // 1000 + UNVERIFIED_TTL_SECONDS if verify else None,
        )
        code = new_code() if verify else None
        record = self._code_record(e164, "verify", code, account.account_id, now_ms, None) if code else None
        try:
            self.repo.accounts.create_account(
                account,
                consent_at_ms=now_ms,
                consent_version=contest.consent_version,
                consents=pending["consents"],
                unit_visible=self._unit_visible(pending),
                code=record,
                code_ttl_s=contest.limits.code_ttl_seconds,
                now_s=now_ms // 1000,
                gate=gate,
            )
        except errors.PhoneTaken:
            self.repo.counters.pass_gate(gate)  # its proof and address still count (the transaction wrote nothing)
            return None, code, record
        return account, code, record

    def _registered_answer(self, verify: bool, ticket: str, refused: errors.SmsNotSent | None) -> dict[str, Any]:
        """The same answer whether the number was free or taken (the session aside, at_award)."""
        answer: dict[str, Any] = {
            "verification_required": verify,
            "code_sent": verify and refused is None,
            "message": self._registered_message(),
            "ticket": ticket,
        }
        if refused is not None:
            answer["message"] = "Đã nhận đăng ký nhưng chưa gửi được mã xác thực. " + refused.message
            answer["retry_after_seconds"] = int(refused.extra.get("retry_after", 60))
        return answer

    def _count_replaced_login(self, address: str, hour: int, login_limit: int) -> None:
        """at_award, nothing created: the login this answer replaces ("register, then log in") would have been
        refused and counted on the address, so it is counted here too: probing numbers through registration is
        bounded by the same per-address budget as before (docs/verification.md)."""
        try:
            self.repo.counters.throttle_login(address, hour, login_limit)
        except errors.LoginThrottled:
            pass  # a concurrent refusal used the last one: the next registration opens no session

    def _unit_visible(self, pending: dict[str, Any]) -> bool:
        return consents.unit_visible(self.content.get().contest.consent_purposes, pending.get("consents") or {})

    def reclaim(
        self,
        *,
        full_name: str,
        phone: str,
        unit_id: str,
        password: str,
        ip: str | None,
        consents: dict[str, bool] | None = None,
        consent: bool | None = None,
    ) -> dict[str, Any]:
        """The owner of a number someone else registered: one code to the phone, then /api/verify with the
        code and this ticket takes the number over. Same answer whatever the number's state."""
        e164, _, pending, now_ms, address = self._pending(full_name, phone, unit_id, password, ip, consents, consent)
        ticket = secrets.token_urlsafe(24)
        self.repo.phones.is_excluded(e164)  # the same reads as register
        erased = self.repo.phones.is_erased(erasure_key(self.secret, e164))
        self._live_claim(e164, now_ms)
        if not erased:  # an erased number cannot come back in this contest: no code (only its owner could tell)
            self._start_claim(e164, pending, ticket, address, quiet_budget=False)  # a budget refusal: every number
        return {
            "message": (
                "Nếu số điện thoại hợp lệ, mã xác nhận đã được gửi tới số này. Nhập mã ở bước tiếp theo để hoàn tất."
            ),
            "ticket": ticket,
            "resend_after_seconds": self._resend_gap(),
        }

    def _start_claim(
        self, phone: str, pending: dict[str, Any], ticket: str, address: str | None, *, quiet_budget: bool
    ) -> None:
        previous = self.repo.codes.code(phone, "claim")
        self._issue_code(
            phone,
            "claim",
            uuid.uuid4().hex,
            previous,
            "reclaim",
            address=address,
            ticket_hash=ticket_hash(ticket),
            pending=pending,
            quiet_budget=quiet_budget,
        )

    def _well_formed(self, code: object) -> None:
        """A typing slip (not six digits) is said so, without using up a try: it depends on the input only."""
        if not well_formed(code):
            raise errors.CodeInvalid(f"Mã xác thực gồm {CODE_LENGTH} chữ số. Vui lòng kiểm tra lại tin nhắn.")

    def verify(self, *, phone: str, code: str, ip: str | None, ticket: str | None = None) -> dict[str, Any]:
        e164 = phones.normalize(phone)
        self._well_formed(code)
        limits = self.content.get().contest.limits
        now_ms = to_ms(self.clock.now())
        done = {"message": "Xác thực số điện thoại thành công. Bạn có thể đăng nhập để dự thi."}
        plain = self.repo.codes.code(e164, "verify")
        claim_code = self.repo.codes.code(e164, "claim")
        wanted = ticket_hash(ticket) if ticket else None
        if claim_code is not None and wanted is not None and hmac.compare_digest(claim_code.ticket_hash or "", wanted):
            if self._code_ok(e164, "claim", code, claim_code, now_ms):
                self._complete_claim(e164, claim_code, now_ms)
                return done
            raise errors.CodeInvalid()
        if plain is not None and self._code_ok(e164, "verify", code, plain, now_ms):
            if not self.repo.accounts.verify_phone(e164, plain, limits.code_max_tries, ip_hash(self.secret, ip)):
                raise errors.CodeInvalid()
            return done
        raise errors.CodeInvalid()

    def _complete_claim(self, phone: str, record: CodeRecord, now_ms: int) -> None:
        """The phone's owner proved it: the number goes to the waiting registration.

        - a free number (or an expired claim): the registration becomes a verified account;
        - an unverified account holds it (a squatter, or an owner who never proved it): that account is
          closed, its entries are withdrawn from every week not yet published, the committee sees it;
        - a VERIFIED account holds it: nothing changes (its owner proved this phone before; a code can
          never hand a verified account to someone else). The answer is the same.
        """
        contest = self.content.get().contest
        pending = record.pending or {}
        claim = self._live_claim(phone, now_ms)
        old = self.repo.accounts.account(claim.account_id) if claim else None
        if (old is not None and old.verified) or self.repo.phones.is_erased(erasure_key(self.secret, phone)):
            self.repo.codes.discard_code(phone, "claim", record)
            return
        new = Account(
            account_id=record.account_id,
            phone=phone,
            full_name=str(pending.get("full_name", "")),
            unit_id=str(pending.get("unit_id", "")),
            password_hash=str(pending.get("password_hash", "")),
            verified=True,
            excluded=self.repo.phones.is_excluded(phone),
            created_at_ms=now_ms,
            password_version=1,
        )
        if not self.repo.accounts.complete_claim(
            phone,
            record,
            contest.limits.code_max_tries,
            new,
            consent_at_ms=int(pending.get("consent_at_ms", now_ms)),
            consent_version=str(pending.get("consent_version", contest.consent_version)),
            consents=pending.get("consents"),
            unit_visible=self._unit_visible(pending) if "consents" in pending else None,
            old=old,
            now_ms=now_ms,
        ):
            raise errors.CodeInvalid()
        if old is not None:
            weeks = self.repo.quiz.submitted_weeks(old.account_id)
            published = [w for w in weeks if self.repo.close.week_is_closed(w)]
            withdrawn = [w for w in weeks if w not in published]
            self.repo.close.withdraw_entries(old.account_id, withdrawn, RECLAIM_REASON, RECLAIM_BY, now_ms)
            self.repo.phones.record_reclaim(
                Reclaim(
                    phone=phone,
                    old_account_id=old.account_id,
                    old_full_name=old.full_name,
                    old_unit_id=old.unit_id,
                    new_account_id=new.account_id,
                    at_ms=now_ms,
                    withdrawn_weeks=tuple(withdrawn),
                    published_weeks=tuple(published),
                )
            )

    def resend(self, *, phone: str, ip: str | None = None) -> dict[str, Any]:
        e164 = phones.normalize(phone)
        now_ms = to_ms(self.clock.now())
        claim = self._live_claim(e164, now_ms)
        previous = self.repo.codes.code(e164, "verify")
        account = self.repo.accounts.account(claim.account_id if claim else NO_ACCOUNT)
        if (
            self.content.get().contest.phone_verification
            and account is not None
            and not account.verified
            and account.closed_at_ms is None
        ):
            self._issue_code(e164, "verify", account.account_id, previous, "verify", address=ip_hash(self.secret, ip))
        return {
            "message": "Nếu số điện thoại đã đăng ký và chưa xác thực, mã mới đã được gửi tới số này.",
            "resend_after_seconds": self._resend_gap(),
        }

    # --- sessions --------------------------------------------------------------------------------

    def login(self, *, phone: str, password: str, ip: str | None = None) -> dict[str, Any]:
        """Every attempt is counted (atomic ADD) BEFORE the password is checked, and the decision is taken
        from the counter as this attempt left it, so parallel guesses are all counted: the first
        `login_failures_before_delay - 1` attempts since the last success are checked freely; from then on
        one attempt per lock window is checked and locks the phone for 30 s, doubling with every attempt
        counted meanwhile (up to 15 min). Refusals (wrong password, unknown phone, locked, and in
        at_registration an unverified account) all look alike."""
        e164 = phones.normalize(phone)
        contest = self.content.get().contest
        now = self.clock.now()
        now_ms = to_ms(now)
        address = ip_hash(self.secret, ip)
        hour = now_ms // WINDOW_MS
        if address:
            self.repo.counters.throttle_login(address, hour, contest.limits.login_failures_per_ip_per_hour)
        count = self.repo.phones.count_login(e164)
        if count is not None and count.expires_at_s is not None and count.expires_at_s <= now_ms // 1000:
            count = None  # an expired (TTL) claim is no claim, even before DynamoDB deletes it
        account = self.repo.accounts.account(count.account_id if count else NO_ACCOUNT)  # the same reads on every path
        checked = (
            count is not None
            and account is not None
            and self._may_check(e164, count, contest.limits.login_failures_before_delay, now_ms)
        )
        # one scrypt hash on every path (unknown, locked, wrong, right): the time says nothing
        right = passwords.verify_password(password, account.password_hash if checked and account else DUMMY)
        if not (checked and right and count and account):
            raise errors.LoginFailed()
        if contest.phone_verification and not account.verified:
            # at_registration: no session before the phone is proven, so registering someone else's
            # number and logging in cannot tell a free number from a taken one
            raise errors.LoginFailed()
        self.repo.phones.login_succeeded(e164, count)
        if address:
            self.repo.counters.refund_login(address, hour)
        return self._session(account, contest.limits.session_seconds, now)

    def _session(self, account: Account, lifetime_s: int, now: datetime) -> dict[str, str]:
        """A new session of the account (login, and an at_award registration): the token and its expiry."""
        token, expires = sessions.sign(account, int(now.timestamp()), lifetime_s, self.secret)
        return {"token": token, "expires_at": iso(now.fromtimestamp(expires, now.tzinfo))}

    def check_password(self, account: Account, password: str) -> None:
        """Re-entry of the current password before a grave act (erasure): counted and locked exactly like a
        login on the same phone, so a stolen session cannot be used to guess the password."""
        limits = self.content.get().contest.limits
        now_ms = to_ms(self.clock.now())
        count = self.repo.phones.count_login(account.phone)
        checked = (
            count is not None
            and count.account_id == account.account_id
            and self._may_check(account.phone, count, limits.login_failures_before_delay, now_ms)
        )
        right = passwords.verify_password(password, account.password_hash if checked else DUMMY)
        if not (checked and right and count):
            raise errors.PasswordIncorrect()
        self.repo.phones.login_succeeded(account.phone, count)

    def _may_check(self, phone: str, count: LoginCount, free: int, now_ms: int) -> bool:
        """May this counted attempt have its password checked? Decided from its own counter value only."""
        if count.locked_until_ms > now_ms:
            return False
        if count.attempts < free:
            return True
        delay_s = min(LOCK_MAX_S, LOCK_BASE_S * 2 ** min(count.attempts - free, 16))
        return self.repo.phones.take_login_slot(phone, count.locked_until_ms, now_ms + 1000 * delay_s)

    def logout(self, bearer: str | None) -> dict[str, Any]:
        """End every session of the account server-side: a token left on any device is dead from now on."""
        account = self.authenticated(bearer)
        self.repo.accounts.end_sessions(account.account_id)
        return {"message": "Bạn đã đăng xuất trên mọi thiết bị."}

    def session(self, bearer: str | None) -> dict[str, Any]:
        """Claims of a validly signed session token; callers check it is current with the account."""
        return sessions.claims(bearer, self.secret, int(self.clock.now().timestamp()))

    def authenticated(self, bearer: str | None) -> Account:
        """The account calling with this bearer token: the one way from a session to an account (a validly
        signed, unexpired session token whose account still has the same password and session versions), for
        every route that acts on the caller's own account. Unauthorized otherwise."""
        claims = self.session(bearer)
        return sessions.current(self.repo.accounts.account(claims["sub"]), claims)

    def me(self, bearer: str | None) -> dict[str, Any]:
        claims = self.session(bearer)
        found, attempts, awards = self.repo.accounts.account_page(claims["sub"])
        account = sessions.current(found, claims)
        content = self.content.get()
        unit = content.unit(account.unit_id)
        prizes = {p.rank: p.label for p in content.contest.weekly_prizes}
        purposes = content.contest.consent_purposes
        record = consents.of_account(account.consents, purposes, account.consent_version, account.consent_at_ms)
        return {
            "full_name": account.full_name,
            "phone_masked": phones.mask(account.phone),
            "unit_id": account.unit_id,
            "unit_name": unit.name if unit else account.unit_id,
            "verified": account.verified,
            "verification": content.contest.verification,
            "is_coordinator": account.coordinator_unit is not None,
            "consents": consents.rows(purposes, record),
            "attempts": [
                {
                    "week": a.week,
                    "attempt_id": a.attempt_id,
                    "issued_at": iso(from_ms(a.issued_at_ms)),
                    "expires_at": iso(from_ms(a.expires_at_ms)),
                    "submitted_at": iso(from_ms(a.submitted_at_ms)) if a.submitted_at_ms else None,
                    "duration_ms": a.duration_ms,
                    "score": a.score if content.contest.quiz.show_score_on_submit else None,
                    "max_score": len(a.question_ids) * content.contest.quiz.points_per_question,
                }
                for a in attempts
            ],
            "awards": [
                {
                    "week": w.week,
                    "prize": prizes.get(w.prize, "Nhóm đồng hạng chờ Ban Tổ chức quyết định"),
                    "deadline": iso(from_ms(w.deadline_ms)),
                    "confirmed_at": iso(from_ms(w.confirmed_at_ms)) if w.confirmed_at_ms else None,
                    "contact": consents.may_contact(purposes, record),
                }
                for w in awards
            ],
        }

    def confirm_award(self, bearer: str | None, *, week: int, code: str) -> dict[str, Any]:
        """at_award: the winner confirms the phone with the code the close sent (one per week)."""
        account = self.authenticated(bearer)
        self._well_formed(code)
        award = self.repo.awards.award(account.account_id, week)
        if award is None:
            raise errors.AwardNotFound()
        purposes = self.content.get().contest.consent_purposes
        record = consents.of_account(account.consents, purposes, account.consent_version, account.consent_at_ms)
        done = {
            "message": "Đã xác nhận số điện thoại. Cảm ơn bạn; Ban Tổ chức sẽ liên hệ để trao giải."
            if consents.may_contact(purposes, record)
            else "Đã xác nhận số điện thoại. Cảm ơn bạn. Bạn không đồng ý để Ban Tổ chức gọi điện, nhắn tin về giải: "
            "hãy xem thông báo trao giải (thời gian, địa điểm, thủ tục) trên trang Kết quả và liên hệ Ban Tổ chức "
            "để nhận giải."
        }
        if award.confirmed_at_ms is not None:
            return done
        now_ms = to_ms(self.clock.now())
        if now_ms > award.deadline_ms:
            raise errors.AwardDeadlinePassed()
        limits = self.content.get().contest.limits
        if (
            award.tries >= limits.code_max_tries
            or award.code_salt is None
            or award.code_hash is None
            or not award_code_matches(award.code_salt, account.account_id, week, code, award.code_hash)
        ):
            if award.tries < limits.code_max_tries:
                self.repo.awards.count_wrong_award_code(account.account_id, week)
            raise errors.CodeInvalid(
                "Mã xác nhận không đúng hoặc đã bị khóa do nhập sai nhiều lần. "
                "Nếu không xác nhận được, vui lòng liên hệ Ban Tổ chức."
            )
        if not self.repo.awards.confirm_award(account.account_id, week, now_ms, "code", None, limits.code_max_tries):
            raise errors.CodeInvalid()
        return done

    # --- password reset --------------------------------------------------------------------------

    def start_reset(self, *, phone: str, ip: str | None = None) -> dict[str, Any]:
        e164 = phones.normalize(phone)
        claim = self._live_claim(e164, to_ms(self.clock.now()))
        previous = self.repo.codes.code(e164, "reset")
        account = self.repo.accounts.account(claim.account_id if claim else NO_ACCOUNT)
        if claim is not None and account is not None:
            self._issue_code(e164, "reset", claim.account_id, previous, "reset", address=ip_hash(self.secret, ip))
        return {
            "message": "Nếu số điện thoại đã đăng ký, mã đặt lại mật khẩu đã được gửi tới số này.",
            "resend_after_seconds": self._resend_gap(),
        }

    def confirm_reset(self, *, phone: str, code: str, new_password: str) -> dict[str, Any]:
        e164 = phones.normalize(phone)
        secret_password = passwords.check_strength(new_password, e164)
        self._well_formed(code)
        new_hash = passwords.hash_password(secret_password)  # on every path: the time says nothing
        limits = self.content.get().contest.limits
        record = self.repo.codes.code(e164, "reset")
        if record is None or not self._code_ok(e164, "reset", code, record, to_ms(self.clock.now())):
            raise errors.CodeInvalid()
        if not self.repo.accounts.reset_password(e164, record, limits.code_max_tries, new_hash):
            raise errors.CodeInvalid()
        return {"message": "Đặt lại mật khẩu thành công. Vui lòng đăng nhập bằng mật khẩu mới."}

    # --- codes -----------------------------------------------------------------------------------

    def _resend_gap(self) -> int:
        return self.content.get().contest.limits.code_resend_seconds

    def _code_record(
        self,
        phone: str,
        purpose: str,
        code: str,
        account_id: str,
        now_ms: int,
        previous: CodeRecord | None,
        ticket_hash: str | None = None,
        pending: dict[str, Any] | None = None,
    ) -> CodeRecord:
        limits = self.content.get().contest.limits
        same_window = previous is not None and now_ms - previous.window_start_ms < WINDOW_MS
        return CodeRecord(
            code_hash=code_hash(self.secret, phone, purpose, code),
            account_id=account_id,
            expires_at_ms=now_ms + 1000 * limits.code_ttl_seconds,
            tries=0,
            sent_at_ms=now_ms,
            window_start_ms=previous.window_start_ms if previous and same_window else now_ms,
            window_sends=(previous.window_sends + 1) if previous and same_window else 1,
            ticket_hash=ticket_hash,
            pending=pending,
        )

    def _issue_code(
        self,
        phone: str,
        purpose: str,
        account_id: str,
        previous: CodeRecord | None,
        what: str,
        *,
        address: str | None = None,
        ticket_hash: str | None = None,
        pending: dict[str, Any] | None = None,
        quiet_budget: bool = True,
    ) -> bool:
        """Send a new code unless the per-phone gap or hourly cap says no. Silent either way: a refusal
        (with its wait time) would exist only for registered numbers and so reveal them. So is a refusal by
        the SMS budgets on these routes (contest.api.budget): the messages sent stay within the budget, and a
        429 that only a registered number can provoke would be an oracle (docs/verification.md)."""
        limits = self.content.get().contest.limits
        now_ms = to_ms(self.clock.now())
        if previous is not None:
            wait_ms = previous.sent_at_ms + 1000 * limits.code_resend_seconds - now_ms
            if now_ms - previous.window_start_ms < WINDOW_MS and previous.window_sends >= limits.code_sends_per_hour:
                wait_ms = max(wait_ms, previous.window_start_ms + WINDOW_MS - now_ms)
            if wait_ms > 0:
                return False
        code = new_code()
        record = self._code_record(phone, purpose, code, account_id, now_ms, previous, ticket_hash, pending)
        if not self.repo.codes.replace_code(phone, purpose, record, previous, WINDOW_MS // 1000):
            return False
        try:
            self._send_code(phone, code, what, address=address, record=record, purpose=purpose)
        except errors.SmsNotSent:
            if not quiet_budget:
                raise
            return False
        return True

    def _send_code(
        self,
        phone: str,
        code: str,
        what: str,
        *,
        address: str | None = None,
        record: CodeRecord | None = None,
        purpose: str | None = None,
    ) -> None:
        """One code message through the SMS budgets (contest.api.budget) and the configured channel.

        Text from `sms.template`, without diacritics on purpose: one 160-septet GSM part, not 70-character UCS-2
        parts. When the message certainly did not leave, the stored code is marked unsent so the contestant can
        ask again at once; the budget error (a clear Vietnamese message with retry_after) goes to the caller.
        """
        contest = self.content.get().contest
        text = code_text(contest.sms.template, code, contest.limits.code_ttl_seconds // 60, what)
        key = record.code_hash[:32] if record else None
        try:
            self.sender.send(phone, text, address=address, key=key)  # type: ignore[call-arg]
        except errors.SmsNotSent as exc:
            if record is not None and not exc.maybe_sent:
                self.repo.codes.mark_code_unsent(phone, purpose or what, record)
            raise

    def _code_ok(self, phone: str, purpose: str, code: str, record: CodeRecord, now_ms: int) -> bool:
        """Is `code` the live code of `record`? A wrong guess is counted; every failure looks the same."""
        limits = self.content.get().contest.limits
        if record.tries >= limits.code_max_tries or now_ms > record.expires_at_ms:
            return False
        if not code_matches(self.secret, phone, purpose, code, record.code_hash):
            self.repo.codes.count_wrong_code(phone, purpose, record)
            return False
        return True
