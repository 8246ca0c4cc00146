"""The speaker route: a stage of the ranking that puts a person's statements first.

When the question asks what someone said ("what did Kishida say about North Korea", or the
`speaker` option names them: `Question.speaker`) and the index holds statements by that
person, their statements come first, best first for the rest of the question, each shown as
the passage that holds it (with the statement, so that the result carries its `quote`);
the passages the search found follow, those naming the person first. It runs on the ranked
passages before any result is made (search.answers), and says why in a `SpeakerRoute`.
Any other question never comes here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from newsdex.index.embedder import TextEmbedder
from newsdex.index.people import merge_speakers, person_key
from newsdex.index.rows import SpeakerRow, StatementRow
from newsdex.index.sentences import SentenceVectors
from newsdex.index.stores import Store
from newsdex.index.words import WORD
from newsdex.search.answers import Ranked
from newsdex.search.question import Question
from newsdex.search.question.speakers import SpeakerAsk, is_role
from newsdex.search.results import SpeakerRoute

# Statements of one speaker read by the model for one question: the newest this many when
# a speaker has more (their vectors are cached, so a speaker asked about again costs little).
STATEMENT_CANDIDATES = 256


class VectorCache:
    """Vectors of statement texts, kept for the statements asked about most (a build never changes one)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str], embedder: TextEmbedder) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._items]
        if missing:
            encoded = embedder.encode(missing)
            with self._lock:
                for text, vector in zip(missing, encoded):
                    self._items[text] = vector
                    self._items.move_to_end(text)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        with self._lock:
            return np.stack([self._items[t] if t in self._items else embedder.encode([t])[0] for t in texts])


def statements_first(question: Question, found: list[Ranked], store: Store, embedder: TextEmbedder,
                     cache: VectorCache, *, k: int, per_article: int | None = None,
                     article_k: int | None = None) -> tuple[list[Ranked], SpeakerRoute]:
    """The asked person's statements, best first, then the passages `found` for the question, and why.

    Passages already shown as a statement's context are left out of the rest. Without
    statements by anyone of that name (within the question's filters), `found` stays as it is.
    """
    ask = question.speaker
    assert ask is not None  # the Searcher routes only questions that ask about someone
    rows = [row for row in store.statements_by(ask.speakers, filters=question.filters) if row.passage_id is not None]
    if not rows:
        return found, _route(ask, 0)
    candidates = rows[:STATEMENT_CANDIDATES]
    # Best first for what the rest of the question asks about; with no rest ("what did X
    # say"), for the whole question: cosines, the model's vectors being normalised. Ties
    # (none in practice) keep the newest first.
    topic_vector = np.asarray(embedder.encode([question.topic])[0], dtype=np.float32)
    kept = store.sentence_vectors([row.passage_id for row in candidates if row.passage_id is not None])
    scores = [float(x) for x in _statement_vectors(candidates, kept, embedder, cache) @ topic_vector]
    if ask.topic:
        # A quote often leaves its subject to the sentences around it ("It is wrong," he said
        # of the plan): a statement is scored by its words and by the sentences around it (the
        # one that holds it and one each side, within its passage), read from the sentence
        # vectors the build kept (no model call).
        scores = [_in_context(own, row, kept.get(row.passage_id) if row.passage_id is not None else None,
                              topic_vector)
                  for own, row in zip(scores, candidates)]
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    if per_article is not None and article_k is not None:
        order = _with_article_ranks(order, candidates, found, article_k)
    order = _each_speaker_first(order, candidates)
    chosen = _at_most_per_article([candidates[i] for i in order], per_article)[:k]
    # A statement is shown before the passages whatever its score; one scoring below them
    # takes their best score, so that scores never rise down the list.
    floor = max((item.score for item in found), default=0.0)
    score_of = {id(candidates[i]): scores[i] for i in order}
    passages = store.passages([row.passage_id for row in chosen if row.passage_id is not None])
    statements = [Ranked(row=passages[row.passage_id], score=max(score_of[id(row)], floor), statement=row)
                  for row in chosen if row.passage_id in passages
                  and row.passage_start is not None and row.passage_end is not None]
    shown = {item.row.id for item in statements}
    rest = [item for item in found if item.row.id not in shown]
    # Passages that name the person come next, then whatever else the question found.
    names = ask.name_words
    rest.sort(key=lambda item: not names & {w.casefold() for w in WORD.findall(item.row.text)})
    return _at_most_per_article(statements + rest, per_article)[:k], _route(ask, len(rows))


def _route(ask: SpeakerAsk, statements: int) -> SpeakerRoute:
    """What the answer says of the route: taken with `statements` statements, or (0) why not."""
    who = " / ".join(ask.speakers)
    asked = "the speaker option" if ask.explicit else "the question"
    if not statements:
        missing = (f"nobody named {ask.asked!r} is quoted in the index" if not ask.speakers
                   else f"no statement by {who} passes the search's filters")
        reason = f"{asked} asks what {ask.asked} said, but {missing}: answered as a plain search"
    else:
        order_words = f"best first for {ask.topic!r}" if ask.topic else "best first for the question"
        people = merge_speakers([SpeakerRow(speaker, 1, 1) for speaker in ask.speakers])
        meaning = "is what the articles call" if is_role(ask.asked) else "may mean any of"
        several = (f"; {ask.asked!r} {meaning} {len(people)} people quoted in the index "
                   f"({', '.join(person.name for person in people)}), so the best statement of each comes first"
                   if len(people) > 1 else "")
        reason = (f"{asked} asks what {ask.asked} said: {statements} statement{'s' if statements != 1 else ''} "
                  f"by {who} come{'' if statements != 1 else 's'} first ({order_words}), then passages that "
                  f"mention them{several}")
    return SpeakerRoute(asked=ask.asked, speakers=list(ask.speakers), statements=statements,
                        topic=ask.topic or None, reason=reason)


