"""Operate the deployed stack with the project's own boto3 (no AWS CLI needed). Used by the Makefile.

    python infra/stack.py [--config-env default] output TableName
    python infra/stack.py publish-site [--site build/site]   # sync to the public bucket, invalidate
    CloudFront
    python infra/stack.py close [--week N]                     # run close_week now and print its answer
    python infra/stack.py rotate-secret                        # new signing + origin secrets, fresh sandboxes
    python infra/stack.py check-schedule                       # the deployed close schedule = content/'s times?
    python infra/stack.py parameters [Key=Value ...]           # sam deploy's parameter overrides (no AWS call):
        samconfig's, then the close schedule generated from content/contest.yaml, then the given ones

The stack name and region come from infra/samconfig.toml (the `--config-env` section, as for `sam deploy`).
Credentials: the usual AWS chain (AWS_PROFILE, environment, SSO).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import re
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

INFRA = Path(__file__).resolve().parent
ROOT = INFRA.parent
RESULTS_PREFIX = "results/"  # written by close_week; never touched by a site publication
RESULTS_INDEX = RESULTS_PREFIX + "index.json"  # except an empty index before the first close (put_empty_index)

# Cache-Control per kind of file. MkDocs-Material's bundles carry a content hash in their names.
HTML_CACHE = "public, max-age=60"
ASSET_CACHE = "public, max-age=31536000, immutable"
OTHER_CACHE = "public, max-age=300"  # the site's own scripts and styles: no hash in their names
# The favicon: asked for by every page load, changed about never, no hash in its name (the theme links it by its
# configured path). A month: a returning visitor's browser (a week later) does not ask again
# (benchmarks/cost_estimate.py counts static requests from these policies).
FAVICON = "assets/images/favicon.svg"
FAVICON_CACHE = "public, max-age=2592000"


def stack_settings(config_env: str) -> tuple[str, str]:
    config = tomllib.loads((INFRA / "samconfig.toml").read_text(encoding="utf-8"))
    section = config[config_env]["global"]["parameters"]
    return section["stack_name"], section["region"]


def deploy_parameters(config_env: str, content: Path, extra: list[str]) -> str:
    """`sam deploy --parameter-overrides` for this contest: the samconfig.toml section's overrides, the close
    schedule generated from the content (every week's results_at, contest.rules.weeks.close_schedule), then `extra`
    (later values win). sam replaces samconfig's overrides when any are given: hence one merged list."""
    from contest.organisers.sitebuild import load_contest
    from contest.rules.weeks import close_schedule

    config = tomllib.loads((INFRA / "samconfig.toml").read_text(encoding="utf-8"))
    merged: dict[str, str] = {}
    configured = config.get(config_env, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    schedule = [f"{k}={v}" for k, v in close_schedule(load_contest(content)).parameters().items()]
    for item in [*configured.split(), *schedule, *extra]:
        key, _, value = item.partition("=")
        if not key or not value or " " in value:
            raise SystemExit(f"parameter {item!r}: expected Key=Value without spaces")
        merged[key] = value
    return " ".join(f"{k}={v}" for k, v in merged.items())


def schedule_drift(session: Any, stack: str, content: Path) -> str | None:
    """Why the deployed close schedule differs from content/contest.yaml's results times, or None when it matches.
    A results_at changed after the last `make deploy` would otherwise leave the close at the old time."""
    from contest.organisers.sitebuild import load_contest
    from contest.rules.weeks import close_schedule

    wanted = close_schedule(load_contest(content))
    found = session.client("scheduler").get_schedule(Name=f"{stack}-close-week")
    deployed = (found.get("ScheduleExpression"), found.get("ScheduleExpressionTimezone"))
    if deployed == (wanted.expression, wanted.timezone):
        return None
    return (
        f"the deployed close schedule is {deployed[0]} ({deployed[1]}) but content/contest.yaml's results times need "
        f"{wanted.expression} ({wanted.timezone}): run `make deploy` first"
    )


def outputs(session: Any, stack: str) -> dict[str, str]:
    answer = session.client("cloudformation").describe_stacks(StackName=stack)
    return {o["OutputKey"]: o["OutputValue"] for o in answer["Stacks"][0].get("Outputs", [])}


_HASHED = re.compile(r"\.[0-9a-f]{8,}\.(min\.)?(js|css|map)$")


def cache_control(key: str) -> str:
    if key.startswith("assets/") and _HASHED.search(key):
        return ASSET_CACHE
    if key == FAVICON:
        return FAVICON_CACHE
    if key.endswith((".html", ".json", ".xml")):
        return HTML_CACHE
    return OTHER_CACHE


def content_type(key: str) -> str:
    guessed, encoding = mimetypes.guess_type(key)
    if encoding:  # sitemap.xml.gz is served as the gzip file it is, not as XML
        return "application/gzip"
    kind = guessed or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith(("json", "javascript")) else kind


def publish_site(session: Any, bucket: str, distribution: str, site: Path) -> dict[str, int]:
    """Upload what changed, delete what is gone (never results/), invalidate CloudFront; return counts."""
    if not (site / "index.html").exists():
        raise SystemExit(f"{site}/index.html is missing: run `make site` first")
    s3 = session.client("s3")
    remote: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            remote[item["Key"]] = item["ETag"].strip('"')
    local = {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*")) if p.is_file()}
    clash = [k for k in local if k.startswith(RESULTS_PREFIX)]
    if clash:
        raise SystemExit(f"the site build must not contain {RESULTS_PREFIX} (close_week owns it): {clash[:3]}")
    uploaded = 0
    for key, path in local.items():
        body = path.read_bytes()
        if remote.get(key) == hashlib.md5(body, usedforsecurity=False).hexdigest():
            continue  # unchanged (single-part uploads: the ETag is the MD5)
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type(key), CacheControl=cache_control(key))
        uploaded += 1
    if RESULTS_INDEX not in remote:
        put_empty_index(s3, bucket)
    stale = [k for k in remote if k not in local and not k.startswith(RESULTS_PREFIX)]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[start : start + 1000]]})
    session.client("cloudfront").create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time_ns())},
    )
    return {"uploaded": uploaded, "unchanged": len(local) - uploaded, "removed": len(stale)}


