"""In-process query cost as the index grows from 1k to 1M passages; flat against HNSW.

    .venv/bin/python bench/query.py [--sizes 1000,10000,100000,1000000] [--backend onnx-int8]
                                    [--cache .newsdex-bench] [--memory 100000]

The corpus is made by recombining real sentences: SciFact's abstracts and the seed
articles are split into sentences, each sentence is embedded once by the real model, and
every synthetic passage is three sentences drawn at random, its text their concatenation
and its vector the normalized sum of theirs. (Embedding a million passages would take this
machine days; the sum keeps the vectors' real distribution, which is what the index
structures and their recall depend on.) Articles of four passages go through the real
IndexWriter, so each size is a real newsdex index: SQLite, tantivy for BM25, and the FAISS
structure the default settings choose (flat below 50,000 passages, HNSW above).

For each size it prints, for one question at a time:
  * FAISS alone, flat and HNSW on the same vectors: p50/p99 latency, queries/s, and
    HNSW's recall@10 against flat's exact answer;
  * `Searcher.search` (k=10, what the CLI and API call), the question embedded by the
    chosen backend, in each mode, without highlights, and hybrid with them.
With --memory N it also measures, in fresh processes, the peak resident memory of a
searcher over N passages for each vector storage (float32, float16, int8) with HNSW and
flat, minus a process with the model and an empty index; scaled per million passages.
The last line is every figure as one JSON object. A benchmark, not a test: it asserts
nothing. Indexes are cached under --cache.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from newsdex.errors import NewsdexError
from newsdex.index import vectors as vector_index
from newsdex.index.analysis import Analysed, place_statements
from newsdex.index.articles import Article, load_articles
from newsdex.index.build import Indexer
from newsdex.index.embedder import Embedder
from newsdex.index.passages import sentences
from newsdex.index.sentences import embed_sentences
from newsdex.index.store import IndexStore
from newsdex.index.vectors import Layout, VectorSpec
from newsdex.index.writer import IndexWriter
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

SCIFACT = ROOT.parent / "shared" / "eval" / "scifact"
PER_PASSAGE = 3
PER_ARTICLE = 4


# What people type into a news search box: a few words (SciFact's questions are whole claims).
SHORT_QUESTIONS = ["what did Kishida say", "who won the election in Georgia", "when did the ceasefire start",
                   "North Korean troops in Kursk", "NATO summit Washington", "Yoon Ishiba meeting Lima",
                   "inflation figures for October", "why did the talks collapse", "earthquake death toll",
                   "who leads the opposition"]


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def sentence_pool(cache: Path, embedder: Embedder, limit: int) -> tuple[list[str], np.ndarray]:
    """Real sentences and their real vectors, cached (embedding them is the slow part)."""
    texts_file = cache / f"pool-{limit}.json"
    vectors_file = cache / f"pool-{limit}-{embedder.backend}.npy"
    if texts_file.exists() and vectors_file.exists():
        return json.loads(texts_file.read_text()), np.load(vectors_file)
    pool: list[str] = []
    for article in load_articles([ROOT / "seeds"]):
        if isinstance(article, Article):
            pool += [s for p in article.paragraphs for s in sentences(p) if 5 <= len(s.split()) <= 60]
    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as corpus:
        for line in corpus:
            if len(pool) >= limit:
                break
            pool += [s for s in sentences(json.loads(line)["text"]) if 5 <= len(s.split()) <= 60]
    pool = pool[:limit]
    print(f"embedding {len(pool)} real sentences with {embedder.backend} (cached for later runs) ...", flush=True)
    began = time.perf_counter()
    vectors = embedder.encode(pool)
    print(f"  {len(pool) / (time.perf_counter() - began):.0f} sentences/s", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    texts_file.write_text(json.dumps(pool))
    np.save(vectors_file, vectors)
    return pool, vectors


def synthetic_index(cache: Path, size: int, pool: list[str], pool_vectors: np.ndarray,
                    embedder: Embedder) -> Settings:
    settings = Settings(index_dir=cache / f"query-{size}-{embedder.backend}", backend=embedder.backend)
    try:
        with IndexStore.open(settings.index_dir) as store:
            count = store.passage_count()
            kept = store.sentence_vectors([1])
        if count == size and kept:
            return settings
    except NewsdexError:
        pass
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    print(f"building a {size}-passage index of recombined sentences ...", flush=True)
    began = time.perf_counter()
    rng = np.random.default_rng(size)
    known = {text: pool_vectors[i] for i, text in enumerate(pool)}
    picks = rng.integers(0, len(pool), size=(size, PER_PASSAGE))
    with IndexWriter(settings.index_dir, Indexer(settings, embedder).manifest, rebuild=True,
                     spec=VectorSpec.from_settings(settings)) as writer:
        for start in range(0, size, PER_ARTICLE):
            rows = picks[start:start + PER_ARTICLE]
            passages = [" ".join(pool[i] for i in row) for row in rows]
            summed = pool_vectors[rows].sum(axis=1)
            vectors = summed / np.linalg.norm(summed, axis=1, keepdims=True)
            article = Article(id=f"syn-{start // PER_ARTICLE}", title=pool[rows[0][0]][:80],
                              paragraphs=tuple(passages), source="synthetic")
            writer.put_article(Analysed(article, passages, vectors.astype(np.float32),
                                        embed_sentences(passages, lambda texts: pool_encode(texts, known, embedder)),
                                        place_statements(article, passages)))
        writer.commit()
    print(f"  built in {time.perf_counter() - began:.0f}s", flush=True)
    return settings


def pool_encode(texts: list[str], known: dict[str, np.ndarray], embedder: Embedder) -> np.ndarray:
    """Vectors of the sentences a build keeps: the pool's own where the splitter cut the passage
    back into pool sentences, the model's for the few it cut otherwise."""
    missing = [t for t in texts if t not in known]
    for text, vector in zip(missing, embedder.encode(missing)):
        known[text] = vector
    return np.asarray([known[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)


def time_calls(call, questions: list, repeat: int = 1) -> dict:
    latencies = []
    for _ in range(repeat):
        for question in questions:
            began = time.perf_counter()
            call(question)
            latencies.append(time.perf_counter() - began)
    return {"p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
            "qps": len(latencies) / sum(latencies)}


def faiss_rows(store: IndexStore, query_vectors: np.ndarray, spec: VectorSpec) -> dict:
    """Flat and HNSW on the same vectors, whichever of the two the index itself holds."""
    ids, vectors = vector_index.live_vectors(store.vectors, store.dead)
    flat = vector_index.empty_index(vectors.shape[1])
    flat.add_with_ids(vectors, ids)
    if isinstance(faiss.downcast_index(store.vectors.index), faiss.IndexHNSW):
        hnsw, build_s = store.vectors, None
    else:
        began = time.perf_counter()
        hnsw, _, _ = vector_index.arrange(flat, Layout("flat", "float32"), replace(spec, kind="hnsw"), set())
        build_s = time.perf_counter() - began
    vector_index.use_threads(1)  # as a searcher does: one question, one core
    rows = {}
    answers = {}
    default_ef = spec.ef_search or vector_index.auto_ef_search(len(ids))
    efs = (64, 128, 256, 512)
    for name, index, ef in [("flat", flat, None)] + [(f"hnsw ef={ef}", hnsw, ef) for ef in efs]:
        found = []
        if ef is not None:
            vector_index.set_search_knobs(index, ef, None)

        def one(vector, index=index, found=found):
            _, labels = index.search(vector[None, :], 10, params=vector_index.search_params(index, 10, None))
            found.append(labels[0])

        rows[name] = time_calls(one, list(query_vectors))
        answers[name] = found
        if ef is not None:
            rows[name]["recall@10"] = float(np.mean([len(set(a) & set(b)) / 10
                                                      for a, b in zip(answers["flat"], found)]))
    vector_index.set_search_knobs(hnsw, default_ef, None)
    hnsw_row = rows[f"hnsw ef={default_ef}"]
    if build_s is not None:
        hnsw_row["build_s"] = build_s
    return rows


def search_rows(settings: Settings, embedder: Embedder, questions: list[str]) -> dict:
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        for question in questions[:10]:
            searcher.search(question, k=10)  # warm-up: SQLite pages, FAISS, the model
        rows = {}
        for mode in ("dense", "lexical", "hybrid"):
            rows[mode] = time_calls(lambda q, mode=mode: searcher.search(q, k=10, mode=mode, highlight=False),
                                    questions)
        rows["hybrid+highlights"] = time_calls(lambda q: searcher.search(q, k=10), questions)
        # As before builds kept sentence vectors: each result's sentences embedded at question
        # time (with the same cache), on the same index and questions.
        kept = searcher.store.sentence_vectors
        searcher.store.sentence_vectors = lambda ids: {}  # type: ignore[method-assign]
        rows["hybrid+highlights, sentences embedded per search"] = time_calls(lambda q: searcher.search(q, k=10),
                                                                               questions[:100])
        searcher.store.sentence_vectors = kept  # type: ignore[method-assign]
        rows["embed question"] = time_calls(lambda q: embedder.encode([q]), questions)
        rows["embed short question"] = time_calls(lambda q: embedder.encode([q]), SHORT_QUESTIONS * 30)
        rows["structure"] = searcher.stats().faiss_index
    finally:
        searcher.close()
    return rows


# The peak is VmHWM, this process's own high-water mark: getrusage's ru_maxrss survives exec,
# so it would be this parent's size when it started the child, were that larger.
MEMORY_CHILD = """
import json, sys
from newsdex.index.embedder import Embedder
from newsdex.settings import Settings
from newsdex.search.searcher import Searcher

def rss(field="VmRSS:"):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))

settings = Settings(index_dir=sys.argv[1], backend=sys.argv[2], mmap=sys.argv[3] == "1")
embedder = Embedder.from_settings(settings)
embedder.encode(["warm up"])
before = rss()
searcher = Searcher.open(settings, embedder=embedder)
for q in json.loads(sys.argv[4]):
    searcher.search(q, k=10, highlight=False)
print(before, rss(), rss("VmHWM:"))
"""


def rss_kb(index_dir: Path, backend: str, questions: list[str], mmap: bool = False) -> tuple[int, int, int]:
    """(resident before opening the index, after opening it and searching, peak) in KiB."""
    out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(index_dir), backend, "1" if mmap else "0",
                          json.dumps(questions[:20])], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    before, after, peak = (int(x) for x in out.stdout.split())
    return before, after, peak


def memory(cache: Path, settings: Settings, embedder: Embedder, questions: list[str], size: int) -> dict:
    """Prints the table; returns its rows (MiB)."""
    print(f"\nresident memory of a searcher process, {size} passages, backend {embedder.backend}: the model "
          f"loaded, then the index opened and 20 searches run (no highlights); per million passages = "
          f"(after - before) * 1e6 / {size}")
    print(f"  {'structure':<22}{'vectors MiB':>12}{'before MiB':>11}{'after MiB':>10}{'index MiB':>10}"
          f"{'MiB per 1M':>11}{'peak MiB':>9}")
    rows = {}
    for kind in ("flat", "hnsw"):
        for storage in ("float32", "float16", "int8"):
            target = cache / f"memory-{size}-{kind}-{storage}"
            if not (target / "current").exists():
                shutil.copytree(settings.index_dir, target, symlinks=True)
            with IndexStore.open(target) as store:
                manifest = store.manifest
            with IndexWriter(target, manifest, spec=VectorSpec(kind=kind, storage=storage)) as writer:
                writer.commit()  # re-arranges the vectors into the wanted structure, when they are not yet
            with IndexStore.open(target) as store:
                name = store.manifest.faiss_index
                vectors_mib = (store.build_dir / "vectors.faiss").stat().st_size / 2**20
            for mmap in ((False, True) if kind == "flat" else (False,)):
                before, after, peak = rss_kb(target, embedder.backend, questions, mmap=mmap)
                label = f"{name}" + (" mmap" if mmap else "")
                rows[label] = {"vectors_mib": round(vectors_mib, 1), "before_mib": round(before / 1024),
                               "after_mib": round(after / 1024), "index_mib": round((after - before) / 1024),
                               "mib_per_million": round((after - before) / 1024 * 1e6 / size),
                               "peak_mib": round(peak / 1024)}
                print(f"  {label:<22}{vectors_mib:>12.0f}{before / 1024:>11.0f}{after / 1024:>10.0f}"
                      f"{(after - before) / 1024:>10.0f}{(after - before) / 1024 * 1e6 / size:>11.0f}"
                      f"{peak / 1024:>9.0f}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--backend", default=Settings().backend)
    parser.add_argument("--cache", type=Path, default=Path(".newsdex-bench"))
    parser.add_argument("--pool", type=int, default=30000, help="Real sentences to recombine")
    parser.add_argument("--queries", type=int, default=300, help="SciFact questions asked at each size")
    parser.add_argument("--memory", type=int, default=0, help="Also measure memory at this size (0: skip)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    embedder = Embedder.from_settings(Settings(backend=args.backend))
    print(f"machine: {os.cpu_count()} CPU cores; model {embedder.name}, backend {embedder.backend}")
    pool, pool_vectors = sentence_pool(args.cache, embedder, args.pool)
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as lines:
        questions = [json.loads(line)["text"] for line in lines if line.strip()][:args.queries]
    query_vectors = embedder.encode(questions)
    results = {}
    for size in [int(n) for n in args.sizes.split(",") if n.strip()]:
        settings = synthetic_index(args.cache, size, pool, pool_vectors, embedder)
        store = IndexStore.open(settings.index_dir)
        faiss_part = faiss_rows(store, query_vectors, VectorSpec.from_settings(settings))
        store.close()
        search_part = search_rows(settings, embedder, questions)
        results[size] = {"faiss": faiss_part, "search": search_part}
        print(f"\n{size} passages (index structure: {search_part['structure']}), {len(questions)} questions, one at a "
              "time")
        print(f"  {'':<54}{'p50 ms':>9}{'p99 ms':>9}{'q/s':>9}{'recall@10':>11}")
        for name, row in faiss_part.items():
            recall = f"{row['recall@10']:>11.3f}" if "recall@10" in row else ""
            print(f"  {'faiss ' + name:<54}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['qps']:>9.0f}{recall}")
        for name, row in search_part.items():
            if isinstance(row, dict):
                print(f"  {'search ' + name:<54}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['qps']:>9.0f}")
        sys.stdout.flush()
    figures: dict = {"sizes": results}
    if args.memory:
        settings = synthetic_index(args.cache, args.memory, pool, pool_vectors, embedder)
        figures["memory"] = {"passages": args.memory,
                             "rows": memory(args.cache, settings, embedder, questions, args.memory)}
    figures["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(f"peak resident memory of this run: {figures['peak_rss_mib']} MiB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
