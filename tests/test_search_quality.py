"""Hybrid search as users meet it: modes, explain, highlights, filters, grouping, copies, errors."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import DATA, SEED_QUESTIONS

from newsdex import Searcher
from newsdex.errors import ArticleNotFound, InvalidQuery
from newsdex.index.stores import Filters
from newsdex.search.question.terms import query_terms
from newsdex.settings import Settings

COLLECTION = DATA / "seed_eval"



def top3_hit_rate(searcher: Searcher, mode: str) -> float:
    responses = searcher.search_many([q for q, _ in SEED_QUESTIONS], k=3, mode=mode, highlight=False)
    hits = [any(answer in r.text for r in response.results)
            for response, (_, answer) in zip(responses, SEED_QUESTIONS)]
    return sum(hits) / len(hits)


def test_hybrid_finds_the_answer_in_the_top_three_for_nearly_all_seed_questions(searcher):
    rates = {mode: top3_hit_rate(searcher, mode) for mode in ("dense", "lexical", "hybrid")}
    assert rates["hybrid"] >= 0.9, rates
    assert rates["hybrid"] >= max(rates["dense"], rates["lexical"]) - 0.05, rates


def test_every_mode_answers_and_scores_fall(searcher):
    for mode in ("dense", "lexical", "hybrid"):
        response = searcher.search("Kursk troops", k=3, mode=mode)
        assert [r.rank for r in response.results] == [1, 2, 3][:len(response.results)]
        assert response.results
        if mode != "dense":  # a rare name is what dense retrieval alone misses
            assert "Kursk" in response.results[0].text
        scores = [r.score for r in response.results]
        assert scores == sorted(scores, reverse=True)


def test_explain_gives_each_retrievers_rank_and_the_fused_score(searcher):
    response = searcher.search("Where were North Korean troops deployed?", k=5, explain=True)
    for result in response.results:
        e = result.explain
        assert e is not None and e.fused_score == result.score
        assert e.dense_rank is not None or e.lexical_rank is not None
        expected = sum(1 / (60 + rank) for rank in (e.dense_rank, e.lexical_rank) if rank is not None)
        assert e.fused_score == pytest.approx(expected, abs=1e-6)
    top = response.results[0].explain
    assert top.dense_score is not None and top.lexical_score is not None
    assert searcher.search("Kursk", k=1).results[0].explain is None  # only when asked


def test_dense_mode_explains_only_the_dense_side(searcher):
    result = searcher.search("Kursk", k=1, mode="dense", explain=True).results[0]
    assert result.explain.dense_rank == 1 and result.explain.lexical_rank is None
    assert result.explain.fused_score is None and result.score == result.explain.dense_score


def test_highlighted_sentence_holds_the_answer_at_its_offsets(searcher):
    for question, answer in SEED_QUESTIONS[1:10]:  # the first question has several right answers
        top = searcher.search(question, k=1).results[0]
        if answer not in top.text:
            continue
        sentences = [top.text[h.start:h.end] for h in top.highlights if h.kind == "sentence"]
        assert sentences and all(s in top.text and s == s.strip() for s in sentences)
        assert any(answer in s for s in sentences), (question, sentences)
        for h in top.highlights:
            if h.kind == "term":
                assert any(s.start <= h.start < h.end <= s.end for s in top.highlights if s.kind == "sentence")
                assert top.text[h.start:h.end].lower()[:4] in question.lower()


def test_query_term_highlights_mark_the_words_asked_about(searcher):
    top = searcher.search("troops deployed to Kursk", k=1).results[0]
    terms = {top.text[h.start:h.end] for h in top.highlights if h.kind == "term"}
    assert {"troops", "deployed", "Kursk"} <= terms


def test_search_many_matches_search_one_by_one(searcher):
    questions = [q for q, _ in SEED_QUESTIONS[:4]]
    batch = searcher.search_many(questions, k=3, explain=True)
    for question, response in zip(questions, batch):
        single = searcher.search(question, k=3, explain=True)
        assert [r.passage_id for r in response.results] == [r.passage_id for r in single.results]


def test_query_syntax_in_a_question_is_only_words(searcher):
    for question in ['"Kursk', "Kursk NEAR troops", "Kursk*", "title:Kursk", "-Kursk", "(Kursk OR", "AND"]:
        response = searcher.search(question, k=2, mode="lexical")
        assert all("Kursk" in r.text for r in response.results[:1]) or question == "AND"


def test_a_question_of_only_stop_words_finds_nothing_lexically_but_still_answers_dense(searcher):
    assert searcher.search("what is the", k=3, mode="lexical").results == []
    assert len(searcher.search("what is the", k=3, mode="hybrid").results) == 3


def test_bad_options_are_invalid_queries(searcher):
    with pytest.raises(InvalidQuery, match="unknown mode"):
        searcher.search("Kursk", mode="semantic")
    with pytest.raises(InvalidQuery, match="YYYY-MM-DD"):
        searcher.search("Kursk", since="15/11/2024")
    with pytest.raises(InvalidQuery, match="after"):
        searcher.search("Kursk", since="2024-12-01", until="2024-01-01")
    with pytest.raises(InvalidQuery, match="per_article"):
        searcher.search("Kursk", per_article=0)
    with pytest.raises(InvalidQuery, match="empty"):
        searcher.search(" \x00\t ")
    with pytest.raises(InvalidQuery, match="limit"):
        searcher.search("Kursk " * 500)
    with pytest.raises(ArticleNotFound):
        searcher.search("Kursk", article="no-such-article")


# -- an index of the seed collection, with sources and dates, plus a story republished twice --

WIRE = ("The Ridgeline rail tunnel will close for two weekends in April so engineers can replace worn track, "
        "the operator said on Monday. Replacement buses will run between Harwick and Lorne, adding about "
        "forty minutes to the journey, and tickets bought for the closed weekends will be refunded.")


@pytest.fixture(scope="module")
def news(tmp_path_factory, embedder):
    from newsdex.index.build import Indexer

    folder = tmp_path_factory.mktemp("news")
    shutil.copy(COLLECTION / "corpus.jsonl", folder / "corpus.jsonl")
    copies = [
        {"id": "wire-herald", "title": "Ridgeline tunnel to close for track work", "text": WIRE,
         "source": "Harwick Herald", "published": "2024-10-14"},
        {"id": "wire-post", "title": "Rail tunnel closures in April", "text": WIRE + "\n\nReporting by the newsroom.",
         "source": "Lorne Post", "published": "2024-10-15"},
    ]
    (folder / "wire.jsonl").write_text("".join(json.dumps(c) + "\n" for c in copies))
    settings = Settings(index_dir=folder / "index", seeds_dir=folder)
    report = Indexer(settings, embedder).build([folder / "corpus.jsonl", folder / "wire.jsonl"])
    assert not report.skipped, report.skipped
    searcher = Searcher.open(settings, embedder=embedder)
    yield searcher
    searcher.close()


def test_filtered_search_still_returns_k_results(news):
    k = len(news.store.article_passages("apec-ishiba-yoon"))
    assert k >= 2
    response = news.search("what Kishida told Yoon about trust", k=k, source="trt world")  # sources match in any case
    assert len(response.results) == k
    assert {r.article_id for r in response.results} == {"apec-ishiba-yoon"}
    assert all(r.source == "TRT World" for r in response.results)
    # The same question unfiltered puts other articles' passages among the first k.
    assert {r.article_id for r in news.search("what Kishida told Yoon about "
                                              "trust", k=k).results} != {"apec-ishiba-yoon"}


def test_date_filters_are_inclusive_and_apply_before_the_cut(news):
    response = news.search("leaders meeting", k=5, since="2024-06-01", until="2024-08-31")
    published = [r.published[:10] for r in response.results]
    assert len(published) == 5 and all("2024-06-01" <= p <= "2024-08-31" for p in published)
    only_day = news.search("wildfire", k=1, since="2024-08-02", until="2024-08-02").results
    assert only_day[0].article_id == "pine-hollow-wildfire"


def test_article_filter_searches_one_article(news):
    response = news.search("Kursk", k=4, article="nato-kishida-yoon", mode="lexical")
    assert response.results == []  # the word is not in that article
    response = news.search("Kursk", k=4, article="nato-kishida-yoon")
    assert response.results and {r.article_id for r in response.results} == {"nato-kishida-yoon"}


def test_per_article_keeps_at_most_n_passages_of_one_article(news):
    unlimited = news.search("Japan South Korea leaders", k=6)
    assert max(sum(r.article_id == a for r in unlimited.results) for a in {r.article_id for r in unlimited.results}) > 1
    grouped = news.search("Japan South Korea leaders", k=6, per_article=1)
    ids = [r.article_id for r in grouped.results]
    assert len(ids) == 6 and len(set(ids)) == 6


def test_a_republished_wire_story_appears_once_with_also_in(news):
    response = news.search("Why will the Ridgeline tunnel close in April?", k=5)
    carrying = [r for r in response.results if "replace worn track" in r.text]
    assert len(carrying) == 1
    first = carrying[0]
    assert {first.article_id, *first.also_in} == {"wire-herald", "wire-post"}
    assert "ridgeline-rail-tunnel" not in first.also_in  # the same topic, written differently, is no copy


# -- the command line ------------------------------------------------------------------------

def _ask(args, index_dir):
    """`newsdex ask` in this process (the console script's own process is smoke-tested in test_cli)."""
    from typer.testing import CliRunner

    from newsdex.cli import app

    result = CliRunner().invoke(app, ["ask", *args], env={"NEWSDEX_INDEX_DIR": str(index_dir)})
    result.returncode = result.exit_code
    return result


@pytest.mark.parametrize("args, message", [
    (["--mode", "semantic"], "unknown mode"),
    (["--since", "2024-02-30"], "YYYY-MM-DD"),
    (["--until", "yesterday"], "YYYY-MM-DD"),
    (["--per-article", "0"], "per_article"),
])
def test_bad_ask_options_fail_in_one_line(args, message, tmp_path):
    done = _ask(["Kursk", *args], tmp_path / "never-built")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "never-built").exists()  # refused before any index is built


