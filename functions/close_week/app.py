"""Weekly close: run by EventBridge Scheduler at each week's results time (Asia/Ho_Chi_Minh).

Default payload ({}): the week is worked out from the clock, and a week already closed is left alone.
{"week": N} reruns week N (applying every recorded committee decision): byte-identical files, or refused
with ALREADY_PUBLISHED when the results would change; {"week": N, "republish": true} then replaces them,
the previous files archived in the private bucket;
{"week": N, "force": true} also closes a week whose results time has not come yet, but never before the
week's window has ended (closes_at + grace, by the server's own clock too): nothing publishes a key earlier.
"""

from aws_lambda_powertools.utilities.typing import LambdaContext

from contest.adapters.observability import logger
from contest.close.runtime import build_close_runtime
from contest.close.week import parse_event

runtime = build_close_runtime()


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    result = runtime.close_week().run(parse_event(event))
    logger.info("close_week", extra={"result": result})
    return result
