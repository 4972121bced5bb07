"""Benchmark: the close's read path, DynamoDB Query pages -> compact standings.

Pages are the wire JSON DynamoDB returns for the close's Query (the projected standing attributes, about
1 MB a page), generated page by page so they never all sit in memory. Per page, CPU time of:

  floor      json.loads(page)                                    (the floor the brief sets)
  raw        json.loads + contest.store.mapping.standing_rows    (what StandingsReader does)
  botocore   botocore's JSON parser for dynamodb Query           (what boto3 / PynamoDB pay first)
  pynamodb   botocore + StandingItem.from_raw_data + StandingRecord (QuizStore.iter_standings)

botocore and pynamodb are measured on every 10th page and scaled to the full count (said in the output).

`--end-to-end` then runs the whole close in one process the way a Lambda would, pages -> raw parse ->
rank -> canonical standings + SHA-256 -> public JSON -> organisers' CSV, and reports CPU time and peak RSS;
the XLSX is timed on 100,000 rows and scaled (openpyxl is linear in rows).

Usage: python benchmarks/read_path.py [--n 1000000] [--end-to-end]; writes build/bench/read_path.json.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from close_week import _bank, _contest, synthetic_rows  # noqa: E402

ITEMS_PER_PAGE = 3000  # ≈ 1 MB of projected standing attributes


def wire_item(row: tuple) -> dict:
    a, s, d, p, u, name, phone, att, n, recv = row
    return {
        "account_id": {"S": a},
        "score": {"N": str(s)},
        "duration_ms": {"N": str(d)},
        "prediction": {"N": str(p)},
        "unit_id": {"S": u},
        "full_name": {"S": name},
        "phone_masked": {"S": phone},
        "attempt_id": {"S": att},
        "attempts": {"N": str(n)},
        "received_at_ms": {"N": str(recv)},
    }


def pages(n: int):
    rows = synthetic_rows(n)
    done = 0
    while done < n:
        k = min(ITEMS_PER_PAGE, n - done)
        items = [wire_item(next(rows)) for _ in range(k)]
        done += k
        body = {"Items": items, "Count": k, "ScannedCount": k}
        if done < n:
            body["LastEvaluatedKey"] = {
                "pk": {"S": "WEEK#01#S#00"},
                "sk": {"S": items[-1]["account_id"]["S"]},
            }
        yield json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def measure(n: int, sample_every: int = 10) -> dict:
    import botocore.session
    from botocore.parsers import create_parser

    from contest.store.mapping import standing_from_item, standing_rows
    from contest.store.tables import StandingItem

    model = botocore.session.get_session().get_service_model("dynamodb")
    shape = model.operation_model("Query").output_shape
    parser = create_parser("json")
    cpu = {"floor": 0.0, "raw": 0.0, "botocore": 0.0, "pynamodb": 0.0}
    sampled_items = 0
    total_bytes = 0
    count = 0
    for i, page in enumerate(pages(n)):
        total_bytes += len(page)
        t = time.process_time()
        json.loads(page)
        cpu["floor"] += time.process_time() - t
        t = time.process_time()
        rows = standing_rows(json.loads(page)["Items"])
        cpu["raw"] += time.process_time() - t
        count += len(rows)
        if i % sample_every == 0:
            t = time.process_time()
            parsed = parser.parse({"body": page, "headers": {}, "status_code": 200}, shape)
            cpu["botocore"] += time.process_time() - t
            t = time.process_time()
            for item in parsed["Items"]:
                standing_from_item(StandingItem.from_raw_data(item))
            cpu["pynamodb"] += time.process_time() - t
            sampled_items += len(rows)
    scale = count / sampled_items
    cpu["botocore"] *= scale
    cpu["pynamodb"] = cpu["pynamodb"] * scale + cpu["botocore"]  # models come on top of botocore's parsing
    return {
        "items": count,
        "megabytes": round(total_bytes / 1e6, 1),
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "records_per_second": {k: int(count / v) if v else None for k, v in cpu.items()},
        "raw_over_floor": round(cpu["raw"] / cpu["floor"], 2),
        "sampled": (f"botocore and pynamodb measured on every {sample_every}th page ({sampled_items} items), scaled"),
    }


def end_to_end(n: int) -> dict:
    import json as _json

    import yaml

    from contest.close.reports import week_workbook, write_standings_csv
    from contest.rules.model import Unit
    from contest.rules.publication import canonical_json, week_public, week_review, write_canonical_standings
    from contest.rules.ranking import RankingRules, aggregate_units, rank_week
    from contest.store.mapping import standing_rows

    data = yaml.safe_load((ROOT / "content" / "units.yaml").read_text(encoding="utf-8"))
    units = [Unit(u["id"], u["name"], u["group"], u.get("headcount")) for u in data["units"]]
    contest = _contest()

    def stream():
        for page in pages(n):
            yield from standing_rows(_json.loads(page)["Items"])

    # generating the synthetic pages is not part of the close: measured apart, subtracted
    g0 = time.process_time()
    for _ in pages(n):
        pass
    gen = time.process_time() - g0
    c0 = time.process_time()
    ranking = rank_week(stream(), RankingRules.from_contest(contest))
    unit_rows = aggregate_units(ranking, units)
    canonical = io.BytesIO()
    sha = write_canonical_standings(ranking, canonical)
    public = canonical_json(week_public(contest, contest.weeks[0], ranking, unit_rows, _bank(), sha, units))
    csv_out = io.BytesIO()
    write_standings_csv(ranking, units, csv_out)
    review = week_review(contest, ranking, units)
    close_cpu = time.process_time() - c0 - gen
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # XLSX: 100k rows, scaled
    from datetime import datetime

    small = rank_week(synthetic_rows(100_000), RankingRules.from_contest(contest))
    t = time.process_time()
    book = week_workbook(
        small,
        aggregate_units(small, units),
        units,
        week_review(contest, small, units),
        datetime(2023, 10, 22, 13),
    )
    xlsx_cpu_100k = time.process_time() - t
    return {
        "items": len(ranking),
        "close_cpu_seconds_without_xlsx": round(close_cpu, 2),
        "page_generation_cpu_subtracted": round(gen, 2),
        "peak_rss_mb": round(peak, 1),
        "public_bytes": len(public),
        "canonical_bytes": canonical.getbuffer().nbytes,
        "csv_bytes": csv_out.getbuffer().nbytes,
        "review_flags": len(review["flags"]),
        "xlsx_cpu_seconds_100k_rows": round(xlsx_cpu_100k, 2),
        "xlsx_bytes_100k_rows": len(book),
        "xlsx_cpu_seconds_scaled_to_n": round(xlsx_cpu_100k * n / 100_000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--end-to-end", action="store_true")
    args = parser.parse_args()
    result = {"read_path": measure(args.n)}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.end_to_end:
        result["end_to_end"] = end_to_end(args.n)
        print(json.dumps(result["end_to_end"], ensure_ascii=False), flush=True)
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    name = "read_path_e2e.json" if args.end_to_end else "read_path.json"
    (out / name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
