"""`newsdex eval`: how well the index answers a test collection's questions, by the usual measures.

A collection is a folder in one of two layouts:

    corpus.jsonl   {"id" or "_id", "title", "text"} per line         (both layouts)
    queries.jsonl  {"id" or "_id", "text"} per line                  (both layouts)
    qrels.tsv      query-id, corpus-id, score, with a header line    (ours)
    qrels/test.tsv the same                                          (BEIR)

Another split (e.g. train, for tuning) reads `qrels-train.tsv` and, when present,
`queries-train.jsonl` (ours) or `qrels/train.tsv` (BEIR). Scoring is at article level,
as a user with `--per-article 1` sees it: each question is asked for k results (the @k
measures and the latency) and for 100 (Recall@100), an article ranked where its result
is. The measures come from pytrec_eval (trec_eval's own code), not from code of ours.

A dated collection also gives a `date` (YYYY-MM-DD) per corpus record, and `since` and `until`
per question: the range its date phrase should be read as (null for an open end; both null for
a question with no date phrase, such as "the March on Washington"), with an optional `as_of`
(the reference day of "last week"). Each such question is read as a search reads it, and the
report says how many got the expected range (`dates`), naming each one that did not. Its
searches use its `as_of`, so the ranges read are the ones scored.

A question may carry its kind as `metadata.type` (bbc-news: keyword, question, fact, quote);
each mode's measures are then also given per kind (`by_type`), so that a gain on one kind is
not bought with a loss on another.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pytrec_eval

from newsdex.errors import NewsdexError
from newsdex.search.options import MODES, SearchOptions, search_options
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

# How deep each mode's article ranking goes; Recall@100 needs 100.
RUN_DEPTH = 100


class BadCollection(NewsdexError):
    """A test collection folder that is missing a file or holds unreadable records."""


@dataclass(frozen=True)
class DatedQuestion:
    """A question of a dated collection: the range its words should be read as, and its reference day."""

    text: str
    since: str | None
    until: str | None
    as_of: str | None = None


@dataclass
class Collection:
    name: str
    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    dated: dict[str, DatedQuestion] = field(default_factory=dict)  # the questions with an expected range
    types: dict[str, str] = field(default_factory=dict)  # query id -> metadata.type, where given


@dataclass
class DateScores:
    """How many of a dated collection's questions were read as the range expected, and which were not."""

    questions: int
    right: int
    misses: list[dict] = field(default_factory=list)  # {"id", "text", "expected", "read"} per question missed

    def to_json(self) -> dict:
        return {"questions": self.questions, "right": self.right, "misses": self.misses}


@dataclass
class ModeScores:
    measures: dict[str, float]
    latency_ms_p50: float
    latency_ms_p95: float
    by_type: dict[str, dict[str, float]] = field(default_factory=dict)  # kind -> measures, where queries have one


