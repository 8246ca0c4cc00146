"""Date phrases in questions: what is read as a range, what is left alone, and how a search applies it."""

from __future__ import annotations

import json
from datetime import date

import pytest

from newsdex.search.dates import read_dates

AS_OF = date(2024, 9, 15)  # a Sunday


@pytest.mark.parametrize(("question", "words", "since", "until"), [
    ("what did Kishida say in July 2024", "what did Kishida say", "2024-07-01", "2024-07-31"),
    ("Kursk since October", "Kursk", "2023-10-01", None),
    ("strikes last week", "strikes", "2024-09-08", "2024-09-14"),
    ("strikes yesterday", "strikes", "2024-09-14", "2024-09-14"),
    ("yesterday", "yesterday", "2024-09-14", "2024-09-14"),
    ("protests in 1963", "protests", "1963-01-01", "1963-12-31"),
    ("news between March and May 2024", "news", "2024-03-01", "2024-05-31"),
    ("Gaza from November to February", "Gaza", "2023-11-01", "2024-02-29"),
    ("what did Kennedy say about Vietnam in November 1963", "what did Kennedy say about Vietnam",
     "1963-11-01", "1963-11-30"),
    ("Kennedy on November 22, 1963", "Kennedy", "1963-11-22", "1963-11-22"),
    ("Kennedy 22 November 1963", "Kennedy", "1963-11-22", "1963-11-22"),
    ("Brexit before 2020", "Brexit", None, "2019-12-31"),
    ("Brexit after March 2019", "Brexit", "2019-04-01", None),
    ("talks until June", "talks", None, "2024-06-30"),
    ("sanctions this year", "sanctions", "2024-01-01", "2024-09-15"),
    ("floods 3 days ago", "floods", "2024-09-12", "2024-09-12"),
    ("elections in the past 2 weeks", "elections", "2024-09-01", "2024-09-15"),
    ("Apple results in 2024-07", "Apple results", "2024-07-01", "2024-07-31"),
    ("oil prices in may", "oil prices", "2024-05-01", "2024-05-31"),
    # Names that are month words, beside a real date phrase: only the phrase goes.
    ("Theresa May in May 2019", "Theresa May", "2019-05-01", "2019-05-31"),
    ("the March on Washington in August 1963", "the March on Washington", "1963-08-01", "1963-08-31"),
    ("the 1963 Test Ban Treaty in July", "the 1963 Test Ban Treaty", "2024-07-01", "2024-07-31"),
    # Other languages, through dateparser.
    ("Was sagte Scholz im März 2024", "Was sagte Scholz", "2024-03-01", "2024-03-31"),
    ("Kursk depuis octobre", "Kursk", "2023-10-01", None),
    ("Macron en mars 2024", "Macron", "2024-03-01", "2024-03-31"),
])
def test_date_phrase_becomes_a_range_and_leaves_the_words(question, words, since, until):
    reading = read_dates(question, AS_OF)
    assert reading is not None
    assert (reading.query, reading.since, reading.until) == (words, since, until)


@pytest.mark.parametrize("question", [
    "Theresa May said",
    "March on Washington",
    "the 1963 Test Ban Treaty",
    "May Day protests",
    "may the talks resume",
    "climate summit 2024",
    "Paris 2024 Olympics",
    "the 2024 election",
    "what did Kishida say",
    "a day to remember",
    "Friday prayers",
    "sun and moon",
    "500 people in 12 cities",
    "what happened on 2024-02-30",  # no such day
])
def test_words_that_are_no_date_phrase_stay_words(question):
    assert read_dates(question, AS_OF) is None


def test_relative_dates_count_from_as_of():
    reading = read_dates("news about Berlin last week", date(1963, 6, 30))
    assert reading is not None
    assert (reading.query, reading.since, reading.until) == ("news about Berlin", "1963-06-23", "1963-06-29")


def test_date_in_the_question_filters_like_since_and_until(dated_searcher):
    response = dated_searcher.search("what did Kennedy say about Vietnam in November 1963", k=5)
    assert response.interpreted is not None
    assert (response.interpreted.since, response.interpreted.until) == ("1963-11-01", "1963-11-30")
    assert response.interpreted.query == "what did Kennedy say about Vietnam"
    # Kennedy's two statements in that article come first, each a result of its own (search.quotes).
    assert {r.article_id for r in response.results} == {"kennedy-vietnam-nov"}
    assert all(r.published.startswith("1963-11") for r in response.results)


def test_last_week_as_of_keeps_to_the_week_before(dated_searcher):
    response = dated_searcher.search("news about Berlin last week", k=5, as_of="1963-06-30")
    assert {r.article_id for r in response.results} == {"berlin-speech", "berlin-wall-visit"}


