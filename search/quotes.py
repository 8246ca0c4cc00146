"""A person's statements as search results: the speaker route of a question, and quote listings.

When a question asks what someone said ("what did Kishida say about North Korea", or the
`speaker` option names them) and the index holds statements by that person, the answer is
their statements first, best first for the rest of the question, each result being the
passage that holds the statement with `quote` marking the words; passages that merely
mention the person come after. Any other question never comes here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsdex.index.articles import web_url
from newsdex.index.embedder import TextEmbedder
from newsdex.index.rows import StatementRow
from newsdex.index.stores import Filters, Store
from newsdex.index.words import WORD
from newsdex.search.highlight import highlights_for
from newsdex.search.results import (
    Quote,
    QuoteOut,
    QuotePage,
    Result,
    SearchResponse,
    SpeakerOut,
    SpeakerPage,
    SpeakerRoute,
)
from newsdex.search.speakers import SpeakerQuestion, matching_speakers, name_words, speaker_question
from newsdex.search.terms import query_terms

# Statements of one speaker read by the model for one question: the newest this many when
# a speaker has more (their vectors are cached, so a speaker asked about again costs little).
STATEMENT_CANDIDATES = 256


@dataclass(frozen=True)
class SpeakerAsk:
    """What a question (or the speaker option) asks about a person, and who in the index that is."""

    asked: str
    topic: str
    speakers: list[str]
    explicit: bool  # given as the speaker option, not read from the question


def speaker_ask(query: str, speaker_option: str | None, known: Sequence[str]) -> SpeakerAsk | None:
    """The speaker route for one question, or None when it asks about no one (today's route)."""
    parsed: SpeakerQuestion | None = speaker_question(query)
    if speaker_option is not None:
        topic = parsed.topic if parsed is not None else query
        return SpeakerAsk(speaker_option, topic, matching_speakers(speaker_option, known), explicit=True)
    if parsed is None:
        return None
    return SpeakerAsk(parsed.name, parsed.topic, matching_speakers(parsed.name, known), explicit=False)


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


def answer_with_statements(response: SearchResponse, ask: SpeakerAsk, store: Store, embedder: TextEmbedder,
                           cache: VectorCache, *, k: int, filters: Filters, highlight: bool,
                           per_article: int | None = None) -> None:
    """Put the asked person's statements first in `response` (in place), best first, and say why.

    The passages found for the question follow, those already shown as a statement's
    context left out. Without statements by anyone of that name, the results stay as they are.
    """
    rows = [row for row in store.statements_by(ask.speakers, filters=filters) if row.passage_id is not None]
    who = " / ".join(ask.speakers)
    asked = "the speaker option" if ask.explicit else "the question"
    if not rows:
        missing = (f"nobody named {ask.asked!r} is quoted in the index" if not ask.speakers
                   else f"no statement by {who} passes the search's filters")
        response.speaker = SpeakerRoute(asked=ask.asked, speakers=ask.speakers, statements=0, topic=ask.topic or None,
                                        reason=f"{asked} asks what {ask.asked} said, but {missing}: "
                                               "answered as a plain search")
        return
    candidates = rows[:STATEMENT_CANDIDATES]
    # Best first for what the rest of the question asks about; with no rest ("what did X
    # say"), for the whole question. Ties (none in practice) keep the newest first.
    scores = _relevance(candidates, ask.topic or response.query, embedder, cache)
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    chosen = _at_most_per_article([candidates[i] for i in order], per_article)[:k]
    # A statement is shown before the passages whatever its score; one scoring below them
    # takes their best score, so that scores never rise down the list.
    floor = max((r.score for r in response.results), default=0.0)
    score_of = {id(candidates[i]): scores[i] for i in order}
    chosen_scores = [max(score_of[id(row)], floor) for row in chosen]
    passages = store.passages([row.passage_id for row in chosen if row.passage_id is not None])
    terms = query_terms(ask.topic) if ask.topic else []
    results: list[Result] = []
    for row, score in zip(chosen, chosen_scores):
        passage = passages.get(row.passage_id) if row.passage_id is not None else None
        if passage is None or row.passage_start is None or row.passage_end is None:
            continue
        quote = Quote(speaker=row.speaker, text=row.text, cue=row.cue, kind=row.kind, start=row.passage_start,
                      end=row.passage_end)
        marks = highlights_for(passage.text, [(row.passage_start, row.passage_end)], [0], terms) if highlight else []
        results.append(Result(rank=0, score=round(float(score), 6), text=passage.text, article_id=passage.article_id,
                              title=passage.title, passage_id=passage.id, source=passage.source,
                              published=passage.published, url=web_url(passage.url), highlights=marks, quote=quote))
    shown = {r.passage_id for r in results}
    rest = [r for r in response.results if r.passage_id not in shown]
    # Passages that name the person come next, then whatever else the question found.
    names = {word for speaker in ask.speakers for word in name_words(speaker)}
    rest.sort(key=lambda r: not names & {w.casefold() for w in WORD.findall(r.text)})
    merged = _at_most_per_article(results + rest, per_article)[:k]
    for rank, result in enumerate(merged, start=1):
        result.rank = rank
    response.results = merged
    order_words = f"best first for {ask.topic!r}" if ask.topic else "best first for the question"
    response.speaker = SpeakerRoute(
        asked=ask.asked, speakers=ask.speakers, statements=len(rows), topic=ask.topic or None,
        reason=f"{asked} asks what {ask.asked} said: {len(rows)} statement{'s' if len(rows) != 1 else ''} by {who} "
               f"come{'' if len(rows) != 1 else 's'} first ({order_words}), then passages that mention them")


def _at_most_per_article(items: list, per_article: int | None) -> list:
    """`items` (statements or results) with at most `per_article` of one article, in order."""
    if per_article is None:
        return items
    seen: dict[str, int] = {}
    kept = []
    for item in items:
        seen[item.article_id] = seen.get(item.article_id, 0) + 1
        if seen[item.article_id] <= per_article:
            kept.append(item)
    return kept


def _relevance(rows: Sequence[StatementRow], topic: str, embedder: TextEmbedder, cache: VectorCache) -> list[float]:
    """Cosine of each statement's words with the topic (the model's vectors are normalised)."""
    vectors = cache.vectors([row.text for row in rows], embedder)
    topic_vector = embedder.encode([topic])[0]
    return [float(x) for x in vectors @ np.asarray(topic_vector, dtype=np.float32)]


def quote_out(row: StatementRow) -> QuoteOut:
    return QuoteOut(speaker=row.speaker, text=row.text, cue=row.cue, kind=row.kind, start=row.text_start,
                    end=row.text_end, article_id=row.article_id, title=row.title, source=row.source,
                    published=row.published, url=web_url(row.url), passage_id=row.passage_id)


def quote_page(store: Store, speaker: str, *, limit: int = 20, offset: int = 0,
               known: Sequence[str] | None = None) -> QuotePage:
    """A person's statements (any form of the name), newest first, one page at a time.

    Needs no model, so `newsdex quotes` answers without loading one; `known` is the
    build's speakers when the caller has read them already.
    """
    names = matching_speakers(speaker, known if known is not None else [row.speaker for row in store.speakers()])
    total = store.statement_count(names)
    rows = store.statements_by(names, limit=limit, offset=offset)
    return QuotePage(asked=speaker, speakers=names, quotes=[quote_out(row) for row in rows], total=total,
                     limit=limit, offset=offset, next_offset=offset + limit if offset + limit < total else None)


def speaker_page(store: Store, *, limit: int = 50, offset: int = 0) -> SpeakerPage:
    """The people quoted, with how many statements (and articles) each, most first."""
    rows = store.speakers()
    page = rows[offset:offset + limit]
    return SpeakerPage(speakers=[SpeakerOut(**row.__dict__) for row in page], total=len(rows), limit=limit,
                       offset=offset, next_offset=offset + limit if offset + limit < len(rows) else None)
