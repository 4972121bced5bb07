"""infra/stack.py against moto: publishing the site never touches results/, uploads only what changed."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import stack

REGION = "ap-southeast-1"
BUCKET = "contest-public-test"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    import boto3
    from moto import mock_aws

    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        session.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield session


def distribution_id(session: object) -> str:
    answer = session.client("cloudfront").create_distribution(  # type: ignore[attr-defined]
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "test",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": f"{BUCKET}.s3.amazonaws.com",
                                                   "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        }
    )  # fmt: skip
    return answer["Distribution"]["Id"]  # type: ignore[no-any-return]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def keys(session: object) -> dict[str, dict[str, str]]:
    s3 = session.client("s3")  # type: ignore[attr-defined]
    found = {}
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        head = s3.head_object(Bucket=BUCKET, Key=item["Key"])
        found[item["Key"]] = {"type": head["ContentType"], "cache": head.get("CacheControl", "")}
    return found


def test_publishing_uploads_the_site_and_leaves_results_alone(aws: object, tmp_path: Path) -> None:
    # Given published results and an earlier site with a page since removed
    s3 = aws.client("s3")  # type: ignore[attr-defined]
    s3.put_object(Bucket=BUCKET, Key="results/week-1.json", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key="results/index.json", Body=b'{"weeks":[{"week":1}]}')
    s3.put_object(Bucket=BUCKET, Key="old-page/index.html", Body=b"old")
    site = tmp_path / "site"
    write(site, {
        "index.html": "<h1>Cuộc thi</h1>",
        "quy-che/index.html": "<h1>Thể lệ</h1>",
        "assets/javascripts/bundle.f55a23d4.min.js": "console.log(1)",
        "assets/js/app.js": "console.log(2)",
        "search/search_index.json": "{}",
        "assets/images/favicon.svg": "<svg/>",
    })  # fmt: skip
    # When the site is published
    counts = stack.publish_site(aws, BUCKET, distribution_id(aws), site)
    # Then every file is there with its type and cache policy, the old page is gone, results are untouched
    found = keys(aws)
    assert counts == {"uploaded": 6, "unchanged": 0, "removed": 1}
    assert set(found) == {"index.html", "quy-che/index.html", "assets/javascripts/bundle.f55a23d4.min.js",
                          "assets/js/app.js", "search/search_index.json", "results/week-1.json",
                          "results/index.json", "assets/images/favicon.svg"}  # fmt: skip
    assert s3.get_object(Bucket=BUCKET, Key="results/index.json")["Body"].read() == b'{"weeks":[{"week":1}]}'
    assert found["index.html"] == {"type": "text/html; charset=utf-8", "cache": stack.HTML_CACHE}
    assert found["assets/javascripts/bundle.f55a23d4.min.js"]["cache"] == stack.ASSET_CACHE
    assert found["assets/js/app.js"]["cache"] == stack.OTHER_CACHE  # no hash in the name: short cache
    # the favicon outlives a week in the browser: a returning visitor does not ask for it again
    assert "max-age=2592000" in found["assets/images/favicon.svg"]["cache"]
    assert found["search/search_index.json"]["type"] == "application/json; charset=utf-8"


def test_before_the_first_close_publishing_writes_an_empty_results_index(aws: object, tmp_path: Path) -> None:
    # Given a bucket where no week has been closed yet
    s3 = aws.client("s3")  # type: ignore[attr-defined]
    site = tmp_path / "site"
    write(site, {"index.html": "a"})
    # When the site is published
    distribution = distribution_id(aws)
    stack.publish_site(aws, BUCKET, distribution, site)
    # Then the results page finds a valid index with no week (not a 404 logged in the browser console)
    index = s3.get_object(Bucket=BUCKET, Key="results/index.json")
    assert json.loads(index["Body"].read()) == {"schema": 1, "weeks": [], "latest": None, "final": None}
    assert index["CacheControl"] == stack.HTML_CACHE
    # and an index the close writes later is never replaced by a publication, even one that listed the bucket before
    s3.put_object(Bucket=BUCKET, Key="results/index.json", Body=b'{"weeks":[{"week":1}]}')
    assert stack.put_empty_index(s3, BUCKET) is False
    stack.publish_site(aws, BUCKET, distribution, site)
    assert s3.get_object(Bucket=BUCKET, Key="results/index.json")["Body"].read() == b'{"weeks":[{"week":1}]}'


def test_publishing_again_uploads_only_what_changed(aws: object, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, {"index.html": "a", "page/index.html": "b"})
    distribution = distribution_id(aws)
    stack.publish_site(aws, BUCKET, distribution, site)
    write(site, {"page/index.html": "b changed"})
    counts = stack.publish_site(aws, BUCKET, distribution, site)
    assert counts == {"uploaded": 1, "unchanged": 1, "removed": 0}
    invalidations = aws.client("cloudfront").list_invalidations(DistributionId=distribution)  # type: ignore[attr-defined]
    assert invalidations["InvalidationList"]["Quantity"] == 2


def test_a_site_build_holding_results_is_refused(aws: object, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, {"index.html": "a", "results/week-1.json": "{}"})
    with pytest.raises(SystemExit, match="results/"):
        stack.publish_site(aws, BUCKET, distribution_id(aws), site)


def test_publishing_without_a_build_says_to_run_make_site(aws: object, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="make site"):
        stack.publish_site(aws, BUCKET, "E123", tmp_path / "missing")


def test_stack_settings_come_from_samconfig() -> None:
    assert stack.stack_settings("default") == ("contest-prod", "ap-southeast-1")
    assert stack.stack_settings("staging") == ("contest-staging", "ap-southeast-1")


def test_sitemap_gz_is_served_as_gzip_not_as_xml() -> None:
    assert stack.content_type("sitemap.xml.gz") == "application/gzip"
    assert stack.content_type("sitemap.xml").startswith(("application/xml", "text/xml"))
    assert os.path.splitext("x.css")[1] == ".css" and stack.content_type("a.css") == "text/css; charset=utf-8"


def make_function(session: object, name: str) -> None:
    import io
    import json
    import zipfile

    iam = session.client("iam")  # type: ignore[attr-defined]
    principal = {"Service": "lambda.amazonaws.com"}
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    try:
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="fn")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("app.py", "def lambda_handler(event, context):\n    return {}\n")
    session.client("lambda").create_function(  # type: ignore[attr-defined]
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.lambda_handler",
        Code={"ZipFile": archive.getvalue()}, Description="Starts an attempt",
    )  # fmt: skip


def test_rotating_the_secret_changes_it_and_renews_every_function(aws: object) -> None:
    # Given the stack's secret and two functions
    secrets = aws.client("secretsmanager")  # type: ignore[attr-defined]
    arn = secrets.create_secret(Name="contest-prod/signing-secret", SecretString="old-" + "x" * 60)["ARN"]
    for name in ("contest-prod-QuizFunction", "contest-prod-SubmitFunction"):
        make_function(aws, name)
    # When it is rotated twice
    stack.rotate_secret(aws, arn, ["contest-prod-QuizFunction", "contest-prod-SubmitFunction"])
    first = secrets.get_secret_value(SecretId=arn)["SecretString"]
    stamp = stack.rotate_secret(aws, arn, ["contest-prod-QuizFunction", "contest-prod-SubmitFunction"])
    # Then the secret is a new 64-character random value each time
    second = secrets.get_secret_value(SecretId=arn)["SecretString"]
    assert len(first) == len(second) == 64 and first != second and first.isalnum()
    # And each function's configuration changed (new sandboxes), its description kept, the mark not repeated
    lam = aws.client("lambda")  # type: ignore[attr-defined]
    for name in ("contest-prod-QuizFunction", "contest-prod-SubmitFunction"):
        description = lam.get_function_configuration(FunctionName=name)["Description"]
        assert description == f"Starts an attempt [secret rotated {stamp}]"


def test_rotating_both_secrets_never_refuses_what_cloudfront_sends(aws: object) -> None:
    # Given the stack's two secrets, a function, and a distribution whose API origin carries the origin header
    secrets = aws.client("secretsmanager")  # type: ignore[attr-defined]
    signing = secrets.create_secret(Name="contest-prod/signing-secret", SecretString="old-" + "x" * 60)["ARN"]
    old_origin = "o" * 48
    origin = secrets.create_secret(Name="contest-prod/origin-secret", SecretString=json.dumps({"current": old_origin}))[
        "ARN"
    ]
    make_function(aws, "contest-prod-QuizFunction")
    cloudfront = aws.client("cloudfront")  # type: ignore[attr-defined]
    api = {
        "Id": "api",
        "DomainName": "abc.execute-api.ap-southeast-1.amazonaws.com",
        "CustomOriginConfig": {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "https-only",
        },
        "CustomHeaders": {
            "Quantity": 1,
            "Items": [{"HeaderName": "X-Contest-Origin", "HeaderValue": old_origin}],
        },
    }
    site = {
        "Id": "site",
        "DomainName": f"{BUCKET}.s3.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    dist = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "rotation", "Comment": "test", "Enabled": True,
        "Origins": {"Quantity": 2, "Items": [site, api]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    })["Distribution"]["Id"]  # fmt: skip
    out = {"SigningSecretArn": signing, "OriginSecretArn": origin, "DistributionId": dist}

    # When step 1 runs, the functions accept the old value (what CloudFront still sends) and the new one
    new_origin = stack.begin_origin_rotation(aws, origin)
    during = json.loads(secrets.get_secret_value(SecretId=origin)["SecretString"])
    assert during == {"current": new_origin, "previous": old_origin} and len(new_origin) == 48

    # And the whole rotation, from the start again
    secrets.put_secret_value(SecretId=origin, SecretString=json.dumps({"current": old_origin}))
    stack.rotate_secrets(aws, out, ["contest-prod-QuizFunction"], wait=False)

    # Then CloudFront sends the new value, the secret accepts only it, and the signing secret changed too
    after = json.loads(secrets.get_secret_value(SecretId=origin)["SecretString"])
    assert set(after) == {"current"} and after["current"] != old_origin
    config = cloudfront.get_distribution_config(Id=dist)["DistributionConfig"]
    sent = {o["Id"]: o.get("CustomHeaders", {}).get("Items", []) for o in config["Origins"]["Items"]}
    assert sent["api"] == [{"HeaderName": "X-Contest-Origin", "HeaderValue": after["current"]}]
    assert sent["site"] == []
    assert secrets.get_secret_value(SecretId=signing)["SecretString"] != "old-" + "x" * 60
    description = aws.client("lambda").get_function_configuration(  # type: ignore[attr-defined]
        FunctionName="contest-prod-QuizFunction"
    )["Description"]
    assert "[secret rotated " in description
