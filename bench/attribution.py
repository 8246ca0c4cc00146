"""Who said what, measured: attribution precision and recall on the hand-labelled sets, and what
finding statements adds to a build's text work.

    .venv/bin/python bench/attribution.py [--corpus ../shared/eval/scifact/corpus.jsonl] [--limit 2000]
        [--quotes ../shared/eval/quotes-bbc-dev] [--quotes-limit N]

Precision: of the statements given a speaker, the share given the right one (a statement
labelled "no speaker" that got one counts against it). Recall: of the labelled statements
with a speaker, the share found with that speaker (tests/data/statements/README.md says
how each set was made). Speed: `statements_in` over each article of the seeds, the test
articles and the corpus' first --limit records, against `sentences` over the same
paragraphs (the splitting every build already does), and against cutting and embedding the
first --model-sample of them (what a build spends on an article), in the same run.

On real text (--quotes, the hand-labelled BBC set; skipped with a line when absent; its
README.md defines the files and the scoring): `statements_in` on each article read as a .txt
file is, matched to the labels by the README's rule (same article, overlapping spans, 60% of
the shorter text's words, greedily one to one). Recall: of the statements labelled with a named
speaker, the share found and given that person (a name, an alias of the article's, or a shorter
form of the name); precision: of the statements found given a person, the share that are that
person's; found: the share of all labelled statements found, whoever was named. By kind
(recall by the label's kind, precision by the found one's), with the misses counted by class.
Then a real index of the same articles is built and each question asked as `ask` does (k=10):
top1, the false rate and the never-speaks violations of the README, by question type. The last
line is all of it as one JSON object. A benchmark, not a test: it asserts nothing
(tests/test_statements.py holds the bounds).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from newsdex.index.articles import Article, article_from_record, article_from_text, load_articles
from newsdex.index.passages import sentences
from newsdex.index.people import attributed
from newsdex.index.statements import KINDS, attribution_scores, statements_in

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "tests" / "data" / "statements"
SCIFACT = ROOT.parent / "shared" / "eval" / "scifact" / "corpus.jsonl"
QUOTES = ROOT.parent / "shared" / "eval" / "quotes-bbc-dev"


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


def speed(items: list[Article], sample: int, embedder) -> dict:
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
        from newsdex.settings import Settings

        analyser = Analyser(Settings(index_dir=ROOT / ".newsdex-bench" / "attribution"), embedder)
        chosen = items[:sample]
        began = time.perf_counter()
        for article in chosen:
            analyser.embedder.encode(analyser.embedding_inputs(article, analyser.passages_for(article)))
        build_seconds = time.perf_counter() - began
        began = time.perf_counter()
        for article in chosen:
            attributed(article.paragraphs, statements_in(article.paragraphs))  # the build's step: statements, people
        mine = time.perf_counter() - began
        print(f"first {len(chosen)} articles: passages + embedding {build_seconds:.2f} s, statements and people "
              f"{mine * 1000:.0f} ms ({100 * mine / build_seconds:.1f}% of that)")
        figures["model_sample"] = {"articles": len(chosen), "passages_and_embedding_s": round(build_seconds, 2),
                                   "statements_ms": round(mine * 1000, 1)}
    return figures


# --- quotes-bbc-dev: statements and speaker questions on real BBC text ----------------------------
# The set's README (../shared/eval/quotes-bbc-dev/README.md) defines the files and the scoring. Its
# text is the BBC's: it is read from there and never copied here; only ids and figures are printed.

MATCH_SHARE = 0.6  # README: a prediction matches a label sharing 60% of the shorter text's words
QUESTION_TYPES = ("speaker", "topic", "name_form", "mentioned_never_speaks")
_WORD = re.compile(r"\w+")
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame", "baroness", "qc"})


def _words(text: str) -> Counter:
    return Counter(_WORD.findall(text.lower()))


def _share(a: Counter, b: Counter) -> float:
    """README's overlap: words in common (as multisets) over the shorter text's words."""
    shorter = min(sum(a.values()), sum(b.values()))
    return sum((a & b).values()) / shorter if shorter else 0.0


def _same_person(given: str | None, speaker: str | None, aliases: Iterable[str] = ()) -> bool:
    """Whether a found speaker name means the labelled person: the name or one of the article's
    aliases for them, or a name ending in the surname whose other words are the person's own
    ("Smith", "Ms Smith", "Finance Minister Jane Smith" beside an alias "the finance minister");
    so "John Smith" is not "Sir Ian Smith", which the README's surname rule cannot tell apart
    (two people of one surname in politics-379)."""
    if not given or not speaker:
        return False
    forms = {speaker.lower(), *(alias.lower() for alias in aliases)}
    if given.lower() in forms:
        return True
    mine = [w for w in _WORD.findall(given.lower()) if w not in _TITLES]
    surname = _WORD.findall(speaker.split()[-1].lower())  # a hyphenated surname is two word tokens
    theirs = {w for form in forms for w in _WORD.findall(form)}
    return bool(mine) and mine[-len(surname):] == surname and set(mine) <= theirs


def _offset_map(clean: str, original: str) -> list[int]:
    """For each offset of the text as newsdex read it, the offset in the labelled text: the
    same where cleaning changed nothing (38 of the 40 articles), else aligned by difflib."""
    if clean == original:
        return list(range(len(clean) + 1))
    mapping = [0] * (len(clean) + 1)
    last = 0
    for block in difflib.SequenceMatcher(None, clean, original, autojunk=False).get_matching_blocks():
        for i in range(last, block.a):
            mapping[i] = block.b  # text cleaning dropped or changed: the next kept character
        for i in range(block.size):
            mapping[block.a + i] = block.b + i
        last = block.a + block.size
    mapping[len(clean)] = len(original)
    return mapping


def _match(found: list[dict], labelled: list[dict]) -> dict[int, int]:
    """Found statement index -> labelled index, one to one, greedily by overlap (README): same
    article, spans that overlap in the labelled text, and 60% of the shorter one's words."""
    pairs = []
    for i, f in enumerate(found):
        for j, lab in enumerate(labelled):
            if f["article_id"] != lab["article_id"] or f["end"] <= lab["char_start"] or lab["char_end"] <= f["start"]:
                continue
            share = _share(f["words"], lab["words"])
            if share >= MATCH_SHARE:
                pairs.append((-share, -sum((f["words"] & lab["words"]).values()), i, j))
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, i, j in sorted(pairs):
        if i not in chosen and j not in taken:
            chosen[i] = j
            taken.add(j)
    return chosen