def test_question_without_a_date_is_answered_as_before(dated_searcher):
    with_reading = dated_searcher.search("what did Kennedy say about Vietnam", k=5, explain=True)
    without = dated_searcher.search("what did Kennedy say about Vietnam", k=5, explain=True, dates=False)
    assert with_reading.interpreted is None
    assert with_reading.model_dump() == without.model_dump()
    assert len(with_reading.results) == 5


def test_a_range_no_article_falls_in_is_read_but_not_applied(dated_searcher):
    # The archive ends in 2019: "in July 2024" filtered would answer nothing at all.
    response = dated_searcher.search("Kennedy Vietnam in July 2024", k=5)
    assert response.interpreted is not None and not response.interpreted.applied
    assert (response.interpreted.since, response.interpreted.until) == ("2024-07-01", "2024-07-31")
    unread = dated_searcher.search("Kennedy Vietnam in July 2024", k=5, dates=False)
    assert [r.passage_id for r in response.results] == [r.passage_id for r in unread.results]
    assert len(response.results) == 5


def test_no_dates_leaves_the_phrase_as_words(dated_searcher):
    response = dated_searcher.search("Kennedy Vietnam in November 1963", k=5, dates=False)
    assert response.interpreted is None
    assert len({r.article_id for r in response.results}) > 1


def test_explicit_since_until_win_over_words(dated_searcher):
    response = dated_searcher.search("Kennedy Vietnam in November 1963", k=5, since="1962-01-01",
                                     until="1962-12-31")
    assert response.interpreted is None
    assert [r.article_id for r in response.results] == ["kennedy-vietnam-1962"]


def test_batch_questions_each_get_their_own_range(dated_searcher):
    first, second, third = dated_searcher.search_many(
        ["Kennedy Vietnam in November 1963", "Kennedy Vietnam in 1962", "Kennedy Vietnam"], k=3)
    assert [r.article_id for r in first.results] == ["kennedy-vietnam-nov"]
    assert [r.article_id for r in second.results] == ["kennedy-vietnam-1962"]
    assert third.interpreted is None and len(third.results) == 3


def test_ask_prints_the_dates_it_read_and_json_carries_interpreted(dated_settings):
    from typer.testing import CliRunner

    from newsdex.cli import app

    env = {"NEWSDEX_INDEX_DIR": str(dated_settings.index_dir)}
    shown = CliRunner().invoke(app, ["ask", "what did Kennedy say about Vietnam in November 1963", "-k", "2"], env=env)
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == "dates: 1963-11-01 to 1963-11-30"
    as_json = CliRunner().invoke(app, ["ask", "news about Berlin last week", "--as-of", "1963-06-30", "--json"],
                                 env=env)
    data = json.loads(as_json.output)
    assert data["interpreted"] == {"query": "news about Berlin", "since": "1963-06-23", "until": "1963-06-29",
                                  "applied": True}
    plain = CliRunner().invoke(app, ["ask", "Kennedy Vietnam", "--json", "--no-dates"], env=env)
    assert json.loads(plain.output)["interpreted"] is None
    explained = CliRunner().invoke(app, ["ask", "Kennedy Vietnam", "--recency", "30d", "--as-of", "1963-12-31",
                                         "--explain"], env=env)
    assert "recency x" in explained.output
    bad = CliRunner().invoke(app, ["ask", "Kennedy", "--recency", "soon"], env=env)
    assert bad.exit_code == 1 and "--recency: recency must be a half-life" in bad.output
    bad = CliRunner().invoke(app, ["ask", "Kennedy", "--as-of", "1963-13-01"], env=env)
    assert bad.exit_code == 1 and "--as-of" in bad.output


def test_api_reads_dates_and_takes_as_of_dates_and_recency(dated_settings, embedder):
    from fastapi.testclient import TestClient

    from newsdex.api.app import create_app

    with TestClient(create_app(dated_settings, embedder)) as client:
        data = client.get("/search", params={"q": "news about Berlin last week", "as_of": "1963-06-30"}).json()
        assert data["interpreted"] == {"query": "news about Berlin", "since": "1963-06-23", "until": "1963-06-29",
                                  "applied": True}
        assert {r["article_id"] for r in data["results"]} == {"berlin-speech", "berlin-wall-visit"}
        off = client.get("/search", params={"q": "news about Berlin last week", "dates": "false"}).json()
        assert off["interpreted"] is None
        body = {"queries": ["Kennedy Vietnam in 1962", "Kennedy Vietnam"], "recency": "30d", "as_of": "1963-12-31",
                "explain": True, "k": 2}
        first, second = client.post("/search", json=body).json()["responses"]
        assert [r["article_id"] for r in first["results"]] == ["kennedy-vietnam-1962"]
        assert all(r["explain"]["recency_factor"] is not None for r in second["results"])
        bad = client.get("/search", params={"q": "Kennedy", "recency": "soon"})
        assert bad.status_code == 422 and "recency must be a half-life" in str(bad.json()["detail"])
