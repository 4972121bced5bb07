"""Cold start of each request handler vs. the floor, and DynamoDB calls per step of the flow.

1. Cold start: a fresh interpreter imports the handler module (its module-scope composition root)
   and creates the DynamoDB client it will use, exactly what Lambda's init phase does. The `contest`
   package is byte-compiled first, as infra/build_layers.py ships it (with PYTHONDONTWRITEBYTECODE set, as
   on the machines we develop on, every child would otherwise compile it from source, a cost Lambda never
   pays). The floor, measured in the same run and interleaved with the handlers, is a botocore session
   plus create_client('dynamodb'). Median wall time of N runs and the peak RSS of the child.
2. DynamoDB calls per step: the real handlers on moto (in-process), counting requests sent by the
   shared client; measured on an empty table and again after 200 contestants took part, to show the
   counts are fixed, not growing with data.

Usage: python benchmarks/cold_start.py [--runs 15] [--cold-only]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "CONTEST_TABLE": "bench",
    "CONTEST_SMS_SENDER": "sns",
    "CONTEST_SIGNING_SECRET": "b" * 48,
    "CONTEST_RECEIPT_KEY": "r" * 48,
    "CONTEST_ORIGIN_SECRET": "o" * 48,
    "POWERTOOLS_SERVICE_NAME": "contest",
}
FLOOR = "import botocore.session as s; s.get_session().create_client('dynamodb', region_name='ap-southeast-1')"
HANDLER = (
    "import importlib.util, sys; sys.path.insert(0, {src!r}); "
    "spec = importlib.util.spec_from_file_location('app', {path!r}); "
    "m = importlib.util.module_from_spec(spec); "
    "spec.loader.exec_module(m); "
    "from contest.store.tables import TableSchema; TableSchema._get_connection().connection.client"
)
HEAVY = ("boto3", "s3transfer", "aws_xray_sdk", "pydantic", "cryptography", "numpy", "openpyxl", "yaml")


def run_child(code: str) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONTEST_"))} | ENV
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"child failed: {code}")
    return elapsed, usage.ru_maxrss // 1024


def heavy_modules(path: Path) -> list[str]:
    code = (
        HANDLER.format(src=str(ROOT / "src"), path=str(path))
        + f"; print(','.join(sorted(n for n in {HEAVY!r} if n in sys.modules)))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONTEST_"))} | ENV
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return [m for m in out.strip().split(",") if m]


def cold_starts(runs: int) -> dict[str, dict[str, float]]:
    handlers = {
        p.parent.name: p for p in sorted((ROOT / "functions").glob("*/app.py")) if p.parent.name != "close_week"
    }
    compileall.compile_dir(ROOT / "src" / "contest", quiet=1)  # the layer ships .pyc files (build_layers.py)
    codes = {"floor": FLOOR} | {n: HANDLER.format(src=str(ROOT / "src"), path=str(p)) for n, p in handlers.items()}
    samples: dict[str, list[tuple[float, int]]] = {n: [] for n in codes}
    for code in codes.values():  # warm the disk cache once
        run_child(code)
    for _ in range(runs):  # interleaved, so machine noise hits every candidate alike
        for name, code in codes.items():
            samples[name].append(run_child(code))
    floor = statistics.median(t for t, _ in samples["floor"])
    floor_rss = statistics.median(r for _, r in samples["floor"])
    result = {}
    for name, values in samples.items():
        wall = statistics.median(t for t, _ in values)
        rss = statistics.median(r for _, r in values)
        result[name] = {
            "median_ms": round(wall * 1000, 1),
            "ratio": round(wall / floor, 2),
            "peak_rss_mb": rss,
            "rss_ratio": round(rss / floor_rss, 2),
            "heavy_modules": [] if name == "floor" else heavy_modules(handlers[name]),
        }
    return result


def dynamodb_calls() -> dict[str, dict[str, int]]:
    os.environ.update(
        ENV | {"CONTEST_SMS_SENDER": "outbox", "CONTEST_OUTBOX": str(ROOT / "build" / "bench" / "outbox.jsonl")}
    )
    sys.path.insert(0, str(ROOT))
    from moto import mock_aws

    with mock_aws():
        from collections import Counter

        from tests.support import ORIGIN_SECRET, PHONES, WEEK1_MID, Api, code_for, e164, make_content

        os.environ["CONTEST_ORIGIN_SECRET"] = ORIGIN_SECRET  # the origin header the test events carry

        from tests.fakes import FixedClock, MemorySender

        from contest.content.loader import bundle_of
        from contest.local.stack import load_function
        from contest.store import Store, tables

        tables.configure("bench", "ap-southeast-1")
        tables.create_table()
        Store().bundle.save_bundle(bundle_of(make_content()))
        clock, sender = FixedClock(WEEK1_MID), MemorySender()
        functions = {}
        for name in ("register", "account", "info", "quiz", "submit"):
            functions[name] = load_function(ROOT / "functions" / name / "app.py", name, clock=clock, sender=sender)
        api = Api(functions)
        calls: Counter[str] = Counter()
        # every DynamoDB call of every botocore client: PynamoDB's models and its transactions do not all share
        # one client, so an event hook on one client missed some (tests/integration/test_dynamodb_calls.py)
        from botocore.client import BaseClient

        original = BaseClient._make_api_call

        def counting(self, operation_name, api_params):  # type: ignore[no-untyped-def]
            if self.meta.service_model.service_name == "dynamodb":
                calls.update(["n"])
            return original(self, operation_name, api_params)

        BaseClient._make_api_call = counting  # type: ignore[method-assign]

        def journey(phone: str) -> dict[str, int]:
            steps: dict[str, int] = {}

            def step(name: str, fn):  # type: ignore[no-untyped-def]
                before = calls["n"]
                reply = fn()
                assert reply.status < 300, (name, reply.body)
                steps[name] = calls["n"] - before
                return reply

            step("register", lambda: api.register(phone, ip=f"198.51.100.{len(phone) + int(phone[-3:]) % 200}"))
            code = code_for(sender.sent, e164(phone))
            step("verify", lambda: api.post("/api/verify", {"phone": phone, "code": code}))
            token = step("login", lambda: api.login(phone)).body["token"]
            quiz = step("quiz start", lambda: api.post("/api/quiz", token=token)).body
            step("quiz resume", lambda: api.post("/api/quiz", token=token))
            clock.advance(1)
            body = {"token": quiz["token"], "answers": {}, "prediction": 1}
            step("submit", lambda: api.post("/api/submit", body, token=token))
            step("submit retry", lambda: api.post("/api/submit", body, token=token))
            step("me", lambda: api.get("/api/me", token=token))
            return steps

        def prime() -> None:  # the content bundle is read once a minute per container, not per request
            for module in functions.values():
                module.runtime.content.get()

        prime()
        first = journey(PHONES[0])
        for phone in PHONES[1:201]:
            journey(phone)
        prime()
        later = journey(PHONES[201])
    return {"empty table": first, "after 200 contestants": later}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cold-only", action="store_true", help="skip the DynamoDB-call count")
    args = parser.parse_args()
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    starts = cold_starts(args.runs)
    print(f"Cold start (median of {args.runs} interleaved runs; floor = botocore session + dynamodb client)")
    print(f"{'':12} {'wall ms':>8} {'× floor':>8} {'RSS MB':>7} {'× floor':>8}  heavy modules")
    for name, row in starts.items():
        heavy = ",".join(row["heavy_modules"]) or "-"
        print(
            f"{name:12} {row['median_ms']:8.1f} {row['ratio']:8.2f} "
            f"{row['peak_rss_mb']:7d} {row['rss_ratio']:8.2f}  {heavy}"
        )
    if args.cold_only:
        return
    counts = dynamodb_calls()
    print("\nDynamoDB requests per step (goal: quiz start ≤ 2, submit ≤ 3, register ≤ 3)")
    steps = list(counts["empty table"])
    print(f"{'step':14}" + "".join(f"{k:>24}" for k in counts))
    for step in steps:
        print(f"{step:14}" + "".join(f"{counts[k][step]:>24}" for k in counts))
    (out / "cold_start.json").write_text(json.dumps({"cold_start": starts, "dynamodb_calls": counts}, indent=2))
    print(f"\nWritten to {out / 'cold_start.json'}")


if __name__ == "__main__":
    main()
