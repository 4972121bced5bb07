"""Weekly close: run by EventBridge Scheduler at each week's results time (Asia/Ho_Chi_Minh).

Default payload ({}): the week is worked out from the clock, and a week already closed is left alone.
{"week": N} reruns week N (republishes, applying every recorded committee decision);
{"week": N, "force": true} also closes a week whose results time has not come yet.
"""

from aws_lambda_powertools.utilities.typing import LambdaContext

from contest.observability import logger
from contest.publisher import publisher_for
from contest.repository import CloseRepository
from contest.runtime import build_runtime
from contest.services.close import CloseWeek

runtime = build_runtime()
repo = CloseRepository()
publisher = publisher_for(
    public_bucket=runtime.settings.public_bucket,
    private_bucket=runtime.settings.private_bucket,
    publish_dir=runtime.settings.publish_dir,
    private_dir=runtime.settings.private_dir,
    region=runtime.settings.region,
)


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # runtime.clock is read per call: the local stack swaps in its own clock after import.
    result = CloseWeek(repo, runtime.content, runtime.clock, publisher).run(event)
    logger.info("close_week", extra={"result": result})
    return result
