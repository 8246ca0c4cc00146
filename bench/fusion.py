"""Article-level hybrid quality: each mode as shipped beside a naive baseline, then fusing
passages, fusing articles, and fusing in whole-article BM25 at several weights, swept over
passage size and candidates, on SciFact, on long-article variants of it, and on news
(../shared/eval/bbc-news, BEIR layout: --splits dev,test).

    .venv/bin/python bench/fusion.py [--data ../shared/eval/scifact] [--long 0,6]
        [--passage-tokens 200] [--candidates 100] [--splits train,test] [--article-weights 0.5,1]
        [--cache .newsdex-bench/fusion]

"naive" is the baseline every change is compared with (issue 38): RRF (k = 60) of two article
rankings, whole-article BM25 and dense max-passage (an article where its best passage is),
each ranking every article it can (all passages, all articles), nothing else of newsdex's
ranking (no speaker route, no copies folded); the question's words are those a search reads.
"dense", "lexical" and "hybrid" are the modes as shipped (per_article = 1: articles fused, with the
dense feedback search), hybrid also by question type where the queries give one (metadata.type).

`--long N` joins every N consecutive abstracts of the corpus into one article (each
abstract a paragraph led by its title, the article untitled), and judges an article
relevant where any of its abstracts is: articles of many passages, where dense and BM25
often favour different passages of the same article. Consecutive abstracts are unrelated,
unlike the passages of a news story; `--long topicsN` groups N abstracts about one topic
instead (each abstract in corpus order with its nearest untaken neighbours by the model's
vectors), closer to an article. 0 is SciFact as it is. Each
(collection, passage size) index is built once, without sentence vectors (evaluation
marks no highlights), and kept under --cache (an index kept from before
builds indexed whole articles gets them by one empty update, which embeds nothing). Every
row is `newsdex eval`'s own code (search.eval.evaluate): per_article = 1, an article ranked
where its best result is; "passages fused" and "articles fused" are hybrid without whole-article
BM25 (article_weight 0), "passages + article BM25 w" passages fused with it at weight w. The last line is every row
as one JSON object. A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from newsdex.index.build import Indexer
from newsdex.index.builds import ARTICLE_BM25_DIR
from newsdex.index.embedder import Embedder
from newsdex.search.eval import evaluate, load_collection, read_records, score_run
from newsdex.search.fusion import rrf
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "eval" / "scifact"
CACHE = ROOT / ".newsdex-bench" / "fusion"


def topic_groups(source: Path, n: int, settings: Settings) -> list[list[dict]]:
    """The corpus in groups of `n` abstracts about one topic: each abstract, in corpus order,
    with its n - 1 nearest neighbours not yet taken (cosine of the abstracts' mean passage
    vectors, from the as-is collection's index at the same passage size)."""
    import faiss
    import numpy as np

    from newsdex.index.store import IndexStore

    records = list(read_records(source / "corpus.jsonl"))
    with IndexStore.open(settings.index_dir) as store:
        ids = [int(row[0]) for row in store.db.execute("SELECT id FROM passages ORDER BY id")]
        owner = {i: place[0] for i, place in store.places(ids).items()}
        vectors = store.vectors.reconstruct_batch(np.asarray(ids, dtype=np.int64))
    sums: dict[str, np.ndarray] = {}
    for pid, vector in zip(ids, vectors):
        sums[owner[pid]] = sums.get(owner[pid], 0) + vector
    dimension = vectors.shape[1]
    matrix = np.stack([sums.get(r["id"], np.zeros(dimension, dtype=np.float32)) for r in records]).astype(np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    flat = faiss.IndexFlatIP(dimension)
    flat.add(matrix)
    _, nearest = flat.search(matrix, 200)
    taken = np.zeros(len(records), dtype=bool)
    groups = []
    for i in range(len(records)):
        if taken[i]:
            continue
        members = [i] + [int(j) for j in nearest[i] if j != i and j >= 0 and not taken[j]][:n - 1]
        if len(members) < n:  # the neighbourhood is used up: fill from whatever is left
            members += [int(j) for j in np.flatnonzero(~taken) if j not in members][:n - len(members)]
        taken[members] = True
        groups.append([records[j] for j in members])
    return groups


def long_variant(source: Path, groups: list[list[dict]], target: Path) -> Path:
    """A copy of the collection at `source` whose articles are the abstracts of each group."""
    target.mkdir(parents=True, exist_ok=True)
    owner: dict[str, str] = {}
    with (target / "corpus.jsonl").open("w", encoding="utf-8") as out:
        for number, group in enumerate(groups):
            article = f"long{number}"
            paragraphs = [f"{r.get('title') or ''}\n{r.get('text') or ''}".strip() for r in group]
            out.write(json.dumps({"id": article, "title": "", "text": "\n\n".join(paragraphs)}) + "\n")
            owner.update({r["id"]: article for r in group})
    for name in ("queries.jsonl", "queries-train.jsonl"):
        if (source / name).is_file():
            (target / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    for name in ("qrels.tsv", "qrels-train.tsv"):
        if not (source / name).is_file():
            continue
        judged: dict[tuple[str, str], int] = {}
        for line in (source / name).read_text(encoding="utf-8").splitlines()[1:]:
            qid, doc, score = line.split("\t")
            key = (qid, owner[doc])
            judged[key] = max(judged.get(key, 0), int(score))
        rows = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t{s}" for (q, d), s in judged.items()]
        (target / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return target


def naive(data: Path, settings: Settings, embedder, split: str) -> float:
    """nDCG@10 of the naive baseline (see the module's docstring) on one split of the collection
    whose index `settings` names."""
    collection = load_collection(data, split)
    with Searcher.open(settings, embedder=embedder) as searcher:
        store = searcher.store
        passages, articles = store.passage_count(), store.article_count()
        questions = [searcher.read(text) for text in collection.queries.values()]
        vectors = embedder.encode([q.words for q in questions])
        scores, ids = store.search_vectors(vectors, passages)
        run = {}
        for qid, question, row in zip(collection.queries, questions, ids):
            dense = [int(i) for i in row if i >= 0]
            whole = [i for i, _ in store.article_lexical_search(list(question.terms), articles)]
            owner = {i: place[0] for i, place in store.places(dense + whole).items()}
            fused = rrf([list(dict.fromkeys(owner[i] for i in dense)), [owner[i] for i in whole]], k=60)
            run[qid] = {article: float(len(fused) - n) for n, (article, _) in enumerate(fused[:100])}
    return score_run(collection.qrels, run, 10)["ndcg@10"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SCIFACT)
    parser.add_argument("--long", default="0", help="Comma-separated: 0 (as is), N (N consecutive abstracts an "
                                                     "article) or topicsN (N abstracts on one topic an article)")
    parser.add_argument("--passage-tokens", default="200")
    parser.add_argument("--candidates", default="100")
    parser.add_argument("--splits", default="train,test")
    parser.add_argument("--backend", default="onnx")
    parser.add_argument("--article-weights", default="0.5,1", help="Weights of whole-article BM25 to try")
    parser.add_argument("--cache", type=Path, default=CACHE, help="Where the indexes and long variants are kept")
    args = parser.parse_args()
    cache = args.cache
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    base = Settings(backend=args.backend, sentence_vectors=False)
    embedder = Embedder.from_settings(base)
    print(f"machine: {os.cpu_count()} CPU cores; model {base.model}, backend {args.backend}; nDCG@10 at article "
          "level (per_article = 1)")
    weights = [float(w) for w in args.article_weights.split(",") if w]
    print(f"{'collection':<16} {'split':<6} {'tokens':>6} {'cands':>5} {'dense':>7} {'lexical':>7} {'hybrid':>7} "
          f"{'naive':>7} {'passages fused':>14} {'articles fused':>14}"
          + "".join(f" {'passages + article BM25 ' + str(w):>28}" for w in weights))
    table = []
    for variant in args.long.split(","):
        for tokens in [int(v) for v in args.passage_tokens.split(",")]:
            plain = cache / f"{args.data.name}-{tokens}-{args.backend}"
            if variant == "0":
                name, data = args.data.name, args.data
            else:
                name = f"{args.data.name}-{'long' if variant.isdigit() else ''}{variant}"
                if variant.isdigit():
                    records = list(read_records(args.data / "corpus.jsonl"))
                    groups = [records[i:i + int(variant)] for i in range(0, len(records), int(variant))]
                else:
                    if not (plain / "current").exists():  # the as-is index gives the topics
                        evaluate(args.data, base.model_copy(update={"passage_tokens": tokens}), embedder,
                                 modes=("dense",), split="test", index_dir=plain)
                    groups = topic_groups(args.data, int(variant.removeprefix("topics")),
                                          base.model_copy(update={"index_dir": plain}))
                data = long_variant(args.data, groups, cache / name)
            index_dir = cache / f"{name}-{tokens}-{args.backend}"
            if (index_dir / "current").exists() and not (index_dir / "current" / ARTICLE_BM25_DIR).is_dir():
                Indexer(base.model_copy(update={"passage_tokens": tokens, "index_dir": index_dir}), embedder).delete([])
            for split in args.splits.split(","):
                for candidates in [int(v) for v in args.candidates.split(",")]:
                    row = {}
                    kinds: dict[str, dict[str, float]] = {}
                    shipped = base.model_copy(update={"passage_tokens": tokens, "candidates": candidates})
                    runs = ([("shipped", None, None), ("plain", False, 0.0), ("by article", True, 0.0)]
                            + [(w, False, w) for w in weights])
                    for column, fuse_articles, weight in runs:
                        settings = (shipped if fuse_articles is None else shipped.model_copy(
                            update={"fuse_articles": fuse_articles, "article_weight": weight}))
                        modes = ("dense", "lexical", "hybrid") if column == "shipped" else ("hybrid",)
                        report = evaluate(data, settings, embedder, modes=modes, split=split, index_dir=index_dir)
                        for mode, scores in report.modes.items():
                            row[(mode, column)] = scores.measures["ndcg@10"]
                            if column == "shipped" and mode == "hybrid":
                                kinds = scores.by_type
                    baseline = naive(data, shipped.model_copy(update={"index_dir": index_dir}), embedder, split)
                    print(f"{name:<16} {split:<6} {tokens:>6} {candidates:>5} {row[('dense', 'shipped')]:>7.4f} "
                          f"{row[('lexical', 'shipped')]:>7.4f} {row[('hybrid', 'shipped')]:>7.4f} {baseline:>7.4f} "
                          f"{row[('hybrid', 'plain')]:>14.4f} {row[('hybrid', 'by article')]:>14.4f}"
                          + "".join(f" {row[('hybrid', w)]:>28.4f}" for w in weights), flush=True)
                    if kinds:  # questions of a kind (bbc-news: metadata.type), shipped hybrid
                        shown = [f"{kind} {m['ndcg@10']:.4f} ({int(m['queries'])})" for kind, m in kinds.items()]
                        print(" " * 18 + "hybrid by type: " + ", ".join(shown), flush=True)
                    table.append({"collection": name, "split": split, "passage_tokens": tokens,
                                  "candidates": candidates, "dense": row[("dense", "shipped")],
                                  "lexical": row[("lexical", "shipped")], "hybrid": row[("hybrid", "shipped")],
                                  "naive": baseline, "passages_fused": row[("hybrid", "plain")],
                                  "articles_fused": row[("hybrid", "by article")],
                                  "article_bm25": {str(w): row[("hybrid", w)] for w in weights},
                                  "hybrid_by_type": {kind: m["ndcg@10"] for kind, m in kinds.items()}})
    print(json.dumps({"measure": "ndcg@10", "per_article": 1, "backend": args.backend, "rows": table}))


if __name__ == "__main__":
    main()