@dataclass
class EvalReport:
    dataset: str
    split: str
    queries: int
    k: int
    articles: int
    passages: int
    index_seconds: float | None
    passages_per_second: float | None
    skipped: int = 0
    backend: str = "torch"
    int8_config: str | None = None  # onnx-int8's quantization family (index.embedder.INT8_CONFIGS)
    modes: dict[str, ModeScores] = field(default_factory=dict)
    dates: DateScores | None = None  # a dated collection's date ranges (see the module's docstring)

    def to_json(self) -> dict:
        return {
            "dataset": self.dataset,
            "split": self.split,
            "backend": self.backend,
            **({"int8_config": self.int8_config} if self.int8_config else {}),
            "queries": self.queries,
            "index": {"articles": self.articles, "passages": self.passages, "seconds": _r(self.index_seconds),
                      "passages_per_second": _r(self.passages_per_second),
                      "skipped": self.skipped},
            "modes": {mode: {**{k: round(v, 4) for k, v in s.measures.items()},
                             "latency_ms_p50": round(s.latency_ms_p50, 1), "latency_ms_p95": round(s.latency_ms_p95, 1),
                             **({"by_type": {kind: {"queries": int(m["queries"]),
                                                    **{k: round(v, 4) for k, v in m.items() if k != "queries"}}
                                             for kind, m in s.by_type.items()}} if s.by_type else {})}
                      for mode, s in self.modes.items()},
            **({"dates": self.dates.to_json()} if self.dates is not None else {}),
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# -- reading a collection ------------------------------------------------------------------

def read_records(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadCollection(f"{path}:{number}: not JSON ({exc.msg})") from None
            key = record.get("id", record.get("_id"))
            if key is None:
                raise BadCollection(f"{path}:{number}: record has no 'id' (or '_id')")
            record["id"] = str(key)
            yield record


def load_collection(data_dir: Path, split: str = "test") -> Collection:
    """The queries and judgments of one split; only queries with at least one judgment are kept."""
    data_dir = Path(data_dir)
    corpus = data_dir / "corpus.jsonl"
    if not corpus.is_file():
        raise BadCollection(f"{data_dir} has no corpus.jsonl: not a test collection")
    candidates = ([data_dir / "qrels.tsv", data_dir / "qrels" / "test.tsv"] if split == "test"
                  else [data_dir / f"qrels-{split}.tsv", data_dir / "qrels" / f"{split}.tsv"])
    qrels_path = next((p for p in candidates if p.is_file()), None)
    if qrels_path is None:
        raise BadCollection(f"{data_dir} has no judgments for split {split!r} (looked for "
                            + ", ".join(str(p.relative_to(data_dir)) for p in candidates) + ")")
    queries_path = data_dir / f"queries-{split}.jsonl"
    if not queries_path.is_file():
        queries_path = data_dir / "queries.jsonl"
    if not queries_path.is_file():
        raise BadCollection(f"{data_dir} has no queries.jsonl")
    qrels = _read_qrels(qrels_path)
    records = list(read_records(queries_path))
    texts = {r["id"]: str(r.get("text", "")) for r in records}
    dated = {r["id"]: _dated(r, queries_path) for r in records if "since" in r or "until" in r}
    types = {r["id"]: str(r["metadata"]["type"]) for r in records
             if isinstance(r.get("metadata"), dict) and r["metadata"].get("type") is not None}
    missing = sorted(set(qrels) - set(texts))
    if missing:
        raise BadCollection(f"{qrels_path.name} judges {len(missing)} queries not in {queries_path.name}, e.g. "
                            f"{missing[0]!r}")
    queries = {qid: texts[qid] for qid in qrels if any(score > 0 for score in qrels[qid].values())}
    qrels = {qid: qrels[qid] for qid in queries}
    return Collection(name=data_dir.resolve().name, corpus=corpus, queries=queries, qrels=qrels, dated=dated,
                      types={qid: kind for qid, kind in types.items() if qid in queries})


def _dated(record: dict, path: Path) -> DatedQuestion:
    """A question's expected range; a BadCollection where a date is not written YYYY-MM-DD."""
    values = {key: record.get(key) for key in ("since", "until", "as_of")}
    for key, value in values.items():
        try:
            if value is not None:
                date.fromisoformat(str(value))
        except ValueError:
            raise BadCollection(f"{path}: question {record['id']!r}: {key} {value!r} is not a date written "
                                "YYYY-MM-DD") from None
    return DatedQuestion(str(record.get("text", "")), *(None if v is None else str(v) for v in values.values()))


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            parts = line.rstrip("\n").split("\t")
            if number == 1 and not parts[-1].strip().lstrip("-").isdigit():
                continue  # the header
            if not line.strip():
                continue
            if len(parts) == 4:  # TREC style: qid, iteration, docid, relevance
                parts = [parts[0], parts[2], parts[3]]
            if len(parts) != 3:
                raise BadCollection(f"{path}:{number}: expected query-id, corpus-id, score")
            try:
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
            except ValueError:
                raise BadCollection(f"{path}:{number}: score {parts[2]!r} is not a whole number") from None
    return qrels


# -- building and running ------------------------------------------------------------------

def write_corpus(collection: Collection, target: Path) -> int:
    """The corpus as records the article loader reads ({"id", "title", "text"}, and "date" where
    a record has one); returns the count."""
    count = 0
    with target.open("w", encoding="utf-8") as out:
        for record in read_records(collection.corpus):
            dated = {"date": str(record["date"])} if record.get("date") else {}
            out.write(json.dumps({"id": record["id"], "title": str(record.get("title") or ""),
                                  "text": str(record.get("text") or ""), **dated}, ensure_ascii=False) + "\n")
            count += 1
    return count


def run_options(mode: str, depth: int = RUN_DEPTH, options: SearchOptions | None = None) -> SearchOptions:
    """How the eval searches in `mode`: `depth` results, an article's best passage only
    (per_article=1), no highlights; the rest (fusion weights, filters) from `options`."""
    return search_options(options, mode=mode, k=depth, per_article=1, highlight=False)


def article_run(searcher: Searcher, queries: dict[str, str], options: SearchOptions,
                as_of: dict[str, str] | None = None) -> tuple[dict[str, dict[str, float]], list[float]]:
    """Each query's ranked articles (scored by rank, so no ties) and each query's latency in seconds.

    `options` come from `run_options`: an article's place is its best passage's; copies
    folded into a result (also_in) follow it directly. `as_of` gives some queries their own
    reference day (a dated collection's).
    """
    depth = options.k
    as_of = as_of or {}
    run: dict[str, dict[str, float]] = {}
    latencies = []
    for qid, text in queries.items():
        asked = search_options(options, as_of=as_of[qid]) if qid in as_of else options
        began = time.perf_counter()
        response = searcher.search(text, asked)
        latencies.append(time.perf_counter() - began)
        ranked: list[str] = []
        for result in response.results:
            for article_id in [result.article_id, *result.also_in]:
                if article_id not in ranked:
                    ranked.append(article_id)
        run[qid] = {article_id: float(len(ranked) - i) for i, article_id in enumerate(ranked[:depth])}
    return run, latencies


def score_run(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], k: int = 10,
              deep_run: dict[str, dict[str, float]] | None = None) -> dict[str, float]:
    """nDCG@k, Recall@k and MRR@k of `run`'s first k articles, and Recall@100 of `deep_run`
    (default `run`), averaged over the judged queries (pytrec_eval).

    `run` and `deep_run` are separate so that the @k measures can come from a search for k
    results, as a user asks it: a search for 100 fuses deeper candidate lists, and its first
    ten are not quite what a search for ten returns.
    """
    run = {qid: run.get(qid, {}) for qid in qrels}
    deep = {qid: (deep_run if deep_run is not None else run).get(qid, {}) for qid in qrels}
    cut_run = {qid: dict(sorted(docs.items(), key=lambda kv: -kv[1])[:k]) for qid, docs in run.items()}
    at_k = pytrec_eval.RelevanceEvaluator(qrels, {f"ndcg_cut.{k}", f"recall.{k}", "recip_rank"})
    at_100 = pytrec_eval.RelevanceEvaluator(qrels, {"recall.100"})
    # pytrec_eval skips queries with an empty ranking; they count as zero here.
    per_query = at_k.evaluate({q: d for q, d in cut_run.items() if d})
    per_query_deep = at_100.evaluate({q: d for q, d in deep.items() if d})
    n = len(qrels)

    def mean(rows: dict, key: str) -> float:
        return sum(row[key] for row in rows.values()) / n if n else 0.0

    return {
        f"ndcg@{k}": mean(per_query, f"ndcg_cut_{k}"),
        f"recall@{k}": mean(per_query, f"recall_{k}"),
        "recall@100": mean(per_query_deep, "recall_100"),
        f"mrr@{k}": mean(per_query, "recip_rank"),
    }


def scores_by_type(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], types: dict[str, str],
                   k: int = 10, deep_run: dict[str, dict[str, float]] | None = None) -> dict[str, dict[str, float]]:
    """`score_run`'s measures for each kind of question (`types`: query id -> kind), with the
    number of queries of that kind (`queries`); {} when no query has a kind."""
    kinds: dict[str, dict[str, dict[str, int]]] = {}
    for qid, judged in qrels.items():
        if qid in types:
            kinds.setdefault(types[qid], {})[qid] = judged
    return {kind: {"queries": float(len(judged)), **score_run(judged, run, k, deep_run)}
            for kind, judged in sorted(kinds.items())}


