"""How fast `newsdex ingest` takes a news site, and where its time goes: items/s from a local site
(bench/news_site.py on 127.0.0.1, so the network costs nothing and the figures are newsdex's own),
and the share of the run spent fetching, extracting (trafilatura) and embedding (the builds).

    .venv/bin/python bench/ingest.py --stories 200

Prints one JSON object (the last line). Fetch and extract seconds are summed over the reading
threads, so their shares are of the threads' time, and the per-host delay is 0 here: a real site
is asked at most Policy.host_concurrency pages at a time, Policy.host_delay apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from news_site import NewsSite  # noqa: E402

from newsdex.index.build import Indexer  # noqa: E402
from newsdex.index.embedder import Embedder  # noqa: E402
from newsdex.index.ingest import Policy, ingest  # noqa: E402
from newsdex.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=200, help="pages the site's sitemap lists")
    args = parser.parse_args()
    embedder = Embedder()
    import trafilatura  # noqa: F401 - its import is not ingest's time

    with tempfile.TemporaryDirectory() as work, NewsSite(stories=args.stories) as site:
        indexer = Indexer(Settings(index_dir=Path(work) / "index"), embedder)
        policy = Policy(host_delay=0.0, host_concurrency=8)
        began = time.perf_counter()
        first = ingest(indexer, [f"{site.base}/sitemap.xml"], policy=policy)
        wall = time.perf_counter() - began
        again = ingest(indexer, [f"{site.base}/sitemap.xml"], policy=policy)
    steps = {"fetch": first.fetch_seconds, "extract": first.extract_seconds, "embed": first.embed_seconds}
    total = sum(steps.values()) or 1.0
    print(json.dumps({
        "stories": args.stories, "new": first.new, "failed": first.failed, "seconds": round(wall, 2),
        "items_per_second": round(first.new / wall, 1) if wall else 0.0,
        "passages_embedded": first.passages_embedded,
        "step_seconds": {k: round(v, 2) for k, v in steps.items()},
        "share": {k: round(v / total, 3) for k, v in steps.items()},
        "second_run": {"seconds": round(again.seconds, 2), "unchanged": again.unchanged,
                       "conditional_requests": again.conditional_requests,
                       "passages_embedded": again.passages_embedded},
    }))


if __name__ == "__main__":
    main()
