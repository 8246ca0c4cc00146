"""Indexing throughput of a full build, next to the model's raw encoding rate, per backend.

    .venv/bin/python bench/build_speed.py [--corpus ../shared/eval/scifact/corpus.jsonl] [--limit 300]
                                    [--backends torch,onnx,onnx-int8] [--sentence-vectors on,off]
                                    [--sentence-backends onnx-int8,same] [--repeat 3]

For each backend it builds a fresh index of the same articles (`Indexer.build`, as
`newsdex index --rebuild` does: reading, cleaning, splitting by the tokenizer, embedding,
SQLite, tantivy, FAISS, the atomic swap) and records exactly the texts the build handed each
model (the passages' and, where it is another, the sentences'). Then it times `encode`
alone on those texts, with the same models, in the same run. The ratio of the two rates
is the share of the build's time that is the model; what is left is the pipeline's
overhead. With `--sentence-vectors on,off` each backend builds both ways, keeping each
passage's sentence vectors for highlights (the default) and not; `--sentence-backends`
names the models sentences are embedded with (`same`: the passages' backend). The build's
size on disk is printed beside its rate. On a shared machine give `--repeat`: the variants
run interleaved that many times and the last table and the JSON are each one's median
(and its rate as a share of the no-sentence build of the same backend). A benchmark, not
a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from newsdex.index.analysis import Analyser
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


def build_once(corpus: Path, index_dir: Path, backend: str, kept: bool, sentences: str) -> dict:
    """One fresh build and the encode-alone time of the texts it gave each model."""
    settings = Settings(index_dir=index_dir, backend=backend, sentence_vectors=kept,
                        sentence_backend=sentences)
    shutil.rmtree(index_dir, ignore_errors=True)
    embedder = Embedder.from_settings(settings)
    embedder.encode(["warm up"] * 8)
    recording = Recording(embedder)
    indexer = Indexer(settings, recording)
    sentence_model = indexer.analyser.sentence_embedder
    if sentence_model is recording:
        sentence_model = embedder
    sentence_model.encode(["warm up"] * 8)
    sentence_recording = Recording(sentence_model)
    indexer.analyser = Analyser(settings, recording, sentence_embedder=sentence_recording)
    report = indexer.build([corpus], rebuild=True)
    began = time.perf_counter()
    embedder.encode(recording.texts)
    if sentence_recording.texts:
        sentence_model.encode(sentence_recording.texts)
    encode_seconds = time.perf_counter() - began
    build_rate = report.passages_embedded / report.seconds
    encode_rate = report.passages_embedded / encode_seconds
    disk = sum(p.stat().st_size for p in settings.index_dir.rglob("*") if p.is_file()) / 1e6
    return {"passages": report.passages_embedded,
            "texts_encoded": len(recording.texts) + len(sentence_recording.texts),
            "build_seconds": round(report.seconds, 2), "build_passages_per_second": round(build_rate, 1),
            "encode_seconds": round(encode_seconds, 2), "encode_passages_per_second": round(encode_rate, 1),
            "ratio": round(build_rate / encode_rate, 3), "disk_mb": round(disk, 1)}


HEADER = (f"{'build':<32}{'passages':>9}{'build s':>9}{'build p/s':>11}{'encode s':>10}{'encode p/s':>12}"
          f"{'build/encode':>14}{'disk MB':>9}")


def row(label: str, result: dict) -> str:
    return (f"{label:<32}{result['passages']:>9}{result['build_seconds']:>9.1f}"
            f"{result['build_passages_per_second']:>11.1f}{result['encode_seconds']:>10.1f}"
            f"{result['encode_passages_per_second']:>12.1f}{result['ratio']:>13.1%}{result['disk_mb']:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SCIFACT, help="A .jsonl of articles (id, title, text)")
    parser.add_argument("--limit", type=int, default=300, help="Articles taken from the start of the corpus")
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--sentence-vectors", default="on", help="on, off, or on,off to compare the two")
    parser.add_argument("--sentence-backends", default=Settings.model_fields["sentence_backend"].default,
                        help="Models that embed the sentences: onnx-int8, same (the passages' backend), or both")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of every variant, interleaved")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    default_sentences = Settings.model_fields["sentence_backend"].default

    variants = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        for kept in [v.strip() == "on" for v in args.sentence_vectors.split(",") if v.strip()]:
            for sentences in [s.strip() for s in args.sentence_backends.split(",") if s.strip()] if kept else ["same"]:
                label = backend + ("" if not kept or sentences == default_sentences else f", {sentences} sentences")
                variants.append((label + ("" if kept else ", no sentences"), backend, kept, sentences))

    with tempfile.TemporaryDirectory(prefix="newsdex-bench-index-") as scratch:
        corpus = Path(scratch) / "articles.jsonl"
        with open(args.corpus, encoding="utf-8") as source, open(corpus, "w", encoding="utf-8") as target:
            for n, line in enumerate(source):
                if n >= args.limit:
                    break
                target.write(line if line.endswith("\n") else line + "\n")
        print(f"machine: {os.cpu_count()} CPU cores; corpus: first {args.limit} records of {args.corpus}")
        print(HEADER)
        runs: dict[str, list[dict]] = {label: [] for label, *_ in variants}
        for number in range(args.repeat):
            for label, backend, kept, sentences in variants:
                result = build_once(corpus, Path(scratch) / "index", backend, kept, sentences)
                runs[label].append(result)
                print(row(label if args.repeat == 1 else f"{label} #{number + 1}", result), flush=True)
        results = {label: {key: statistics.median(r[key] for r in found) for key in found[0]}
                   for label, found in runs.items()}
        for label, backend, kept, _ in variants:
            alone = results.get(f"{backend}, no sentences")
            if kept and alone is not None:
                results[label]["share_of_no_sentences"] = round(
                    statistics.median(r["build_passages_per_second"] / a["build_passages_per_second"]
                                      for r, a in zip(runs[label], runs[f"{backend}, no sentences"])), 3)
        if args.repeat > 1:
            print(f"median of {args.repeat} interleaved runs")
            print(HEADER)
            for label, result in results.items():
                share = result.get("share_of_no_sentences")
                print(row(label, result) + ("" if share is None else f"   {share:.2f}x no sentences"))
        print(json.dumps(results))


if __name__ == "__main__":
    main()
