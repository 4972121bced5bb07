"""Session tokens: what makes a bearer token a current session of an account (pure rules).

A session token carries the account (`sub`), the password version (`ver`) and the session version
(`sv`). It is current only while both still match the stored account: a password reset raises `ver`,
a server-side logout raises `sv`, and either ends every session signed before it, wherever the token
is kept (a phone's localStorage, a shared computer).
"""

from __future__ import annotations

from typing import Any

from contest.rules import errors, tokens
from contest.rules.model import Account


def claims(bearer: str | None, secret: bytes, now_s: int) -> dict[str, Any]:
    """The claims of a validly signed, unexpired session token, or Unauthorized."""
    if not bearer:
        raise errors.Unauthorized()
    try:
        return tokens.verify(bearer, secret, kind="session", now_s=now_s)
    except errors.InvalidToken as exc:
        raise errors.Unauthorized() from exc


def is_current(account: Account | None, session: dict[str, Any]) -> bool:
    return (
        account is not None
        and account.account_id == session.get("sub")
        and account.password_version == session.get("ver")
        and account.session_version == session.get("sv", 0)
    )


def current(account: Account | None, session: dict[str, Any]) -> Account:
    """The account of a session that is still current, or Unauthorized (reset password, logged out)."""
    if account is None or not is_current(account, session):
        raise errors.Unauthorized("Phiên đăng nhập đã hết hiệu lực. Vui lòng đăng nhập lại.")
    return account


def sign(account: Account, now_s: int, lifetime_s: int, secret: bytes) -> tuple[str, int]:
    """A new session token for the account and its expiry (epoch seconds)."""
    expires = now_s + lifetime_s
    token = tokens.sign(
        {
            "kind": "session",
            "sub": account.account_id,
            "ver": account.password_version,
            "sv": account.session_version,
            "iat": now_s,
            "exp": expires,
        },
        secret,
    )
    return token, expires
