"""Offline checks of infra/template.yaml: cfn-lint, the SAM transform, cfn-lint on the transformed template.

cfn-lint alone misses SAM mistakes (a misspelled !Ref inside a policy, an invalid event type), so the template is
also transformed with samtranslator's Python API — what CloudFormation's AWS::Serverless transform runs — with a
policy loader that makes no AWS call, and the resulting plain CloudFormation is linted again.

Used by tests/infra and by `make check-template` (`python infra/template_checks.py`). No network, no AWS account.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

INFRA = Path(__file__).resolve().parent
ROOT = INFRA.parent
TEMPLATE = INFRA / "template.yaml"
WAF_TEMPLATE = INFRA / "waf.yaml"
FUNCTIONS = ROOT / "functions"
REGION = "ap-southeast-1"
FAKE_ACCOUNT = "123456789012"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns the short intrinsic tags (!Ref, !Sub, !GetAtt ...) into their long form."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as a plain dict, intrinsics in long form ({"Ref": ...}, {"Fn::Sub": ...})."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass


def lint(path: Path | None = None, text: str | None = None) -> list[str]:
    """cfn-lint's findings (errors and warnings) as readable lines; empty when the template is clean."""
    from cfnlint.api import lint as cfn_lint

    source = text if text is not None else (path or TEMPLATE).read_text(encoding="utf-8")
    return [str(match) for match in cfn_lint(source, regions=[REGION])]


def api_behaviours(template: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(path pattern, function logical id) of every CloudFront cache behaviour that targets a function URL origin,
    in CloudFront's order (the first pattern that matches a request wins)."""
    template = template if template is not None else load()
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    origin_function: dict[str, str] = {}
    for origin in config["Origins"]:
        domain = json.dumps(origin["DomainName"])
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == "AWS::Serverless::Function" and f'"{logical_id}Url"' in domain:
                origin_function[origin["Id"]] = logical_id
    return [
        (behaviour["PathPattern"], origin_function[behaviour["TargetOriginId"]])
        for behaviour in config.get("CacheBehaviors", [])
        if behaviour["TargetOriginId"] in origin_function
    ]


def path_matches(pattern: str, path: str) -> bool:
    """CloudFront's path pattern: `*` any characters (slashes included), `?` exactly one, case-sensitive."""
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, path) is not None


def function_serving(path: str, template: dict[str, Any] | None = None) -> str | None:
    """The function logical id CloudFront sends a request for `path` to (None: not an API path)."""
    return next((function for pattern, function in api_behaviours(template) if path_matches(pattern, path)), None)


class _NoCallPolicyLoader:
    """The transform asks for managed policy names only when a template uses some; this one has none."""

    def load(self) -> dict[str, str]:
        return {}


