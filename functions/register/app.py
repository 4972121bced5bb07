"""Accounts API: register, verify the phone, log in, reset the password, units, contest info, my page."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from contest import schemas
from contest.http import bearer, client_ip, json_body, make_resolver, respond
from contest.observability import logger
from contest.runtime import build_runtime
from contest.services.content import contest_info, units

runtime = build_runtime()
app = make_resolver()


@app.post("/api/register")
def register():
    body = json_body(app, schemas.REGISTER)
    body.pop("consent")  # the schema requires it to be true; its time and text version are recorded
    return respond(runtime.accounts.register(**body, ip=client_ip(app)), 201)


@app.post("/api/verify")
def verify():
    return respond(runtime.accounts.verify(**json_body(app, schemas.VERIFY), ip=client_ip(app)))


@app.post("/api/verify/resend")
def resend():
    return respond(runtime.accounts.resend(**json_body(app, schemas.PHONE_ONLY)))


@app.post("/api/login")
def login():
    return respond(runtime.accounts.login(**json_body(app, schemas.LOGIN)))


@app.post("/api/password/reset")
def reset():
    return respond(runtime.accounts.start_reset(**json_body(app, schemas.PHONE_ONLY)))


@app.post("/api/password/reset/confirm")
def reset_confirm():
    return respond(runtime.accounts.confirm_reset(**json_body(app, schemas.RESET_CONFIRM)))


@app.get("/api/units")
def list_units():
    return respond(units(runtime.content.get()))


@app.get("/api/contest")
def contest():
    return respond(contest_info(runtime.content.get(), runtime.clock))


@app.get("/api/me")
def me():
    return respond(runtime.accounts.me(bearer(app)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
