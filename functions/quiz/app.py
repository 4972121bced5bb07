"""Quiz API: start (or resume) this week's attempt. The response never carries the answer key."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contest.adapters.observability import logger
from contest.api import schemas as s
from contest.api.http import bearer, make_resolver, route
from contest.api.runtime import build_runtime

runtime = build_runtime()
app = make_resolver(runtime.origin, lambda: runtime)


@route(app, "POST", "/api/quiz", request=s.QUIZ, response=s.QUIZ_STARTED, auth=True)
def start_quiz(body):
    """Bắt đầu (hoặc tiếp tục) lượt thi của tuần đang mở."""
    return runtime.quiz.start(bearer(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
