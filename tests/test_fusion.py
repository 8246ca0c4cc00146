"""Reciprocal rank fusion: the properties hybrid search relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdex.search.fusion import rrf, rrf_by_group, with_group_ranking

rankings_st = st.lists(st.lists(st.integers(0, 30), max_size=15, unique=True), min_size=1, max_size=4)


def test_rrf_scores_by_reciprocal_rank():
    fused = dict(rrf([[1, 2, 3], [3, 1]], k=60))
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[2] == pytest.approx(1 / 62)


def test_weights_scale_each_ranking():
    fused = dict(rrf([[1], [2]], k=0, weights=[2.0, 0.5]))
    assert fused == {1: 2.0, 2: 0.5}


def test_bad_weights_are_refused():
    with pytest.raises(ValueError):
        rrf([[1], [2]], weights=[1.0])
    with pytest.raises(ValueError):
        rrf([[1]], weights=[-1.0])


def test_an_item_repeated_in_one_ranking_counts_once_at_its_first_place():
    assert dict(rrf([[1, 1, 2]], k=0)) == pytest.approx({1: 1.0, 2: 1 / 3})


@given(rankings_st, st.randoms())
def test_fusion_does_not_depend_on_the_order_of_the_rankings(rankings, rnd):
    weights = [rnd.choice([0.5, 1.0, 2.0]) for _ in rankings]
    order = list(range(len(rankings)))
    rnd.shuffle(order)
    shuffled = rrf([rankings[i] for i in order], k=60, weights=[weights[i] for i in order])
    assert shuffled == rrf(rankings, k=60, weights=weights)


@given(rankings_st, st.integers(0, 100))
def test_an_item_ranked_first_everywhere_wins(rankings, k):
    winner = 999
    fused = rrf([[winner] + r for r in rankings], k=k)
    assert fused[0][0] == winner
    assert all(score < fused[0][1] for _, score in fused[1:])


@given(rankings_st)
def test_every_item_appears_once_best_first(rankings):
    fused = rrf(rankings)
    items = [item for item, _ in fused]
    assert sorted(items) == sorted({i for r in rankings for i in r})
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)


def test_fusing_by_article_counts_both_votes_for_an_article_split_across_its_passages():
    # Dense likes passage a1 of article A best, BM25 passage a2 of A; both rank B's b1 second.
    owner = {"a1": "A", "a2": "A", "b1": "B"}
    rankings = [["a1", "b1"], ["a2", "b1"]]
    assert [i for i, _ in rrf(rankings)][0] == "b1"  # by passage, A's two votes are split
    fused = rrf_by_group(rankings, owner)
    assert [i for i, _ in fused] == ["a1", "a2", "b1"]  # A's passages together, in passage-fusion order
    assert dict(fused) == pytest.approx({"a1": 2 / 61, "a2": 2 / 61, "b1": 2 / 62})


@given(rankings_st, st.integers(1, 5))
def test_fusing_by_article_keeps_every_passage_once_with_each_article_together(rankings, articles):
    owner = {i: i % articles for ranking in rankings for i in ranking}
    fused = rrf_by_group(rankings, owner)
    assert sorted(i for i, _ in fused) == sorted(owner)
    order = [owner[i] for i, _ in fused]
    assert order == sorted(order, key=order.index)  # an article's passages are never interleaved with another's
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)
    by_article = dict(rrf([[owner[i] for i in ranking] for ranking in rankings]))
    assert all(score == by_article[owner[i]] for i, score in fused)


def test_an_article_ranking_lifts_every_passage_of_an_article_its_passages_split():
    # Dense finds B's b1 first and A's a1 second, BM25 C's c1 first and A's a2 second;
    # whole-article BM25 finds A first and D second.
    owner = {"a0": "A", "a1": "A", "a2": "A", "b1": "B", "c1": "C", "d0": "D"}
    fused = rrf([["b1", "a1"], ["c1", "a2"]])
    assert [i for i, _ in fused] == ["b1", "c1", "a1", "a2"]
    lifted = with_group_ranking(fused, ["a0", "d0"], owner, k=60, weight=1.0)
    assert [i for i, _ in lifted] == ["a1", "a2", "b1", "c1", "d0"]  # A's order kept; D enters by its lead passage
    assert dict(lifted) == pytest.approx({"a1": 1 / 62 + 1 / 61, "a2": 1 / 62 + 1 / 61, "b1": 1 / 61,
                                          "c1": 1 / 61, "d0": 1 / 62})


def test_an_article_ranking_of_weight_0_changes_nothing_and_a_bad_weight_is_refused():
    fused = rrf([[1, 2, 3]])
    assert with_group_ranking(fused, [3], {1: "x", 2: "y", 3: "z"}, weight=0) == fused
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError):
            with_group_ranking(fused, [3], {1: "x", 2: "y", 3: "z"}, weight=bad)


@given(rankings_st, st.lists(st.integers(0, 40), max_size=10), st.integers(1, 6),
       st.floats(0, 3, allow_nan=False))
def test_an_article_ranking_keeps_each_item_once_and_each_articles_order(rankings, leads, articles, weight):
    owner = {i: i % articles for i in range(41)}
    fused = rrf(rankings)
    lifted = with_group_ranking(fused, leads, owner, weight=weight)
    items = [i for i, _ in lifted]
    assert len(items) == len(set(items))
    assert set(items) >= {i for i, _ in fused}
    assert set(items) - {i for i, _ in fused} <= set(leads)  # new items are leads of articles fused had none of
    scores = [score for _, score in lifted]
    assert scores == sorted(scores, reverse=True)
    for article in set(owner.values()):  # within an article, the passage fusion's order
        before = [i for i, _ in fused if owner[i] == article]
        assert [i for i in items if owner[i] == article and i in before] == before


def test_a_group_ranking_votes_beside_the_item_rankings():
    owner = {1: "a", 2: "a", 3: "b", 4: "c"}
    # Items alone put b first (ranks 1 and 1) and a second; a group ranking with a first
    # and c (which no item ranking holds) second lifts a to the top and brings c in by its item.
    fused = rrf_by_group([[3, 1], [3, 2]], owner, k=0, group_rankings=[[2, 4]], group_weights=[3.0])
    assert [item for item, _ in fused] == [1, 2, 3, 4]
    assert dict(fused)[1] == pytest.approx(1 / 2 + 1 / 2 + 3.0)
    assert dict(fused)[4] == pytest.approx(3.0 / 2)
    assert rrf_by_group([[3, 1], [3, 2]], owner, k=0) == rrf_by_group([[3, 1], [3, 2]], owner, k=0,
                                                                      group_rankings=[[2, 4]], group_weights=[0.0])[:3]
    with pytest.raises(ValueError):
        rrf_by_group([[1]], owner, group_rankings=[[1]], group_weights=[])