def _rate(right: int, total: int) -> float:
    return round(right / total, 3) if total else 0.0


def quotes_set(folder: Path, limit: int | None) -> tuple[list[dict], list[dict], list[dict]]:
    """The set's articles (the first `limit`), their labelled statements and the questions on them
    (expected statements cut to those articles; a never-speaks question when its person is named)."""
    def rows(name: str) -> list[dict]:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    corpus = rows("corpus.jsonl")[:limit]
    ids = {row["id"] for row in corpus}
    quotes = [q for q in rows("quotes.jsonl") if q["article_id"] in ids]
    questions = []
    for question in rows("questions.jsonl"):
        kept = [e for e in question["expected_ids"] if e.rsplit("-", 1)[0] in ids]
        if question["type"] == "mentioned_never_speaks":
            if any(question["speaker"] in row["text"] for row in corpus):
                questions.append(question)
        elif kept:
            questions.append({**question, "expected_ids": kept})
    return corpus, quotes, questions


def statement_scores(corpus: list[dict], quotes: list[dict]) -> dict:
    """`statements_in` on each article as a build reads it (a .txt file: title, blank line,
    text), scored against the labels: recall and precision for named speakers, by kind."""
    found = []
    for row in corpus:
        article = article_from_text(f"{row['title']}\n\n{row['text']}\n", article_id=row["id"], origin="bench")
        to_labelled = _offset_map(article.text, row["text"])
        for s in statements_in(article.paragraphs):
            found.append({"article_id": row["id"], "speaker": s.speaker, "kind": s.kind, "words": _words(s.text),
                          "start": to_labelled[s.start], "end": to_labelled[s.end]})
    for q in quotes:
        q["words"] = _words(q["text"])
    matched = _match(found, quotes)
    by_label = {j: i for i, j in matched.items()}

    def right(i: int) -> bool:
        label = quotes[matched[i]] if i in matched else None
        return label is not None and _same_person(found[i]["speaker"], label["speaker"], label["speaker_aliases"])

    figures: dict = {"articles": len(corpus), "labelled": len(quotes), "found": len(found)}
    misses = Counter()
    wrong_given = Counter()
    for j, label in enumerate(quotes):
        if label["speaker"] is None:
            continue
        i = by_label.get(j)
        misses["not_found" if i is None else "no_speaker" if found[i]["speaker"] is None
               else "right" if right(i) else "wrong_speaker"] += 1
    for i, f in enumerate(found):
        if f["speaker"] is not None and not right(i):
            label = quotes[matched[i]] if i in matched else None
            wrong_given["not_a_labelled_statement" if label is None else "labelled_no_speaker"
                        if label["speaker"] is None else "other_person"] += 1
    for kind in (None, *KINDS):
        named = [j for j, q in enumerate(quotes) if q["speaker"] and kind in (None, q["kind"])]
        every = [j for j, q in enumerate(quotes) if kind in (None, q["kind"])]
        given = [i for i, f in enumerate(found) if f["speaker"] and kind in (None, f["kind"])]
        row = {"labelled": len(every), "named": len(named),
               "recall": _rate(sum(j in by_label and right(by_label[j]) for j in named), len(named)),
               "given": len(given), "precision": _rate(sum(right(i) for i in given), len(given)),
               "found_at_all": _rate(sum(j in by_label for j in every), len(every))}
        if kind is None:
            figures.update(row)
        else:
            figures.setdefault("by_kind", {})[kind] = row
    figures["named_misses"] = {name: misses[name] for name in ("not_found", "no_speaker", "wrong_speaker")}
    figures["wrongly_given"] = {name: wrong_given[name]
                                for name in ("not_a_labelled_statement", "labelled_no_speaker", "other_person")}
    return figures