def _as_packaged(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` would hand CloudFormation: local code paths replaced by S3 locations."""
    packaged = copy.deepcopy(template)
    for logical_id, resource in packaged.get("Resources", {}).items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://contest-artifacts-{FAKE_ACCOUNT}/{logical_id}.zip"
    return packaged


def transform(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plain CloudFormation produced by the SAM transform (samtranslator's Python API, offline)."""
    from samtranslator.translator.transform import transform as sam_transform

    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    source = _as_packaged(template if template is not None else load())
    parameters = {name: spec.get("Default") for name, spec in source.get("Parameters", {}).items()}
    parameters.update({"AWS::Region": REGION, "AWS::AccountId": FAKE_ACCOUNT, "AWS::Partition": "aws"})
    return sam_transform(source, parameters, _NoCallPolicyLoader())


# What a handler module needs in its environment to import (no AWS call happens at import with a local
# secret).
IMPORT_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "CONTEST_TABLE": "contest-infra-test",
    "CONTEST_SIGNING_SECRET": "infra-test-signing-secret-0123456789abcdef",
    "CONTEST_ORIGIN_SECRET": "infra-test-origin-secret-0123456789abcdef",
    "CONTEST_SMS_SENDER": "outbox",
    "CONTEST_PUBLIC_BUCKET": "contest-infra-test-public",
    "CONTEST_PRIVATE_BUCKET": "contest-infra-test-private",
    "POWERTOOLS_SERVICE_NAME": "contest-infra-test",
}


# Run in a fresh interpreter per handler: importing a handler builds its runtime (configures the PynamoDB
# models,
# reads the environment), which must not leak into the rest of the test session. Prints one JSON line.
_PROBE = r"""
import importlib.metadata, importlib.util, json, sys
before = set(sys.modules)
spec = importlib.util.spec_from_file_location(sys.argv[2], sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
app = getattr(module, "app", None)
routes = None
if app is not None and hasattr(app, "_static_routes"):
    # Powertools keeps every registered route in these two lists (ApiGatewayResolver.route, api_gateway.py);
    # strip_prefixes are cut from the request path before matching, so the template route carries them.
    prefixes = [p for p in (getattr(app, "_strip_prefixes", None) or []) if isinstance(p, str)] or [""]
    routes = sorted(
        [route.method.upper(), prefix.rstrip("/") + route.path.replace("<", "{").replace(">", "}")]
        for route in [*app._static_routes, *app._dynamic_routes]
        for prefix in prefixes
    )
top = {name.split(".")[0] for name in set(sys.modules) - before}
owners = importlib.metadata.packages_distributions()
dists = sorted({d for name in top if name not in sys.stdlib_module_names for d in owners.get(name, [])})
print(json.dumps({"routes": routes, "handler": callable(getattr(module, "lambda_handler", None)),
                  "dists": dists}))
"""


def start_handler_probes(tmp: Path) -> dict[str, subprocess.Popen[str]]:
    """Import every functions/*/app.py, each in a fresh interpreter, all at once; collect with
    `collect_handler_probes`. Per folder it reports the resolver's routes (None for a function without a
    resolver), whether lambda_handler exists, and the installed distributions the import loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONTEST_", "POWERTOOLS_"))}
    env.update(IMPORT_ENV)
    env["CONTEST_OUTBOX"] = str(tmp / "outbox.jsonl")
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # an AWS call at import time fails at once, reaching nothing
    running = {}
    for folder in function_folders():
        app = FUNCTIONS / folder / "app.py"
        if app.exists():
            running[folder] = subprocess.Popen(  # noqa: S603 - our own argument list
                [sys.executable, "-c", _PROBE, str(app), f"_infra_handler_{folder}"],
                env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
    return running


def collect_handler_probes(running: dict[str, subprocess.Popen[str]]) -> dict[str, dict[str, Any]]:
    found = {}
    for folder, process in running.items():
        out, err = process.communicate(timeout=120)
        if process.returncode != 0:
            raise AssertionError(f"functions/{folder}/app.py does not import:\n{err[-3000:]}")
        found[folder] = json.loads(out.strip().splitlines()[-1])
    return found


def function_folders() -> list[str]:
    return sorted(p.name for p in FUNCTIONS.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


STEP_SAM_LINT = "cfn-lint infra/template.yaml"
STEP_WAF_LINT = "cfn-lint infra/waf.yaml"
STEP_TRANSFORM = "SAM transform (samtranslator)"
STEP_CFN_LINT = "cfn-lint on the transformed template"


def run_steps() -> tuple[dict[str, list[str]], int | None]:
    """Every step's findings (empty list = clean) and the transformed template's resource count."""
    steps: dict[str, list[str]] = {STEP_SAM_LINT: lint(TEMPLATE), STEP_WAF_LINT: lint(WAF_TEMPLATE)}
    try:
        transformed = transform()
    except Exception as exc:  # samtranslator raises InvalidDocumentException with the causes inside
        steps[STEP_TRANSFORM] = [str(c) for c in (getattr(exc, "causes", None) or [exc])]
        return steps, None
    steps[STEP_TRANSFORM] = []
    steps[STEP_CFN_LINT] = lint(text=json.dumps(transformed))
    return steps, len(transformed["Resources"])


def run(as_json: bool = False) -> int:
    """`make check-template`: a line per step (or one JSON document), non-zero exit when a step fails."""
    steps, resources = run_steps()
    failed = any(steps.values())
    if as_json:
        sys.stdout.write(json.dumps({"steps": steps, "resources": resources}) + "\n")
        return 1 if failed else 0
    for name, problems in steps.items():
        suffix = f" ({resources} resources)" if name == STEP_CFN_LINT else ""
        sys.stdout.write(f"{'FAIL' if problems else 'ok  '} {name}{suffix}\n")
        for problem in problems:
            sys.stdout.write(f"     {problem}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run(as_json="--json" in sys.argv[1:]))
