"""Public contest information: the units one registers under, and the contest's public facts with the server's
time. No session, nothing personal: the same answer for everybody."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contest.adapters.observability import logger
from contest.api import schemas as s
from contest.api.http import make_resolver, route
from contest.api.runtime import build_public_runtime
from contest.services.stored_content import contest_info, units

runtime = build_public_runtime()
app = make_resolver(runtime.origin, lambda: runtime)


@route(app, "GET", "/api/units", response=s.UNITS)
def list_units():
    """Danh sách đơn vị để đăng ký."""
    return units(runtime.content.get())


@route(app, "GET", "/api/contest", response=s.CONTEST)
def contest():
    """Thông tin công khai của cuộc thi và giờ của máy chủ."""
    return contest_info(runtime.content.get(), runtime.clock)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