def question_scores(corpus: list[dict], quotes: list[dict], questions: list[dict], embedder, work: Path) -> dict:
    """Build a real index of the articles (as .txt files) and ask each question as `ask` does
    (Searcher.search, k=10); score top1, the false rate and never-speaks violations (README)."""
    from newsdex.index.build import Indexer
    from newsdex.search.searcher import Searcher
    from newsdex.settings import Settings

    texts = work / "articles"
    texts.mkdir(parents=True)
    for row in corpus:
        (texts / f"{row['id']}.txt").write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")
    settings = Settings(index_dir=work / "index")
    began = time.perf_counter()
    Indexer(settings, embedder).build([texts])
    build_seconds = time.perf_counter() - began
    by_id = {q["id"]: q for q in quotes}
    for q in quotes:
        q.setdefault("words", _words(q["text"]))
    rows: dict[str, Counter] = {kind: Counter() for kind in (None, *QUESTION_TYPES)}
    began = time.perf_counter()
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        for question in questions:
            asked = question["speaker"]
            own = [q for q in quotes if q["speaker"] and (q["speaker"] == asked or q["speaker"].endswith(" " + asked)
                                                          or asked.endswith(" " + q["speaker"]))]
            aliases = {a for q in own for a in (q["speaker"], *q["speaker_aliases"])}
            expected = [by_id[e] for e in question["expected_ids"]]
            results = searcher.search(question["question"], k=10).results
            theirs = [r for r in results if r.quote is not None and _same_person(r.quote.speaker, asked, aliases)]
            false = sum(not any(_share(_words(r.quote.text), q["words"]) >= MATCH_SHARE for q in own) for r in theirs)
            first = results[0] if results else None
            hit = (first is not None and first in theirs
                   and any(e["article_id"] == first.article_id and _share(_words(first.quote.text), e["words"])
                           >= MATCH_SHARE for e in expected))
            for key in (None, question["type"]):
                tally = rows[key]
                tally["questions"] += 1
                tally["answerable"] += bool(expected)
                tally["top1"] += hit
                tally["attributed"] += len(theirs)
                tally["false"] += false
                tally["never_violations"] += question["type"] == "mentioned_never_speaks" and bool(theirs)
    finally:
        searcher.close()
    ask_seconds = time.perf_counter() - began

    def figures(t: Counter) -> dict:
        return {"questions": t["questions"], "answerable": t["answerable"], "top1": _rate(t["top1"], t["answerable"]),
                "attributed": t["attributed"], "false": t["false"], "false_rate": _rate(t["false"], t["attributed"]),
                "never_violations": t["never_violations"]}

    per_question = 1000 * ask_seconds / max(1, len(questions))
    return {**figures(rows[None]), "by_type": {kind: figures(rows[kind]) for kind in QUESTION_TYPES},
            "build_s": round(build_seconds, 1), "ask_ms_per_question": round(per_question, 1)}


