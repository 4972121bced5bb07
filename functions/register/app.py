"""Registration API: register, verify the phone, reclaim a squatted number, log in and out, reset the password.

The signed-in account's own routes are functions/account; the public contest facts, functions/info."""

from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contest.adapters.observability import logger
from contest.api import schemas as s
from contest.api.http import bearer, client_ip, make_resolver, route
from contest.api.runtime import build_runtime

runtime = build_runtime()
app = make_resolver(runtime.origin, lambda: runtime)


def proof(payload: str | None) -> None:
    runtime.proof.check(payload)


proven: ContextVar = ContextVar("proven", default=None)  # a contest.rules.proof.Proven, per request


def proof_in_transaction(payload: str | None) -> None:
    """Checked first like `proof`; recorded as used inside the registration's own transaction."""
    proven.set(runtime.proof.verify(payload))


def paced() -> AbstractContextManager[None]:
    """The constant response time of the code-sending routes (contest.api.pacing)."""
    return runtime.paced()


def register_paced() -> AbstractContextManager[None]:
    """Registration is paced only where it can send a code (at_registration). In at_award mode it never sends
    one, and whether a number was free is no secret there: the answer carries the session exactly when it was
    (docs/verification.md), so a 2.5 s floor would hide nothing and bill ≈ $3 per 100,000 registrations."""
    return paced() if runtime.content.get().contest.phone_verification else nullcontext()


@route(app, "GET", "/api/challenge", response=s.CHALLENGE)
def challenge():
    """Thử thách chống gửi tin nhắn tự động (giải trong trình duyệt, dùng một lần)."""
    return runtime.proof.challenge()


@route(
    app,
    "POST",
    "/api/register",
    request=s.REGISTER,
    response=s.REGISTERED,
    status=201,
    proof=proof_in_transaction,
    pace=register_paced,
)
def register(body):
    """Đăng ký tài khoản (một tài khoản cho mỗi số điện thoại)."""
    return runtime.accounts.register(**body, ip=client_ip(app), proof=proven.get())  # consents: time + version kept


@route(app, "POST", "/api/verify", request=s.VERIFY, response=s.MESSAGE)
def verify(body):
    """Xác thực số điện thoại bằng mã một lần (kèm phiếu đăng ký khi lấy lại số)."""
    return runtime.accounts.verify(**body, ip=client_ip(app))


@route(app, "POST", "/api/reclaim", request=s.RECLAIM, response=s.RECLAIM_STARTED, proof=proof, pace=paced)
def reclaim(body):
    """Lấy lại số điện thoại đã bị người khác đăng ký: một mã gửi tới số đó, rồi xác thực kèm phiếu."""
    return runtime.accounts.reclaim(**body, ip=client_ip(app))


@route(app, "POST", "/api/verify/resend", request=s.PHONE_ONLY, response=s.RESENT, proof=proof, pace=paced)
def resend(body):
    """Gửi lại mã xác thực."""
    return runtime.accounts.resend(**body, ip=client_ip(app))


@route(app, "POST", "/api/login", request=s.LOGIN, response=s.SESSION)
def login(body):
    """Đăng nhập."""
    return runtime.accounts.login(**body, ip=client_ip(app))


@route(app, "POST", "/api/logout", response=s.MESSAGE, auth=True)
def logout():
    """Đăng xuất: kết thúc mọi phiên đăng nhập của tài khoản ở phía máy chủ (mọi thiết bị)."""
    return runtime.accounts.logout(bearer(app))


@route(app, "POST", "/api/password/reset", request=s.PHONE_ONLY, response=s.RESENT, proof=proof, pace=paced)
def reset(body):
    """Gửi mã đặt lại mật khẩu."""
    return runtime.accounts.start_reset(**body, ip=client_ip(app))


@route(app, "POST", "/api/password/reset/confirm", request=s.RESET_CONFIRM, response=s.MESSAGE)
def reset_confirm(body):
    """Đặt mật khẩu mới bằng mã một lần."""
    return runtime.accounts.confirm_reset(**body)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
