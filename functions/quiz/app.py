"""Quiz API: start (or resume) this week's attempt. The response never carries the answer key."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contest import schemas
from contest.http import bearer, json_body, make_resolver, respond
from contest.observability import logger
from contest.runtime import build_runtime

runtime = build_runtime()
app = make_resolver()


@app.post("/api/quiz")
def start_quiz():
    json_body(app, schemas.QUIZ, optional=True)
    claims = runtime.accounts.session(bearer(app))
    return respond(runtime.quiz.start(claims))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
