"""Peak memory of indexing one big JSONL file: does it stay flat as the file grows?

    .venv/bin/python bench/big_jsonl.py [--mb 200] [--limit-mb 20] [--load-only] [--backend onnx]
                                   [--work .newsdex-bench/big_jsonl]

Writes a JSONL of synthetic news records (about 3 KB each, reproducible from --seed) under
--work (and keeps it there for the next run), then either indexes it from scratch with
`Indexer.build` (as `newsdex index --rebuild` does) or, with --load-only, only reads it
through `load_articles` (reading, decoding, cleaning; no model). Embedding 200 MB takes
hours on a laptop CPU, so --limit-mb makes and indexes only the first N MB. Prints peak RSS
(getrusage) beside the RSS once the model is loaded: run it at two sizes and compare. A
benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".newsdex-bench" / "big_jsonl"

WORDS = ("council minister harbour railway strike budget election court river drought police school hospital "
         "market factory union mayor treaty summit border airport ferry bridge reform tax energy wind solar "
         "grid water farmers prices wages students teachers nurses doctors ministry agency report inquiry").split()
PLACES = "Lima Kaub Madrid Seoul Tokyo Santiago Brussels Lagos Quito Oslo Hanoi Nairobi".split()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return f"{rng.choice(PLACES)} {' '.join(words)}, officials said on day {rng.randint(1, 28)}."


def make_jsonl(path: Path, megabytes: float, seed: int) -> int:
    """Write about `megabytes` MB of records; returns how many."""
    rng = random.Random(seed)
    limit, written, count = int(megabytes * 1_000_000), 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < limit:
            paragraphs = ["".join(sentence(rng) + " " for _ in range(rng.randint(2, 4))).strip()
                          for _ in range(rng.randint(4, 8))]
            record = {"id": f"big-{count}", "title": f"{rng.choice(PLACES)}: {sentence(rng)}",
                      "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                      "source": "Bench Wire", "text": "\n\n".join(paragraphs)}
            line = json.dumps(record) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200, help="Size of the JSONL to make (default 200)")
    parser.add_argument("--limit-mb", type=float, default=None, help="Make and index only the first N MB")
    parser.add_argument("--load-only", action="store_true", help="Only read the records (no model, no index)")
    parser.add_argument("--backend", default="onnx", help="Encoder backend (default onnx)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=WORK, help="Where the JSONL and the index go")
    args = parser.parse_args()

    megabytes = min(args.mb, args.limit_mb) if args.limit_mb else args.mb
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / f"articles-{megabytes:g}mb.jsonl"
    if not path.exists():
        began = time.perf_counter()
        records = make_jsonl(path, megabytes, args.seed)
        print(f"wrote {path.name}: {records} records in {time.perf_counter() - began:.0f}s")
    size_mb = path.stat().st_size / 1_000_000
    start_rss = peak_rss_mib()

    if args.load_only:
        from newsdex.index.articles import Article, load_articles

        began, articles, skipped = time.perf_counter(), 0, 0
        for item in load_articles([path]):
            articles += isinstance(item, Article)
            skipped += not isinstance(item, Article)
        print(json.dumps({"mode": "load-only", "file_mb": round(size_mb, 1), "articles": articles,
                          "skipped": skipped, "seconds": round(time.perf_counter() - began, 1),
                          "rss_before_mib": round(start_rss), "peak_rss_mib": round(peak_rss_mib())}))
        return

    from newsdex.index.build import Indexer
    from newsdex.index.embedder import Embedder
    from newsdex.settings import Settings

    settings = Settings(index_dir=args.work / "index", backend=args.backend)
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    embedder = Embedder.from_settings(settings)
    embedder.encode(["warm up"])
    model_rss = peak_rss_mib()
    began = time.perf_counter()
    report = Indexer(settings, embedder).build([path], rebuild=True)
    peak = peak_rss_mib()
    vectors_mib = report.passages * embedder.dimension * 4 / 2**20
    print(json.dumps({"mode": "index", "backend": args.backend, "file_mb": round(size_mb, 1),
                      "articles": report.articles, "passages": report.passages, "skipped": len(report.skipped),
                      "seconds": round(time.perf_counter() - began, 1),
                      "rss_with_model_mib": round(model_rss), "peak_rss_mib": round(peak),
                      "growth_mib": round(peak - model_rss), "vectors_mib": round(vectors_mib, 1)}))


if __name__ == "__main__":
    main()