def put_empty_index(s3: Any, bucket: str) -> bool:
    """results/index.json with no week before the first close (the results page reads it instead of logging a
    404). Written only if absent (If-None-Match: *): an index close_week wrote in the meantime is never replaced.
    True when written."""
    from botocore.exceptions import ClientError

    from contest.rules.publication import canonical_json, empty_results_index

    try:
        s3.put_object(
            Bucket=bucket,
            Key=RESULTS_INDEX,
            Body=canonical_json(empty_results_index()),
            ContentType=content_type(RESULTS_INDEX),
            CacheControl=HTML_CACHE,
            IfNoneMatch="*",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
            return False
        raise
    return True


def close(session: Any, stack: str, week: int | None) -> None:
    from botocore.config import Config

    name = outputs(session, stack)["CloseWeekFunctionName"]
    # close_week may run up to its 15-minute timeout: wait for it rather than cut the connection.
    client = session.client("lambda", config=Config(read_timeout=960, retries={"max_attempts": 0}))
    payload = {} if week is None else {"week": week}
    answer = client.invoke(FunctionName=name, InvocationType="RequestResponse", Payload=json.dumps(payload))
    body = answer["Payload"].read().decode("utf-8")
    sys.stdout.write(body + "\n")
    if answer.get("FunctionError"):
        raise SystemExit(f"close_week failed ({answer['FunctionError']}); see its log group")


def contest_functions(session: Any, stack: str) -> list[str]:
    """Physical names of the stack's contest functions (not the SMS settings custom resource)."""
    pages = session.client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack)
    return [
        r["PhysicalResourceId"]
        for page in pages
        for r in page["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::Lambda::Function" and not r["LogicalResourceId"].startswith("Sms")
    ]


def rotate_secret(session: Any, secret_arn: str, functions: list[str]) -> str:
    """Put a new random value in the secret, then renew every warm sandbox of the functions; returns the
    time stamp written into their descriptions."""
    secrets = session.client("secretsmanager")
    value = secrets.get_random_password(PasswordLength=64, ExcludePunctuation=True, IncludeSpace=False)
    secrets.put_secret_value(SecretId=secret_arn, SecretString=value["RandomPassword"])
    return renew_sandboxes(session, functions)


ORIGIN_HEADER = "X-Contest-Origin"  # contest.rules.perimeter.ORIGIN_HEADER, as CloudFront spells it in the template


def begin_origin_rotation(session: Any, origin_arn: str) -> str:
    """Step 1 of 3: a new origin value becomes "current", the old one stays accepted as "previous" (the functions
    accept both once their sandboxes are renewed). Returns the new value."""
    secrets = session.client("secretsmanager")
    old = json.loads(secrets.get_secret_value(SecretId=origin_arn)["SecretString"])["current"]
    answer = secrets.get_random_password(PasswordLength=48, ExcludePunctuation=True, IncludeSpace=False)
    new = str(answer["RandomPassword"])
    secrets.put_secret_value(SecretId=origin_arn, SecretString=json.dumps({"current": new, "previous": old}))
    return new


def point_cloudfront_at(session: Any, distribution_id: str, value: str, *, wait: bool = True) -> None:
    """Step 2 of 3: CloudFront sends the new value to the API origin (the template's dynamic reference resolves
    to the same "current" value at the next stack update, so the two never disagree)."""
    cloudfront = session.client("cloudfront")
    answer = cloudfront.get_distribution_config(Id=distribution_id)
    config = answer["DistributionConfig"]
    changed = 0
    for origin in config["Origins"]["Items"]:
        for header in origin.get("CustomHeaders", {}).get("Items", []):
            if header["HeaderName"].lower() == ORIGIN_HEADER.lower():
                header["HeaderValue"] = value
                changed += 1
    if changed != 1:
        raise SystemExit(f"expected one {ORIGIN_HEADER} origin header in {distribution_id}, found {changed}")
    cloudfront.update_distribution(Id=distribution_id, IfMatch=answer["ETag"], DistributionConfig=config)
    if wait:  # a few minutes: every edge location must send the new value before the old one is refused
        cloudfront.get_waiter("distribution_deployed").wait(Id=distribution_id)


def finish_origin_rotation(session: Any, origin_arn: str, functions: list[str]) -> None:
    """Step 3 of 3: only the new value is accepted; sandboxes renewed so none keeps accepting the old one."""
    secrets = session.client("secretsmanager")
    current = json.loads(secrets.get_secret_value(SecretId=origin_arn)["SecretString"])["current"]
    secrets.put_secret_value(SecretId=origin_arn, SecretString=json.dumps({"current": current}))
    renew_sandboxes(session, functions)


def renew_sandboxes(session: Any, functions: list[str]) -> str:
    """Functions read their secrets once per sandbox: a configuration change retires every warm sandbox."""
    lam = session.client("lambda")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for name in functions:
        description = lam.get_function_configuration(FunctionName=name).get("Description", "")
        base = description.split(" [secret rotated")[0]
        lam.update_function_configuration(FunctionName=name, Description=f"{base} [secret rotated {stamp}]")
    return stamp


def rotate_secrets(session: Any, out: dict[str, str], functions: list[str], *, wait: bool = True) -> None:
    """The signing secret and the origin secret together, without refusing a request made through CloudFront:
    new origin value accepted (with the old) -> new signing secret, sandboxes renewed -> CloudFront sends the
    new origin value -> the old one retired, sandboxes renewed."""
    new_origin = begin_origin_rotation(session, out["OriginSecretArn"])
    rotate_secret(session, out["SigningSecretArn"], functions)
    point_cloudfront_at(session, out["DistributionId"], new_origin, wait=wait)
    finish_origin_rotation(session, out["OriginSecretArn"], functions)


def main() -> None:
    parser = argparse.ArgumentParser(description="Operate the deployed contest stack")
    parser.add_argument("--config-env", default="default", help="samconfig.toml environment (default, staging)")
    sub = parser.add_subparsers(dest="command", required=True)
    out = sub.add_parser("output", help="print one output of the stack")
    out.add_argument("name")
    pub = sub.add_parser("publish-site", help="sync build/site to the public bucket and invalidate CloudFront")
    pub.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    clo = sub.add_parser("close", help="run close_week now")
    clo.add_argument("--week", type=int, help="the week to close (default: the one the clock says)")
    sub.add_parser("rotate-secret", help="new signing and origin secrets; renew every sandbox")
    chk = sub.add_parser("check-schedule", help="fail if the deployed close schedule differs from content/")
    chk.add_argument("--content", type=Path, default=ROOT / "content")
    par = sub.add_parser("parameters", help="sam deploy parameter overrides (close schedule from content/)")
    par.add_argument("--content", type=Path, default=ROOT / "content")
    par.add_argument("extra", nargs="*", help="Key=Value overrides (win over samconfig and content)")
    args = parser.parse_args()
    if args.command == "parameters":  # no AWS call: printed for `sam deploy --parameter-overrides`
        sys.stdout.write(deploy_parameters(args.config_env, args.content, args.extra) + "\n")
        return

    import boto3
    from botocore.exceptions import ClientError, NoCredentialsError

    stack, region = stack_settings(args.config_env)
    session = boto3.session.Session(region_name=region)
    try:
        run_command(args, session, stack)
    except NoCredentialsError:
        raise SystemExit("No AWS credentials: set AWS_PROFILE (or sign in with `aws sso login`)") from None
    except ClientError as exc:
        raise SystemExit(f"{stack} ({region}): {exc}") from None


def run_command(args: argparse.Namespace, session: Any, stack: str) -> None:
    if args.command == "output":
        sys.stdout.write(outputs(session, stack)[args.name] + "\n")
    elif args.command == "publish-site":
        out = outputs(session, stack)
        counts = publish_site(session, out["PublicBucketName"], out["DistributionId"], args.site)
        sys.stdout.write(
            f"site: {counts['uploaded']} uploaded, {counts['unchanged']} unchanged, "
            f"{counts['removed']} removed; "
            f"CloudFront /* invalidated; {out['SiteUrl']}\n"
        )
    elif args.command == "close":
        close(session, stack, args.week)
    elif args.command == "check-schedule":
        drift = schedule_drift(session, stack, args.content)
        if drift:
            raise SystemExit(drift)
        sys.stdout.write("the deployed close schedule matches content/contest.yaml\n")
    elif args.command == "rotate-secret":
        functions = contest_functions(session, stack)
        rotate_secrets(session, outputs(session, stack), functions)
        for name in functions:
            sys.stdout.write(f"{name}: sandboxes renewed\n")
        sys.stdout.write("signing secret rotated: every session and open attempt token is now invalid\n")
        sys.stdout.write("origin secret rotated: CloudFront sends the new value, the old one is refused\n")


if __name__ == "__main__":
    main()
