"""Recall of the site's search with and without diacritics, before and after folding.

Builds the site from content/ into build/search-recall/site, serves it on 127.0.0.1 (a free port), and in
Debian's Chromium (Playwright) drives the theme's own search worker with the built search index:
- "before": the theme's lunr.vi.min.js as shipped (no folding), "after": the built one (site/search/fold-vi.js);
- each of the 20 queries in benchmarks/search_queries.txt, as written (with marks) and folded (no marks).
The reference for a query is the set of pages the shipped search finds for it WITH marks. Recall of a run =
mean over the queries of |found ∩ reference| / |reference|. Ranking: share of queries whose first 5 pages
are the same, in the same order, as the reference's first 5, and the mean overlap of the first 5 pages.

    .venv/bin/python benchmarks/search_recall.py      # prints a table; writes build/bench/search-recall.json
"""

from __future__ import annotations

import functools
import json
import sys
import threading
import unicodedata
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "benchmarks" / "search_queries.txt"
OUT = ROOT / "build" / "bench" / "search-recall.json"
CHROMIUM = "/usr/bin/chromium"

RUN_JS = """async ({worker, queries}) => {
  const config = JSON.parse(document.getElementById('__config').textContent);
  const base = new URL(config.base, location.href);
  const index = await (await fetch(new URL('search/search_index.json', base))).json();
  const w = new Worker(new URL(config.search, base));
  const ask = (message) => new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); w.postMessage(message); });
  index.options = {suggest: false};  // as the theme's bundle sends it
  await ask({type: 0, data: index});  // SETUP -> READY
  const out = [];
  for (const q of queries) {
    const r = await ask({type: 2, data: q});  // QUERY -> RESULT
    out.push(r.data.items.map((group) => group[0].location.split('#')[0]));
  }
  w.terminate();
  return out;
}"""


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("đ", "d").replace("Đ", "D").lower()


def queries() -> list[str]:
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    return [unicodedata.normalize("NFC", q.strip()) for q in lines if q.strip() and not q.startswith("#")]


def build_site(out: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from contest.organisers.sitebuild import build

    build(ROOT, out)


def serve(directory: Path) -> ThreadingHTTPServer:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def shipped_lunr_vi() -> bytes:
    import material

    return (Path(material.__file__).parent / "templates/assets/javascripts/lunr/min/lunr.vi.min.js").read_bytes()


def run(base: str, qs: list[str], folded_site: bool) -> list[list[str]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        if not folded_site:
            original = shipped_lunr_vi()
            page.route("**/lunr.vi.min.js", lambda route: route.fulfill(body=original, content_type="text/javascript"))
        page.goto(base + "/")
        results = page.evaluate(RUN_JS, {"worker": True, "queries": qs})
        browser.close()
    return results


def recall(found: list[list[str]], reference: list[list[str]]) -> float:
    shares = [len(set(f) & set(r)) / len(set(r)) for f, r in zip(found, reference, strict=True) if r]
    return sum(shares) / len(shares)


def same_top5(found: list[list[str]], reference: list[list[str]]) -> float:
    return sum(f[:5] == r[:5] for f, r in zip(found, reference, strict=True)) / len(reference)


def overlap5(found: list[list[str]], reference: list[list[str]]) -> float:
    shares = [len(set(f[:5]) & set(r[:5])) / len(r[:5]) for f, r in zip(found, reference, strict=True) if r]
    return sum(shares) / len(shares)


def main() -> None:
    site = ROOT / "build" / "search-recall" / "site"
    build_site(site)
    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    marked = queries()
    plain = [fold(q) for q in marked]
    try:
        runs = {
            "before_marked": run(base, marked, folded_site=False),
            "before_plain": run(base, plain, folded_site=False),
            "after_marked": run(base, marked, folded_site=True),
            "after_plain": run(base, plain, folded_site=True),
        }
    finally:
        server.shutdown()
        server.server_close()
    reference = runs["before_marked"]
    empty = [q for q, r in zip(marked, reference, strict=True) if not r]
    report = {
        "queries": len(marked),
        "queries_without_reference": empty,
        "recall": {name: round(recall(found, reference), 3) for name, found in runs.items()},
        "same_top5_as_reference": {name: round(same_top5(found, reference), 3) for name, found in runs.items()},
        "overlap_at_5_with_reference": {name: round(overlap5(found, reference), 3) for name, found in runs.items()},
        "after_plain_same_top5_as_after_marked": round(same_top5(runs["after_plain"], runs["after_marked"]), 3),
        "per_query": [
            {"query": q, "plain": fold(q), **{name: len(found[i]) for name, found in runs.items()}}
            for i, q in enumerate(marked)
        ],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"{'run':<15}{'recall':>8}{'same top 5':>12}{'overlap@5':>11}")
    for name in runs:
        r, t, o = (report[k][name] for k in ("recall", "same_top5_as_reference", "overlap_at_5_with_reference"))
        print(f"{name:<15}{r:>8.3f}{t:>12.3f}{o:>11.3f}")
    print(f"after, without marks vs with marks: same top 5 in {report['after_plain_same_top5_as_after_marked']:.3f}")
    print(f"pages found per query: {OUT}")


if __name__ == "__main__":
    main()
