"""infra/template.yaml, checked offline: the linters, the SAM transform, and what the contest relies on.

The template must mirror the code: one function per functions/* folder, every resolver route reaching its own
function through one CloudFront behaviour (function URLs, no API Gateway), table keys equal to the PynamoDB models,
only the environment variables config.py reads.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import template_checks
from template_checks import FUNCTIONS, INFRA, ROOT, function_folders

# ----------------------------------------------------------------------------------------------- helpers


def resources_of(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] in types}


def sam_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in resources_of(template, "AWS::Serverless::Function").items()}


def folder_of(props: dict[str, Any]) -> str | None:
    code_uri = props.get("CodeUri")
    if not isinstance(code_uri, str):
        return None
    path = (INFRA / code_uri).resolve()
    return path.name if path.parent == FUNCTIONS else None


def http_functions(template: dict[str, Any]) -> set[str]:
    """The functions CloudFront sends API requests to (each through its function URL)."""
    return {function for _, function in template_checks.api_behaviours(template)}


CATCH_ALL = "/api/*"  # the last API behaviour: any other /api/ path gets a resolver's JSON 404


def policy_documents(cfn: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every IAM policy document of the transformed template: role inline policies, IAM policies and the
    resource policies of buckets, topics and queues."""
    found: list[tuple[str, dict[str, Any]]] = []
    for logical_id, resource in cfn["Resources"].items():
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::IAM::Role":
            found += [(f"{logical_id}/{p['PolicyName']}", p["PolicyDocument"]) for p in props.get("Policies", [])]
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            found.append((logical_id, props["PolicyDocument"]))
        elif kind in ("AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy"):
            found.append((logical_id, props["PolicyDocument"]))
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(cfn: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(where, st) for where, doc in policy_documents(cfn) for st in as_list(doc["Statement"])]


# ----------------------------------------------------------------------------------------------- linters


def test_cfn_lint_finds_nothing_in_the_sam_template(background: Any) -> None:
    assert background.check_steps()["steps"][template_checks.STEP_SAM_LINT] == []


def test_cfn_lint_finds_nothing_in_the_waf_template(background: Any) -> None:
    assert background.check_steps()["steps"][template_checks.STEP_WAF_LINT] == []


def test_the_sam_transform_succeeds(background: Any, transformed: dict[str, Any]) -> None:
    assert background.check_steps()["steps"][template_checks.STEP_TRANSFORM] == []
    assert "Transform" not in transformed
    assert not resources_of(transformed, "AWS::Serverless::Function", "AWS::Serverless::HttpApi")


def test_cfn_lint_finds_nothing_in_the_transformed_template(background: Any) -> None:
    assert background.check_steps()["steps"][template_checks.STEP_CFN_LINT] == []


def test_the_transform_catches_a_sam_mistake_that_plain_parsing_accepts(template: dict[str, Any]) -> None:
    # Given the template with a function URL whose auth type is misspelled
    broken = json.loads(json.dumps(template))
    broken["Resources"]["QuizFunction"]["Properties"]["FunctionUrlConfig"]["AuthType"] = "IAM"
    # When it is transformed, Then the transform refuses it
    with pytest.raises(Exception, match="AWS_IAM or NONE"):
        template_checks.transform(broken)


def test_cfn_lint_as_configured_catches_a_dangling_reference_in_a_policy() -> None:
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    grant = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": {"Fn::GetAtt": ["Tabel", "Arn"]}}
    role = {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust]},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [grant]}}],
    }
    broken = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": role}}}
    assert any("Tabel" in finding for finding in template_checks.lint(text=json.dumps(broken)))


def test_sam_validate_accepts_the_template(background: Any) -> None:
    if background.sam is None:
        pytest.skip("sam CLI not installed (make deploy installs it into .venv-sam)")
    returncode, output = background.sam_validate()
    assert returncode == 0, output
    assert "is a valid SAM Template" in output


# ----------------------------------------------------------------------------------------------- code <->
# template


def test_every_function_folder_has_exactly_one_function_and_every_function_a_folder(
    template: dict[str, Any],
) -> None:
    folders = [folder_of(props) for props in sam_functions(template).values()]
    assert None not in folders, "a Serverless::Function whose CodeUri is not a functions/* folder"
    assert sorted(folders) == function_folders()  # sorted lists: a folder served twice shows up as a duplicate