def test_ask_without_highlights_returns_the_same_passages_unmarked(seed_settings):
    marked = json.loads(_ask(["Kursk troops", "--json"], seed_settings.index_dir).stdout)["results"]
    done = _ask(["Kursk troops", "--json", "--no-highlight"], seed_settings.index_dir)
    assert done.returncode == 0, done.stderr
    bare = json.loads(done.stdout)["results"]
    assert [r["passage_id"] for r in bare] == [r["passage_id"] for r in marked]
    assert any(r["highlights"] for r in marked) and all(r["highlights"] == [] for r in bare)


def test_ask_json_carries_explain_highlights_and_also_in(seed_settings):
    done = _ask(["Kursk troops", "--json", "--explain", "--k", "2", "--mode", "hybrid", "--per-article", "1"],
                seed_settings.index_dir)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    top = data["results"][0]
    assert {"dense_rank", "dense_score", "lexical_rank", "lexical_score", "fused_score"} <= set(top["explain"])
    assert top["highlights"] and all(0 <= h["start"] < h["end"] <= len(top["text"]) for h in top["highlights"])
    assert "also_in" in top
    assert len({r["article_id"] for r in data["results"]}) == len(data["results"])


def test_ask_explain_prints_ranks_in_the_terminal(seed_settings):
    done = _ask(["Kursk troops", "--explain", "--k", "1"], seed_settings.index_dir)
    assert done.returncode == 0, done.stderr
    assert "dense #" in done.stdout and "lexical #" in done.stdout and "fused" in done.stdout


