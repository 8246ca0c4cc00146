"""Recency: the decay on age, its neutral factor for undated articles, and how it reorders a search."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from newsdex.search.recency import decay, recency_factor

TODAY = date(1963, 12, 31)


def test_factor_halves_each_half_life():
    assert recency_factor("1963-12-31", TODAY, 30) == 1.0
    assert recency_factor("1963-12-01", TODAY, 30) == 0.5
    assert recency_factor("1963-11-01", TODAY, 30) == 0.25
    assert recency_factor("1964-01-30", TODAY, 30) == 0.5  # after the reference day: as far from it
    assert recency_factor(None, TODAY, 30) is None


def test_undated_article_gets_the_median_factor_of_the_dated():
    ranking = [(1, 0.03), (2, 0.02), (3, 0.01), (4, 0.005)]
    published = {1: "1963-11-01", 2: None, 3: "1963-12-01", 4: "1963-12-31"}
    order, factors = decay(ranking, published, TODAY, 30)
    assert factors == {1: 0.25, 2: 0.5, 3: 0.5, 4: 1.0}
    assert [pid for pid, _ in order] == [2, 1, 3, 4]  # 0.01, 0.0075, 0.005, 0.005 (tie keeps order)


@given(st.lists(st.floats(min_value=-1, max_value=1), min_size=1, max_size=30))
def test_same_day_articles_keep_their_order(scores):
    ranking = sorted(enumerate(scores), key=lambda pair: -pair[1])
    order, _ = decay(ranking, {pid: "1963-06-01" for pid, _ in ranking}, TODAY, 7)
    assert [pid for pid, _ in order] == [pid for pid, _ in ranking]


def test_recency_reorders_by_age_and_explain_shows_the_factor(dated_searcher):
    question = "Kennedy and Vietnam"  # not a speaker question: statements are ranked by the question alone
    plain = dated_searcher.search(question, k=4, explain=True, dates=False)
    recent = dated_searcher.search(question, k=4, explain=True, recency="30d", as_of="1963-12-31")
    assert all(r.explain.recency_factor is None for r in plain.results)
    assert recent.results[0].article_id == "kennedy-vietnam-nov"
    factors = {r.article_id: r.explain.recency_factor for r in recent.results}
    assert factors["kennedy-vietnam-nov"] == round(0.5 ** (47 / 30), 6)
    ranks = {r.article_id: r.rank for r in recent.results}
    if "kennedy-vietnam-1962" in ranks:
        assert ranks["kennedy-vietnam-1962"] > ranks["kennedy-vietnam-sep"]
    assert [r.score for r in recent.results] == sorted((r.score for r in recent.results), reverse=True)


def test_recency_is_off_by_default(dated_searcher):
    question = "Kennedy advisers Vietnam"
    assert (dated_searcher.search(question, k=5, explain=True).model_dump()
            == dated_searcher.search(question, k=5, explain=True, recency=None).model_dump())