def test_every_function_folder_has_an_app_with_lambda_handler(handlers: dict[str, dict[str, Any]]) -> None:
    missing = [f for f in function_folders() if f not in handlers or not handlers[f]["handler"]]
    assert missing == [], f"functions/<name>/app.py with lambda_handler missing for {missing}"


def concrete(path: str) -> str:
    return path.replace("{", "").replace("}", "")  # a dynamic segment {id} stands for some value


def test_every_resolver_route_reaches_the_function_whose_resolver_serves_it(
    template: dict[str, Any], routes_by_folder: dict[str, set[tuple[str, str]]]
) -> None:
    assert routes_by_folder, "no resolver found in functions/*/app.py"
    functions = sam_functions(template)
    for folder, routes in routes_by_folder.items():
        for method, path in routes:
            served_by = template_checks.function_serving(concrete(path), template)
            assert served_by is not None, f"{method} {path}: no CloudFront behaviour sends it to a function"
            assert folder_of(functions[served_by]) == folder, f"{method} {path} goes to {served_by}, not {folder}"


def test_every_api_behaviour_but_the_catch_all_serves_a_route_of_its_function(
    template: dict[str, Any], routes_by_folder: dict[str, set[tuple[str, str]]]
) -> None:
    functions = sam_functions(template)
    behaviours = template_checks.api_behaviours(template)
    assert behaviours[-1] == (CATCH_ALL, "InfoFunction"), "the catch-all must come last (CloudFront's order)"
    for pattern, function in behaviours[:-1]:
        paths = {concrete(p) for _, p in routes_by_folder[str(folder_of(functions[function]))]}
        assert any(template_checks.path_matches(pattern, p) for p in paths), f"{pattern}: a behaviour for nothing"


def test_every_api_path_is_under_api_so_the_site_origin_never_sees_it(
    routes_by_folder: dict[str, set[tuple[str, str]]],
) -> None:
    assert all(path.startswith("/api/") for routes in routes_by_folder.values() for _, path in routes)


def test_the_path_patterns_match_as_cloudfront_does() -> None:
    assert template_checks.path_matches("/api/verify*", "/api/verify/resend")
    assert template_checks.path_matches("/api/me", "/api/me") and not template_checks.path_matches(
        "/api/me", "/api/me/"
    )
    assert not template_checks.path_matches("/api/me/*", "/api/me")
    assert template_checks.path_matches("/api/password/*", "/api/password/reset/confirm")
    assert not template_checks.path_matches("/api/Me", "/api/me")


# ------------------------------------------------------------------------------------- the API: function URLs


def test_there_is_no_api_gateway_left(transformed: dict[str, Any], template: dict[str, Any]) -> None:
    assert not resources_of(template, "AWS::Serverless::HttpApi", "AWS::Serverless::Api")
    assert not [k for k, v in transformed["Resources"].items() if v["Type"].startswith("AWS::ApiGateway")]
    assert not [p for p in template["Parameters"] if p.startswith("Api")]


