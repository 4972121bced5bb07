"""Submit API: score an attempt on the server's clock and store one result, idempotently."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contest import schemas
from contest.http import json_body, make_resolver, respond
from contest.observability import logger
from contest.runtime import build_runtime

runtime = build_runtime()
app = make_resolver()


@app.post("/api/submit")
def submit():
    body = json_body(app, schemas.SUBMIT)
    return respond(runtime.quiz.submit(body["token"], body["answers"], body["prediction"]))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
