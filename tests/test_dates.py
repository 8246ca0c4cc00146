"""Date phrases in questions: what is read as a range, what is left alone, and how a search applies it."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdex.search.question import dates
from newsdex.search.question.dates import MAX_PARSES, read_dates
from newsdex.search.question.speakers import speaker_question

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


# -- the ends of the calendar: a range is cut to 0001-01-01 .. 9999-12-31 -------------------


@pytest.mark.parametrize(("question", "as_of", "since", "until"), [
    ("news in the past 999 years", date(1000, 1, 1), "0001-01-01", "1000-01-01"),  # the earliest as_of reaches day one
    ("news in the past 999 years", date(500, 6, 1), "0001-01-01", "0500-06-01"),  # cut to the first day
    ("news in the past 3 weeks", date(1, 1, 10), "0001-01-01", "0001-01-10"),
    ("news last week", date(1, 1, 3), "0001-01-01", "0001-01-02"),
    ("news yesterday", date(1, 1, 2), "0001-01-01", "0001-01-01"),
    ("news last month", date(1, 2, 10), "0001-01-01", "0001-01-31"),
    ("news before 0001-01-02", AS_OF, None, "0001-01-01"),
    ("news after 9999-12-30", AS_OF, "9999-12-31", None),
    ("news this week", date(9999, 12, 31), "9999-12-27", "9999-12-31"),
])
def test_ranges_near_the_ends_of_the_calendar_are_cut_to_it(question, as_of, since, until):
    reading = read_dates(question, as_of)
    assert reading is not None and (reading.query, reading.since, reading.until) == ("news", since, until)


@pytest.mark.parametrize(("question", "as_of"), [
    ("news yesterday", date(1, 1, 1)),  # was an OverflowError: a 500 over HTTP, a traceback in the terminal
    ("news last week", date(1, 1, 1)),
    ("news last month", date(1, 1, 31)),
    ("news last year", date(1, 6, 1)),
    ("999 days ago news", date(2, 1, 1)),
    ("news 999 months ago", date(50, 1, 1)),
    ("news 999 years ago", date(500, 1, 1)),
    ("news before 0001-01-01", AS_OF),  # not read as the day 0001-01-01 either
    ("news after 9999-12-31", AS_OF),
    ("news after 9999-12", AS_OF),
])
def test_a_phrase_of_no_day_a_date_can_hold_is_left_as_words(question, as_of):
    assert read_dates(question, as_of) is None


def test_29_february_moved_to_a_year_without_one_is_the_28th():
    reading = read_dates("news between 29 February and March 2023", date(2024, 9, 15))
    assert reading is not None and (reading.since, reading.until) == ("2023-02-28", "2023-03-31")


DATE_WORDS = ("news in since before after until between and from to the last past this yesterday today week "
              "month year years days weeks months ago 999 1 29 31 feb november may 2024 1600 2199 0001-01-01 "
              "9999-12-31 0001-01 9999-12 2024-02-29 ,").split()


@settings(max_examples=300, deadline=None)
@given(as_of=st.dates(), words=st.lists(st.sampled_from(DATE_WORDS), max_size=8))
def test_any_question_read_on_any_day_gives_a_range_a_date_can_hold(as_of, words):
    reading = read_dates(" ".join(words), as_of)
    if reading is not None:
        since, until = (date.fromisoformat(d) if d else None for d in (reading.since, reading.until))
        assert since is not None or until is not None
        assert since is None or until is None or since <= until


# -- reading untrusted questions costs milliseconds, whatever they hold ------------------------


FLOOD = "in 31 nov, 2024 " * 62  # about 1,000 characters of a day November never has


def _best_of_3(read: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        began = time.perf_counter()
        read()
        times.append(time.perf_counter() - began)
    return min(times)


def test_a_question_of_date_like_phrases_reads_in_milliseconds():
    read_dates("in July 2024", AS_OF)  # dateparser loaded
    # It used to make about 130 dateparser calls, every one failing.
    assert read_dates(FLOOD, AS_OF) is None
    assert _best_of_3(lambda: read_dates(FLOOD, AS_OF)) < 0.05


def test_at_most_a_few_phrases_reach_dateparser_per_question(monkeypatch):
    calls: list[str] = []
    parse = dates._parse
    monkeypatch.setattr(dates, "_parse", lambda words, as_of: calls.append(words) or parse(words, as_of))
    read_dates(FLOOD, AS_OF)
    assert calls == []  # 31 November is refused before dateparser sees it
    unreadable = " ".join(f"in {day}th mai" for day in range(4, 29)) + " news"  # dateparser reads none of these
    assert read_dates(unreadable, AS_OF) is None
    assert len(calls) == MAX_PARSES
    calls.clear()
    reading = read_dates("news in July 2024 " * 50, AS_OF)
    assert reading is not None and reading.since == "2024-07-01" and len(calls) == 1  # each phrase read once


DATE_VOCABULARY = ["in 31 nov, 2024 ", "in 4th mai ", "between may and ", "from 2024-01 to ", "since 99 days ago ",
                   "in the last 9 days ", ", ", ",", " ", "- ", "1999 ", "2024-01-01 ", "the past ", "29 feb 2023 ",
                   # the periods of search.question.periods
                   "in early November ", "early ", "mid-", "the first week of ", "first half of ", "Q3 ", "summer ",
                   "Spring ", "winter 2022/", "in the spring of ", "the week of ", "week of 31 november ", "1/18/",
                   "18.01.", "1/1/1/", "2024-W", "2020-W53 ", "between summer and ", "de ", "la semaine du 22 ",
                   "a principios de ", "im dritten ", "of '6", "fall of '"]
SPEAKER_VOCABULARY = ["what did ", "ever ", "Kishida-", "what did Kim ever ", "Kishida's comments ", "quotes from ",
                      "show me ", "what did a b c d ", "x'.-", "did X say ", "ever just ", "said about ", "on "]


def _times(read: Callable[[str], object], unit: str, n: int) -> list[float]:
    """Seconds to read questions of n, 2n, 4n and 8n repetitions of `unit` (best of 3 each)."""
    questions = [unit * count + "news" for count in (n, 2 * n, 4 * n, 8 * n)]
    for question in questions:  # a first call (dateparser loading a language) is not timed
        read(question)
    return [_best_of_3(functools.partial(read, question)) for question in questions]


@pytest.mark.parametrize("unit", DATE_VOCABULARY)
def test_reading_dates_grows_linearly_with_the_question(unit):
    times = _times(lambda question: read_dates(question, AS_OF), unit, 8)
    assert times[-1] / max(times[0], 1e-6) < 20, times  # linear: about 8; quadratic: about 64


@pytest.mark.parametrize("unit", SPEAKER_VOCABULARY)
def test_reading_a_speaker_question_grows_linearly_with_the_question(unit):
    times = _times(speaker_question, unit, 32)
    assert times[-1] / max(times[0], 1e-6) < 20, times


def test_date_in_the_question_filters_like_since_and_until(dated_searcher):
    response = dated_searcher.search("what did Kennedy say about Vietnam in November 1963", k=5)
    assert response.interpreted is not None
    assert (response.interpreted.since, response.interpreted.until) == ("1963-11-01", "1963-11-30")
    assert response.interpreted.query == "what did Kennedy say about Vietnam"
    # Kennedy's two statements in that article come first, each a result of its own (search.speaker_route).
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
                                  "applied": True, "phrase": "last week",
                                  "rule": "relative to the reference day (as_of)"}
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
                                       "applied": True, "phrase": "last week",
                                       "rule": "relative to the reference day (as_of)"}
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
