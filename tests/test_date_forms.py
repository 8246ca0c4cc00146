"""Date phrases as people write them: month ranges, seasons, parts of a month or year, quarters,
weeks, numeric dates, in English, French, German and Spanish; what `rule` says; the dated eval."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdex.search.question.dates import read_dates

AS_OF = date(2026, 12, 7)  # a day after every month named below without its year
DATED_EVAL = DATA / "dated_eval"


@pytest.mark.parametrize(("question", "since", "until"), [
    # Month ranges: the first month takes the last's year (it used to land a year early).
    ("news between June and August 2023", "2023-06-01", "2023-08-31"),
    ("news from January to March 2023", "2023-01-01", "2023-03-31"),
    ("news between November and February 2024", "2023-11-01", "2024-02-29"),
    ("news from January 2023 to March", "2023-01-01", "2023-03-31"),
    ("news from November 2023 to February", "2023-11-01", "2024-02-29"),
    ("news entre juin et août 2023", "2023-06-01", "2023-08-31"),
    ("news zwischen Juni und August 2023", "2023-06-01", "2023-08-31"),
    ("news von Januar bis März 2023", "2023-01-01", "2023-03-31"),
    ("news entre junio y agosto de 2023", "2023-06-01", "2023-08-31"),
    ("news desde enero hasta marzo de 2023", "2023-01-01", "2023-03-31"),
    # Seasons, northern hemisphere; a winter begins in December of its year.
    ("news in the spring of 2023", "2023-03-01", "2023-05-31"),
    ("news summer 2024", "2024-06-01", "2024-08-31"),
    ("news in the autumn of 2023", "2023-09-01", "2023-11-30"),
    ("news in the fall of '63", "1963-09-01", "1963-11-30"),
    ("news winter of 2022", "2022-12-01", "2023-02-28"),
    ("news winter 2023/24", "2023-12-01", "2024-02-29"),
    ("news in the summer", "2026-06-01", "2026-08-31"),  # no year: the last one begun by the reference day
    ("news im Sommer 2024", "2024-06-01", "2024-08-31"),
    ("news Sommer 2024", "2024-06-01", "2024-08-31"),
    ("news au printemps 2023", "2023-03-01", "2023-05-31"),
    ("news en la primavera de 2023", "2023-03-01", "2023-05-31"),
    ("news invierno de 2022", "2022-12-01", "2023-02-28"),
    # Parts of a month (days 1-10, 11-20, 21 on) and of a year (thirds), halves, quarters.
    ("news early November 2023", "2023-11-01", "2023-11-10"),
    ("news in mid-November 2023", "2023-11-11", "2023-11-20"),
    ("news late February 2023", "2023-02-21", "2023-02-28"),
    ("news late February 2024", "2024-02-21", "2024-02-29"),
    ("news in early March", "2026-03-01", "2026-03-10"),
    ("news mid-2023", "2023-05-01", "2023-08-31"),
    ("news early 2023", "2023-01-01", "2023-04-30"),
    ("news in late 2023", "2023-09-01", "2023-12-31"),
    ("news début novembre 2023", "2023-11-01", "2023-11-10"),
    ("news à la mi-novembre 2023", "2023-11-11", "2023-11-20"),
    ("news fin février 2023", "2023-02-21", "2023-02-28"),
    ("news Anfang November 2023", "2023-11-01", "2023-11-10"),
    ("news Mitte 2023", "2023-05-01", "2023-08-31"),
    ("news Ende Februar 2023", "2023-02-21", "2023-02-28"),
    ("news a principios de noviembre de 2023", "2023-11-01", "2023-11-10"),
    ("news a mediados de 2023", "2023-05-01", "2023-08-31"),
    ("news finales de 2023", "2023-09-01", "2023-12-31"),
    ("news in the first half of 2023", "2023-01-01", "2023-06-30"),
    ("news second half of 2023", "2023-07-01", "2023-12-31"),
    ("news H2 2023", "2023-07-01", "2023-12-31"),
    ("news au premier semestre 2023", "2023-01-01", "2023-06-30"),
    ("news im ersten Halbjahr 2023", "2023-01-01", "2023-06-30"),
    ("news en el primer semestre de 2023", "2023-01-01", "2023-06-30"),
    ("news Q3 2023", "2023-07-01", "2023-09-30"),
    ("news 2023-Q4", "2023-10-01", "2023-12-31"),
    ("news in the third quarter of 2023", "2023-07-01", "2023-09-30"),
    ("news au troisième trimestre 2023", "2023-07-01", "2023-09-30"),
    ("news im dritten Quartal 2023", "2023-07-01", "2023-09-30"),
    ("news im 3. Quartal 2023", "2023-07-01", "2023-09-30"),
    ("news en el tercer trimestre de 2023", "2023-07-01", "2023-09-30"),
    # Weeks: of a month, from a day (that day and the six after it), ISO weeks.
    ("news the first week of March", "2026-03-01", "2026-03-07"),
    ("news in the second week of March 2023", "2023-03-08", "2023-03-14"),
    ("news the last week of February 2024", "2024-02-23", "2024-02-29"),
    ("news la première semaine de mars 2023", "2023-03-01", "2023-03-07"),
    ("news la primera semana de marzo de 2023", "2023-03-01", "2023-03-07"),
    ("news in the week of November 22, 2023", "2023-11-22", "2023-11-28"),
    ("news the week of 28 December 2023", "2023-12-28", "2024-01-03"),
    ("news la semaine du 22 novembre 2023", "2023-11-22", "2023-11-28"),
    ("news die Woche vom 22. November 2023", "2023-11-22", "2023-11-28"),
    ("news la semana del 22 de noviembre de 2023", "2023-11-22", "2023-11-28"),
    ("news 2024-W03", "2024-01-15", "2024-01-21"),
    ("news 2020-W53", "2020-12-28", "2021-01-03"),
    # Numeric dates: month first with "/", day first with "." (the date_order setting's auto).
    ("news 1/18/23", "2023-01-18", "2023-01-18"),
    ("news on 1/18/2023", "2023-01-18", "2023-01-18"),
    ("news 18.01.2023", "2023-01-18", "2023-01-18"),
    ("news 18.01.23", "2023-01-18", "2023-01-18"),
    ("news since 1/18/23", "2023-01-18", None),
    ("news between 1/1/23 and 3/31/23", "2023-01-01", "2023-03-31"),
    # The other cues take every form.
    ("news since early March 2023", "2023-03-01", None),
    ("news before Q3 2023", None, "2023-06-30"),
    ("news after summer 2023", "2023-09-01", None),
    ("news until mid-2023", None, "2023-08-31"),
    ("news between early June and late August 2023", "2023-06-01", "2023-08-31"),
])
def test_a_form_people_write_is_read_as_its_days(question, since, until):
    reading = read_dates(question, AS_OF)
    assert reading is not None, question
    assert (reading.query, reading.since, reading.until) == ("news", since, until)


@pytest.mark.parametrize(("question", "order", "day"), [
    ("news 1/2/23", "auto", "2023-01-02"),
    ("news 1/2/23", "day-first", "2023-02-01"),
    ("news 01.02.2023", "auto", "2023-02-01"),
    ("news 01.02.2023", "month-first", "2023-01-02"),
    ("news 5/6/63", "auto", "1963-05-06"),  # a two-digit year is within 89 years before, 10 after, as_of's
])
def test_numeric_dates_follow_the_date_order_setting(question, order, day):
    reading = read_dates(question, date(1970, 1, 1) if "63" in question else AS_OF, order)
    assert reading is not None and (reading.since, reading.until) == (day, day)
    assert ("month first" if order == "month-first" or (order == "auto" and "/" in question) else "day first") \
        in reading.rule


@pytest.mark.parametrize("question", [
    "March on Washington", "the March on Washington anniversary", "May Day parade", "the 26th of July Movement",
    "the Seventh Fleet", "Mayor Adams said", "Mayor May said",
    "the Prague Spring of 1968",  # a name: a capitalised word before a season with no cue
    "Arab Spring 2011", "hotels in Spring Valley", "the Winter Olympics", "Summer Olympics",
    "GDPR fines of 2023", "Q3 results", "the first half", "version 1.2.23", "13/13/23", "31.02.2023",
    "2021-W53",  # 2021 has 52 ISO weeks
    "the second week", "early voting", "a late fee", "mid-term elections", "the Fall of Saigon",
])
def test_words_that_are_no_date_stay_words(question):
    assert read_dates(question, AS_OF) is None


def test_the_qualifier_and_cue_words_leave_the_question():
    reading = read_dates("what did Kishida say in early November 2023 about Yoon", AS_OF)
    assert reading is not None and reading.query == "what did Kishida say about Yoon"
    assert reading.phrase == "in early November 2023"
    reading = read_dates("what has Kishida said since March", AS_OF)
    assert reading is not None and (reading.query, reading.since) == ("what has Kishida said", "2026-03-01")


@pytest.mark.parametrize(("question", "rule"), [
    ("news between June and August 2023", "between A and B: A month, in B's year; B month"),
    ("news since March", "since A: month (no year: the last one begun by the reference day)"),
    ("news in early November 2023", "part of a month (early: days 1-10, mid: 11-20, late: 21 to the end)"),
    ("news in the week of November 22, 2023", "week of a day (that day and the six after it)"),
    ("news 18.01.2023", "numeric date, day first (date_order auto)"),
    ("news last week", "relative to the reference day (as_of)"),
])
def test_the_rule_says_how_the_phrase_was_read(question, rule):
    reading = read_dates(question, AS_OF)
    assert reading is not None and reading.rule == rule


FORM_WORDS = ("news in since between and to from the early mid- late first second last half quarter week of "
              "spring summer winter fall Q3 H1 2023 '63 1/18/23 18.01.2023 2024-W03 2020-W53 november march "
              "février Sommer primavera de la semaine du 22 , 29 31 february").split()


@settings(max_examples=300, deadline=None)
@given(as_of=st.dates(min_value=date(1000, 1, 1)), words=st.lists(st.sampled_from(FORM_WORDS), max_size=8),
       order=st.sampled_from(["auto", "month-first", "day-first"]))
def test_any_mix_of_form_words_gives_a_range_a_date_can_hold(as_of, words, order):
    reading = read_dates(" ".join(words), as_of, order)
    if reading is not None:
        since, until = (date.fromisoformat(d) if d else None for d in (reading.since, reading.until))
        assert since is not None or until is not None
        assert since is None or until is None or since <= until
        assert reading.rule


def test_the_dated_eval_collection_reads_as_written():
    """Every question of tests/data/dated_eval carries its expected range; the articles it judges exist."""
    articles = {json.loads(line)["id"] for line in (DATED_EVAL / "corpus.jsonl").read_text().splitlines()}
    lines = (DATED_EVAL / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines]
    assert len(questions) >= 30 and all("since" in q and "until" in q for q in questions)
    judged = [line.split("\t")[1] for line in (DATED_EVAL / "qrels.tsv").read_text().splitlines()[1:]]
    assert set(judged) <= articles


# -- a speaker question with a date: both apply, whichever way it is asked -----------------------

SINCE_MARCH = "what has Kennedy said since March"


def _speaker_and_range(response: dict) -> None:
    assert (response["interpreted"]["since"], response["interpreted"]["until"]) == ("1963-03-01", None)
    assert response["speaker"] is not None and "statements by Kennedy come first" in response["speaker"]["reason"]
    quoted = [r for r in response["results"] if r.get("quote")]
    assert quoted and all(r["published"] >= "1963-03-01" for r in response["results"])


def test_a_speaker_question_keeps_to_its_dates_in_every_path(dated_settings, dated_searcher, embedder):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from newsdex.api.app import create_app
    from newsdex.cli import app

    _speaker_and_range(dated_searcher.search(SINCE_MARCH, k=5, as_of="1963-12-31").model_dump())
    _speaker_and_range(dated_searcher.search_many([SINCE_MARCH, "Kennedy"], k=5, as_of="1963-12-31")[0].model_dump())
    with TestClient(create_app(dated_settings, embedder)) as client:
        _speaker_and_range(client.get("/search", params={"q": SINCE_MARCH, "as_of": "1963-12-31", "k": 5}).json())
        body = {"queries": [SINCE_MARCH, "Kennedy"], "as_of": "1963-12-31", "k": 5}
        _speaker_and_range(client.post("/search", json=body).json()["responses"][0])
    shown = CliRunner().invoke(app, ["ask", SINCE_MARCH, "--as-of", "1963-12-31", "-k", "5", "--json"],
                               env={"NEWSDEX_INDEX_DIR": str(dated_settings.index_dir)})
    assert shown.exit_code == 0, shown.output
    _speaker_and_range(json.loads(shown.output))


def test_explain_shows_the_date_phrase_and_its_rule(dated_settings):
    from typer.testing import CliRunner

    from newsdex.cli import app

    shown = CliRunner().invoke(app, ["ask", "Kennedy Vietnam between September and November 1963", "--explain",
                                     "-k", "1"], env={"NEWSDEX_INDEX_DIR": str(dated_settings.index_dir)})
    assert shown.exit_code == 0, shown.output
    assert ("date phrase: 'between September and November 1963', read as between A and B: A month, in B's year; "
            "B month") in shown.output


# -- newsdex eval on a dated collection ------------------------------------------------------------


def test_a_dated_collection_carries_its_expected_ranges(tmp_path):
    from newsdex.search.eval import BadCollection, load_collection

    collection = load_collection(DATED_EVAL)
    assert len(collection.dated) == len((DATED_EVAL / "queries.jsonl").read_text().splitlines())
    last_week = next(q for q in collection.dated.values() if q.text == "news about Berlin last week")
    assert (last_week.since, last_week.until, last_week.as_of) == ("1963-06-23", "1963-06-29", "1963-06-30")
    (tmp_path / "corpus.jsonl").write_text('{"id": "a", "text": "x", "date": "2024-01-01"}\n')
    (tmp_path / "queries.jsonl").write_text('{"id": "q", "text": "x in May", "since": "May 2024", "until": null}\n')
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq\ta\t1\n")
    with pytest.raises(BadCollection, match="since 'May 2024' is not a date written YYYY-MM-DD"):
        load_collection(tmp_path)


def test_newsdex_eval_reports_how_many_questions_got_their_range(tmp_path):
    from typer.testing import CliRunner

    from newsdex.cli import app

    # A question read wrongly is named with what it was read as.
    (tmp_path / "corpus.jsonl").write_text((DATED_EVAL / "corpus.jsonl").read_text())
    (tmp_path / "queries.jsonl").write_text(
        '{"id": "right", "text": "Berlin late June 1963", "since": "1963-06-21", "until": "1963-06-30"}\n'
        '{"id": "wrong", "text": "Berlin in June 1963", "since": "1963-06-01", "until": "1963-06-15"}\n'
        '{"id": "none", "text": "the March on Washington", "since": null, "until": null}\n')
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nright\tberlin-speech\t1\n")
    done = CliRunner().invoke(app, ["eval", str(tmp_path), "--modes", "hybrid", "--json"])
    assert done.exit_code == 0, done.output
    dates = json.loads(done.output)["dates"]
    assert (dates["questions"], dates["right"]) == (3, 2)
    assert dates["misses"] == [{"id": "wrong", "text": "Berlin in June 1963", "expected": ["1963-06-01", "1963-06-15"],
                                "read": ["1963-06-01", "1963-06-30"], "rule": "month"}]
    shown = CliRunner().invoke(app, ["eval", str(DATED_EVAL), "--modes", "hybrid"])
    assert shown.exit_code == 0, shown.output
    assert "date ranges: 40 of 40 questions read as expected" in shown.output
