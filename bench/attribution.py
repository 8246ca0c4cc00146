"""Who said what, measured: attribution precision and recall on the hand-labelled sets, and what
finding statements adds to a build's text work.

    .venv/bin/python bench/attribution.py [--corpus ../shared/eval/scifact/corpus.jsonl] [--limit 2000]

Precision: of the statements given a speaker, the share given the right one (a statement
labelled "no speaker" that got one counts against it). Recall: of the labelled statements
with a speaker, the share found with that speaker (tests/data/statements/README.md says
how each set was made). Speed: `statements_in` over each article of the seeds, the test
articles and the corpus' first --limit records, against `sentences` over the same
paragraphs (the splitting every build already does), and against cutting and embedding the
first --model-sample of them (what a build spends on an article), in the same run. The last
line is all of it as one JSON object. A benchmark, not a test: it asserts nothing
(tests/test_statements.py holds the bounds).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from newsdex.index.articles import Article, article_from_record, load_articles
from newsdex.index.passages import sentences
from newsdex.index.statements import attribution_scores, statements_in

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "tests" / "data" / "statements"
SCIFACT = ROOT.parent / "shared" / "eval" / "scifact" / "corpus.jsonl"


def scores_table() -> dict:
    table = {}
    print(f"{'set':<24}{'labelled':>9}{'speaker':>9}{'given':>7}{'right':>7}{'precision':>11}{'recall':>8}"
          f"{'found':>7}{'kind':>7}")
    for path in sorted(SETS.glob("*.jsonl")):
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        s = attribution_scores(items)
        print(f"{path.stem:<24}{s.labelled:>9}{s.labelled_with_speaker:>9}{s.attributed:>7}{s.correct:>7}"
              f"{s.precision:>11.3f}{s.recall:>8.3f}{s.found:>7.3f}{s.kinds:>7.3f}")
        table[path.stem] = {"labelled": s.labelled, "with_speaker": s.labelled_with_speaker, "given": s.attributed,
                            "right": s.correct, "precision": round(s.precision, 3), "recall": round(s.recall, 3),
                            "found": round(s.found, 3), "kind": round(s.kinds, 3),
                            "wrong": len(s.wrongly_attributed), "missed": len(s.missed)}
        for line in s.wrongly_attributed:
            print(f"    wrong: {line}")
        for line in s.missed:
            print(f"    missed: {line}")
    return table


def articles(corpus: Path, limit: int) -> list[Article]:
    found = [a for a in load_articles([ROOT / "seeds", ROOT / "tests" / "data" / "articles"])
             if isinstance(a, Article)]
    if corpus.is_file():
        with corpus.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if number >= limit:
                    break
                record = json.loads(line)
                found.append(article_from_record({"id": str(record.get("_id", number)), "title": record.get("title"),
                                                  "text": record.get("text") or "-"}, origin="bench"))
    return found


def speed(items: list[Article], sample: int) -> dict:
    began = time.perf_counter()
    found = sum(len(statements_in(a.paragraphs)) for a in items)
    statements_seconds = time.perf_counter() - began
    began = time.perf_counter()
    for article in items:
        for paragraph in article.paragraphs:
            sentences(paragraph)
    split_seconds = time.perf_counter() - began
    print(f"\n{len(items)} articles, {found} statements found: statements_in {statements_seconds * 1000:.0f} ms, "
          f"sentence splitting alone {split_seconds * 1000:.0f} ms "
          f"(statements cost {statements_seconds / split_seconds:.1f}x the splitting)")
    figures = {"articles": len(items), "statements": found, "statements_ms": round(statements_seconds * 1000, 1),
               "splitting_ms": round(split_seconds * 1000, 1)}
    if sample:
        # What a build spends on the same articles: cutting passages and embedding them.
        from newsdex.index.analysis import Analyser
        from newsdex.index.embedder import Embedder
        from newsdex.settings import Settings

        analyser = Analyser(Settings(index_dir=ROOT / ".newsdex-bench" / "attribution"), Embedder())
        chosen = items[:sample]
        began = time.perf_counter()
        for article in chosen:
            analyser.embedder.encode(analyser.embedding_inputs(article, analyser.passages_for(article)))
        build_seconds = time.perf_counter() - began
        began = time.perf_counter()
        for article in chosen:
            statements_in(article.paragraphs)
        mine = time.perf_counter() - began
        print(f"first {len(chosen)} articles: passages + embedding {build_seconds:.2f} s, statements "
              f"{mine * 1000:.0f} ms ({100 * mine / build_seconds:.1f}% of that)")
        figures["model_sample"] = {"articles": len(chosen), "passages_and_embedding_s": round(build_seconds, 2),
                                   "statements_ms": round(mine * 1000, 1)}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=SCIFACT)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--model-sample", type=int, default=100,
                        help="articles also cut and embedded, to compare with (0: skip the model)")
    args = parser.parse_args()
    results = {"scores": scores_table(), "speed": speed(articles(args.corpus, args.limit), args.model_sample)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
