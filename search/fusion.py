"""Reciprocal rank fusion: several rankings of the same items made into one.

Pure functions. RRF (Cormack, Clarke and Büttcher, SIGIR 2009) scores an item by
sum_i w_i / (k + rank_i) over the rankings that contain it, ranks counted from 1.
It needs no score calibration between retrievers, which is why it suits a cosine
similarity and a BM25 score that live on unrelated scales. k = 60 is the paper's
constant; a larger k flattens the difference between the top ranks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item", bound=Hashable)
Group = TypeVar("Group", bound=Hashable)


# Orders items that tie: given the tied items, a sortable key for each. A searcher passes
# the store's (article id, position) of each passage (Store.places), so every store, whatever
# ids it gives passages, puts tied passages in the same order.
TieKey = Callable[[Sequence[Item]], Mapping[Item, Any]]


def rrf(rankings: Sequence[Sequence[Item]], k: int = 60,
        weights: Sequence[float] | None = None, tie_key: TieKey | None = None) -> list[tuple[Item, float]]:
    """(item, fused score) for every item of every ranking, best first.

    Each ranking lists items best first; an item repeated within one ranking counts at
    its first place. Weights (one per ranking, default 1) must be non-negative. Ties are
    broken by the best single rank, then by `tie_key` (default: the item itself), so the
    result does not depend on the order in which the rankings are given.
    """
    if k < 0:
        raise ValueError("k must be non-negative")
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    if any(w < 0 or math.isnan(w) for w in weights):
        raise ValueError("weights must be non-negative")
    parts: dict[Item, list[float]] = {}
    best_rank: dict[Item, int] = {}
    for ranking, weight in zip(rankings, weights):
        seen: set = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:
                continue
            seen.add(item)
            parts.setdefault(item, []).append(weight / (k + rank))
            best_rank[item] = min(best_rank.get(item, rank), rank)
    # fsum is exactly rounded, so the sum cannot depend on the order of its terms.
    fused = {item: math.fsum(p) for item, p in parts.items()}
    if tie_key is not None:
        keys = _tie_keys(list(fused), lambda item: (fused[item], best_rank[item]), tie_key)
        return sorted(fused.items(), key=lambda pair: (-pair[1], best_rank[pair[0]], keys.get(pair[0], 0)))
    try:
        return sorted(fused.items(), key=lambda pair: (-pair[1], best_rank[pair[0]], pair[0]))
    except TypeError:  # tied items of types that do not compare (an int and a str)
        return sorted(fused.items(), key=lambda pair: (-pair[1], best_rank[pair[0]], _order_key(pair[0])))


def settle_ties(ranked: Sequence[tuple[Item, float]], tie_key: TieKey) -> list[tuple[Item, float]]:
    """One retriever's (item, score) list, best first, with items of equal score put in
    `tie_key`'s order: copies of one story score alike, and each store lists them its own way."""
    keys = _tie_keys([item for item, _ in ranked], dict(ranked).__getitem__, tie_key)
    if not keys:
        return list(ranked)
    return sorted(ranked, key=lambda pair: (-pair[1], keys.get(pair[0], 0)))


def _tie_keys(items: Sequence[Item], standing: Callable[[Item], Hashable], tie_key: TieKey) -> Mapping[Item, Any]:
    """`tie_key` of the items whose standing another item shares; {} (and no call) when none does."""
    count = Counter(standing(item) for item in items)
    tied = [item for item in items if count[standing(item)] > 1]
    return tie_key(tied) if tied else {}


def rrf_by_group(rankings: Sequence[Sequence[Item]], group_of: Mapping[Item, Group], k: int = 60,
                 weights: Sequence[float] | None = None, tie_key: TieKey | None = None,
                 group_rankings: Sequence[Sequence[Item]] = (),
                 group_weights: Sequence[float] | None = None) -> list[tuple[Item, float]]:
    """Items fused as their groups (articles) fuse: (item, its group's fused score), best group first.

    Each ranking becomes a ranking of groups, a group placed where its best item is, and
    those are fused by `rrf` together with `group_rankings`: rankings of groups made
    elsewhere (whole-article BM25), each group named by one item of it (an article by its
    lead passage), weighted by `group_weights` (default 1). Within a group, items keep their
    order in the item-level fusion of `rankings`; a group that only `group_rankings` hold
    enters by the item that names it; groups tied in the group fusion go by their best
    item's score there. This is what an article-level answer needs: when one retriever ranks
    passage A of an article first and the other ranks passage B of it first, fusing
    passages splits the article's two votes between A and B, while fusing articles counts
    both. Every item must have a group in `group_of`; `tie_key` orders tied items as in `rrf`.
    """
    if group_weights is None:
        group_weights = [1.0] * len(group_rankings)
    if len(group_weights) != len(group_rankings):
        raise ValueError("one weight per group ranking")
    items = rrf(rankings, k=k, weights=weights, tie_key=tie_key)
    best_item: dict[Group, float] = {}
    members: dict[Group, list[Item]] = {}
    for item, item_score in items:
        best_item.setdefault(group_of[item], item_score)
        members.setdefault(group_of[item], []).append(item)
    for ranking in group_rankings:
        for item in ranking:
            members.setdefault(group_of[item], [item])
    all_weights = [*(weights if weights is not None else [1.0] * len(rankings)), *group_weights]
    groups = rrf([[group_of[item] for item in ranking] for ranking in [*rankings, *group_rankings]], k=k,
                 weights=all_weights)
    # Whole ranks tie often (ranks 1 and 3 score as 3 and 1 do): tied groups go by their best
    # item's fused score, then as rrf broke the tie (the sort is stable).
    groups.sort(key=lambda pair: (-pair[1], -best_item.get(pair[0], 0.0)))
    return [(item, score) for group, score in groups for item in members[group]]


def with_group_ranking(fused: Sequence[tuple[Item, float]], group_ranking: Sequence[Item],
                       group_of: Mapping[Item, Group], k: int = 60, weight: float = 1.0) -> list[tuple[Item, float]]:
    """`fused` with one more ranking fused in, a ranking of groups (articles): every item of
    the group at rank r gains weight / (k + r), best first again.

    `group_ranking` names each group by one item of it (an article by its lead passage);
    a group none of whose items is in `fused` enters by that item, with that term alone.
    Why: an article's words may be spread over passages that each hold only some of them,
    which a ranking of passages cannot see and a ranking of whole articles can
    (docs/performance.md, "Fusing by article"). Items keep their order within a group, and
    ties keep `fused`'s order (the sort is stable). Every item of either list must have a
    group in `group_of`; a group named twice counts at its first place.
    """
    if k < 0:
        raise ValueError("k must be non-negative")
    if weight < 0 or math.isnan(weight):
        raise ValueError("weight must be non-negative")
    if weight == 0:
        return list(fused)
    term: dict[Group, float] = {}
    entry: dict[Group, Item] = {}
    for rank, item in enumerate(group_ranking, start=1):
        group = group_of[item]
        if group not in term:
            term[group] = weight / (k + rank)
            entry[group] = item
    present = {group_of[item] for item, _ in fused}
    scored = [(item, score + term.get(group_of[item], 0.0)) for item, score in fused]
    scored += [(entry[group], value) for group, value in term.items() if group not in present]
    return sorted(scored, key=lambda pair: -pair[1])


def _order_key(item) -> tuple:
    return (type(item).__name__, item) if isinstance(item, (int, float, str)) else (type(item).__name__, repr(item))