def test_each_http_function_has_an_iam_url_reachable_only_through_the_distribution(
    template: dict[str, Any], transformed: dict[str, Any]
) -> None:
    http = http_functions(template)
    assert http == {"RegisterFunction", "AccountFunction", "InfoFunction", "QuizFunction", "SubmitFunction"}
    # every function URL of the stack asks for a SigV4 signature, and only the HTTP functions have one
    urls = resources_of(transformed, "AWS::Lambda::Url")
    assert {u["Properties"]["TargetFunctionArn"]["Ref"] for u in urls.values()} == http
    assert all(u["Properties"]["AuthType"] == "AWS_IAM" for u in urls.values())
    # CloudFront signs what it sends there: an origin access control for Lambda, always signing
    oac = template["Resources"]["FunctionUrlAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "lambda",
        "always",
        "sigv4",
    )
    origins = {o["Id"]: o for o in distribution(template)["Origins"]}
    for origin_id, origin in origins.items():
        if origin_id == "site":
            continue
        assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["FunctionUrlAccessControl", "Id"]}, origin_id
        assert ".lambda-url." not in json.dumps(origin["DomainName"])  # from the URL resource, never hard-coded
        assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    # and the only ones allowed to invoke them are CloudFront, for this distribution: both rights, nothing else
    distribution_arn = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
    granted: dict[str, set[str]] = {}
    for logical_id, permission in resources_of(transformed, "AWS::Lambda::Permission").items():
        props = permission["Properties"]
        function = props["FunctionName"]["Ref"]
        if function not in http:
            continue
        assert props["Principal"] == "cloudfront.amazonaws.com", logical_id
        assert props["SourceArn"] == {"Fn::Sub": distribution_arn}, logical_id
        if props["Action"] == "lambda:InvokeFunctionUrl":
            assert props["FunctionUrlAuthType"] == "AWS_IAM", logical_id
        else:
            assert props["Action"] == "lambda:InvokeFunction" and props["InvokedViaFunctionUrl"] is True, logical_id
        granted.setdefault(function, set()).add(props["Action"])
    assert granted == {f: {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"} for f in http}


def test_api_behaviours_are_uncached_and_forward_everything_but_host(template: dict[str, Any]) -> None:
    config = distribution(template)
    for behaviour in config["CacheBehaviors"]:
        if behaviour["TargetOriginId"] == "site":
            continue
        assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", behaviour  # CachingDisabled
        # AllViewerExceptHostHeader: Authorization, query strings and CloudFront-Viewer-Address; never Host
        assert behaviour["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac", behaviour
        assert {"GET", "POST", "HEAD"} <= set(behaviour["AllowedMethods"])
        assert behaviour["ViewerProtocolPolicy"] == "https-only"


def test_each_http_function_has_a_reserved_concurrency_parameter(template: dict[str, Any]) -> None:
    functions = sam_functions(template)
    assert len(http_functions(template)) == 5
    for logical_id in http_functions(template):
        reserved = functions[logical_id]["ReservedConcurrentExecutions"]
        parameter = template["Parameters"][reserved["Ref"]]
        assert parameter["Type"] == "Number" and parameter["Default"] >= 10 and parameter["Description"], logical_id
    reserved_total = sum(template["Parameters"][functions[f]["ReservedConcurrentExecutions"]["Ref"]]["Default"]
                         for f in http_functions(template))  # fmt: skip
    # Lambda keeps 100 of the account's concurrency unreserved; the default quota is 1,000
    assert reserved_total + functions["CloseWeekFunction"]["ReservedConcurrentExecutions"] <= 900


def test_environment_variables_are_the_ones_config_reads(template: dict[str, Any]) -> None:
    config = (ROOT / "src" / "contest" / "adapters" / "config.py").read_text(encoding="utf-8")
    names = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for props in sam_functions(template).values():
        names |= set(props.get("Environment", {}).get("Variables", {}))
    contest_names = {n for n in names if n.startswith("CONTEST_")}
    assert contest_names, "no CONTEST_ variable at all"
    assert {n for n in contest_names if f'"{n}"' not in config} == set()


# ----------------------------------------------------------------------------------------------- functions


def test_functions_are_python312_on_arm64_with_json_logs(transformed: dict[str, Any]) -> None:
    for logical_id, resource in resources_of(transformed, "AWS::Lambda::Function").items():
        props = resource["Properties"]
        assert props["Runtime"] == "python3.12", logical_id
        assert props["Architectures"] == ["arm64"], logical_id
        assert props["LoggingConfig"]["LogFormat"] == "JSON", logical_id


def test_every_function_logs_to_a_log_group_of_the_stack_with_a_retention(
    transformed: dict[str, Any],
) -> None:
    groups = resources_of(transformed, "AWS::Logs::LogGroup")
    for logical_id, resource in resources_of(transformed, "AWS::Lambda::Function").items():
        target = resource["Properties"]["LoggingConfig"].get("LogGroup")
        assert isinstance(target, dict) and "Ref" in target, f"{logical_id} logs to a group the stack does not own"
        assert groups[target["Ref"]]["Properties"].get("RetentionInDays"), logical_id
    assert all(g["Properties"].get("RetentionInDays") for g in groups.values())


def test_http_functions_have_bounded_timeouts_and_memory(template: dict[str, Any]) -> None:
    http = http_functions(template)
    config = distribution(template)
    read_timeout = min(o["CustomOriginConfig"]["OriginReadTimeout"] for o in config["Origins"] if o["Id"] != "site")
    for logical_id, props in sam_functions(template).items():
        assert "MemorySize" in props and "Timeout" in props, logical_id
        if logical_id in http:
            assert props["Timeout"] < read_timeout, f"{logical_id}: CloudFront gives up after {read_timeout} s"


def test_powertools_service_name_is_set_for_every_function(template: dict[str, Any]) -> None:
    for logical_id, props in sam_functions(template).items():
        assert "POWERTOOLS_SERVICE_NAME" in props["Environment"]["Variables"], logical_id
    assert "POWERTOOLS_LOG_LEVEL" in template["Globals"]["Function"]["Environment"]["Variables"]


# ----------------------------------------------------------------------------------------------- IAM


def test_no_allow_statement_grants_a_wildcard_action(transformed: dict[str, Any]) -> None:
    # Deny statements may name s3:* (deny plain HTTP): a wildcard there takes rights away, it grants none.
    for where, statement in statements(transformed):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement.get("Action", [])):
            assert "*" not in action, f"{where}: {action}"
        assert "NotAction" not in statement, where


# AWS offers no resource narrower than "*" for these actions (and the template says why, next to each).
WILDCARD_RESOURCE_ALLOWED = {
    "sns:Publish",  # publishing an SMS straight to a phone number has no resource ARN
    "sns:SetSMSAttributes",  # account-level SMS settings
}


def test_wildcard_resources_only_where_aws_has_nothing_narrower(transformed: dict[str, Any]) -> None:
    for where, statement in statements(transformed):
        if statement["Effect"] != "Allow" or "Principal" in statement:
            continue
        if "*" in as_list(statement.get("Resource", [])):
            actions = set(as_list(statement["Action"]))
            assert actions <= WILDCARD_RESOURCE_ALLOWED, f"{where}: {actions} on *"


def test_no_managed_policies_are_attached(transformed: dict[str, Any]) -> None:
    # AWSLambdaBasicExecutionRole would grant logs:* on every log group; each role here names its own group.
    for logical_id, resource in resources_of(transformed, "AWS::IAM::Role").items():
        assert not resource["Properties"].get("ManagedPolicyArns"), logical_id


def test_only_the_contest_functions_can_read_the_signing_secret(transformed: dict[str, Any]) -> None:
    readers = {
        where.split("/")[0]
        for where, st in statements(transformed)
        if st["Effect"] == "Allow" and "secretsmanager:GetSecretValue" in as_list(st["Action"])
    }
    assert readers == {"RegisterRole", "AccountRole", "InfoRole", "QuizRole", "SubmitRole"}  # not CloseWeekRole


# ----------------------------------------------------------------------------------------------- data


def table(template: dict[str, Any]) -> dict[str, Any]:
    tables = resources_of(template, "AWS::DynamoDB::Table")
    assert len(tables) == 1, "the contest uses one table"
    return next(iter(tables.values()))


def test_table_is_on_demand_protected_and_encrypted(template: dict[str, Any]) -> None:
    resource = table(template)
    props = resource["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"


def pynamodb_models() -> list[type]:
    from pynamodb.models import Model

    from contest.store import tables

    return [
        v for v in vars(tables).values()
        if inspect.isclass(v) and issubclass(v, Model) and v is not Model and v.__module__ == tables.__name__
    ]  # fmt: skip


def index_shape(key_schema: list[dict[str, str]], projection: dict[str, Any]) -> tuple[Any, ...]:
    """An index's keys and projection, comparable between PynamoDB's schema and the template."""
    keys = tuple(sorted((k["AttributeName"], k["KeyType"]) for k in key_schema))
    return keys, projection["ProjectionType"], tuple(sorted(projection.get("NonKeyAttributes", [])))


def test_table_keys_and_indexes_equal_the_pynamodb_models(template: dict[str, Any]) -> None:
    models = pynamodb_models()
    assert models, "no PynamoDB model in contest.store.tables"
    assert len({m.Meta.table_name for m in models}) == 1, "the models must share one table"
    attribute_definitions: dict[str, str] = {}
    key_schemas = set()
    gsis: dict[str, Any] = {}
    lsis: dict[str, Any] = {}
    for model in models:
        schema = model._get_schema()
        for definition in schema["attribute_definitions"]:
            attribute_definitions[definition["AttributeName"]] = definition["AttributeType"]
        key_schemas.add(tuple(sorted((k["AttributeName"], k["KeyType"]) for k in schema["key_schema"])))
        for index in schema["global_secondary_indexes"]:
            gsis[index["index_name"]] = index_shape(index["key_schema"], index["projection"])
        for index in schema["local_secondary_indexes"]:
            lsis[index["index_name"]] = index_shape(index["key_schema"], index["projection"])
    props = table(template)["Properties"]
    assert len(key_schemas) == 1, f"models disagree on the table keys: {key_schemas}"
    assert tuple(sorted((k["AttributeName"], k["KeyType"]) for k in props["KeySchema"])) == key_schemas.pop()
    assert {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]} == attribute_definitions
    template_gsis = {
        i["IndexName"]: index_shape(i["KeySchema"], i["Projection"]) for i in props.get("GlobalSecondaryIndexes", [])
    }
    template_lsis = {
        i["IndexName"]: index_shape(i["KeySchema"], i["Projection"]) for i in props.get("LocalSecondaryIndexes", [])
    }
    assert template_gsis == gsis
    assert template_lsis == lsis


def test_ttl_is_on_and_names_a_numeric_attribute_of_the_models(template: dict[str, Any]) -> None:
    from pynamodb.attributes import NumberAttribute, TTLAttribute

    ttl = table(template)["Properties"]["TimeToLiveSpecification"]
    assert ttl["Enabled"] is True
    for model in pynamodb_models():
        attribute = model.get_attributes().get(ttl["AttributeName"])
        assert isinstance(attribute, NumberAttribute | TTLAttribute), f"{model.__name__} has no numeric ttl"
        assert attribute.attr_name == ttl["AttributeName"]


def test_signing_secret_is_generated_and_only_its_arn_reaches_the_functions(template: dict[str, Any]) -> None:
    secret = resources_of(template, "AWS::SecretsManager::Secret")["SigningSecret"]["Properties"]
    assert "SecretString" not in secret
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert "CONTEST_SIGNING_SECRET_ARN" not in variables  # not the close's business (docs/architecture.md)
    every_env = [
        variables,
        *(p.get("Environment", {}).get("Variables", {}) for p in sam_functions(template).values()),
    ]
    assert all("CONTEST_SIGNING_SECRET" not in env for env in every_env)
    for name in ("RegisterFunction", "AccountFunction", "QuizFunction", "SubmitFunction"):  # not InfoFunction
        env = sam_functions(template)[name]["Environment"]["Variables"]
        assert env["CONTEST_SIGNING_SECRET_ARN"] == {"Ref": "SigningSecret"}, name


def test_buckets_are_private_versioned_and_encrypted(template: dict[str, Any]) -> None:
    buckets = resources_of(template, "AWS::S3::Bucket")
    assert set(buckets) == {"PublicBucket", "PrivateBucket"}
    for logical_id, resource in buckets.items():
        props = resource["Properties"]
        assert all(props["PublicAccessBlockConfiguration"].values()), logical_id
        assert len(props["PublicAccessBlockConfiguration"]) == 4, logical_id
        assert props["VersioningConfiguration"]["Status"] == "Enabled", logical_id
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], logical_id
        assert props["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"


def test_only_cloudfront_reads_the_public_bucket_and_nobody_the_private_one(
    transformed: dict[str, Any],
) -> None:
    for where, st in statements(transformed):
        if where == "PublicBucketPolicy" and st["Effect"] == "Allow":
            assert st["Principal"] == {"Service": "cloudfront.amazonaws.com"}
            assert "AWS:SourceArn" in st["Condition"]["StringEquals"]
        if where == "PrivateBucketPolicy":
            assert st["Effect"] == "Deny"


# ----------------------------------------------------------------------------------------------- edge


def distribution(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]


def test_cloudfront_serves_the_site_through_oac_results_briefly_and_api_uncached(
    template: dict[str, Any],
) -> None:
    config = distribution(template)
    origins = {o["Id"]: o for o in config["Origins"]}
    assert origins["site"]["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert origins["site"]["DomainName"] == {"Fn::GetAtt": ["PublicBucket", "RegionalDomainName"]}
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert config["CacheBehaviors"][0]["PathPattern"] == "/results/*"
    assert {p for p, b in behaviors.items() if b["TargetOriginId"] == "site"} == {"/results/*"}
    assert all(p.startswith("/api/") for p in behaviors if p != "/results/*")
    assert behaviors["/results/*"]["TargetOriginId"] == "site"
    results_policy = template["Resources"][behaviors["/results/*"]["CachePolicyId"]["Ref"]]
    assert results_policy["Properties"]["CachePolicyConfig"]["MaxTTL"] <= 300
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "site"
    for behavior in [config["DefaultCacheBehavior"], *behaviors.values()]:
        assert behavior["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_the_response_headers_policy_sets_the_security_headers(template: dict[str, Any]) -> None:
    headers = template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "ContentTypeOptions" in headers
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] in ("strict-origin-when-cross-origin", "no-referrer")
    assert headers["FrameOptions"]["FrameOption"] == "DENY"


def test_the_directory_index_function_maps_pretty_urls_to_index_html(template: dict[str, Any]) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    code = template["Resources"]["DirectoryIndexFunction"]["Properties"]["FunctionCode"]
    cases = {"/": "/index.html", "/quy-che/": "/quy-che/index.html", "/quy-che": "/quy-che/index.html",
             "/assets/app.js": "/assets/app.js", "/v1.2/page": "/v1.2/page/index.html"}  # fmt: skip
    script = (
        code
        + "\nconst cases = "
        + json.dumps(list(cases))
        + ";\n"
        + ("console.log(JSON.stringify(cases.map(u => handler({request: {uri: u}}).uri)));")
    )
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(result.stdout) == list(cases.values())


def test_waf_is_optional_and_rate_based() -> None:
    waf = template_checks.load(template_checks.WAF_TEMPLATE)
    acl = waf["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert all("RateBasedStatement" in rule["Statement"] for rule in acl["Rules"])


# ----------------------------------------------------------------------------------------------- schedule


def test_close_week_runs_on_the_scheduler_in_vietnam_time_with_retries_and_a_dead_letter_queue(
    transformed: dict[str, Any],
) -> None:
    schedules = resources_of(transformed, "AWS::Scheduler::Schedule")
    assert schedules, "no EventBridge Scheduler schedule"
    for logical_id, resource in schedules.items():
        props = resource["Properties"]
        assert props["ScheduleExpressionTimezone"] == {"Ref": "CloseWeekTimezone"}, logical_id
        assert props["Target"]["Arn"] == {"Fn::GetAtt": ["CloseWeekFunction", "Arn"]}
        assert props["Target"]["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        assert props["Target"]["DeadLetterConfig"]["Arn"]
    invoke = resources_of(transformed, "AWS::Lambda::EventInvokeConfig")
    assert any(
        c["Properties"]["FunctionName"] == {"Ref": "CloseWeekFunction"}
        and c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        for c in invoke.values()
    ), "a failed asynchronous close must land somewhere"


def test_the_close_schedule_has_no_default_and_is_generated_from_the_content(template: dict[str, Any]) -> None:
    # No stack can keep another contest's results time: the schedule's fields have no default, and `make deploy`
    # passes the ones `infra/stack.py parameters` generates from content/contest.yaml.
    parameters = template["Parameters"]
    for name in ("CloseWeekMinutes", "CloseWeekHours", "CloseWeekDays"):
        assert "Default" not in parameters[name], name
    event = template["Resources"]["CloseWeekFunction"]["Properties"]["Events"]["Weekly"]["Properties"]
    assert event["ScheduleExpression"] == {
        "Fn::Sub": "cron(${CloseWeekMinutes} ${CloseWeekHours} ? * ${CloseWeekDays} *)"
    }
    assert event["ScheduleExpressionTimezone"] == {"Ref": "CloseWeekTimezone"}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(STACK_PY) parameters $(PARAMS)" in makefile and '--parameter-overrides "$$params"' in makefile


# ----------------------------------------------------------------------------------------------- alarms


def alarms(transformed: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in resources_of(transformed, "AWS::CloudWatch::Alarm").values()]


def alarm_watches(alarm: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(namespace, metric, dimension values as JSON) of every metric the alarm reads."""
    if "MetricName" in alarm:
        return [(alarm["Namespace"], alarm["MetricName"], json.dumps(alarm.get("Dimensions", [])))]
    return [
        (m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"],
         json.dumps(m["MetricStat"]["Metric"].get("Dimensions", [])))
        for m in alarm["Metrics"] if "MetricStat" in m
    ]  # fmt: skip


def test_alarms_cover_api_5xx_lambda_errors_and_throttles_dynamodb_close_and_sms(
    transformed: dict[str, Any],
) -> None:
    watched = [w for a in alarms(transformed) for w in alarm_watches(a)]
    http = http_functions(template_checks.load())
    assert http
    for function in http:  # what the HTTP API's 5xx alarm watched
        assert any(ns == "AWS/Lambda" and m == "Url5xxCount" and function in dims for ns, m, dims in watched), function
    for function in sam_functions(template_checks.load()):
        for metric in ("Errors", "Throttles"):
            assert any(ns == "AWS/Lambda" and m == metric and function in dims for ns, m, dims in watched), (
                f"{function} {metric}"
            )
    assert {m for ns, m, _ in watched if ns == "AWS/DynamoDB"} >= {
        "ReadThrottleEvents",
        "WriteThrottleEvents",
    }
    assert any(ns == "AWS/SQS" and "CloseWeekDeadLetterQueue" in dims for ns, _, dims in watched)
    assert {m for ns, m, _ in watched if ns == "AWS/SNS"} >= {
        "SMSMonthToDateSpentUSD",
        "NumberOfNotificationsFailed",
    }


def test_every_alarm_notifies_the_alarm_topic(transformed: dict[str, Any]) -> None:
    for alarm in alarms(transformed):
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], alarm.get("AlarmDescription")


def test_the_sms_spend_limit_is_a_parameter_applied_by_the_stack(template: dict[str, Any]) -> None:
    assert "SmsMonthlySpendLimit" in template["Parameters"]
    assert template["Resources"]["SmsSettings"]["Properties"]["MonthlySpendLimit"] == {"Ref": "SmsMonthlySpendLimit"}
    code = template["Resources"]["SmsSettingsFunction"]["Properties"]["Code"]["ZipFile"]
    compile(code, "sms_settings", "exec")  # the inline custom resource is at least valid Python
    assert "MonthlySpendLimit" in code and "cfnresponse.send" in code


# ----------------------------------------------------------------------------------------------- outputs


def test_outputs_name_the_site_the_api_the_table_and_the_buckets(template: dict[str, Any]) -> None:
    assert {"SiteUrl", "ApiFunctionUrls", "TableName", "PublicBucketName", "PrivateBucketName", "DistributionId",
            "CloseWeekFunctionName", "SigningSecretArn"} <= set(template["Outputs"])  # fmt: skip


def test_the_parameters_cover_stage_domain_certificate_contact_and_waf(template: dict[str, Any]) -> None:
    assert {"Stage", "DomainName", "CertificateArn", "ContactEmail", "WebAclArn"} <= set(template["Parameters"])


def test_samconfig_deploys_to_singapore() -> None:
    import tomllib

    config = tomllib.loads((INFRA / "samconfig.toml").read_text(encoding="utf-8"))
    assert config["default"]["global"]["parameters"]["region"] == "ap-southeast-1"
    assert "CAPABILITY_IAM" in config["default"]["deploy"]["parameters"]["capabilities"]


def test_template_paths_point_at_real_folders(template: dict[str, Any]) -> None:
    for logical_id, resource in template["Resources"].items():
        code_uri = resource.get("Properties", {}).get("CodeUri")
        if isinstance(code_uri, str):
            assert (INFRA / code_uri).is_dir(), logical_id
    layer_dirs = [
        Path(r["Properties"]["ContentUri"]).name
        for r in resources_of(template, "AWS::Serverless::LayerVersion").values()
    ]
    import tomllib

    spec = tomllib.loads((INFRA / "layers" / "layers.toml").read_text(encoding="utf-8"))
    assert sorted(layer_dirs) == sorted(k for k in spec if k != "cli_only")
