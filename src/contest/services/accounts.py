"""Use cases of accounts: register, verify the phone, log in, reset the password, read my profile."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from contest import errors, names, passwords, phones, sessions
from contest.clock import Clock, from_ms, iso, to_ms
from contest.codes import CODE_LENGTH, code_hash, code_matches, new_code, well_formed
from contest.model import Account
from contest.repository import CodeRecord, LoginCount, Repository
from contest.sender import Sender
from contest.services.content import ContentSource
from contest.sms import code_text

WINDOW_MS = 3_600_000
LOCK_BASE_S, LOCK_MAX_S = 30, 900
NO_ACCOUNT = "0" * 32  # read on the unknown-number path so that every path makes the same reads
DUMMY = passwords.DUMMY_HASH


def ip_hash(secret: bytes, ip: str | None) -> str | None:
    """Addresses are kept only as a keyed hash (for throttles and review flags)."""
    if not ip:
        return None
    return hashlib.sha256(secret + b"|ip|" + ip.encode()).hexdigest()[:32]


@dataclass
class Accounts:
    repo: Repository
    content: ContentSource
    clock: Clock
    sender: Sender
    secret: bytes

    # --- registration ----------------------------------------------------------------------------

    def register(self, *, full_name: str, phone: str, unit_id: str, password: str, ip: str | None) -> dict[str, Any]:
        content = self.content.get()
        contest = content.contest
        e164 = phones.normalize(phone)
        clean = names.clean_name(full_name)
        secret_password = passwords.check_strength(password, e164)
        if content.unit(unit_id) is None:
            raise errors.UnknownUnit()
        now = self.clock.now()
        now_ms = to_ms(now)
        address = ip_hash(self.secret, ip)
        if address:
            self.repo.throttle_registration(address, now_ms // WINDOW_MS, contest.limits.registrations_per_ip_per_hour)
        verify = contest.phone_verification
        account = Account(
            account_id=uuid.uuid4().hex,
            phone=e164,
            full_name=clean,
            unit_id=unit_id,
            password_hash=passwords.hash_password(secret_password),
            verified=not verify,
            excluded=False,
            created_at_ms=now_ms,
            password_version=1,
        )
        code = new_code() if verify else None
        record = self._code_record(e164, "verify", code, account.account_id, now_ms, None) if code else None
        self.repo.create_account(
            account,
            consent_at_ms=now_ms,
            consent_version=contest.consent_version,
            code=record,
            code_ttl_s=contest.limits.code_ttl_seconds,
        )
        if code and record:
            try:
                self._send_code(e164, code, "verify", address=address, record=record)
            except errors.SmsNotSent as exc:  # the account is stored: the code can be asked for again later
                return {
                    "verification_required": verify,
                    "code_sent": False,
                    "message": "Đăng ký thành công nhưng chưa gửi được mã xác thực. " + exc.message,
                    "retry_after_seconds": int(exc.extra.get("retry_after", 60)),
                }
            message = "Đăng ký thành công. Mã xác thực đã được gửi tới số điện thoại của bạn."
        else:
            message = "Đăng ký thành công. Bạn có thể đăng nhập để dự thi."
        return {"verification_required": verify, "code_sent": bool(code), "message": message}

    def verify(self, *, phone: str, code: str, ip: str | None) -> dict[str, Any]:
        e164 = phones.normalize(phone)
        record = self._check_code(e164, "verify", code)
        limits = self.content.get().contest.limits
        if not self.repo.verify_phone(e164, record, limits.code_max_tries, ip_hash(self.secret, ip)):
            raise errors.CodeInvalid()
        return {"message": "Xác thực số điện thoại thành công. Bạn có thể đăng nhập để dự thi."}

    def resend(self, *, phone: str, ip: str | None = None) -> dict[str, Any]:
        e164 = phones.normalize(phone)
        claim = self.repo.claim(e164)
        generic = "Nếu số điện thoại đã đăng ký và chưa xác thực, mã mới đã được gửi."
        if claim is None:
            return {"message": generic, "resend_after_seconds": self._resend_gap()}
        previous = self.repo.code(e164, "verify")
        if previous is None:
            account = self.repo.account(claim.account_id)
            if account is None or account.verified:
                raise errors.AlreadyVerified()
        self._issue_code(e164, "verify", claim.account_id, previous, "verify", ip_hash(self.secret, ip))
        return {"message": "Mã xác thực mới đã được gửi.", "resend_after_seconds": self._resend_gap()}

    # --- sessions --------------------------------------------------------------------------------

    def login(self, *, phone: str, password: str, ip: str | None = None) -> dict[str, Any]:
        """Every attempt is counted (atomic ADD) BEFORE the password is checked, and the decision is taken
        from the counter as this attempt left it, so parallel guesses are all counted: the first
        `login_failures_before_delay - 1` attempts since the last success are checked freely; from then on
        one attempt per lock window is checked and locks the phone for 30 s, doubling with every attempt
        counted meanwhile (up to 15 min). Refusals (wrong password, unknown phone, locked) all look alike."""
        e164 = phones.normalize(phone)
        contest = self.content.get().contest
        now = self.clock.now()
        now_ms = to_ms(now)
        address = ip_hash(self.secret, ip)
        hour = now_ms // WINDOW_MS
        if address:
            self.repo.throttle_login(address, hour, contest.limits.login_failures_per_ip_per_hour)
        count = self.repo.count_login(e164)
        account = self.repo.account(count.account_id if count else NO_ACCOUNT)  # the same reads on every path
        checked = (
            count is not None
            and account is not None
            and self._may_check(e164, count, contest.limits.login_failures_before_delay, now_ms)
        )
        # one scrypt hash on every path (unknown, locked, wrong, right): the time says nothing
        right = passwords.verify_password(password, account.password_hash if checked and account else DUMMY)
        if not (checked and right and count and account):
            raise errors.LoginFailed()
        self.repo.login_succeeded(e164, count)
        if address:
            self.repo.refund_login(address, hour)
        token, expires = sessions.sign(account, int(now.timestamp()), contest.limits.session_seconds, self.secret)
        return {
            "token": token,
            "expires_at": iso(now.fromtimestamp(expires, now.tzinfo)),
            "verified": account.verified,
        }

    def _may_check(self, phone: str, count: LoginCount, free: int, now_ms: int) -> bool:
        """May this counted attempt have its password checked? Decided from its own counter value only."""
        if count.locked_until_ms > now_ms:
            return False
        if count.attempts < free:
            return True
        delay_s = min(LOCK_MAX_S, LOCK_BASE_S * 2 ** min(count.attempts - free, 16))
        return self.repo.take_login_slot(phone, count.locked_until_ms, now_ms + 1000 * delay_s)

    def logout(self, bearer: str | None) -> dict[str, Any]:
        """End every session of the account server-side: a token left on any device is dead from now on."""
        claims = self.session(bearer)
        account = sessions.current(self.repo.account(claims["sub"]), claims)
        self.repo.end_sessions(account.account_id)
        return {"message": "Bạn đã đăng xuất trên mọi thiết bị."}

    def session(self, bearer: str | None) -> dict[str, Any]:
        """Claims of a validly signed session token; callers check it is current with the account."""
        return sessions.claims(bearer, self.secret, int(self.clock.now().timestamp()))

    def me(self, bearer: str | None) -> dict[str, Any]:
        claims = self.session(bearer)
        found, attempts = self.repo.account_with_attempts(claims["sub"])
        account = sessions.current(found, claims)
        content = self.content.get()
        unit = content.unit(account.unit_id)
        return {
            "full_name": account.full_name,
            "phone_masked": phones.mask(account.phone),
            "unit_id": account.unit_id,
            "unit_name": unit.name if unit else account.unit_id,
            "verified": account.verified,
            "is_coordinator": account.coordinator_unit is not None,
            "attempts": [
                {
                    "week": a.week,
                    "attempt_id": a.attempt_id,
                    "issued_at": iso(from_ms(a.issued_at_ms)),
                    "expires_at": iso(from_ms(a.expires_at_ms)),
                    "submitted_at": iso(from_ms(a.submitted_at_ms)) if a.submitted_at_ms else None,
                    "duration_ms": a.duration_ms,
                    "score": a.score if content.contest.quiz.show_score_on_submit else None,
                }
                for a in attempts
            ],
        }

    # --- password reset --------------------------------------------------------------------------

    def start_reset(self, *, phone: str, ip: str | None = None) -> dict[str, Any]:
        e164 = phones.normalize(phone)
        claim = self.repo.claim(e164)
        if claim is not None:
            previous = self.repo.code(e164, "reset")
            self._issue_code(e164, "reset", claim.account_id, previous, "reset", ip_hash(self.secret, ip))
        return {
            "message": "Nếu số điện thoại đã đăng ký, mã đặt lại mật khẩu đã được gửi.",
            "resend_after_seconds": self._resend_gap(),
        }

    def confirm_reset(self, *, phone: str, code: str, new_password: str) -> dict[str, Any]:
        e164 = phones.normalize(phone)
        secret_password = passwords.check_strength(new_password, e164)
        record = self._check_code(e164, "reset", code)
        limits = self.content.get().contest.limits
        if not self.repo.reset_password(e164, record, limits.code_max_tries, passwords.hash_password(secret_password)):
            raise errors.CodeInvalid()
        return {"message": "Đặt lại mật khẩu thành công. Vui lòng đăng nhập bằng mật khẩu mới."}

    # --- codes -----------------------------------------------------------------------------------

    def _resend_gap(self) -> int:
        return self.content.get().contest.limits.code_resend_seconds

    def _code_record(
        self, phone: str, purpose: str, code: str, account_id: str, now_ms: int, previous: CodeRecord | None
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
        )

    def _issue_code(
        self,
        phone: str,
        purpose: str,
        account_id: str,
        previous: CodeRecord | None,
        what: str,
        address: str | None = None,
    ) -> None:
        limits = self.content.get().contest.limits
        now_ms = to_ms(self.clock.now())
        if previous is not None:
            wait_ms = previous.sent_at_ms + 1000 * limits.code_resend_seconds - now_ms
            if now_ms - previous.window_start_ms < WINDOW_MS and previous.window_sends >= limits.code_sends_per_hour:
                wait_ms = max(wait_ms, previous.window_start_ms + WINDOW_MS - now_ms)
            if wait_ms > 0:
                raise errors.ResendTooSoon(retry_after=-(-wait_ms // 1000))
        code = new_code()
        record = self._code_record(phone, purpose, code, account_id, now_ms, previous)
        if not self.repo.replace_code(phone, purpose, record, previous, WINDOW_MS // 1000):
            raise errors.ResendTooSoon(retry_after=limits.code_resend_seconds)
        self._send_code(phone, code, what, address=address, record=record, purpose=purpose)

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
        """One code message through the SMS budgets (contest.budget) and the configured channel.

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
                self.repo.mark_code_unsent(phone, purpose or what, record)
            raise

    def _check_code(self, phone: str, purpose: str, code: str) -> CodeRecord:
        limits = self.content.get().contest.limits
        if not well_formed(code):
            raise errors.CodeInvalid(f"Mã xác thực gồm {CODE_LENGTH} chữ số. Vui lòng kiểm tra lại tin nhắn.")
        record = self.repo.code(phone, purpose)
        now_ms = to_ms(self.clock.now())
        if record is None:
            raise errors.CodeInvalid()
        if record.tries >= limits.code_max_tries:
            raise errors.CodeLocked()
        if now_ms > record.expires_at_ms:
            raise errors.CodeInvalid("Mã xác thực đã hết hạn. Vui lòng yêu cầu gửi mã mới.")
        if not code_matches(self.secret, phone, purpose, code, record.code_hash):
            self.repo.count_wrong_code(phone, purpose, record)
            left = limits.code_max_tries - record.tries - 1
            if left <= 0:
                raise errors.CodeLocked()
            raise errors.CodeInvalid(f"Mã xác thực không đúng. Bạn còn {left} lần thử.", tries_left=left)
        return record
