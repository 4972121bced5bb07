"""Test-wide setup: fake AWS credentials before anything builds a client, never a real endpoint."""

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_REGION": "ap-southeast-1",
        "NO_MKDOCS_2_WARNING": "1",
    }
)
for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "CONTEST_CLOCK"):
    os.environ.pop(name, None)


def pytest_collection_modifyitems(config, items):
    """`shipped_content` tests are about the shipped contest's own facts: skipped when CONTEST_TEST_CONTENT points
    the suite at another contest (tests/support.py)."""
    import pytest

    from tests.support import CONTENT, SHIPPED

    if SHIPPED:
        return
    skip = pytest.mark.skip(reason=f"about the shipped content/ (the suite runs against {CONTENT.name})")
    for item in items:
        if "shipped_content" in item.keywords:
            item.add_marker(skip)