def date_scores(searcher: Searcher, questions: dict[str, DatedQuestion],
                options: SearchOptions | None = None) -> DateScores:
    """How many `questions` a search reads as their expected range (Searcher.read: the reading a
    search makes, with the index's own check of whether any article falls in the range)."""
    scores = DateScores(questions=len(questions), right=0)
    for qid, question in questions.items():
        read = searcher.read(question.text, search_options(options, **({"as_of": question.as_of}
                                                                        if question.as_of else {})))
        got = [read.dates.since, read.dates.until] if read.dates is not None else [None, None]
        if got == [question.since, question.until]:
            scores.right += 1
        else:
            scores.misses.append({"id": qid, "text": question.text, "expected": [question.since, question.until],
                                  "read": got, **({"rule": read.dates.rule} if read.dates is not None else {})})
    return scores


def evaluate(data_dir: Path, settings: Settings, embedder, *, modes: Sequence[str] = MODES, k: int = 10,
             split: str = "test", index_dir: Path | None = None, progress: bool = False,
             on_skip=None, options: SearchOptions | None = None) -> EvalReport:
    """Build (or reuse) an index of the collection's corpus, run every query in every mode, score.

    Corpus records the loader cannot use are reported (`on_skip`, and the count in the
    report) and count as never retrieved, as they would for a user. `options` carries
    anything else every run should use, e.g. fusion weights being tuned on a train split.
    """
    from newsdex.index.build import Indexer
    from newsdex.index.stores import open_store

    if not 1 <= k <= RUN_DEPTH:
        raise NewsdexError(f"--k must be between 1 and {RUN_DEPTH}")
    # Every mode is checked (an InvalidQuery) before the index is built. Each mode runs twice:
    # k results, as a user asks (the @k measures, and the latency), and RUN_DEPTH for Recall@100.
    runs = {mode: (run_options(mode, k, options), run_options(mode, RUN_DEPTH, options)) for mode in modes}
    collection = load_collection(data_dir, split)
    with tempfile.TemporaryDirectory(prefix="newsdex-eval-") as scratch:
        target = Path(index_dir) if index_dir else Path(scratch) / "index"
        eval_settings = settings.model_copy(update={"index_dir": target})
        index_seconds = rate = None
        skipped = 0
        if not (target / "current").is_symlink():
            corpus = Path(scratch) / "corpus.jsonl"
            write_corpus(collection, corpus)
            report = Indexer(eval_settings, embedder).build([corpus], progress=progress, on_skip=on_skip)
            skipped = len(report.skipped)
            index_seconds = report.seconds
            rate = report.passages_embedded / report.seconds if report.seconds else None
        with open_store(eval_settings) as store:
            stats = store.stats()
        searcher = Searcher.open(eval_settings, embedder=embedder)
        try:
            result = EvalReport(dataset=collection.name, split=split, queries=len(collection.queries), k=k,
                                articles=stats.articles, passages=stats.passages,
                                index_seconds=index_seconds, passages_per_second=rate, skipped=skipped,
                                backend=embedder.backend, int8_config=embedder.int8_config)
            as_of = {qid: q.as_of for qid, q in collection.dated.items() if q.as_of}
            for mode, (user_options, deep_options) in runs.items():
                run, latencies = article_run(searcher, collection.queries, user_options, as_of)
                deep = run if k == RUN_DEPTH else article_run(searcher, collection.queries, deep_options, as_of)[0]
                ms = np.asarray(latencies) * 1000
                result.modes[mode] = ModeScores(score_run(collection.qrels, run, k, deep),
                                                float(np.percentile(ms, 50)) if len(ms) else 0.0,
                                                float(np.percentile(ms, 95)) if len(ms) else 0.0,
                                                scores_by_type(collection.qrels, run, collection.types, k, deep))
            if collection.dated:
                result.dates = date_scores(searcher, collection.dated, options)
        finally:
            searcher.close()
    return result
