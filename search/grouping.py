"""Turning a ranked list of passages into results a reader wants to see.

Pure functions. Two steps, in this order: copies of the same story (wire copy that
several outlets republished) collapse into their best-ranked passage, which lists the
other articles as `also_in`; then at most N passages of one article are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from newsdex.index.words import WORD

# Two passages of different articles are copies when this share of the shorter one's
# word 3-grams also occurs in the other. Rewrites of one event by different reporters
# stay well below it; a republished wire story with a changed headline or an added
# credit line stays above it.
COPY_THRESHOLD = 0.8
# Passages shorter than this many words are never called copies: a shared quote or a
# stock phrase is not a shared story.
MIN_COPY_WORDS = 12


@dataclass
class Hit:
    """One ranked passage on its way to becoming a result."""

    passage_id: int
    article_id: str
    text: str
    also_in: list[str] = field(default_factory=list)


def shingles(words: Sequence[str]) -> frozenset[int]:
    """The word 3-grams of a passage (lower-cased words), hashed; fewer words make one gram."""
    if len(words) < 3:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    return frozenset(map(hash, zip(words, words[1:], words[2:])))


def passage_grams(text: str) -> tuple[frozenset[int], int]:
    """(shingles, word count) of a passage: what copy detection compares."""
    words = WORD.findall(text.lower())
    return shingles(words), len(words)


def are_copies(a: frozenset, b: frozenset, a_words: int, b_words: int) -> bool:
    """True when the shorter passage is (nearly) contained in the longer one."""
    if min(a_words, b_words) < MIN_COPY_WORDS or not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= COPY_THRESHOLD


def group_hits(hits: Sequence[Hit], *, per_article: int | None = None, limit: int | None = None,
               grams_of: Callable[[str], tuple[frozenset[int], int]] = passage_grams) -> list[Hit]:
    """The hits, best first, with copies folded into `also_in` and at most `per_article` per article.

    A copy is folded into the earlier (better-ranked) hit of another article; the
    copy's own article is listed once in that hit's `also_in`. Stops admitting new hits
    after `limit`, but still looks at up to `limit` more hits for copies of the ones kept
    (copies score alike, so they sit close together in a ranking). `grams_of` is
    `passage_grams`, or a cached one where the caller keeps it.
    """
    if per_article is not None and per_article < 1:
        raise ValueError("per_article must be at least 1")
    kept: list[Hit] = []
    kept_grams: list[tuple[frozenset, int]] = []  # (shingles, words) of each kept hit
    seen: set[int] = set()  # every kept hit's shingles: most hits share too few to be anyone's copy
    smallest = 0  # fewest shingles of a kept hit long enough to have copies
    per_article_count: dict[str, int] = {}
    looked_past_limit = 0
    for hit in hits:
        if limit is not None and len(kept) >= limit:
            looked_past_limit += 1
            if looked_past_limit > limit:
                break
        grams, words = grams_of(hit.text)
        original = None
        if words >= MIN_COPY_WORDS and smallest and len(grams & seen) >= COPY_THRESHOLD * min(len(grams), smallest):
            original = next((kept[i] for i, (other, other_words) in enumerate(kept_grams)
                             if kept[i].article_id != hit.article_id and are_copies(grams, other, words, other_words)),
                            None)
        if original is not None:
            if hit.article_id not in original.also_in and hit.article_id != original.article_id:
                original.also_in.append(hit.article_id)
            continue
        if per_article is not None and per_article_count.get(hit.article_id, 0) >= per_article:
            continue
        if limit is not None and len(kept) >= limit:
            continue
        per_article_count[hit.article_id] = per_article_count.get(hit.article_id, 0) + 1
        if words >= MIN_COPY_WORDS:
            seen |= grams
            smallest = min(smallest or len(grams), len(grams))
        kept.append(Hit(hit.passage_id, hit.article_id, hit.text, list(hit.also_in)))
        kept_grams.append((grams, words))
    return kept