_Item = TypeVar("_Item", StatementRow, Ranked)


# Sentences each side of a statement's own that are its context, and the weight of its
# context beside its own words (bench/attribution.py measures topic questions with them).
CONTEXT_SENTENCES = 1
CONTEXT_WEIGHT = 0.5


def _statement_vectors(rows: Sequence[StatementRow], kept: dict[int, SentenceVectors], embedder: TextEmbedder,
                       cache: VectorCache) -> np.ndarray:
    """A unit vector for each statement's words: the mean of the vectors the build kept for the
    sentences it lies in, so that a first question about someone asks the model nothing but the
    question; the model reads only statements whose passage kept none (a one-sentence passage,
    or NEWSDEX_SENTENCE_VECTORS=false), and those vectors are cached."""
    vectors: list[np.ndarray | None] = []
    for row in rows:
        item = kept.get(row.passage_id) if row.passage_id is not None else None
        vectors.append(_from_sentences(row, item) if item is not None else None)
    missing = [row.text for row, vector in zip(rows, vectors) if vector is None]
    read = iter(cache.vectors(missing, embedder)) if missing else iter(())
    return np.stack([vector if vector is not None else next(read) for vector in vectors]).astype(np.float32)


def _from_sentences(row: StatementRow, item: SentenceVectors) -> np.ndarray | None:
    if not len(item.vectors) or row.passage_start is None or row.passage_end is None:
        return None
    inside = [i for i, (s, e) in enumerate(item.spans) if s < row.passage_end and row.passage_start < e]
    if not inside:
        return None
    mean = item.vectors[inside].mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


def _in_context(own: float, row: StatementRow, item: SentenceVectors | None, topic: np.ndarray) -> float:
    """A statement's closeness to the topic: its own words' cosine, and the best cosine of the
    sentences around it (those it overlaps, and CONTEXT_SENTENCES each side), as a weighted
    mean when the context is closer; its own where the build kept no sentence vectors for its
    passage (a one-sentence passage, or NEWSDEX_SENTENCE_VECTORS=false)."""
    if item is None or not len(item.vectors) or row.passage_start is None or row.passage_end is None:
        return own
    start, end = row.passage_start, row.passage_end
    overlapping = [i for i, (s, e) in enumerate(item.spans) if s < end and start < e]
    if not overlapping:
        return own
    first = max(0, overlapping[0] - CONTEXT_SENTENCES)
    last = min(len(item.spans), overlapping[-1] + CONTEXT_SENTENCES + 1)
    context = float((item.vectors[first:last] @ topic).max())
    return own if context <= own else (1 - CONTEXT_WEIGHT) * own + CONTEXT_WEIGHT * context


def _with_article_ranks(order: list[int], rows: Sequence[StatementRow], found: Sequence[Ranked],
                        article_k: int) -> list[int]:
    """`order` (statements, best first for the topic) when results are articles: fused by
    reciprocal rank (constant `article_k`, the fusion of articles' own) with where the search
    ranked each statement's article, so that an article about the rest of the question comes
    before one where the person only touched on it; an article the search did not reach ranks
    after every one it did."""
    article_rank: dict[str, int] = {}
    for rank, item in enumerate(found):
        article_rank.setdefault(item.row.article_id, rank)
    own_rank = {i: rank for rank, i in enumerate(order)}

    def fused(i: int) -> float:
        article = article_rank.get(rows[i].article_id, len(found))
        return 1 / (article_k + own_rank[i] + 1) + 1 / (article_k + article + 1)

    return sorted(order, key=lambda i: (-fused(i), own_rank[i]))


def _each_speaker_first(order: list[int], rows: Sequence[StatementRow]) -> list[int]:
    """`order` (indexes of `rows`, best first) with the best statement of each person first: a
    name that means several people answers from each rather than from whoever scores best
    (one person's stored names, "Sir Menzies Campbell" and "Menzies Campbell", are one)."""
    seen: set[tuple[str, ...] | None] = set()
    firsts = []
    for i in order:
        speaker = rows[i].speaker
        key = person_key(speaker) if speaker is not None else None
        if key not in seen:
            seen.add(key)
            firsts.append(i)
    chosen = set(firsts)
    return firsts + [i for i in order if i not in chosen]


def _at_most_per_article(items: list[_Item], per_article: int | None) -> list[_Item]:
    """`items` (statements or ranked passages) with at most `per_article` of one article, in order."""
    if per_article is None:
        return items
    seen: dict[str, int] = {}
    kept = []
    for item in items:
        seen[item.article_id] = seen.get(item.article_id, 0) + 1
        if seen[item.article_id] <= per_article:
            kept.append(item)
    return kept
