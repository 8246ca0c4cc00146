"""Search options: checked once, in SearchOptions, with one message per option; per-question fusion."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest
import typer
from conftest import SEED_QUESTIONS
from pydantic import ValidationError

from newsdex.cli import ask_app
from newsdex.errors import InvalidQuery
from newsdex.flags import ASK_FLAGS
from newsdex.search.options import (
    MAX_ARTICLE_ID_CHARS,
    MAX_OFFSET,
    Page,
    SearchOptions,
    check_page,
    describe,
    search_options,
)
from newsdex.search.question.dates import EARLIEST_AS_OF, read_dates
from newsdex.settings import Settings

OPTIONS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "guide" / "asking.md"


def problem(**values) -> str:
    with pytest.raises(ValidationError) as caught:
        SearchOptions(**values)
    return describe(caught.value)


@pytest.mark.parametrize("k", [True, False, "5", 5.0, 0, 101, None])
def test_k_is_a_whole_number_from_1_to_100_never_a_flag_or_text(k):
    assert problem(k=k) == f"k must be between 1 and 100 (a whole number), got {k!r}"


@pytest.mark.parametrize("value", ["2024-02-30", "2024-13-01", "2024-2-3", "15/11/2024", "yesterday", "",
                                   " 2024-01-01", date(2024, 1, 1), 20240101])
def test_dates_are_written_yyyy_mm_dd(value):
    for name in ("since", "until"):
        assert problem(**{name: value}).startswith(f"{name} must be a date written YYYY-MM-DD, got ")


def test_as_of_is_a_day_from_which_every_relative_phrase_stays_on_the_calendar():
    for early in ("0001-01-01", "0500-01-01", "0999-12-31"):
        assert problem(as_of=early) == f"as_of must be a date written YYYY-MM-DD, 1000-01-01 or later, got '{early}'"
    assert problem(as_of="2024-02-30").startswith("as_of must be a date written YYYY-MM-DD")
    assert SearchOptions(as_of="1000-01-01").reference_day() == EARLIEST_AS_OF
    assert SearchOptions(as_of="9999-12-31").as_of == "9999-12-31"
    # The farthest back each relative phrase reaches, from the earliest as_of: still a range.
    for phrase in ("yesterday", "last week", "last month", "last year", "the past 999 days", "the past 999 weeks",
                   "the past 999 months", "the past 999 years", "999 days ago", "999 weeks ago", "999 months ago",
                   "999 years ago"):
        reading = read_dates(f"news {phrase}", EARLIEST_AS_OF)
        assert reading is not None and reading.since is not None and reading.since >= "0001-01-01", phrase
    # since and until take any day a date can hold: no arithmetic is done on them.
    assert SearchOptions(since="0001-01-01", until="9999-12-31").until == "9999-12-31"


def test_since_after_until_is_refused_and_the_same_day_is_not():
    assert problem(since="2024-12-01", until="2024-01-01") == "since (2024-12-01) is after until (2024-01-01)"
    assert SearchOptions(since="2024-08-02", until="2024-08-02").since == "2024-08-02"


@pytest.mark.parametrize("values, message", [
    ({"mode": "semantic"}, "unknown mode 'semantic': choose one of dense, lexical, hybrid"),
    ({"mode": None}, "unknown mode None: choose one of dense, lexical, hybrid"),
    ({"per_article": 0}, "per_article must be a whole number of at least 1, got 0"),
    ({"per_article": "1"}, "per_article must be a whole number of at least 1, got '1'"),
    ({"explain": "true"}, "explain must be true or false, got 'true'"),
    ({"highlight": 1}, "highlight must be true or false, got 1"),
    ({"source": 5}, "source must be text of at most 200 characters, got 5"),
    ({"dense_weight": -1}, "dense_weight must be a number of at least 0, got -1"),
    ({"lexical_weight": math.nan}, "lexical_weight must be a number of at least 0, got nan"),
    ({"lexical_weight": math.inf}, "lexical_weight must be a number of at least 0, got inf"),
    ({"article_weight": -0.5}, "article_weight must be a number of at least 0, got -0.5"),
    ({"dense_weight": "2"}, "dense_weight must be a number of at least 0, got '2'"),
    ({"rrf_k": -1}, "rrf_k must be a whole number between 0 and 10,000, got -1"),
    ({"rrf_k": 10_001}, "rrf_k must be a whole number between 0 and 10,000, got 10001"),
    ({"candidates": 0}, "candidates must be a whole number between 1 and 10,000, got 0"),
    ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
])
def test_each_option_has_one_message_naming_it(values, message):
    assert problem(**values) == message


@pytest.mark.parametrize("speaker", ["!!!", "", "--", "   "])
def test_a_speaker_without_a_letter_is_told_so_not_that_it_is_too_long(speaker):
    assert problem(speaker=speaker) == f"speaker must be a name with a letter or digit in it, got {speaker!r}"


def test_a_speaker_too_long_is_told_its_length():
    assert problem(speaker="x" * 201) == ("speaker must be a name of at most 200 characters, "
                                          "got a text of 201 characters")


@pytest.mark.parametrize("values, message", [
    ({"offset": 99999999999999999999}, "offset must be a whole number between 0 and 1,000,000,000, "
                                       "got 99999999999999999999"),
    ({"offset": 2**63}, "offset must be a whole number between 0 and 1,000,000,000, got 9223372036854775808"),
    ({"offset": -1}, "offset must be a whole number between 0 and 1,000,000,000, got -1"),
    ({"offset": "1"}, "offset must be a whole number between 0 and 1,000,000,000, got '1'"),
    ({"limit": 0}, "limit must be a whole number between 1 and 100, got 0"),
    ({"limit": 101}, "limit must be a whole number between 1 and 100, got 101"),
    ({"limit": True}, "limit must be a whole number between 1 and 100, got True"),
    ({"limit": 5.0}, "limit must be a whole number between 1 and 100, got 5.0"),
])
def test_a_page_is_bounded_once_for_every_listing(values, message):
    with pytest.raises(InvalidQuery) as caught:
        check_page(**values)
    assert str(caught.value) == message
    with pytest.raises(InvalidQuery, match="^--offset: offset must be"):
        check_page(offset=-1, names={"offset": "--offset"})
    assert check_page(limit=100, offset=MAX_OFFSET) == Page(limit=100, offset=MAX_OFFSET)


def test_python_listings_check_their_page_too(searcher):
    """SQLite takes an OFFSET of at most 2**63 - 1: past it, sqlite3 raised OverflowError."""
    for listing in (lambda: searcher.quotes("Kishida", offset=2**63), lambda: searcher.speakers(offset=2**63),
                    lambda: searcher.articles(offset=2**63), lambda: searcher.quotes("Kishida", limit=0)):
        with pytest.raises(InvalidQuery, match="must be a whole number between"):
            listing()
    assert searcher.quotes("Kishida", offset=MAX_OFFSET).quotes == []


def test_long_values_are_bounded_and_described_not_repeated():
    assert SearchOptions(article="a" * MAX_ARTICLE_ID_CHARS).article
    message = problem(article="a" * 1_000_000)
    assert message == "article must be an article id of at most 1,000 characters, got a text of 1,000,000 characters"
    assert problem(source="s" * 201).endswith("got a text of 201 characters")


def test_several_problems_make_one_line():
    message = problem(k=0, mode="psychic", since="soon")
    assert "\n" not in message and message.count("; ") == 2
    assert message.startswith("k must be") and "unknown mode 'psychic'" in message and "since must be" in message


def test_good_options_keep_their_values_and_types():
    options = SearchOptions(k=7, mode="lexical", per_article=2, source="AA", since="2024-01-01", until="2024-12-31",
                            article="x/y", explain=True, highlight=False, dense_weight=2, lexical_weight=0.5,
                            rrf_k=0, candidates=10)
    assert options.dense_weight == 2.0 and isinstance(options.dense_weight, float)  # JSON 2 is a weight
    assert (options.k, options.mode, options.rrf_k, options.candidates) == (7, "lexical", 0, 10)
    with pytest.raises(ValidationError):
        options.k = 3  # frozen: one checked object, passed around


def test_unset_fusion_options_take_the_settings_values():
    settings = Settings(rrf_k=10, dense_weight=2.0, lexical_weight=0.25, article_weight=0.5, candidates=50)
    filled = SearchOptions().fusion(settings)
    assert (filled.rrf_k, filled.dense_weight, filled.lexical_weight, filled.article_weight,
            filled.candidates) == (10, 2.0, 0.25, 0.5, 50)
    own = SearchOptions(rrf_k=0, lexical_weight=0.0, article_weight=0.0).fusion(settings)
    assert (own.rrf_k, own.dense_weight, own.lexical_weight, own.article_weight, own.candidates) == (0, 2.0, 0.0,
                                                                                                      0.0, 50)
    assert SearchOptions().rrf_k is None  # the options themselves stay as given


def test_keywords_build_options_or_override_given_ones():
    base = SearchOptions(k=3, mode="dense", explain=True)
    assert search_options(base) is base
    merged = search_options(base, mode="lexical", rrf_k=5)
    assert (merged.k, merged.mode, merged.explain, merged.rrf_k) == (3, "lexical", True, 5)
    assert search_options(k=2) == SearchOptions(k=2)
    assert search_options() == SearchOptions()
    with pytest.raises(InvalidQuery, match=r"^k must be between 1 and 100 \(a whole number\), got True$"):
        search_options(base, k=True)
    with pytest.raises(InvalidQuery, match="colour: Extra inputs are not permitted"):
        search_options(colour="blue")
    with pytest.raises(TypeError, match="k=3"):
        search_options(3)  # the old positional k


def test_describe_leads_with_the_name_the_user_typed():
    with pytest.raises(ValidationError) as caught:
        SearchOptions(per_article=0, since="2024-13-01")
    assert describe(caught.value, names=ASK_FLAGS) == (
        "--per-article: per_article must be a whole number of at least 1, got 0; "
        "--since: since must be a date written YYYY-MM-DD, got '2024-13-01'")


def test_every_option_has_an_ask_flag_and_a_row_in_the_docs():
    assert set(ASK_FLAGS) == set(SearchOptions.model_fields)
    flags = {opt for param in typer.main.get_command(ask_app).params
             for opt in [*param.opts, *getattr(param, "secondary_opts", [])]}  # --dates/--no-dates
    assert set(ASK_FLAGS.values()) <= flags, set(ASK_FLAGS.values()) - flags
    page = OPTIONS_PAGE.read_text(encoding="utf-8")  # the search options table of docs/guide/asking.md
    for name, flag in ASK_FLAGS.items():
        rows = [line for line in page.splitlines() if line.startswith(f"| `{name}` |")]
        assert len(rows) == 1, (name, rows)  # each option said once
        assert f"`{flag}" in rows[0], (name, rows[0])


# -- per-question fusion, on the seed index ----------------------------------------------------


def _order(searcher, question, **options) -> list[int]:
    return [r.passage_id for r in searcher.search(question, k=5, highlight=False, **options).results]


def test_per_question_weights_change_the_order(searcher):
    """With one retriever's weight at 0, hybrid ranks as that retriever alone does."""
    differing = [q for q, _ in SEED_QUESTIONS
                 if _order(searcher, q, mode="dense")[:3] != _order(searcher, q, mode="lexical")[:3]]
    assert differing, "every seed question ranks the same by meaning and by words"
    for question in differing[:3]:
        dense, lexical = _order(searcher, question, mode="dense"), _order(searcher, question, mode="lexical")
        assert _order(searcher, question, lexical_weight=0.0) == dense
        only_words = _order(searcher, question, dense_weight=0.0)
        assert only_words[:len(lexical)] == lexical
        assert only_words[:3] != _order(searcher, question, lexical_weight=0.0)[:3]
    assert searcher.settings.lexical_weight == 1.0 and searcher.settings.dense_weight == 1.0  # per question only


