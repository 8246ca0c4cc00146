"""HTTP latency and throughput of `newsdex serve`, next to in-process search latency.

    .venv/bin/python bench/http_load.py [--cache .newsdex-bench] [--requests 200] [--backend torch]
                                   [--batching on,off] [--only seeds|scifact] [--min-passages 20000]

For each index (the seeds, and SciFact's 5,183 abstracts split finely enough to give at
least --min-passages passages) it starts `newsdex serve` on 127.0.0.1, sends GET /search at
concurrency 1, 8 and 32 (keep-alive connections from one asyncio client), and prints p50/p95/p99 latency and
requests per second; then
it times `Searcher.search` in this process on the same index with the same questions.
With `--batching on,off` each server runs twice, with micro-batching (the default
NEWSDEX_BATCH_WINDOW_MS) and without it (0), and the ratio of their requests/s is printed.
The client runs on the same machine as the server, so they share its CPU. The last line is
every row as one JSON object. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from urllib.parse import urlencode

from serving import start_server

from newsdex.errors import NewsdexError
from newsdex.index.build import Indexer
from newsdex.index.embedder import Embedder
from newsdex.index.store import IndexStore
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

SCIFACT = ROOT.parent / "shared" / "eval" / "scifact"
MIN_PASSAGES = 20_000
LEVELS = (1, 8, 32)
SEED_QUESTIONS = [
    "what did Kishida say",
    "Where were North Korean troops deployed to fight Ukrainian forces?",
    "Which countries besides Japan and South Korea were invited to the NATO summit?",
    "What anniversary will Tokyo and Seoul commemorate next year?",
    "What did Moscow and Pyongyang pledge under their treaty?",
    "What did Biden, Ishiba and Yoon agree to form in Lima?",
    "Who wants to keep the thaw in relations from Kishida's time?",
    "Why is Tokyo seriously concerned about the Putin Kim summit?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def index_size(index_dir: Path) -> tuple[int, int]:
    with IndexStore.open(index_dir) as store:
        stats = store.stats()
    return stats.articles, stats.passages


def ensure_index(name: str, sources: list[Path], settings: Settings, embedder: Embedder, rebuild: bool) -> None:
    try:
        if not rebuild:
            articles, passages = index_size(settings.index_dir)
            print(f"[{name}] cached index at {settings.index_dir}: {articles} articles, {passages} passages")
            return
    except NewsdexError:
        pass
    print(f"[{name}] building {settings.index_dir} (passage_tokens={settings.passage_tokens}) ...", flush=True)
    report = Indexer(settings, embedder).build(sources, rebuild=True)
    print(f"[{name}] {report.summary()}", flush=True)


def server_env(backend: str, batching: bool) -> dict[str, str]:
    return {"NEWSDEX_BACKEND": backend, **({} if batching else {"NEWSDEX_BATCH_WINDOW_MS": "0"})}


def http_level(base: str, questions: list[str], concurrency: int, requests: int, k: int, mode: str) -> dict:
    """`requests` searches spread over `concurrency` keep-alive connections.

    The client is asyncio on raw sockets in one thread: on two cores shared with the
    server, a heavier client (32 threads of httpx, which this bench used first) takes CPU
    from the server it measures, and the same share in both batching modes hides the
    server's own difference.
    """
    host, port = base.removeprefix("http://").split(":")
    paths = ["/search?" + urlencode({"q": questions[n % len(questions)], "k": k, "mode": mode})
             for n in range(requests)]

    async def connection(slot: int, latencies: list[float]) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for path in paths[slot::concurrency]:
                began = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                status = (await reader.readline()).split(b" ", 2)[1]
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                latencies.append(time.perf_counter() - began)
                if status != b"200":
                    raise SystemExit(f"search failed: {status.decode()} {body[:200]!r}")
        finally:
            writer.close()

    async def run() -> list[float]:
        latencies: list[float] = []
        await asyncio.gather(*(connection(slot, latencies) for slot in range(concurrency)))
        return latencies

    began = time.perf_counter()
    latencies = asyncio.run(run())
    wall = time.perf_counter() - began
    return {"n": len(latencies), "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "rps": len(latencies) / wall}


def in_process(settings: Settings, embedder: Embedder, questions: list[str], requests: int, k: int, mode: str) -> dict:
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        for question in questions[:5]:
            searcher.search(question, k=k, mode=mode)  # warm-up
        latencies = []
        for n in range(requests):
            began = time.perf_counter()
            searcher.search(questions[n % len(questions)], k=k, mode=mode)
            latencies.append(time.perf_counter() - began)
    finally:
        searcher.close()
    return {"n": len(latencies), "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "rps": len(latencies) / sum(latencies)}


def bench(name: str, settings: Settings, embedder: Embedder, questions: list[str], args) -> dict:
    """Prints the table of one index; returns its rows (latencies in ms)."""
    articles, passages = index_size(settings.index_dir)
    lines = [f"{name}: {articles} articles, {passages} passages (mode={args.mode}, k={args.k}, "
             f"backend={embedder.backend})"]
    rows = []
    top = {}
    for batching in [b.strip() == "on" for b in args.batching.split(",") if b.strip()]:
        label = "batched" if batching else "unbatched"
        process, base = start_server(settings.index_dir, server_env(embedder.backend, batching))
        try:
            http_level(base, questions, 4, 20, args.k, args.mode)  # warm-up: connections, caches
            for c in LEVELS:
                rows.append((f"HTTP c={c} {label}", http_level(base, questions, c, args.requests, args.k, args.mode)))
            top[label] = rows[-1][1]["rps"]
        finally:
            process.terminate()
            process.wait(timeout=30)
    rows.append(("in-process", in_process(settings, embedder, questions, args.requests, args.k, args.mode)))
    lines.append(f"  {'':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'req/s':>9}")
    for label, row in rows:
        lines.append(f"  {label:<22}{row['n']:>6}{row['p50'] * 1000:>10.1f}{row['p95'] * 1000:>10.1f}"
                     f"{row['p99'] * 1000:>10.1f}{row['rps']:>9.1f}")
    figures = {"articles": articles, "passages": passages, "mode": args.mode, "k": args.k, "backend": embedder.backend,
               "rows": {label: {"n": row["n"], "rps": round(row["rps"], 1),
                                **{f"{q}_ms": round(row[q] * 1000, 2) for q in ("p50", "p95", "p99")}}
                        for label, row in rows}}
    if len(top) == 2:
        figures["batched_over_unbatched_rps"] = round(top["batched"] / top["unbatched"], 2)
        lines.append(f"  micro-batching at c={LEVELS[-1]}: {top['batched'] / top['unbatched']:.2f}x the requests/s")
    for line in lines:
        print(line, flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path(".newsdex-bench"),
                        help="Where the indexes are built and kept")
    parser.add_argument("--corpus", type=Path, default=SCIFACT, help="Folder with corpus.jsonl and queries.jsonl")
    parser.add_argument("--passage-tokens", type=int, default=112,
                        help="Passage budget for the big corpus; SciFact's abstracts give ~24k passages at 112")
    parser.add_argument("--requests", type=int, default=200, help="Searches per concurrency level")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--mode", default="hybrid", choices=["dense", "lexical", "hybrid"])
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the cached indexes")
    parser.add_argument("--backend", default=Settings().backend, help="Encoder backend of the server and the indexes")
    parser.add_argument("--batching", default="on,off", help="Serve with micro-batching on, off, or both (on,off)")
    parser.add_argument("--only", choices=["seeds", "scifact"], help="Run one index only")
    parser.add_argument("--min-passages", type=int, default=MIN_PASSAGES,
                        help="Fewest passages the big index must have (default %(default)s)")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = Embedder.from_settings(Settings(backend=args.backend))
    print(f"machine: {os.cpu_count()} CPU cores; model {embedder.name}; client and server on the same machine")

    family = "-int8" if args.backend.endswith("int8") else ""  # int8 vectors need their own index
    seeds = Settings(index_dir=args.cache / f"seeds{family}", backend=args.backend)
    ensure_index("seeds", [seeds.seeds_dir], seeds, embedder, args.rebuild)
    results = {}
    if args.only == "seeds":
        print()
        results["seeds"] = bench("seeds", seeds, embedder, SEED_QUESTIONS, args)
        print(json.dumps(results))
        return
    big = Settings(index_dir=args.cache / f"scifact-p{args.passage_tokens}{family}", passage_tokens=args.passage_tokens,
                   backend=args.backend)
    ensure_index("scifact", [args.corpus / "corpus.jsonl"], big, embedder, args.rebuild)
    _, passages = index_size(big.index_dir)
    if passages < args.min_passages:
        raise SystemExit(f"the big index has {passages} passages, fewer than {args.min_passages}: "
                         "rerun with a smaller --passage-tokens and --rebuild")
    print(f"scifact index: passages of at most {args.passage_tokens} tokens (NEWSDEX_PASSAGE_TOKENS), "
          "no recombined copies")

    with open(args.corpus / "queries.jsonl", encoding="utf-8") as queries:
        scifact_questions = [json.loads(line)["text"] for line in queries if line.strip()][:100]
    if args.only != "scifact":
        print()
        results["seeds"] = bench("seeds", seeds, embedder, SEED_QUESTIONS, args)
    print()
    results["scifact"] = bench("scifact", big, embedder, scifact_questions, args)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
