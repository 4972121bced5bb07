"""The site handles the error codes the server emits, and no code a route never emits (no dead paths)."""

from __future__ import annotations

import inspect
import re

from contest.rules import errors
from contest.services.accounts import Accounts
from tests.support import ROOT

JS = ROOT / "site" / "docs" / "assets" / "js"
HANDLED = re.compile(r"""\.code\s*===?\s*['"]([A-Z_]+)['"]""")


def codes_of(*functions) -> set[str]:
    """The codes of the contest.rules.errors a function raises (by name in its source)."""
    names = {n for f in functions for n in re.findall(r"errors\.([A-Z]\w+)\(", inspect.getsource(f))}
    return {getattr(errors, n).code for n in names}


# any route: the body's shape and size (contest.api.http.json_body, contest.api.validation), and the perimeter
REQUEST = {e.code for e in (errors.InvalidJson, errors.UnsupportedMediaType, errors.PayloadTooLarge)} | {
    errors.ValidationFailed.code,
    errors.DirectAccessRefused.code,
}


def test_every_code_the_site_compares_is_a_real_error_code():
    known = {c.code for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.ContestError)}
    compared = {code for f in JS.rglob("*.js") for code in HANDLED.findall(f.read_text(encoding="utf-8"))}
    assert compared and compared <= known


def test_the_login_page_handles_only_what_login_answers():
    # POST /api/login: the login itself, and the per-address throttle it counts first (Repository.throttle_login)
    emitted = codes_of(Accounts.login) | {errors.LoginThrottled.code} | REQUEST
    handled = set(HANDLED.findall((JS / "pages" / "login.js").read_text(encoding="utf-8")))
    assert handled <= emitted, f"login.js handles codes /api/login never emits: {handled - emitted}"
