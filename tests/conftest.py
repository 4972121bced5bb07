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
