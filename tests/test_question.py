"""One reading of a question (search.question): the `Question` value `read_question` makes, and
every route reading it rather than the text: the retrievers, the filters, the speaker route,
highlights, batches and `interpreted`."""

from __future__ import annotations

import dataclasses
import time

import pytest
from conftest import SEED_QUESTIONS

from newsdex.errors import InvalidQuery
from newsdex.index.stores import Filters
from newsdex.search.options import SearchOptions
from newsdex.search.question import Question, read_question
from newsdex.search.question.speakers import speaker_question

OPTIONS = SearchOptions(as_of="2024-09-15")
SPEAKERS = ["Fumio Kishida", "Shigeru Ishiba", "Yoon Suk Yeol"]


def _read(text: str, options: SearchOptions = OPTIONS, dated: bool = True) -> Question:
    return read_question(text, options, max_chars=1000, speakers=lambda: SPEAKERS, any_passage=lambda _: dated)


def test_a_plain_question_is_its_own_words():
    question = _read("  Where were  North Korean troops deployed? ")
    assert question.text == question.words == "Where were North Korean troops deployed?"
    assert question.terms == ("north", "korean", "troops", "deployed")
    assert question.filters == Filters() and question.dates is None and question.speaker is None
    assert question.interpreted() is None and question.topic == question.text


def test_a_date_phrase_becomes_the_range_and_leaves_the_words():
    question = _read("Kishida Yoon summit in July 2024")
    assert question.words == "Kishida Yoon summit" and question.terms == ("kishida", "yoon", "summit")
    assert (question.filters.since, question.filters.until) == ("2024-07-01", "2024-07-31")
    assert question.dates_applied and question.dates is not None and question.dates.phrase == "in July 2024"
    interpreted = question.interpreted()
    assert interpreted is not None and (interpreted.query, interpreted.applied) == ("Kishida Yoon summit", True)


def test_a_range_no_passage_falls_in_is_read_but_not_applied():
    question = _read("Kishida Yoon summit in July 2024", dated=False)
    assert question.words == question.text and question.filters == Filters()
    assert question.interpreted() is not None and not question.interpreted().applied


def test_since_until_or_no_dates_leave_the_phrase_as_words():
    flagged = _read("summit in July 2024", SearchOptions(since="2024-01-01"))
    unread = _read("summit in July 2024", SearchOptions(dates=False))
    assert flagged.dates is None and flagged.words == "summit in July 2024" and flagged.filters.since == "2024-01-01"
    assert unread.dates is None and unread.filters == Filters()


def test_the_other_filters_travel_with_the_reading():
    options = SearchOptions(source="AA", lang="en", article="x", as_of="2024-09-15")
    question = _read("summit in July 2024", options)
    assert question.filters == Filters(source="AA", since="2024-07-01", until="2024-07-31", article="x", lang="en")
    assert question.lang == "en"


def test_a_speaker_question_is_read_after_its_dates():
    question = _read("what did Kishida say about North Korea in July 2024")
    assert question.speaker is not None
    assert (question.speaker.asked, question.speaker.speakers, question.speaker.topic) == (
        "Kishida", ("Fumio Kishida",), "North Korea")
    assert not question.speaker.explicit and question.topic == "North Korea"
    assert question.speaker.topic_terms == ["north", "korea"]
    assert question.speaker.name_words == {"fumio", "kishida"}
    bare = _read("what did Yoon say")
    assert bare.speaker is not None and bare.speaker.topic == "" and bare.topic == "what did Yoon say"


@pytest.mark.parametrize(("text", "asked", "topic"), [
    ("What did Mr Kishida say?", "Mr Kishida", ""),
    ("what did Prime Minister Kishida say about trade", "Prime Minister Kishida", "trade"),
    ("President Yoon on the treaty", "President Yoon", "the treaty"),
    ("Kishida's view of the summit", "Kishida", "the summit"),
    ("Mr Ishiba's take on trade", "Mr Ishiba", "trade"),
    ("the summit, according to Yoon", "Yoon", "the summit"),
    ("according to Mr Kishida, who leads the talks?", "Mr Kishida", "who leads the talks"),
    ("did Ishiba say that talks will continue", "Ishiba", "talks will continue"),
    ("quotes from Prime Minister Fumio Kishida", "Prime Minister Fumio Kishida", ""),
])
def test_each_question_form_in_any_name_form_finds_the_speaker(text, asked, topic):
    question = _read(text)
    assert question.speaker is not None, text
    assert (question.speaker.asked, question.speaker.topic) == (asked, topic)
    assert len(question.speaker.speakers) == 1


