"""Fit the relevance calibration (search.relevance): a logistic curve from a result's dense
cosine to how likely it is to answer the question, on judged collections.

    .venv/bin/python bench/relevance.py [--data ../shared/eval/scifact,tests/data/seed_eval]
        [--split test] [--queries 300] [--corpus 0] [--depth 10] [--cache .newsdex-bench/relevance]

Each collection's corpus is indexed once (without sentence vectors; cached under --cache),
each judged question is asked in dense mode (k = --depth, highlights off), and every result
is a point: its cosine (Explain.dense_score, the feature search.relevance reads) and whether
the collection judges its article relevant. The points of each collection weigh as much as
those of any other, and relevant points as much as non-relevant ones (a collection's
judgements are mostly "no": unweighted, the curve would mostly learn the base rate), so
0.5 is where a result is as likely to be a match as not: the floor below which the
search calls it a weak match. `--corpus N` keeps the judged documents and the first N others
(0: all), for a quick run. The fit is Newton's method on the weighted log-loss. The last
line is one JSON object: the fit (a, b, the cosine at 0.5), and per collection the points
and how well the curve separates them (AUC, mean relevance of relevant and non-relevant
results). A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from newsdex.index.build import Indexer
from newsdex.index.embedder import Embedder
from newsdex.search.eval import load_collection, write_corpus
from newsdex.search.relevance import CALIBRATION, Calibration
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = f"{ROOT.parent / 'shared' / 'eval' / 'scifact'},{ROOT / 'tests' / 'data' / 'seed_eval'}"


def points(data: Path, split: str, queries: int, corpus: int, depth: int, cache: Path,
           embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """(cosines, labels) of every result of every judged question of one collection."""
    collection = load_collection(data, split)
    settings = Settings(index_dir=cache / f"{data.name}-{split}-{corpus}", sentence_vectors=False)
    if not (settings.index_dir / "current").is_symlink():
        target = cache / f"{data.name}-{split}-{corpus}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_corpus(collection, target)
        if corpus:
            judged = {doc for docs in collection.qrels.values() for doc in docs}
            lines = target.read_text(encoding="utf-8").splitlines()
            kept = [line for line in lines if str(json.loads(line)["id"]) in judged]
            kept += [line for line in lines if str(json.loads(line)["id"]) not in judged][:corpus]
            target.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
        Indexer(settings, embedder).build([target])
    cosines, labels, unscored = [], [], 0
    asked = [(qid, text) for qid, text in collection.queries.items() if qid in collection.qrels][:queries]
    with Searcher.open(settings, embedder) as searcher:
        answers = searcher.search_many([text for _, text in asked], mode="dense", k=depth, per_article=1,
                                       highlight=False, explain=True, dates=False)
    for (qid, _), answer in zip(asked, answers):
        relevant = {doc for doc, grade in collection.qrels[qid].items() if grade > 0}
        for result in answer.results:
            if result.explain is None or result.explain.dense_score is None:
                unscored += 1  # a statement the speaker route put first: scored by its speaker, not its cosine
                continue
            cosines.append(result.explain.dense_score)
            labels.append(1.0 if result.article_id in relevant else 0.0)
    if unscored:
        print(f"{data.name}: {unscored} results without a cosine left out")
    return np.asarray(cosines), np.asarray(labels)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, steps: int = 50) -> tuple[float, float]:
    """(a, b) minimising the weighted log-loss of 1 / (1 + exp(-(a x + b))): Newton's method."""
    a, b = 0.0, 0.0
    design = np.stack([x, np.ones_like(x)], axis=1)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a * x + b)))
        gradient = design.T @ (w * (p - y))
        hessian = design.T @ (design * (w * p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return float(a), float(b)


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """The chance a relevant result scores above a non-relevant one (ties count half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return None
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(above / (len(pos) * len(neg)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA, help="Comma-separated BEIR-style collection folders")
    parser.add_argument("--split", default="test")
    parser.add_argument("--queries", type=int, default=300, help="At most this many judged questions each")
    parser.add_argument("--corpus", type=int, default=0, help="Keep the judged documents and N others (0: all)")
    parser.add_argument("--depth", type=int, default=10, help="Results per question")
    parser.add_argument("--cache", type=Path, default=ROOT / ".newsdex-bench" / "relevance")
    args = parser.parse_args()

    embedder = Embedder()
    xs, ys, ws, rows = [], [], [], {}
    for folder in [Path(p) for p in args.data.split(",") if p]:
        if not (folder / "corpus.jsonl").is_file():
            print(f"skipping {folder}: no corpus.jsonl")
            continue
        x, y = points(folder, args.split, args.queries, args.corpus, args.depth, args.cache, embedder)
        positives = max(int(y.sum()), 1)
        negatives = max(int(len(y) - y.sum()), 1)
        # Each collection weighs 1 in all, half of it on its relevant results.
        w = np.where(y == 1, 0.5 / positives, 0.5 / negatives)
        xs.append(x)
        ys.append(y)
        ws.append(w)
        rows[folder.name] = {"results": len(y), "relevant": int(y.sum()), "cosine_auc": auc(x, y)}
        print(f"{folder.name}: {len(y)} results, {int(y.sum())} relevant", flush=True)
    x, y, w = np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)
    a, b = fit(x, y, w)
    fitted = Calibration(a=round(a, 3), b=round(b, 3))
    for name, (cx, cy) in zip(rows, zip(xs, ys)):
        p = np.asarray([fitted.relevance(float(c)) for c in cx])
        rows[name].update({"mean_relevance_relevant": round(float(p[cy == 1].mean()), 3) if cy.any() else None,
                           "mean_relevance_other": round(float(p[cy == 0].mean()), 3) if (cy == 0).any() else None,
                           "relevant_above_floor": round(float((p[cy == 1] >= 0.5).mean()), 3) if cy.any() else None,
                           "other_below_floor": round(float((p[cy == 0] < 0.5).mean()), 3) if (cy == 0).any()
                           else None})
    loss = float(-(w * (y * np.log(np.clip(1 / (1 + np.exp(-(a * x + b))), 1e-12, 1))
                        + (1 - y) * np.log(np.clip(1 - 1 / (1 + np.exp(-(a * x + b))), 1e-12, 1)))).sum()
                 / w.sum())
    print(f"fit: relevance = 1 / (1 + exp(-({fitted.a} * cosine + {fitted.b}))); 0.5 at cosine "
          f"{fitted.cosine_at(0.5):.3f}; weighted log-loss {loss:.3f}")
    print(f"in code (search.relevance.CALIBRATION): a={CALIBRATION.a}, b={CALIBRATION.b}")
    print(json.dumps({"fit": {"a": fitted.a, "b": fitted.b, "cosine_at_floor": round(fitted.cosine_at(0.5), 4),
                              "log_loss": round(loss, 4) if math.isfinite(loss) else None},
                      "in_code": {"a": CALIBRATION.a, "b": CALIBRATION.b}, "collections": rows}))


if __name__ == "__main__":
    main()
