"""Check the model and the scoring against the published figure, outside newsdex's pipeline.

MTEB/BEIR score all-MiniLM-L6-v2 by embedding each document as `title + " " + text` cut at
the model's 256 word pieces, one vector per document. This script does exactly that with
newsdex's Embedder, exact FAISS search and newsdex's own scoring (pytrec_eval), so that a
difference between `newsdex eval` and the published dense figure can be put down to how
newsdex splits articles into passages, not to the model or the metric.

    .venv/bin/python bench/mteb_dense.py ../shared/eval/scifact

Any collection in the BEIR layout `newsdex eval` reads will do (SciFact's is the default). The
last line is the figures as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import faiss

from newsdex.index.embedder import Embedder
from newsdex.search.eval import load_collection, read_records, score_run

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "eval" / "scifact"


def main(data_dir: Path) -> None:
    collection = load_collection(Path(data_dir))
    docs = list(read_records(collection.corpus))
    ids = [str(d["id"]) for d in docs]
    texts = [f"{d.get('title', '')} {d.get('text', '')}".strip() for d in docs]
    embedder = Embedder()
    began = time.perf_counter()
    vectors = embedder.encode(texts)  # sentence-transformers truncates at max_seq_length (256)
    seconds = time.perf_counter() - began
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    qids = list(collection.queries)
    scores, rows = index.search(embedder.encode([collection.queries[q] for q in qids]), 100)
    run = {q: {ids[j]: float(s) for s, j in zip(scores[n], rows[n]) if j >= 0} for n, q in enumerate(qids)}
    measures = score_run(collection.qrels, run, k=10)
    print(f"{collection.name}: {len(qids)} queries, {len(docs)} documents embedded whole "
          f"(truncated at {embedder.max_seq_length} tokens) in {seconds:.0f}s")
    print("  ".join(f"{name} {value:.4f}" for name, value in measures.items()))
    print(json.dumps({"collection": collection.name, "queries": len(qids), "documents": len(docs),
                      "max_seq_length": embedder.max_seq_length, "embed_seconds": round(seconds, 1),
                      "measures": {name: round(value, 4) for name, value in measures.items()}}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collection", type=Path, nargs="?", default=SCIFACT,
                        help="a folder with corpus.jsonl, queries and qrels (default: SciFact)")
    main(parser.parse_args().collection)
