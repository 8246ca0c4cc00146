"""What facets cost a search: p50 latency of `Searcher.search` with and without
facets=source,month,speaker,lang, on the same index and questions, and of the store's facet
counting alone, as the index grows.

    .venv/bin/python bench/facets.py [--sizes 10000,100000] [--queries 100] [--cache .newsdex-bench]
        [--pool 30000]

The indexes are bench/query.py's (real sentences recombined into synthetic passages, each
size a real newsdex index, cached under --cache and shared with that bench). Each question
is asked once to warm up, then with and without facets alternately (k = 10, hybrid, no
highlights), so both see the same caches and machine load; the baseline is the search
without facets in the same run, and the ratio is p50 with over p50 without. The last line
is every figure as one JSON object. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query import SCIFACT, percentile, sentence_pool, synthetic_index  # noqa: E402

from newsdex.index.embedder import Embedder  # noqa: E402
from newsdex.search.searcher import Searcher  # noqa: E402
from newsdex.settings import Settings  # noqa: E402

FACETS = "source,month,speaker,lang"


def timed(call, *args, **values) -> float:
    began = time.perf_counter()
    call(*args, **values)
    return (time.perf_counter() - began) * 1000


def measure(settings: Settings, embedder: Embedder, questions: list[str]) -> dict:
    """p50 (ms) with and without facets, and of counting them alone, over `questions`."""
    without, with_facets, counting = [], [], []
    names = FACETS.split(",")
    with Searcher.open(settings, embedder) as searcher:
        for question in questions:  # warm: the model's and the store's caches
            searcher.search(question, k=10, highlight=False, facets=FACETS)
        for question in questions:
            without.append(timed(searcher.search, question, k=10, highlight=False))
            with_facets.append(timed(searcher.search, question, k=10, highlight=False, facets=FACETS))
        # Counting alone, over as many passages as a search's candidates at most (both retrievers' lists).
        passages = searcher.store.passage_count()
        step = max(1, passages // (2 * searcher.settings.candidates))
        ids = list(range(1, passages + 1, step))[:2 * searcher.settings.candidates]
        for _ in questions:
            counting.append(timed(searcher.store.facet_counts, names, ids))
    base, faceted = percentile(without, 50), percentile(with_facets, 50)
    return {"passages": passages, "questions": len(questions), "p50_ms_without": round(base, 2),
            "p50_ms_with": round(faceted, 2), "ratio": round(faceted / base, 3) if base else None,
            "p50_ms_counting_alone": round(percentile(counting, 50), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=100, help="SciFact questions asked at each size")
    parser.add_argument("--cache", type=Path, default=Path(".newsdex-bench"))
    parser.add_argument("--pool", type=int, default=30000, help="Real sentences to recombine (bench/query.py)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    embedder = Embedder.from_settings(Settings())
    print(f"machine: {os.cpu_count()} CPU cores; model {embedder.name}, backend {embedder.backend}")
    pool, pool_vectors = sentence_pool(args.cache, embedder, args.pool)
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as lines:
        questions = [json.loads(line)["text"] for line in lines if line.strip()][:args.queries]
    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        settings = synthetic_index(args.cache, size, pool, pool_vectors, embedder)
        row = measure(settings, embedder, questions)
        rows.append(row)
        print(f"{row['passages']:>9,} passages: p50 {row['p50_ms_without']:.1f} ms without facets, "
              f"{row['p50_ms_with']:.1f} ms with (x{row['ratio']}); counting alone {row['p50_ms_counting_alone']:.2f}"
              " ms", flush=True)
    print(json.dumps({"facets": FACETS, "rows": rows}))


if __name__ == "__main__":
    main()