def quotes_table(folder: Path, limit: int | None, embedder) -> dict | None:
    if not (folder / "quotes.jsonl").is_file():
        print(f"\nquotes: no quote set at {folder}; statements on real text and speaker questions not measured")
        return None
    corpus, quotes, questions = quotes_set(folder, limit)
    s = statement_scores(corpus, quotes)
    print(f"\nquotes ({folder.name}): {s['articles']} articles, {s['labelled']} labelled statements "
          f"({s['named']} with a named speaker), {s['found']} found")
    print(f"{'kind':<10}{'labelled':>9}{'named':>7}{'recall':>8}{'given':>7}{'precision':>11}{'found':>7}")
    for name, row in (("all", s), *s["by_kind"].items()):
        print(f"{name:<10}{row['labelled']:>9}{row['named']:>7}{row['recall']:>8.3f}{row['given']:>7}"
              f"{row['precision']:>11.3f}{row['found_at_all']:>7.3f}")
    print("named statements missed: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["named_misses"].items()))
    print("given a person wrongly: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["wrongly_given"].items()))
    read = [article_from_text(f"{row['title']}\n\n{row['text']}\n", article_id=row["id"], origin="bench")
            for row in corpus]
    began = time.perf_counter()
    for article in read:
        attributed(article.paragraphs, statements_in(article.paragraphs))  # the build's step: statements, people
    step_seconds = time.perf_counter() - began
    with tempfile.TemporaryDirectory(prefix="newsdex-bench-quotes-") as scratch:
        q = question_scores(corpus, quotes, questions, embedder, Path(scratch))
    share = step_seconds / q["build_s"] if q["build_s"] else 0.0
    q["statements_share_of_build"] = round(share, 4)
    print(f"\nstatements and people on these articles: {step_seconds * 1000:.0f} ms, {100 * share:.1f}% of their "
          f"index build ({q['build_s']} s)")
    print(f"\nquestions (k=10; index built in {q['build_s']} s, {q['ask_ms_per_question']} ms a question)")
    print(f"{'type':<24}{'asked':>6}{'answerable':>11}{'top1':>7}{'attributed':>11}{'false':>7}{'false rate':>11}"
          f"{'never':>7}")
    for name, row in (("all", q), *q["by_type"].items()):
        print(f"{name:<24}{row['questions']:>6}{row['answerable']:>11}{row['top1']:>7.3f}{row['attributed']:>11}"
              f"{row['false']:>7}{row['false_rate']:>11.3f}{row['never_violations']:>7}")
    return {"statements": s, "questions": q}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=SCIFACT)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--model-sample", type=int, default=100,
                        help="articles also cut and embedded, to compare with (0: skip the model)")
    parser.add_argument("--quotes", type=Path, default=QUOTES,
                        help="a quote set laid out as quotes-bbc-dev (its README.md); skipped when absent")
    parser.add_argument("--quotes-limit", type=int, default=None, help="only the quote set's first N articles")
    args = parser.parse_args()
    embedder = None
    if args.model_sample or (args.quotes / "quotes.jsonl").is_file():
        from newsdex.index.embedder import Embedder

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        embedder = Embedder()
    results = {"scores": scores_table(), "speed": speed(articles(args.corpus, args.limit), args.model_sample, embedder)}
    quotes = quotes_table(args.quotes, args.quotes_limit, embedder)
    if quotes is not None:
        results["quotes"] = quotes
    print(json.dumps(results))


if __name__ == "__main__":
    main()
