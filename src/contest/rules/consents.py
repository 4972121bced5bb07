"""Consent per purpose (Law 91/2025/QH15): pure rules over plain values.

A contestant's consents are a mapping purpose id -> {"version", "given_at_ms", "withdrawn_at_ms"}: the text
version they agreed to, when, and when they withdrew it (None while it stands). Required purposes (taking part
and results) are a condition of registering and cannot be withdrawn: leaving means asking for erasure.
Nothing here reads the clock or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contest.rules import errors
from contest.rules.clock import from_ms, iso
from contest.rules.model import ConsentPurpose

Record = dict[str, dict[str, Any]]


def accepted(
    purposes: tuple[ConsentPurpose, ...], consents: Mapping[str, bool] | None, legacy: bool | None = None
) -> tuple[str, ...]:
    """The purposes a registration agreed to, in the contest's order, or a refusal.

    `consents` is the form's one box per purpose ({id: true|false}); every required purpose must be true and
    no unknown purpose may appear. `legacy` is the older single box (`consent: true`), read as agreeing to
    the required purposes only (silence is never consent to an optional purpose)."""
    if consents is None:
        if legacy is True:
            return tuple(p.id for p in purposes if p.required)
        raise errors.ConsentRequired()
    known = {p.id for p in purposes}
    for purpose_id in consents:
        if purpose_id not in known:
            raise errors.UnknownConsentPurpose(purpose=purpose_id[:50])
    for purpose in purposes:
        if purpose.required and consents.get(purpose.id) is not True:
            raise errors.ConsentRequired(
                f"Bạn cần đồng ý với mục «{purpose.title}» để đăng ký dự thi.", purpose=purpose.id
            )
    return tuple(p.id for p in purposes if consents.get(p.id) is True)


def record(given: tuple[str, ...], version: str, now_ms: int) -> Record:
    """What is stored at registration: each agreed purpose with the text version and the time."""
    return {purpose_id: {"version": version, "given_at_ms": now_ms, "withdrawn_at_ms": None} for purpose_id in given}


def of_account(
    stored: Record | None, purposes: tuple[ConsentPurpose, ...], legacy_version: str, legacy_at_ms: int
) -> Record:
    """An account's consents. Accounts registered before consent per purpose kept one consent (a version and
    a time): it covered taking part and results, so it stands for the required purposes only."""
    if stored is not None:
        return {k: dict(v) for k, v in stored.items()}
    return record(tuple(p.id for p in purposes if p.required), legacy_version, legacy_at_ms)


def allows(consents: Record, purpose_id: str) -> bool:
    """Does a standing consent cover this purpose?"""
    entry = consents.get(purpose_id)
    return entry is not None and entry.get("withdrawn_at_ms") is None


def withdraw(purposes: tuple[ConsentPurpose, ...], consents: Record, purpose_id: str, now_ms: int) -> Record | None:
    """The consents after withdrawing one purpose; None when there is nothing to change (never given, or
    already withdrawn: a retry changes nothing). A required purpose cannot be withdrawn."""
    purpose = _known(purposes, purpose_id)
    if purpose.required:
        raise errors.RequiredConsent(
            f"Mục «{purpose.title}» là điều kiện để tham gia Cuộc thi nên không thể rút lại riêng. "
            "Nếu bạn không muốn tiếp tục, hãy gửi «Yêu cầu xóa dữ liệu» trên Trang của tôi.",
            purpose=purpose.id,
        )
    if not allows(consents, purpose_id):
        return None
    changed = {k: dict(v) for k, v in consents.items()}
    changed[purpose_id]["withdrawn_at_ms"] = now_ms
    return changed


def give(
    purposes: tuple[ConsentPurpose, ...], consents: Record, purpose_id: str, version: str, now_ms: int
) -> Record | None:
    """The consents after agreeing (again) to one purpose with today's text; None when it already stands."""
    _known(purposes, purpose_id)
    if allows(consents, purpose_id):
        return None
    changed = {k: dict(v) for k, v in consents.items()}
    changed[purpose_id] = {"version": version, "given_at_ms": now_ms, "withdrawn_at_ms": None}
    return changed


def _known(purposes: tuple[ConsentPurpose, ...], purpose_id: str) -> ConsentPurpose:
    purpose = next((p for p in purposes if p.id == purpose_id), None)
    if purpose is None:
        raise errors.UnknownConsentPurpose(purpose=purpose_id[:50])
    return purpose


COORDINATOR = "coordinator"  # the purpose that lets the unit's coordinator see the person


def unit_visible(purposes: tuple[ConsentPurpose, ...], consents: Record) -> bool:
    """May the unit coordinator see this person by name? Only with a standing consent to that purpose; a
    contest without such a purpose (one consent text covering it) shows everyone, as before."""
    if not any(p.id == COORDINATOR for p in purposes):
        return True
    return allows(consents, COORDINATOR)


PRIZE_CONTACT = "prize_contact"  # the purpose that lets the organisers call or text a winner about the prize


def may_contact(purposes: tuple[ConsentPurpose, ...], consents: Record) -> bool:
    """May the organisers call or text this person about a prize? Only with a standing consent to that purpose; a
    contest without such a purpose (one consent text covering it) contacts winners, as before. Without it the
    winner follows the prize on "Trang của tôi" and the results page and comes forward to the organisers."""
    if not any(p.id == PRIZE_CONTACT for p in purposes):
        return True
    return allows(consents, PRIZE_CONTACT)


def rows(purposes: tuple[ConsentPurpose, ...], consents: Record) -> list[dict[str, Any]]:
    """Every purpose of the contest with this account's answer, then any recorded purpose no longer listed."""

    def at(entry: dict[str, Any], key: str) -> str | None:
        return iso(from_ms(int(entry[key]))) if entry.get(key) else None

    listed = [(p.id, p.title, p.required) for p in purposes]
    listed += [(k, k, False) for k in consents if all(p.id != k for p in purposes)]
    return [
        {
            "purpose": purpose_id,
            "title": title,
            "required": required,
            "given": allows(consents, purpose_id),
            "version": (consents.get(purpose_id) or {}).get("version"),
            "given_at": at(consents.get(purpose_id) or {}, "given_at_ms"),
            "withdrawn_at": at(consents.get(purpose_id) or {}, "withdrawn_at_ms"),
        }
        for purpose_id, title, required in listed
    ]
