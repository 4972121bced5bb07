"""Submit API: score an attempt on the server's clock and store one result, idempotently."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contest.adapters.observability import logger
from contest.api import schemas as s
from contest.api.http import bearer, make_resolver, route
from contest.api.runtime import build_runtime

runtime = build_runtime()
app = make_resolver(runtime.origin, lambda: runtime)


@route(app, "POST", "/api/submit", request=s.SUBMIT, response=s.RECEIPT, auth=True)
def submit(body):
    """Nộp bài (cần phiên đăng nhập của chính người làm bài): chấm điểm, tính thời gian theo đồng hồ
    máy chủ, lưu một kết quả duy nhất."""
    return runtime.quiz.submit(body["token"], body["answers"], body["prediction"], bearer(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