def test_per_question_rrf_k_and_weights_set_the_fused_score(searcher):
    question = "Where were North Korean troops deployed?"
    response = searcher.search(question, k=5, explain=True, rrf_k=1, dense_weight=2.0, lexical_weight=0.5)
    for result in response.results:
        e = result.explain
        expected = sum(w / (1 + rank) for w, rank in ((2.0, e.dense_rank), (0.5, e.lexical_rank)) if rank is not None)
        assert result.score == pytest.approx(expected, abs=1e-6)
    assert response.results[0].score > 0.5  # 1/61 and 1/62 would be near 0.03
    plain = searcher.search(question, k=1, explain=True).results[0]
    assert plain.score < 0.05  # the Settings' rrf_k = 60 again


def test_candidates_per_question_reach_the_retrievers(searcher):
    """With one candidate from each retriever, a result was first in one list and absent from the other."""
    def first(question, mode):
        return searcher.search(question, k=1, mode=mode, highlight=False).results[0].passage_id

    question = next((q for q, _ in SEED_QUESTIONS if first(q, "dense") != first(q, "lexical")), None)
    assert question, "every seed question has the same best passage by meaning and by words"
    top = searcher.search(question, k=1, explain=True).results[0].explain
    assert top.dense_rank is not None and top.lexical_rank is not None  # the default hands over 100 each
    one = searcher.search(question, k=1, explain=True, candidates=1).results[0]
    ranks = (one.explain.dense_rank, one.explain.lexical_rank)
    assert ranks in ((1, None), (None, 1)), ranks
    assert one.passage_id in (first(question, "dense"), first(question, "lexical"))


def test_an_options_object_and_keywords_answer_alike(searcher):
    options = SearchOptions(k=3, mode="lexical", explain=True)
    assert searcher.search("Kursk", options) == searcher.search("Kursk", k=3, mode="lexical", explain=True)
    batch = searcher.search_many(["Kursk", "Camp David"], options, k=2)
    assert batch == [searcher.search(q, k=2, mode="lexical", explain=True) for q in ("Kursk", "Camp David")]
    with pytest.raises(TypeError):
        searcher.search("Kursk", 3)
    with pytest.raises(InvalidQuery, match=r"^k must be between 1 and 100 \(a whole number\), got '3'$"):
        searcher.search("Kursk", k="3")
