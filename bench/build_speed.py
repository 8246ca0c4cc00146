"""Indexing throughput of a full build, next to the model's raw encoding rate, per backend.

    .venv/bin/python bench/build_speed.py [--corpus ../shared/eval/scifact/corpus.jsonl] [--limit 300]
                                    [--backends torch,onnx,onnx-int8] [--sentence-vectors on,off]

For each backend it builds a fresh index of the same articles (`Indexer.build`, as
`newsdex index --rebuild` does: reading, cleaning, splitting by the tokenizer, embedding,
SQLite, FAISS, the atomic swap) and records exactly the texts the build handed the model.
Then it times `model.encode` alone on those texts, with the same batch size, in the same
run. The ratio of the two rates is the share of the build's time that is the model; what
is left is the pipeline's overhead. With `--sentence-vectors on,off` each backend builds
twice, keeping each passage's sentence vectors for highlights (the default) and not, and
the build's size on disk is printed beside its rate. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from newsdex.index.build import Indexer
from newsdex.index.embedder import Embedder
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

SCIFACT = ROOT.parent / "shared" / "eval" / "scifact" / "corpus.jsonl"


class Recording:
    """The embedder, noting every text the build asks it to encode."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner = embedder
        self.texts: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def encode(self, texts, *, progress: bool = False):
        self.texts.extend(texts)
        return self.inner.encode(texts, progress=progress)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SCIFACT, help="A .jsonl of articles (id, title, text)")
    parser.add_argument("--limit", type=int, default=300, help="Articles taken from the start of the corpus")
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--sentence-vectors", default="on", help="on, off, or on,off to compare the two")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    with tempfile.TemporaryDirectory(prefix="newsdex-bench-index-") as scratch:
        corpus = Path(scratch) / "articles.jsonl"
        with open(args.corpus, encoding="utf-8") as source, open(corpus, "w", encoding="utf-8") as target:
            for n, line in enumerate(source):
                if n >= args.limit:
                    break
                target.write(line if line.endswith("\n") else line + "\n")
        print(f"machine: {os.cpu_count()} CPU cores; corpus: first {args.limit} records of {args.corpus}")
        print(f"{'backend':<20}{'passages':>9}{'build s':>9}{'build p/s':>11}{'encode s':>10}{'encode p/s':>12}"
              f"{'build/encode':>14}{'disk MB':>9}")
        results = {}
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            for kept in [v.strip() == "on" for v in args.sentence_vectors.split(",") if v.strip()]:
                label = backend + ("" if kept else ", no sentences")
                settings = Settings(index_dir=Path(scratch) / f"index-{backend}-{kept}", backend=backend,
                                    sentence_vectors=kept)
                embedder = Embedder.from_settings(settings)
                embedder.encode(["warm up"] * 8)
                recording = Recording(embedder)
                report = Indexer(settings, recording).build([corpus], rebuild=True)
                texts = recording.texts
                began = time.perf_counter()
                embedder.encode(texts)
                encode_seconds = time.perf_counter() - began
                build_rate = report.passages_embedded / report.seconds
                encode_rate = report.passages_embedded / encode_seconds
                disk = sum(p.stat().st_size for p in settings.index_dir.rglob("*") if p.is_file()) / 1e6
                results[label] = {"passages": report.passages_embedded, "texts_encoded": len(texts),
                                  "build_seconds": round(report.seconds, 2),
                                  "build_passages_per_second": round(build_rate, 1),
                                  "encode_seconds": round(encode_seconds, 2),
                                  "encode_passages_per_second": round(encode_rate, 1),
                                  "ratio": round(build_rate / encode_rate, 3), "disk_mb": round(disk, 1)}
                print(f"{label:<20}{report.passages_embedded:>9}{report.seconds:>9.1f}{build_rate:>11.1f}"
                      f"{encode_seconds:>10.1f}{encode_rate:>12.1f}{build_rate / encode_rate:>13.1%}{disk:>9.1f}",
                      flush=True)
        print(json.dumps(results))


if __name__ == "__main__":
    main()
