"""Use cases of data subjects' rights (Law 91/2025/QH15): my data, my consents, erasure requests,
and the organisers' request log.

Every request is logged as a `PrivacyRequest` holding the account id and what was asked, never a name or a
phone. Request ids are derived from what was asked (the account, the kind, the consent withdrawn, the day of
an export), so a retried request finds its first write instead of logging twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contest.rules import consents, errors
from contest.rules.clock import Clock, from_ms, iso, to_ms
from contest.rules.model import Account, Contest
from contest.rules.receipts import attempt_code
from contest.services.accounts import Accounts
from contest.services.stored_content import ContentSource
from contest.store import Store
from contest.store.keys import CODE_PREFIX
from contest.store.privacy import PrivacyRequest

KINDS = ("export", "withdraw", "erasure")
PREFIXES = {"export": "X", "withdraw": "W", "erasure": "E"}
SELF_SERVICE = "Tự phục vụ (Trang của tôi)"
# Stored but never handed out, even to the account itself: what would help someone who stole a session.
WITHHELD = {
    "password_hash": "Mật khẩu chỉ được lưu dưới dạng băm (scrypt); không ai, kể cả bạn, đọc lại được.",  # nosec B105
    "code_hash": "Mã xác thực một lần chỉ được lưu dưới dạng băm.",
    "code_salt": "Muối của mã xác nhận giải (dùng để kiểm tra mã).",
    "ticket_hash": "Phiếu đăng ký chỉ được lưu dưới dạng băm.",
}
INTERNAL = {"pk", "sk", "gsi1pk", "gsi1sk"}  # table keys: what they hold is shown in the named fields


def request_id(kind: str, account_id: str, detail: str = "") -> str:
    digest = hashlib.sha256(f"{kind}|{account_id}|{detail}".encode()).hexdigest()[:12].upper()
    return f"{PREFIXES[kind]}-{digest}"


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if k not in INTERNAL and k not in WITHHELD}
    if isinstance(out.get("pending"), str):  # a registration waiting for its code: its password hash stays
        import json

        pending = json.loads(out["pending"])
        out["pending"] = {k: v for k, v in pending.items() if k not in WITHHELD}
    if isinstance(out.get("consents"), str):
        out.pop("consents")  # shown, per purpose, under "consents"
    return out


@dataclass
class Privacy:
    repo: Store
    content: ContentSource
    clock: Clock
    accounts: Accounts

    def _account(self, bearer: str | None) -> Account:
        return self.accounts.authenticated(bearer)

    def _consents(self, account: Account) -> consents.Record:
        contest = self.content.get().contest
        return consents.of_account(
            account.consents, contest.consent_purposes, account.consent_version, account.consent_at_ms
        )

    def consent_list(self, contest: Contest, record: consents.Record) -> list[dict[str, Any]]:
        return consents.rows(contest.consent_purposes, record)

    def _log(self, account: Account, kind: str, detail: str, purpose: str | None, done: bool) -> PrivacyRequest:
        policy = self.content.get().contest.privacy
        now_ms = to_ms(self.clock.now())
        hours = policy.erasure_hours if kind == "erasure" else policy.response_hours
        request = PrivacyRequest(
            request_id=request_id(kind, account.account_id, detail),
            account_id=account.account_id,
            kind=kind,
            purpose=purpose,
            received_at_ms=now_ms,
            due_at_ms=now_ms + hours * 3_600_000,
            status="done" if done else "pending",
            handled_by=SELF_SERVICE if done else None,
            handled_at_ms=now_ms if done else None,
        )
        stored, _ = self.repo.privacy.log_privacy_request(request)
        return stored

    # --- my data ---------------------------------------------------------------------------------

    def my_data(self, bearer: str | None) -> dict[str, Any]:
        """Everything stored about the logged-in account (secrets withheld, with the reason), as JSON."""
        account = self._account(bearer)
        content = self.content.get()
        contest = content.contest
        zone = ZoneInfo(contest.timezone)
        day = self.clock.now().astimezone(zone).date().isoformat()
        self._log(account, "export", day, None, done=True)  # before the read: the export lists itself
        records = self.repo.privacy.account_records(account.account_id, [w.number for w in contest.weeks])
        hide_scores = not contest.quiz.show_score_on_submit
        closed = {w.number for w in contest.weeks if hide_scores and self.repo.close.week_is_closed(w.number)}

        def scored(item: dict[str, Any]) -> dict[str, Any]:
            if hide_scores and item.get("week") not in closed:
                item.pop("score", None)  # not before the week's results, as on the quiz page
            return item

        profile = _clean(records.get("profile", [{}])[0])
        unit = content.unit(account.unit_id)
        profile["unit_name"] = unit.name if unit else account.unit_id
        attempts = []
        for raw in records.get("attempts", []):
            item = scored(_clean(raw))
            item["receipt_code"] = attempt_code(str(item["attempt_id"]))
            attempts.append(item)
        decisions = [
            {
                "week": raw.get("week"),
                "group": raw.get("group"),
                "position": list(raw.get("order", [])).index(account.account_id) + 1,
                "reason": raw.get("reason"),
                "decided_at_ms": raw.get("decided_at_ms"),
            }
            for raw in records.get("decisions", [])
        ]
        reclaims = []
        for raw in records.get("reclaims", []):
            if raw.get("old_account_id") == account.account_id:
                reclaims.append({"role": "closed", **_clean(raw)})
                reclaims[-1].pop("new_account_id", None)  # the other person's account
            else:  # the number was taken over by this account: nothing about the earlier registrant
                reclaims.append({"role": "reclaimed", "phone": raw.get("phone"), "at_ms": raw.get("at_ms")})
        return {
            "generated_at": iso(self.clock.now()),
            "controller": contest.privacy.controller,
            "account_id": account.account_id,
            "profile": profile,
            "consents": self.consent_list(contest, self._consents(account)),
            "attempts": attempts,
            "standings": [scored(_clean(raw)) for raw in records.get("standings", [])],
            "awards": [_clean(raw) for raw in records.get("awards", [])],
            "coordinator_appointments": [_clean(raw) for raw in records.get("coordinator_appointments", [])],
            "disqualifications": [_clean(raw) for raw in records.get("disqualifications", [])],
            "committee_decisions": decisions,
            "reclaims": reclaims,
            "phone_claim": [_clean(raw) for raw in records.get("phone_claim", [])],
            "codes": [
                {"purpose": raw["sk"].removeprefix(CODE_PREFIX), **_clean(raw)} for raw in records.get("codes", [])
            ],
            "privacy_requests": [
                _clean(raw) | {"request_id": raw["sk"]} for raw in records.get("privacy_requests", [])
            ],
            "other": [_clean(raw) for raw in records.get("other", [])],
            "withheld": WITHHELD,
        }

    # --- consents --------------------------------------------------------------------------------

    def set_consent(self, bearer: str | None, *, purpose: str, given: bool) -> dict[str, Any]:
        """Withdraw (given=false) or give again (given=true) one optional purpose's consent. Repeating it
        changes nothing and answers the same; a required purpose cannot be withdrawn (erasure is the way)."""
        contest = self.content.get().contest
        for _ in range(3):  # a concurrent change of the same account's consents: read again
            account = self._account(bearer)
            record = self._consents(account)
            now_ms = to_ms(self.clock.now())
            if given:
                changed = consents.give(contest.consent_purposes, record, purpose, contest.consent_version, now_ms)
            else:
                changed = consents.withdraw(contest.consent_purposes, record, purpose, now_ms)
            if changed is None or self.repo.privacy.set_consents(
                account.account_id,
                changed,
                account.consents,
                consents.unit_visible(contest.consent_purposes, changed),
            ):
                break
        else:
            raise errors.Busy()
        final = changed or record
        title = contest.purpose(purpose).title if contest.purpose(purpose) else purpose  # type: ignore[union-attr]
        answer: dict[str, Any] = {"consents": self.consent_list(contest, final)}
        if given:
            answer["message"] = f"Đã ghi nhận bạn đồng ý với mục «{title}»."
            return answer
        given_at = final[purpose]["given_at_ms"] if purpose in final else 0
        logged = self._log(account, "withdraw", f"{purpose}|{given_at}", purpose, done=False)
        answer["message"] = f"Đã rút lại sự đồng ý với mục «{title}» từ {_local(contest, logged.received_at_ms)}."
        answer["request_id"] = logged.request_id
        return answer

    # --- erasure ---------------------------------------------------------------------------------

    def request_erasure(self, bearer: str | None, *, password: str) -> dict[str, Any]:
        """Log a request to erase the account (the current password proves it is the owner, not a borrowed
        session). One open request per account: asking again answers with the same request."""
        account = self._account(bearer)
        self.accounts.check_password(account, password)
        logged = self._log(account, "erasure", "", None, done=False)
        contest = self.content.get().contest
        return {
            "message": (
                f"Đã nhận yêu cầu xóa dữ liệu (mã {logged.request_id}) lúc {_local(contest, logged.received_at_ms)}. "
                f"Ban Tổ chức sẽ xử lý trước {_local(contest, logged.due_at_ms)}."
            ),
            "request_id": logged.request_id,
            "received_at": iso(from_ms(logged.received_at_ms)),
            "due_at": iso(from_ms(logged.due_at_ms)),
            "status": logged.status,
        }

    # --- the organisers' log ---------------------------------------------------------------------

    def requests(self, pending_only: bool = False) -> list[PrivacyRequest]:
        found = self.repo.privacy.privacy_requests()
        return [r for r in found if r.status == "pending"] if pending_only else found

    def mark_done(self, request_id: str, by: str) -> PrivacyRequest:
        """An organiser handled the request (idempotent: an already handled one is answered as it is)."""
        if not by.strip():
            raise errors.BadRequest("Cần ghi tên người xử lý (--by).")
        found = self.repo.privacy.privacy_request(request_id)
        if found is None:
            raise errors.PrivacyRequestNotFound()
        if found.status == "pending":
            self.repo.privacy.close_privacy_request(request_id, by.strip()[:120], to_ms(self.clock.now()))
        stored = self.repo.privacy.privacy_request(request_id)
        assert stored is not None
        return stored

    def erasure_done(self, request_id: str, by: str) -> PrivacyRequest:
        """THE HOOK for the erasure execution (p2's `erase_account` / `contest privacy erase`): call it once the
        account is erased to close its logged request. Refuses a request that is not an erasure."""
        found = self.repo.privacy.privacy_request(request_id)
        if found is None:
            raise errors.PrivacyRequestNotFound()
        if found.kind != "erasure":
            raise errors.BadRequest(f"Yêu cầu {request_id} không phải yêu cầu xóa dữ liệu.")
        return self.mark_done(request_id, by)


def _local(contest: Contest, at_ms: int) -> str:
    return from_ms(at_ms).astimezone(ZoneInfo(contest.timezone)).strftime("%H:%M ngày %d/%m/%Y")


def due_in(request: PrivacyRequest, now_ms: int) -> timedelta:
    return timedelta(milliseconds=request.due_at_ms - now_ms)
