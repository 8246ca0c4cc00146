"""Which sentence a highlight marks first: build-time int8 sentence vectors against the
question-time float ones every search used before, and the cost of each.

    .venv/bin/python bench/highlights.py [--limit 400] [--queries 300] [--sentence-backends onnx-int8,same]
                                         [--max-lengths 64,48]

It builds an index of SciFact's first --limit abstracts for each model that may embed the
sentences (`sentence_backend`: the int8 model, the default, or `same`, the passages' float
model) and asks each SciFact question (hybrid, k=10, as the API and page do) of each, as a
search runs (the stored vectors), and once more with the store's sentence vectors hidden,
so the result's sentences are embedded at question time with the float model (with no
cache, so every search pays). For every result it compares the sentence marked first, and
the set of sentences marked, with the question-time ones and with the first build's; it
prints the agreement and each way's latency.

It also scores rejected alternatives, compared the same way: sentence vectors pooled from
the passage's own token vectors (one forward pass per passage, which costs a build nothing;
on the model run by sentence-transformers on torch when the search backend is an ONNX one,
which newsdex calls without sentence-transformers), and each sentence embedded cut to its
first --max-lengths word pieces (a shorter maximum length for sentences). The last line is
the figures as one JSON object. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from newsdex.index.build import Indexer
from newsdex.index.embedder import Embedder
from newsdex.search.highlight import best_sentences
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "eval" / "scifact"


def marks(response) -> list[tuple[int, tuple[int, ...]]]:
    """(passage id, starts of the marked sentences) for each result."""
    return [(r.passage_id, tuple(h.start for h in r.highlights if h.kind == "sentence")) for r in response.results]


def token_model(embedder: Embedder):
    """A sentence-transformers model of the embedder's weights, which can give token vectors:
    its own, or the same model on torch where the embedder runs ONNX Runtime directly."""
    return embedder._model if embedder._model is not None else Embedder(embedder.name, backend="torch")._model


def token_pooled_choice(model, embedder: Embedder, searcher: Searcher, question_vector: np.ndarray,
                        passage_id: int) -> tuple[int, ...]:
    """The marked sentences when each sentence's vector is the mean of its tokens' vectors
    from one forward pass over the passage (with its title, as the build embeds it)."""
    row = searcher.store.passages([passage_id])[passage_id]
    kept = searcher.store.sentence_vectors([passage_id])[passage_id]
    if len(kept.spans) < 2:
        return tuple(s for s, _ in kept.spans)
    text = f"{row.title}\n{row.text}" if row.title else row.text
    base = len(text) - len(row.text)
    tokens = model.encode([text], output_value="token_embeddings")[0]
    tokens = tokens.numpy() if hasattr(tokens, "numpy") else np.asarray(tokens)
    offsets = model.tokenizer(text, return_offsets_mapping=True, truncation=True,
                              max_length=embedder.max_seq_length)["offset_mapping"]
    scores = []
    for start, end in kept.spans:
        inside = [i for i, (a, b) in enumerate(offsets) if b > a and a >= base + start and b <= base + end]
        vector = tokens[inside].mean(axis=0) if inside else np.zeros(tokens.shape[1])
        scores.append(float(vector @ question_vector / (np.linalg.norm(vector) + 1e-9)))
    return tuple(kept.spans[i][0] for i in best_sentences(scores))


def shortened_choice(embedder: Embedder, searcher: Searcher, question_vector: np.ndarray, passage_id: int,
                     most: int) -> tuple[int, ...]:
    """The marked sentences when each sentence is embedded cut to its first `most` word pieces."""
    row = searcher.store.passages([passage_id])[passage_id]
    kept = searcher.store.sentence_vectors([passage_id])[passage_id]
    if len(kept.spans) < 2:
        return tuple(s for s, _ in kept.spans)
    vectors = embedder.encode([embedder.truncate(row.text[start:end], most) for start, end in kept.spans])
    return tuple(kept.spans[i][0] for i in best_sentences([float(x) for x in vectors @ question_vector]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=400, help="SciFact abstracts indexed")
    parser.add_argument("--queries", type=int, default=300, help="SciFact questions asked")
    parser.add_argument("--sentence-backends", default="onnx-int8,same",
                        help="Models that embed the sentences at build time, one index each")
    parser.add_argument("--max-lengths", default="64",
                        help="Word pieces each sentence is cut to, one alternative each (empty: none)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = Embedder()
    print(f"machine: {os.cpu_count()} CPU cores; model {embedder.name}, backend {embedder.backend}; "
          f"SciFact's first {args.limit} abstracts, {args.queries} questions, hybrid k=10")
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as lines:
        questions = [json.loads(line)["text"] for line in lines if line.strip()][:args.queries]
    with tempfile.TemporaryDirectory(prefix="newsdex-bench-highlights-") as scratch:
        corpus = Path(scratch) / "articles.jsonl"
        with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as source, open(corpus, "w") as target:
            target.writelines(line for _, line in zip(range(args.limit), source))
        backends = [b.strip() for b in args.sentence_backends.split(",") if b.strip()]
        searchers = {}
        for backend in backends:
            settings = Settings(index_dir=Path(scratch) / f"index-{backend}", sentence_backend=backend)
            report = Indexer(settings, embedder).build([corpus])
            print(f"built {report.passages_embedded} passages in {report.seconds:.0f}s (sentences: {backend})")
            searchers[backend] = Searcher.open(settings, embedder=embedder)
        searcher = searchers[backends[0]]
        pooling = token_model(embedder)
        searcher.sentences.size = 0  # no cache: each question-time search embeds its results' sentences
        kept = searcher.store.sentence_vectors
        stored: dict[str, list] = {backend: [] for backend in backends}
        embedded, pooled = [], []
        lengths = [int(n) for n in args.max_lengths.split(",") if n.strip()]
        shortened: dict[int, list] = {most: [] for most in lengths}
        times: dict[str, list[float]] = {f"stored vectors ({backend})": [] for backend in backends}
        times["embedded at question time"] = []
        for question in questions:
            for backend, each in searchers.items():
                began = time.perf_counter()
                response = each.search(question, k=10)
                times[f"stored vectors ({backend})"].append(time.perf_counter() - began)
                stored[backend] += marks(response)
            searcher.store.sentence_vectors = lambda ids: {}  # type: ignore[method-assign]
            began = time.perf_counter()
            again = searcher.search(question, k=10)
            times["embedded at question time"].append(time.perf_counter() - began)
            searcher.store.sentence_vectors = kept  # type: ignore[method-assign]
            embedded += marks(again)
            vector = embedder.encode([question])[0]
            pooled += [(r.passage_id, token_pooled_choice(pooling, embedder, searcher, vector, r.passage_id))
                       for r in again.results]
            for most in lengths:
                shortened[most] += [(r.passage_id, shortened_choice(embedder, searcher, vector, r.passage_id, most))
                                    for r in again.results]
        for each in searchers.values():
            each.close()
    agreement = {}
    for backend in backends:
        for name, other in [("question-time float", embedded)] + [
                (f"stored {b}", stored[b]) for b in backends if b != backend and b == "same"]:
            pairs = [(a, b) for a, b in zip(stored[backend], other) if a[0] == b[0]]
            first = sum(a[1][:1] == b[1][:1] for a, b in pairs) / max(len(pairs), 1)
            same = sum(a == b for a, b in pairs) / max(len(pairs), 1)
            agreement[f"{backend} vs {name}"] = {"first_same": round(first, 3), "set_same": round(same, 3),
                                                 "results": len(pairs)}
            print(f"  stored vectors ({backend}) vs {name}: {len(pairs)} results in the same place, "
                  f"first sentence the same {first:.3f}, marked set the same {same:.3f}")
    pairs = [(a, b) for a, b in zip(stored[backends[0]], embedded) if a[0] == b[0]]
    first, same = (agreement[f"{backends[0]} vs question-time float"][key] for key in ("first_same", "set_same"))
    pooled_first = sum(a[1][:1] == b[1][:1] for a, b in zip(pooled, embedded)) / len(embedded)
    pooled_same = sum(a == b for a, b in zip(pooled, embedded)) / len(embedded)
    print(f"  token-pooled vs question-time float: first sentence the same {pooled_first:.3f}, "
          f"marked set the same {pooled_same:.3f}")
    cut = {}
    for most, marked in shortened.items():
        cut[str(most)] = {"first_same": round(sum(a[1][:1] == b[1][:1] for a, b in zip(marked, embedded))
                                              / len(embedded), 3),
                          "set_same": round(sum(a == b for a, b in zip(marked, embedded)) / len(embedded), 3)}
        print(f"  sentences cut to {most} word pieces vs question-time float: first sentence the same "
              f"{cut[str(most)]['first_same']:.3f}, marked set the same {cut[str(most)]['set_same']:.3f}")
    latency = {}
    for name, values in times.items():
        latency[name] = {"p50_ms": round(float(np.percentile(values, 50)) * 1000, 1),
                         "p99_ms": round(float(np.percentile(values, 99)) * 1000, 1)}
        print(f"  search hybrid+highlights, {name:<28} p50 {latency[name]['p50_ms']:7.1f} ms"
              f"   p99 {latency[name]['p99_ms']:7.1f} ms")
    print(json.dumps({"abstracts": args.limit, "questions": len(questions), "passages": report.passages_embedded,
                      "build_seconds": round(report.seconds, 1), "results": len(embedded), "same_place": len(pairs),
                      "stored_vs_question_time": {"first_same": round(first, 3), "set_same": round(same, 3)},
                      "agreement": agreement,
                      "token_pooled_vs_question_time": {"first_same": round(pooled_first, 3),
                                                        "set_same": round(pooled_same, 3)},
                      "shortened_vs_question_time": cut,
                      "search_ms": latency}))


if __name__ == "__main__":
    main()