def test_bm25_ranks_matching_passages_and_honours_a_restriction(searcher):
    store = searcher.store
    kursk = store.lexical_search(["kursk"], 50)
    assert kursk and all("kursk" in store.passages([pid])[pid].text.lower() for pid, _ in kursk)
    assert [s for _, s in kursk] == sorted((s for _, s in kursk), reverse=True)
    # Stemmed: the plural and the singular find the same passages.
    plural = {pid for pid, _ in store.lexical_search(["summits"], 50)}
    assert plural == {pid for pid, _ in store.lexical_search(["summit"], 50)} != set()
    # A filter restricts the candidates: one article's passages, or none at all.
    first, second = store.articles(limit=2)
    words = ["japan", "korea", "said", "kursk"]
    every = {pid for pid, _ in store.lexical_search(words, 50)}
    restricted = {pid for pid, _ in store.lexical_search(words, 50, Filters(article=second.id))}
    assert restricted and restricted <= every & {p.id for p in store.article_passages(second.id)}
    assert restricted != every
    assert store.lexical_search(["kursk"], 50, Filters(source="no such source")) == []
    # Every passage carries its article's title: a word of one title finds all that article's passages.
    word = sorted(set(query_terms(first.title)) - set(query_terms(second.text)), key=len)[-1]
    found = {pid for pid, _ in store.lexical_search([word], 50)}
    assert found == {p.id for p in store.article_passages(first.id)}

