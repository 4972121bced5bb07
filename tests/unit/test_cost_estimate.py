"""benchmarks/cost_estimate.py reads the published week the way contest.rules.publication writes it."""

from __future__ import annotations

from pathlib import Path

from benchmarks.cost_estimate import boundary_tie_members

from contest.rules.model import StandingRecord
from tests.unit.test_publication import PRIZES, publish


def record(i: int, score: int) -> StandingRecord:
    return StandingRecord(f"a{i:02d}", score, 40_000, 7, "u1", f"Tên {i}", "091****678", f"x{i}", 1, 0)


def test_members_of_a_tie_group_beyond_the_prize_slots_it_straddles_are_counted(tmp_path: Path):
    # Given 6 prizes (1 + 2 + 3), one clear winner, then 8 people tied on everything, then 3 lower scores
    records = [record(0, 15)] + [record(i, 14) for i in range(1, 9)] + [record(i, 10 - i) for i in range(9, 12)]
    _, _, _, public = publish(records)
    results = tmp_path / "week-1.json"
    results.write_bytes(public)
    # When the estimate reads the published week
    ties = boundary_tie_members(results)
    # Then the 8 tied contend for the 5 slots left: 3 more people than prizes get an award code
    assert sum(p.count for p in PRIZES) == 6
    assert ties == 3


def test_no_tie_at_a_boundary_counts_nobody(tmp_path: Path):
    records = [record(i, 15 - i) for i in range(10)]
    _, _, _, public = publish(records)
    results = tmp_path / "week-1.json"
    results.write_bytes(public)
    assert boundary_tie_members(results) == 0


def fake_site(root: Path) -> Path:
    """Two pages naming a content-hashed stylesheet (cached a year), the favicon (a month) and one script each of
    their own: the page's bundle (sitebuild.bundle_pages)."""
    head = (
        '<link rel="icon" href="{up}assets/images/favicon.svg">'
        '<link rel="stylesheet" href="{up}assets/css/contest.58a92f04c2.min.css">'
        '<script src="{up}assets/js/{page}.1f6003a5cf.min.js" type="module"></script>'
    )
    for page, folder, up in (("home", "", ""), ("results", "ket-qua/", "../")):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "index.html").write_text(f"<head>{head.format(up=up, page=page)}</head>", encoding="utf-8")
    return root


def test_static_requests_are_counted_from_the_pages_a_cold_cache_fetches_everything_once(tmp_path, monkeypatch):
    import benchmarks.cost_estimate as ce

    site = fake_site(tmp_path)
    monkeypatch.setitem(ce.PAGES_VISITED, "new at_award", ["", "ket-qua/"])
    # 2 pages + favicon + stylesheet + 2 page bundles + the results index results.js fetches (the latest week in it)
    assert ce.static_requests(site, "new at_award") == 2 + 2 + 2 + 1


def test_a_warm_cache_asks_again_only_for_what_expires_within_a_week(tmp_path, monkeypatch):
    import benchmarks.cost_estimate as ce

    site = fake_site(tmp_path)
    monkeypatch.setitem(ce.PAGES_VISITED, "returning", ["", "ket-qua/"])
    # the pages (60 s) and the results index (no-cache); never the hashed files nor the favicon (a month)
    assert ce.static_requests(site, "returning") == 2 + 1


def test_every_priced_step_is_a_route_of_a_function_in_the_template():
    import benchmarks.cost_estimate as ce

    served = ce.step_functions()
    memory = ce.function_memory()
    assert set(served) == set(ce.FLOW)
    assert all(function in memory for function in served.values())


def test_the_api_is_priced_as_function_urls_behind_cloudfront_with_no_api_gateway_nor_access_log():
    import benchmarks.cost_estimate as ce

    # Given one participant-week that made one API call of every step (no DynamoDB use, no static request)
    measured = ce.Measured(
        participants=1,
        steps={"content load": ce.Usage()},
        http=dict.fromkeys(ce.FLOW, 1),
        local_ms={},
        close_s3_puts=0,
        bundle_bytes=0,
        scrypt_ms=0.0,
        static={"returning": 0},
    )
    lines = ce.price(measured, "returning", warm_ms=1.0, people=1_000_000)
    # Then nothing is billed for an HTTP API or its access log (the template has neither) ...
    assert not [name for name in lines if "HTTP API" in name or "access log" in name.lower()]
    # ... and the origin leg is: the request bytes CloudFront carries to the function URLs
    calls = len(ce.FLOW) - len(ce.REGISTRATION_ONLY)
    expected = calls * 1_000_000 * ce.ORIGIN_BYTES_PER_REQUEST / 1e9 * ce.PRICE["cloudfront_gb_to_origin"]
    assert lines["CloudFront to the function URLs"] == expected
