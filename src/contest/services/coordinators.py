"""Use case of a unit coordinator: the private page of their own unit.

A coordinator is an ordinary contestant account that the organisers appointed for one unit
(`contest coordinators add`). The unit comes ONLY from that stored appointment, read with the profile of
the logged-in account; the request carries nothing that could name another unit. The page shows who of
the unit is registered, who has taken part in each week that has opened (yes or no: never a score, never
a rank) and the unit's counts. No province-wide figure is ever returned.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from contest.rules import errors, phones
from contest.rules.clock import Clock, iso
from contest.services.accounts import Accounts
from contest.services.stored_content import ContentSource
from contest.store import Store


def _listing_key(name: str) -> tuple[str, str]:
    folded = unicodedata.normalize("NFD", name.casefold()).replace("đ", "d")
    return ("".join(c for c in folded if not unicodedata.combining(c)), name)


@dataclass
class Coordinators:
    repo: Store
    content: ContentSource
    clock: Clock
    accounts: Accounts

    def unit_page(self, bearer: str | None) -> dict[str, Any]:
        account = self.accounts.authenticated(bearer)
        if not account.coordinator_unit:
            raise errors.Forbidden("Trang này chỉ dành cho người phụ trách đơn vị do Ban Tổ chức chỉ định.")
        if not account.verified:  # checked on every request: an account un-verified later loses the page
            raise errors.NotVerified(
                "Trang đơn vị chỉ mở cho người phụ trách đã xác thực số điện thoại. Vui lòng liên hệ Ban Tổ chức."
            )
        unit_id = account.coordinator_unit
        content = self.content.get()
        unit = content.unit(unit_id)
        now = self.clock.now()
        started = [w for w in content.contest.weeks if w.opens_at <= now]
        # at_registration: an unverified account is not a contestant yet, and past its TTL it is gone (DynamoDB
        # deletes expired items lazily): only accounts that proved their phone are the unit's members.
        verified_only = content.contest.phone_verification
        members = [
            m
            for m in self.repo.coordinators.unit_members(unit_id)
            if not m.excluded and (m.verified or not verified_only)
        ]
        ids = {m.account_id for m in members}
        took: dict[int, set[str]] = {
            w.number: self.repo.coordinators.unit_took_part(w.number, unit_id) & ids for w in started
        }
        current = next((w for w in reversed(started) if now < w.closes_at), started[-1] if started else None)
        weeks = [
            {
                "number": w.number,
                "opens_at": iso(w.opens_at),
                "closes_at": iso(w.closes_at),
                "open": w.opens_at <= now < w.closes_at,
                "took_part": len(took[w.number]),
                "not_yet": len(ids) - len(took[w.number]),
            }
            for w in started
        ]
        # by name only those who consent to the coordinator view; everyone counts in the figures
        people = sorted((m for m in members if m.unit_visible), key=lambda m: _listing_key(m.full_name))
        return {
            "unit_id": unit_id,
            "unit_name": unit.name if unit else unit_id,
            "headcount": unit.headcount if unit else None,
            "registered": len(members),
            "not_shown": len(members) - len(people),
            "week": current.number if current else None,
            "weeks": weeks,
            "members": [
                {
                    "full_name": m.full_name,
                    "phone_masked": phones.mask(m.phone) if m.phone else "",
                    "verified": m.verified,
                    "took_part": [w.number for w in started if m.account_id in took[w.number]],
                }
                for m in people
            ],
            "generated_at": iso(now),
        }
