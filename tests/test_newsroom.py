"""The archive as a newsroom tool (issue 35): calibrated relevance and the floor's note, facets,
pages of results, a person's page and exports, through the Searcher, the API and the CLI, on an
index of the seeds, tests/data/articles and the dated set."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from newsdex.api.app import create_app
from newsdex.cli import app as cli
from newsdex.index.builds import current_build
from newsdex.search import relevance
from newsdex.search.export import COLUMNS, export, result_rows
from newsdex.search.searcher import Searcher


@pytest.fixture(scope="module")
def newsroom(newsroom_settings, embedder):
    with Searcher.open(newsroom_settings, embedder) as searcher:
        yield searcher


@pytest.fixture(scope="module")
def client(newsroom_settings, embedder):
    with TestClient(create_app(newsroom_settings, embedder)) as client:
        yield client


# -- relevance and the floor ------------------------------------------------------------------


@given(st.floats(-1, 1), st.floats(-1, 1))
def test_relevance_rises_with_the_cosine_and_stays_between_0_and_1(a, b):
    low, high = sorted((a, b))
    assert 0 <= relevance.relevance_of(low) <= relevance.relevance_of(high) <= 1


def test_the_floor_is_where_a_match_is_as_likely_as_not():
    at_floor = relevance.CALIBRATION.cosine_at(relevance.FLOOR)
    assert relevance.CALIBRATION.relevance(at_floor) == pytest.approx(0.5)
    assert relevance.in_words(relevance.FLOOR) == "match"
    assert relevance.in_words(relevance.FLOOR - 0.001) == "weak match"
    assert relevance.floor_note(0.9, shown=3, narrowed=None) is None
    assert relevance.floor_note(None, shown=3, narrowed=None) is None


def test_kishida_statements_are_matches_and_the_rest_weak(newsroom):
    answer = newsroom.search("what did Kishida say", k=5)
    quoted = [r for r in answer.results if r.quote is not None]
    assert quoted and all(r.quote.speaker == "Fumio Kishida" for r in quoted)
    assert all(r.relevance == 1.0 and r.match == "strong match" for r in quoted)
    rest = answer.results[len(quoted):]
    assert rest and all(r.match == "weak match" for r in rest)
    assert answer.note is None  # the best result answers


def test_a_question_nothing_answers_is_said_so_and_nothing_is_dropped(newsroom):
    answer = newsroom.search("protein folding in yeast cells", k=5)
    assert len(answer.results) == 5  # shown, not hidden
    assert all(r.match == "weak match" and r.relevance < relevance.FLOOR for r in answer.results)
    assert answer.note is not None and answer.note.startswith("Nothing in the archive answers this well")


def test_a_dated_search_below_the_floor_names_its_range(newsroom):
    answer = newsroom.search("protein folding in yeast cells", since="1963-01-01", until="1963-12-31", k=3)
    assert answer.results and all(r.published[:4] == "1963" for r in answer.results)
    assert answer.note is not None and answer.note.startswith("Nothing between 1963-01-01 and 1963-12-31")
    read = newsroom.search("protein folding in yeast cells in June 1963", k=3)
    assert read.interpreted is not None and read.interpreted.since == "1963-06-01"
    assert read.note is not None and "between 1963-06-01 and 1963-06-30" in read.note


def test_a_good_answer_carries_no_note_and_ranks_a_match_first(newsroom):
    answer = newsroom.search("night trains from Madrid to Paris", k=3)
    assert answer.results[0].match != "weak match" and answer.note is None
    assert any(r.also_in for r in answer.results)  # the wire copy is folded in, not a second result


def test_lexical_mode_has_no_relevance_to_claim(newsroom):
    answer = newsroom.search("night trains", mode="lexical", k=2)
    assert all(r.relevance is None and r.match is None for r in answer.results) and answer.note is None


# -- facets -----------------------------------------------------------------------------------


def _sql_facets(settings, ids: list[int]) -> dict[str, dict[str, int]]:
    """The facets counted again, by hand, over the same passages: the articles each value has."""
    db = sqlite3.connect(current_build(settings.index_dir) / "newsdex.db")
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"SELECT p.article_id, a.source, a.published, a.lang FROM passages p JOIN articles a "
                      f"ON a.id = p.article_id WHERE p.id IN ({marks})", ids).fetchall()
    out: dict[str, dict[str, set]] = {"source": {}, "month": {}, "lang": {}, "speaker": {}}
    for article, source, published, lang in rows:
        for name, value in (("source", source), ("month", published and published[:7]), ("lang", lang)):
            if value:
                out[name].setdefault(value, set()).add(article)
    for speaker, article in db.execute(f"SELECT speaker, article_id FROM statements WHERE passage_id IN ({marks}) "
                                       "AND speaker IS NOT NULL", ids):
        out["speaker"].setdefault(speaker, set()).add(article)
    db.close()
    return {name: {value: len(held) for value, held in values.items()} for name, values in out.items()}


def test_facets_count_the_candidates_articles_as_sql_over_the_same_passages(newsroom, newsroom_settings):
    answer = newsroom.search("what did Kishida say", k=5, facets="source,month,speaker,lang")
    assert answer.facets is not None and list(answer.facets) == ["source", "month", "speaker", "lang"]
    ids = list(range(1, newsroom.store.passage_count() + 10))
    store_counts = newsroom.store.facet_counts(["source", "month", "speaker", "lang"], ids)
    expected = _sql_facets(newsroom_settings, ids)
    for name, pairs in store_counts.items():
        assert dict(pairs) == expected[name], name
    months = [c.value for c in answer.facets["month"]]
    assert months == sorted(months)
    sources = [c.count for c in answer.facets["source"]]
    assert sources == sorted(sources, reverse=True)
    assert "Fumio Kishida" in {c.value for c in answer.facets["speaker"]}


def test_facets_follow_the_filters(newsroom):
    answer = newsroom.search("rail strike", k=3, source="AP", facets="source,month")
    assert answer.facets is not None and [c.value for c in answer.facets["source"]] == ["AP"]
    assert newsroom.search("rail strike", k=3).facets is None  # opt-in


def test_facets_over_http_and_a_bad_one_is_a_problem(client):
    answer = client.get("/search", params={"q": "rail strike", "facets": "source,lang"}).json()
    assert set(answer["facets"]) == {"source", "lang"}
    bad = client.get("/search", params={"q": "rail strike", "facets": "colour"})
    assert bad.status_code == 422 and "facets must be a comma-separated list" in bad.json()["detail"]


# -- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["what did Kishida say", "rail strike in Belgium"])
def test_pages_walk_one_ranking_without_repeats(newsroom, question):
    first = newsroom.search(question, k=3)
    second = newsroom.search(question, k=3, offset=3)
    whole = newsroom.search(question, k=6)
    assert first.has_more and first.next_offset == 3 and second.offset == 3
    assert [r.rank for r in second.results] == [4, 5, 6]
    shown = [(r.passage_id, r.quote.start if r.quote else None) for r in first.results + second.results]
    assert shown == [(r.passage_id, r.quote.start if r.quote else None) for r in whole.results]
    assert len(set(shown)) == len(shown)


def test_the_last_page_says_so(newsroom):
    total = newsroom.store.passage_count()
    last = newsroom.search("rail strike", k=5, offset=total - 2, mode="dense")
    assert len(last.results) <= 2 and not last.has_more and last.next_offset is None
    assert newsroom.search("rail strike", k=5, offset=total + 5).results == []


def test_offset_over_http_and_its_bound(client):
    page = client.get("/search", params={"q": "rail strike", "k": 2, "offset": 2}).json()
    assert [r["rank"] for r in page["results"]] == [3, 4] and page["offset"] == 2
    bad = client.get("/search", params={"q": "rail strike", "offset": 5000})
    assert bad.status_code == 422
    assert bad.json()["detail"] == "offset: offset must be a whole number between 0 and 900, got 5000"
    listing = client.get("/quotes", params={"speaker": "Kishida", "offset": -1})
    assert "between 0 and 1,000,000,000" in listing.json()["detail"]  # a listing keeps its own bound


# -- a person's page --------------------------------------------------------------------------


def test_a_person_page_lists_statements_newest_first_by_month(client):
    person = client.get("/people/Kennedy").json()
    assert person["name"] and person["statements"] >= 2
    months = [group["month"] for group in person["months"]]
    dated = [m for m in months if m != "undated"]
    assert dated == sorted(dated, reverse=True) and len(set(months)) == len(months)
    quotes = [q for group in person["months"] for q in group["quotes"]]
    assert len(quotes) == min(20, person["statements"]) and all(q["title"] for q in quotes)


def test_a_person_page_searches_within_their_statements(client):
    asked = client.get("/people/Kishida", params={"q": "North Korea and Russia"}).json()
    assert asked["q"] == "North Korea and Russia" and asked["months"][0]["month"] == "best first"
    assert all(q["speaker"] == "Fumio Kishida" for q in asked["months"][0]["quotes"])
    nobody = client.get("/people/Nobody%20Atall").json()
    assert nobody["name"] is None and nobody["months"] == [] and nobody["statements"] == 0


# -- exports ----------------------------------------------------------------------------------


def test_search_exports_rows_that_match_the_json(client):
    params = {"q": "what did Kishida say", "k": 4}
    answer = client.get("/search", params=params).json()
    for how in ({"params": {**params, "format": "csv"}}, {"params": params, "headers": {"Accept": "text/csv"}}):
        response = client.get("/search", **how)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert len(rows) == len(answer["results"])
        for row, result in zip(rows, answer["results"]):
            assert row["title"] == result["title"] and row["article_id"] == result["article_id"]
            assert row["text"] == (result["quote"]["text"] if result["quote"] else result["text"])
            assert row["speaker"] == ((result["quote"] or {}).get("speaker") or "")
    lines = client.get("/search", params={**params, "format": "jsonl"}).text.splitlines()
    assert [json.loads(line)["rank"] for line in lines] == [r["rank"] for r in answer["results"]]
    assert set(json.loads(lines[0])) == set(COLUMNS)
    md = client.get("/search", params={**params, "format": "md"}).text
    assert md.startswith("# what did Kishida say") and "Fumio Kishida:" in md


def test_quotes_and_a_person_export_csv(client):
    page = client.get("/quotes", params={"speaker": "Kishida"}).json()
    rows = list(csv.DictReader(io.StringIO(client.get("/quotes", params={"speaker": "Kishida", "format": "csv"}).text)))
    assert [r["text"] for r in rows] == [q["text"] for q in page["quotes"]]
    assert all(r["speaker"] == "Fumio Kishida" for r in rows)
    person = client.get("/people/Kishida", params={"format": "csv"})
    assert person.headers["content-type"].startswith("text/csv") and "Fumio Kishida" in person.text


def test_ask_exports_in_each_format(newsroom_settings, monkeypatch):
    monkeypatch.setenv("NEWSDEX_INDEX_DIR", str(newsroom_settings.index_dir))
    runner = CliRunner()
    as_json = json.loads(runner.invoke(cli, ["ask", "what did Kishida say", "-k", "3", "--json"]).stdout)
    done = runner.invoke(cli, ["ask", "what did Kishida say", "-k", "3", "--format", "csv"])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["title"] for r in rows] == [r["title"] for r in as_json["results"]]
    jsonl = runner.invoke(cli, ["ask", "what did Kishida say", "-k", "3", "--format", "jsonl"]).stdout
    assert [json.loads(line)["rank"] for line in jsonl.splitlines()] == [1, 2, 3]
    assert "Fumio Kishida" in runner.invoke(cli, ["ask", "what did Kishida say", "-k", "3", "--format", "md"]).stdout
    bad = runner.invoke(cli, ["ask", "what did Kishida say", "--format", "xml"])
    assert bad.exit_code == 1 and bad.stderr.strip() == "error: --format must be one of csv, jsonl, md, got 'xml'"


def test_ask_shows_relevance_the_note_facets_and_the_next_page(newsroom_settings, monkeypatch):
    monkeypatch.setenv("NEWSDEX_INDEX_DIR", str(newsroom_settings.index_dir))
    shown = CliRunner().invoke(cli, ["ask", "protein folding in yeast cells", "-k", "2", "--facets", "source",
                                     "--offset", "1"])
    assert shown.exit_code == 0, shown.output
    assert "Nothing in the archive answers this well" in shown.stdout
    assert "2. 0.0" in shown.stdout and "weak match" in shown.stdout
    assert "source: " in shown.stdout and "more: --offset 3" in shown.stdout


def test_markdown_escapes_what_would_become_markup():
    rows = [{"rank": 1, "relevance": 0.5, "title": "A [link](javascript:x)", "source": None, "date": None,
             "url": None, "speaker": None, "text": "*bold*\nnext", "article_id": "a", "passage_id": 1}]
    text = export(rows, "md")
    assert "\\[link\\]" in text and "\\*bold\\*" in text and "\n next" not in text
    assert result_rows([]) == []


def test_a_relevance_just_under_the_floor_never_reads_as_the_floor():
    from newsdex.search.relevance import FLOOR, as_shown, floor_note

    assert as_shown(0.499) == "0.49" and as_shown(FLOOR) == "0.50" and as_shown(1.0) == "1.00"
    assert "relevance is 0.49 (a match is 0.50 or more)" in floor_note(0.499, shown=1, narrowed=None)
