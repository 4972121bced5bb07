"""How long the organisers' progress report (`contest report`) takes, and what limits it.

Two measurements of `contest.organisers.progress.read_progress`, the function the command runs:

1. a faked repository (the standings already in memory as the compact tuples the real read path yields):
   the report's own cost — one pass counting per unit — for 10,000 / 100,000 / 1,000,000 standings;
2. moto in-process (the local stack's backend): the same function on the real `contest.store.Store`,
   standings streamed from 16 shards exactly as the close reads them, registered counts from index gsi1.

Usage: python benchmarks/report.py [--moto 10000] [--fake 10000,100000,1000000]
Results are printed and written to build/bench/report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VN = timezone(timedelta(hours=7))
NOW = datetime(2023, 10, 20, 9, tzinfo=VN)


def rows(n: int, units: list[str]) -> list[tuple]:
    rnd = random.Random(n)
    return [
        (
            f"acc-{i:07d}",
            rnd.randrange(16),
            rnd.randrange(60_000, 1_800_000),
            rnd.randrange(10_000),
            units[i % len(units)],
            f"Người Dự Thi {i}",
            "091****678",
            f"att-{i}",
            rnd.randrange(1, 3),
            0,
        )
        for i in range(n)
    ]


@dataclass
class FakeRepository:
    compact: list[tuple]
    units: list[str]
    excluded: set[str] = field(default_factory=set)

    def registered_counts(self, unit_ids: Any) -> dict[str, int]:
        return {u: len(self.compact) // len(self.units) + 10 for u in unit_ids}

    def excluded_account_ids(self) -> set[str]:
        return self.excluded

    def week_decisions(self, week: int) -> Any:
        from contest.store.close import WeekDecisions

        return WeekDecisions([], [], None)

    def stream_standings(self, week: int) -> Any:
        return iter(self.compact)

    # read_progress reads three repositories of a Store: this fake plays all three
    @property
    def coordinators(self) -> FakeRepository:
        return self

    @property
    def close(self) -> FakeRepository:
        return self

    @property
    def standings(self) -> FakeRepository:
        return self


def fake(n: int) -> dict[str, float]:
    from tests.support import make_content

    from contest.organisers.progress import read_progress

    content = make_content()
    units = [u.id for u in content.units]
    repo = FakeRepository(rows(n, units), units, {f"acc-{i:07d}" for i in range(0, n, 997)})
    week = content.contest.weeks[0]
    read_progress(FakeRepository(rows(10, units), units), "warm-up", week, content.units, NOW)  # imports
    start = time.perf_counter()
    report = read_progress(repo, content.contest.name, week, content.units, NOW)
    elapsed = time.perf_counter() - start
    tracemalloc.start()  # separately: tracing slows every allocation down
    read_progress(repo, content.contest.name, week, content.units, NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.standings_read == n
    return {
        "standings": n,
        "seconds": round(elapsed, 3),
        "rows_per_second": round(n / elapsed),
        "peak_extra_mb": round(peak / 2**20, 2),
    }


def moto(n: int) -> dict[str, float]:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "ap-southeast-1",
            "AWS_REGION": "ap-southeast-1",
        }
    )
    from moto import mock_aws

    with mock_aws():
        from tests.support import make_content

        from contest.organisers.progress import read_progress
        from contest.store import Store, tables
        from contest.store.keys import PROFILE, account_pk, shard_of, standing_pk, unit_index_pk, unit_week_index_pk

        content = make_content()
        units = [u.id for u in content.units]
        tables.configure("bench-report", "ap-southeast-1")
        tables.create_table()
        client = tables.TableSchema._get_connection().connection.client
        seeded = time.perf_counter()
        batch: list[dict] = []

        def put(item: dict) -> None:
            batch.append({"PutRequest": {"Item": item}})
            if len(batch) == 25:
                flush()

        def flush() -> None:
            if batch:
                client.batch_write_item(RequestItems={"bench-report": list(batch)})
                batch.clear()

        for row in rows(n, units):
            account_id, score, duration, prediction, unit, name, phone, attempt, attempts, received = row
            put(
                {
                    "pk": {"S": account_pk(account_id)},
                    "sk": {"S": PROFILE},
                    "account_id": {"S": account_id},
                    "full_name": {"S": name},
                    "phone": {"S": "+84912345678"},
                    "unit_id": {"S": unit},
                    "verified": {"BOOL": True},
                    "excluded": {"BOOL": False},
                    "gsi1pk": {"S": unit_index_pk(unit)},
                    "gsi1sk": {"S": account_id},
                }
            )
            put(
                {
                    "pk": {"S": standing_pk(1, shard_of(account_id))},
                    "sk": {"S": account_id},
                    "account_id": {"S": account_id},
                    "score": {"N": str(score)},
                    "duration_ms": {"N": str(duration)},
                    "prediction": {"N": str(prediction)},
                    "unit_id": {"S": unit},
                    "full_name": {"S": name},
                    "phone_masked": {"S": phone},
                    "attempt_id": {"S": attempt},
                    "attempts": {"N": str(attempts)},
                    "received_at_ms": {"N": str(received)},
                    "gsi1pk": {"S": unit_week_index_pk(1, unit)},
                    "gsi1sk": {"S": account_id},
                }
            )
        flush()
        seeded = time.perf_counter() - seeded
        repo = Store()
        phases: dict[str, float] = {}
        start = time.perf_counter()
        marks = {"start": start}

        def registered(_: int) -> None:
            marks["registered"] = time.perf_counter()

        report = read_progress(
            repo, content.contest.name, content.contest.weeks[0], content.units, NOW, on_registered=registered
        )
        total = time.perf_counter() - start
        phases["registered_counts_s"] = round(marks["registered"] - start, 2)
        phases["standings_s"] = round(total - phases["registered_counts_s"], 2)
        assert report.standings_read == n and report.totals.registered == n
        return {
            "standings": n,
            "accounts": n,
            "seconds": round(total, 2),
            **phases,
            "standings_per_second": round(n / phases["standings_s"]),
            "seed_seconds": round(seeded, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moto", default="10000", help="standings on moto, comma-separated ('' to skip)")
    parser.add_argument("--fake", default="10000,100000,1000000")
    args = parser.parse_args()
    result: dict[str, Any] = {"fake": [], "moto": []}
    for n in [int(x) for x in args.fake.split(",") if x]:
        result["fake"].append(fake(n))
        print("fake", result["fake"][-1], flush=True)
    for n in [int(x) for x in args.moto.split(",") if x]:
        result["moto"].append(moto(n))
        print("moto", result["moto"][-1], flush=True)
    out = ROOT / "build" / "bench" / "report.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"Written to {out}")


if __name__ == "__main__":
    main()
