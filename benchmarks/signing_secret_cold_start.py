"""Cold-start cost of fetching the signing secret: Powertools parameters (boto3) vs a plain botocore client.

Each variant runs in a fresh interpreter, after what every HTTP function has already paid for at that point
(botocore session + DynamoDB client, as PynamoDB creates it), so the figure is what the secret adds to a cold
start. Nothing is sent over the network: the clients are created and the request is built and signed, then stopped
before sending, by a botocore event hook (no AWS account is needed).

    .venv/bin/python benchmarks/signing_secret_cold_start.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys

PRELUDE = """
import os, time
os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="ap-southeast-1")
import botocore.session
session = botocore.session.get_session()
session.create_client("dynamodb")
class Stop(Exception):
    pass
def stop(**_):
    raise Stop
t0 = time.perf_counter()
"""

VARIANTS = {
    "botocore client": """
client = botocore.session.get_session().create_client("secretsmanager")
client.meta.events.register("before-send", stop)
try:
    client.get_secret_value(SecretId="contest/signing-secret")
except Stop:
    pass
""",
    "botocore, shared session": """
client = session.create_client("secretsmanager")
client.meta.events.register("before-send", stop)
try:
    client.get_secret_value(SecretId="contest/signing-secret")
except Stop:
    pass
""",
    "both secrets, one client": """
# what the HTTP functions do since the origin secret (contest.rules.perimeter): the signing secret and the origin
# secret read with the same client on the shared session; on AWS the second read adds one round trip
client = session.create_client("secretsmanager")
client.meta.events.register("before-send", stop)
for secret_id in ("contest/signing-secret", "contest/origin-secret"):
    try:
        client.get_secret_value(SecretId=secret_id)
    except Stop:
        pass
""",
    "powertools get_secret": """
from aws_lambda_powertools.utilities import parameters
import boto3
client = boto3.client("secretsmanager")
client.meta.events.register("before-send", stop)
try:
    parameters.SecretsProvider(boto3_client=client).get("contest/signing-secret")
except parameters.exceptions.GetParameterError as exc:  # Powertools wraps the stop
    assert isinstance(exc.__context__, Stop), exc
""",
}

EPILOGUE = """
print((time.perf_counter() - t0) * 1000)
"""


def measure(body: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", PRELUDE + body + EPILOGUE], capture_output=True, text=True, check=True
        )
        out.append(float(result.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    for name, body in VARIANTS.items():
        samples = measure(body, runs)
        print(f"{name:24s} median {statistics.median(samples):6.1f} ms  (min {min(samples):.1f}, {runs} runs)")


if __name__ == "__main__":
    main()