def test_x_on_y_asks_about_x_only_where_the_index_quotes_x():
    assert _read("sanctions on Russia").speaker is None
    assert _read("Macron on Ukraine").speaker is None
    assert _read("what did Macron say about Ukraine").speaker.speakers == ()  # today's note: nobody quoted


def test_speaker_and_date_read_together_and_the_date_is_no_topic():
    question = _read("what has Mr Kishida said since July")
    assert question.dates is not None and question.dates.since == "2024-07-01" and question.dates_applied
    assert question.speaker.speakers == ("Fumio Kishida",) and question.speaker.topic == ""
    assert question.filters.since == "2024-07-01"
    unapplied = _read("Kishida on North Korea since July", dated=False)
    assert not unapplied.dates_applied and unapplied.filters == Filters()
    assert unapplied.speaker.topic == "North Korea"  # the date read, though not applied, is still no topic


@pytest.mark.parametrize("unit", ["Mr ", "according to ", "Kishida on ", "on ", "did X say that ", ", according to X",
                                  "X's view of ", "Prime Minister "])
def test_reading_the_new_speaker_forms_grows_linearly_with_the_question(unit):
    questions = [unit * count + "news" for count in (32, 256)]
    times = []
    for question in questions:
        speaker_question(question)
        began = time.perf_counter()
        for _ in range(3):
            speaker_question(question)
        times.append(time.perf_counter() - began)
    assert times[1] / max(times[0], 1e-6) < 8 * 20, times  # 8x the text: linear, with a wide margin


def test_the_speaker_option_wins_and_keeps_the_questions_topic():
    question = _read("what did Yoon say about the summit", SearchOptions(speaker="kishida"))
    assert question.speaker is not None and question.speaker.explicit
    assert (question.speaker.speakers, question.speaker.topic) == (("Fumio Kishida",), "the summit")
    plain = _read("North Korea", SearchOptions(speaker="Macron"))
    assert plain.speaker is not None and plain.speaker.speakers == () and plain.speaker.topic == "North Korea"


def test_the_index_is_asked_for_its_speakers_only_when_someone_is_asked_about():
    asked: list[int] = []

    def speakers():
        asked.append(1)
        return SPEAKERS

    read_question("Where were the troops?", OPTIONS, max_chars=1000, speakers=speakers)
    assert asked == []
    read_question("what did Kishida say", OPTIONS, max_chars=1000, speakers=speakers)
    assert asked == [1]


@pytest.mark.parametrize("text", ["", " \t", "\x00\x01"])
def test_no_question_is_an_invalid_query(text):
    with pytest.raises(InvalidQuery, match="the question is empty"):
        _read(text)
    with pytest.raises(InvalidQuery, match="the limit is 10"):
        read_question("x" * 11, OPTIONS, max_chars=10)


def test_a_question_is_a_frozen_value():
    question = _read("what did Kishida say")
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.words = "x"  # type: ignore[misc]
    assert question == _read("what did Kishida say")


# -- every route reads the one reading -----------------------------------------------------------


def test_the_searcher_reads_as_the_search_does(searcher):
    question = searcher.read("what did Kishida say about the Putin Kim summit")
    response = searcher.search("what did Kishida say about the Putin Kim summit")
    assert question.speaker is not None and response.speaker is not None
    assert list(question.speaker.speakers) == response.speaker.speakers == ["Fumio Kishida"]
    assert question.speaker.topic == response.speaker.topic == "the Putin Kim summit"
    assert searcher.read("When did Ishiba take office?").speaker is None


def test_a_batch_answers_each_question_as_alone(searcher):
    questions = [q for q, _ in SEED_QUESTIONS[:6]]
    batch = searcher.search_many(questions, k=3, explain=True)
    assert [r.model_dump() for r in batch] == [searcher.search(q, k=3, explain=True).model_dump() for q in questions]


def test_a_statement_result_marks_its_own_words(searcher):
    for result in searcher.search("what did Kishida say about the Putin Kim summit", k=3).results[:2]:
        assert result.quote is not None
        sentence = [h for h in result.highlights if h.kind == "sentence"]
        assert [(h.start, h.end) for h in sentence] == [(result.quote.start, result.quote.end)]
        # the topic's words inside the statement are marked too, nothing outside it
        assert all(result.quote.start <= h.start < h.end <= result.quote.end for h in result.highlights)
