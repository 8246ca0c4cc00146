"""Which part of a passage answers the question: the best sentence(s) and the query terms in them.

The offset functions are pure. `highlight_passages` scores each result's sentences
against the question with the sentence vectors its build made (index.sentences); only
passages without them (a build made before they were kept, or with
NEWSDEX_SENTENCE_VECTORS=false) have their sentences embedded here, once for all such
results, and kept in a cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from newsdex.index.embedder import TextEmbedder
from newsdex.index.sentences import SentenceVectors, embed_sentences
from newsdex.search.question.terms import term_spans
from newsdex.search.results import Highlight

# Sentences whose cosine with the question is within this margin of the best one are
# marked too: when two sentences answer equally well, both are shown.
SENTENCE_MARGIN = 0.03
MAX_SENTENCES = 2


def best_sentences(scores: Sequence[float], margin: float = SENTENCE_MARGIN, most: int = MAX_SENTENCES) -> list[int]:
    """Indexes of the best-scoring sentence and of those within `margin` of it, in text order."""
    if len(scores) == 0:
        return []
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    top = scores[order[0]]
    chosen = [i for i in order[:most] if scores[i] >= top - margin]
    return sorted(chosen)


def highlights_for(text: str, spans: Sequence[tuple[int, int]], chosen: Sequence[int],
                   terms: list[str]) -> list[Highlight]:
    """Sentence highlights for the chosen spans, then term highlights inside them, by offset."""
    out: list[Highlight] = []
    for i in chosen:
        start, end = spans[i]
        out.append(Highlight(start=start, end=end, kind="sentence"))
    for i in chosen:
        start, end = spans[i]
        for t_start, t_end in term_spans(text[start:end], terms):
            out.append(Highlight(start=start + t_start, end=start + t_end, kind="term"))
    return sorted(out, key=lambda h: (h.start, h.kind != "sentence"))


def statement_highlights(text: str, start: int, end: int, terms: list[str]) -> list[Highlight]:
    """A statement shown as a result: its words [start, end) in the passage are the sentence
    marked, and the topic's terms in them."""
    return highlights_for(text, [(start, end)], [0], terms)


class SentenceCache:
    """The sentences (spans and vectors) of passages embedded at question time, kept for the
    passages asked about most: a build never changes a passage, and the same passages answer
    many questions (bounded: about 2 MB per 100 passages with a 384-dimension model)."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[str, SentenceVectors] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> SentenceVectors | None:
        with self._lock:
            item = self._items.get(text)
            if item is not None:
                self._items.move_to_end(text)
            return item

    def put(self, text: str, item: SentenceVectors) -> None:
        with self._lock:
            self._items[text] = item
            self._items.move_to_end(text)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def highlight_passages(query_vectors: np.ndarray, texts: Sequence[str], terms: Sequence[list[str]],
                       embedder: TextEmbedder, cache: SentenceCache | None = None,
                       stored: Sequence[SentenceVectors | None] | None = None) -> list[list[Highlight]]:
    """Highlights for each passage, given its question's vector and terms (one row / list per passage).

    `stored` holds each passage's sentences as its build kept them (None where it kept
    none); the sentences of the others are embedded in one call, unless `cache` has them.
    """
    known: dict[str, SentenceVectors] = {}
    for text, item in zip(texts, stored or [None] * len(texts)):
        if item is not None:
            known[text] = item
        elif cache is not None and (hit := cache.get(text)) is not None:
            known[text] = hit
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    for text, item in zip(missing, embed_sentences(missing, embedder.encode)):
        known[text] = item
        if cache is not None:
            cache.put(text, item)
    out = []
    for text, query_vector, words in zip(texts, query_vectors, terms):
        item = known[text]
        if item.needs_vectors:
            mine = item.vectors @ np.asarray(query_vector, dtype=np.float32)
            chosen = best_sentences([float(x) for x in mine])
        else:
            chosen = list(range(len(item.spans)))
        out.append(highlights_for(text, item.spans, chosen, words))
    return out
