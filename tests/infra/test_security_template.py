"""The template's share of the hostile-public defences: the API only through CloudFront, the close without the
signing secret, a CSP with script hashes (checked against a fresh site build), Permissions-Policy, the TLS
minimum in every configuration, reserved concurrency for the close."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from template_checks import ROOT

from contest.rules.perimeter import ORIGIN_HEADER

HTTP_FUNCTIONS = ("RegisterFunction", "AccountFunction", "InfoFunction", "QuizFunction", "SubmitFunction")
HTTP_ROLES = {"RegisterRole", "AccountRole", "InfoRole", "QuizRole", "SubmitRole"}


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def role_statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = template["Resources"][role]["Properties"].get("Policies", [])
    return [st for p in policies for st in p["PolicyDocument"]["Statement"]]


def refs(value: Any) -> set[str]:
    """Every logical id referenced (Ref, GetAtt, ${X} in Sub) anywhere inside value."""
    text = json.dumps(value)
    found = set(re.findall(r'"Ref": "(\w+)"', text)) | set(re.findall(r'"Fn::GetAtt": \["(\w+)"', text))
    return found | set(re.findall(r"\$\{(\w+)[.}]", text))


def security_headers(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]


def script_src(template: dict[str, Any]) -> list[str]:
    csp = security_headers(template)["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = {d.split()[0]: d.split()[1:] for d in (x.strip() for x in csp.split(";")) if d}
    return directives["script-src"]


# ------------------------------------------------------------------------------------- item 6: the perimeter


def test_cloudfront_adds_the_origin_secret_header_to_every_api_request(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    api_origins = [o for o in config["Origins"] if o["Id"] != "site"]
    assert len(api_origins) == 5  # one function URL per HTTP function
    for api in api_origins:
        headers = {h["HeaderName"].lower(): h["HeaderValue"] for h in api["OriginCustomHeaders"]}
        value = json.dumps(headers[ORIGIN_HEADER])
        # the value is resolved from the generated secret at deploy time, never written in the template
        assert "{{resolve:secretsmanager:${OriginSecret}:SecretString:current}}" in value
    secret = template["Resources"]["OriginSecret"]["Properties"]
    assert "SecretString" not in secret
    assert secret["GenerateSecretString"]["GenerateStringKey"] == "current"
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32
    # the site origin (S3) gets no such header: it is not the API's secret to hand around
    site = next(o for o in config["Origins"] if o["Id"] == "site")
    assert "OriginCustomHeaders" not in site


def test_only_the_http_functions_get_and_may_read_the_origin_secret(template: dict[str, Any]) -> None:
    functions = resources(template, "AWS::Serverless::Function")
    for name, function in functions.items():
        env = function["Properties"].get("Environment", {}).get("Variables", {})
        if name in HTTP_FUNCTIONS:
            assert env["CONTEST_ORIGIN_SECRET_ARN"] == {"Ref": "OriginSecret"}, name
        else:
            assert "CONTEST_ORIGIN_SECRET_ARN" not in env, name
        assert "CONTEST_ORIGIN_SECRET" not in env, name  # the value itself never
    assert "CONTEST_ORIGIN_SECRET_ARN" not in template["Globals"]["Function"]["Environment"]["Variables"]
    readers = {
        role
        for role in resources(template, "AWS::IAM::Role")
        for st in role_statements(template, role)
        if st["Effect"] == "Allow" and "OriginSecret" in refs(st.get("Resource"))
    }
    assert readers == HTTP_ROLES


# ------------------------------------------------------------------------------------- item 9: the rest


def test_the_info_function_is_given_no_signing_secret_and_cannot_read_it(template: dict[str, Any]) -> None:
    # functions/info answers the same public facts to everybody: it signs and verifies nothing
    env = template["Resources"]["InfoFunction"]["Properties"]["Environment"]["Variables"]
    assert "CONTEST_SIGNING_SECRET_ARN" not in env
    assert env["CONTEST_ORIGIN_SECRET_ARN"] == {"Ref": "OriginSecret"}
    for st in role_statements(template, "InfoRole"):
        assert "SigningSecret" not in refs(st.get("Resource")), st


def test_the_close_role_cannot_read_the_signing_secret_nor_any_secret(template: dict[str, Any]) -> None:
    # docs/architecture.md: "close_week builds its own smaller runtime: no secret, no sender — its role cannot
    # read the secret"
    for st in role_statements(template, "CloseWeekRole"):
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        assert not any(a.lower().startswith(("secretsmanager:", "ssm:get", "kms:decrypt")) for a in actions), st
        assert not {"SigningSecret", "OriginSecret"} & refs(st.get("Resource")), st
    close = template["Resources"]["CloseWeekFunction"]["Properties"]
    assert "CONTEST_SIGNING_SECRET_ARN" not in close.get("Environment", {}).get("Variables", {})
    assert "CONTEST_SIGNING_SECRET_ARN" not in template["Globals"]["Function"]["Environment"]["Variables"]
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "cannot\nread the secret" in architecture or "cannot read the secret" in architecture


def test_the_close_runtime_starts_without_any_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from contest.adapters.config import Settings
    from contest.close.runtime import build_close_runtime

    # Given close_week's environment: no signing secret, no origin secret (its role may read neither)
    env = {
        "AWS_REGION": "ap-southeast-1",
        "CONTEST_TABLE": "t",
        "CONTEST_SMS_SENDER": "sns",
        "CONTEST_PUBLISH_DIR": str(tmp_path / "public"),
        "CONTEST_PRIVATE_DIR": str(tmp_path / "private"),
    }
    for name in ("CONTEST_SIGNING_SECRET", "CONTEST_SIGNING_SECRET_ARN", "CONTEST_SIGNING_SECRET_PARAM",
                 "CONTEST_ORIGIN_SECRET", "CONTEST_ORIGIN_SECRET_ARN", "CONTEST_CLOCK"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # When its settings are read and its runtime is built, as at its cold start
    settings = Settings.from_env(kind="close")
    runtime = build_close_runtime(settings)
    # Then it starts, holding no secret at all
    assert settings.signing_secret is None and settings.signing_secret_ref is None
    assert settings.origin_secret is None and settings.origin_secret_ref is None
    assert not hasattr(runtime, "secret") and not hasattr(runtime, "origin")


def test_script_src_has_no_unsafe_inline_nor_eval(template: dict[str, Any]) -> None:
    sources = script_src(template)
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources and "'unsafe-hashes'" not in sources
    assert "'self'" in sources
    assert all(s == "'self'" or re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", s) for s in sources), sources


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from contest.organisers.sitebuild import build

    out = tmp_path_factory.mktemp("csp") / "site"
    build(ROOT, out)
    return out


def test_the_csp_hashes_are_exactly_the_inline_scripts_of_the_built_site(
    template: dict[str, Any], built_site: Path
) -> None:
    from contest.organisers.sitebuild import CSP_HASHES_FILE, inline_script_hashes

    hashes, handlers = inline_script_hashes(built_site)
    assert hashes, "the theme has inline scripts; finding none means the scan is broken"
    assert handlers == [], "inline event handlers / javascript: URLs cannot be allowed by a hash"
    in_template = sorted(s.strip("'") for s in script_src(template) if s != "'self'")
    # A theme upgrade or a new page depth changes them: copy build/csp-script-hashes.txt into the template.
    assert in_template == hashes, f"update script-src in infra/template.yaml with {built_site.parent / CSP_HASHES_FILE}"
    # and the build emitted the same list for whoever updates the template
    emitted = (built_site.parent / CSP_HASHES_FILE).read_text(encoding="utf-8").split()
    assert [e.strip("'") for e in emitted] == hashes


def test_the_hash_scan_sees_what_a_browser_would_run(tmp_path: Path) -> None:
    from contest.organisers.sitebuild import inline_script_hashes

    (tmp_path / "a.html").write_text(
        '<script>alert(1)</script><script src="x.js"></script><script type="application/json">{"a":1}</script>'
        '<script type="module">go()</script><a href="javascript:void(0)" onclick="x()">x</a>',
        encoding="utf-8",
    )
    hashes, handlers = inline_script_hashes(tmp_path)
    # base64(sha256(b"alert(1)")) and of b"go()", computed independently
    assert hashes == sorted(
        ["sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=", "sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw="]
    )  # the JSON data block and the external script are not inline code
    assert len(handlers) == 2


def test_permissions_policy_denies_every_device_feature(template: dict[str, Any]) -> None:
    items = security_headers(template)["CustomHeadersConfig"]["Items"]
    policy = next(i for i in items if i["Header"].lower() == "permissions-policy")
    assert policy["Override"] is True
    features = dict(f.strip().split("=", 1) for f in policy["Value"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature


def test_the_tls_minimum_is_set_in_every_configuration(template: dict[str, Any]) -> None:
    certificate = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["ViewerCertificate"]
    condition, with_domain, without_domain = certificate["Fn::If"]
    assert condition == "HasDomain"
    for branch in (with_domain, without_domain):
        assert branch["MinimumProtocolVersion"] == "TLSv1.2_2021", branch
    for api in template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"]:
        if api["Id"] != "site":
            assert api["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    security = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert "TLSv1.2_2021" in security and "cloudfront.net" in security  # what applies with the default certificate


def test_the_close_has_reserved_concurrency(template: dict[str, Any]) -> None:
    close = template["Resources"]["CloseWeekFunction"]["Properties"]
    assert close["ReservedConcurrentExecutions"] == 1


def test_no_api_endpoint_answers_an_unsigned_caller(template: dict[str, Any], transformed: dict[str, Any]) -> None:
    # the execute-api endpoint (and its optional custom domain) is gone with the HTTP API; what replaced it, the
    # function URLs, take only SigV4-signed requests (CloudFront's origin access control): tests/infra/test_template.py
    assert "HasApiDomain" not in template["Conditions"]
    assert not [k for k, v in transformed["Resources"].items() if v["Type"].startswith("AWS::ApiGatewayV2")]
    urls = [v for v in transformed["Resources"].values() if v["Type"] == "AWS::Lambda::Url"]
    assert urls and all(u["Properties"]["AuthType"] == "AWS_IAM" for u in urls)
