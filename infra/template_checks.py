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
import sys
from pathlib import Path
from typing import Any

import yaml

INFRA = Path(__file__).resolve().parent
ROOT = INFRA.parent
TEMPLATE = INFRA / "template.yaml"
WAF_TEMPLATE = INFRA / "waf.yaml"
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


class _NoCallPolicyLoader:
    """The transform asks for managed policy names only when a template uses them by name; this one has none."""

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


def run() -> int:
    """`make check-template`: every check, a line per step, non-zero exit on the first failing step."""
    steps: list[tuple[str, list[str]]] = []
    steps.append(("cfn-lint infra/template.yaml", lint(TEMPLATE)))
    if WAF_TEMPLATE.exists():
        steps.append(("cfn-lint infra/waf.yaml", lint(WAF_TEMPLATE)))
    try:
        transformed = transform()
    except Exception as exc:  # samtranslator raises InvalidDocumentException with the causes inside
        causes = getattr(exc, "causes", None) or [exc]
        steps.append(("SAM transform (samtranslator)", [str(c) for c in causes]))
    else:
        steps.append(("SAM transform (samtranslator)", []))
        steps.append(("cfn-lint on the transformed template", lint(text=json.dumps(transformed))))
        steps[-1] = (f"{steps[-1][0]} ({len(transformed['Resources'])} resources)", steps[-1][1])
    failed = False
    for name, problems in steps:
        sys.stdout.write(f"{'FAIL' if problems else 'ok  '} {name}\n")
        for problem in problems:
            sys.stdout.write(f"     {problem}\n")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run())
