"""Which part of a passage answers the question: the best sentence(s) and the query terms in them.

The offset functions are pure; `highlight_passages` is the one place that calls the
model, once for all sentences of all results.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from newsdex.index.embedder import TextEmbedder
from newsdex.index.passages import sentences
from newsdex.search.results import Highlight
from newsdex.search.terms import term_spans

# Sentences whose cosine with the question is within this margin of the best one are
# marked too: when two sentences answer equally well, both are shown.
SENTENCE_MARGIN = 0.03
MAX_SENTENCES = 2


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans [start, end) of the sentences of `text`, in order, covering no white space at the ends."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        cursor = 0
        for sentence in sentences(line):
            found = line.find(sentence, cursor)
            if found < 0:  # the segmenter changed the text; fall back to the rest of the line
                rest = line[cursor:]
                stripped = rest.strip()
                if stripped:
                    found = cursor + rest.index(stripped)
                    spans.append((line_start + found, line_start + found + len(stripped)))
                cursor = len(line)
                break
            spans.append((line_start + found, line_start + found + len(sentence)))
            cursor = found + len(sentence)
        line_start += len(line) + 1
    return spans


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


class SentenceCache:
    """A passage's sentence spans and sentence vectors, kept for the passages asked about most.

    Splitting and embedding a result's sentences is most of what a search costs; a build
    never changes a passage, and the same passages answer many questions, so they are
    worth keeping (bounded: about 2 MB per 100 passages with a 384-dimension model).
    """

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str):
        with self._lock:
            item = self._items.get(text)
            if item is not None:
                self._items.move_to_end(text)
            return item

    def put(self, text: str, spans: list[tuple[int, int]], vectors: np.ndarray) -> None:
        with self._lock:
            self._items[text] = (spans, vectors)
            self._items.move_to_end(text)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def highlight_passages(query_vectors: np.ndarray, texts: Sequence[str], terms: Sequence[list[str]],
                       embedder: TextEmbedder, cache: SentenceCache | None = None) -> list[list[Highlight]]:
    """Highlights for each passage, given its question's vector and terms (one row / list per passage).

    The sentences of every passage not in `cache` are embedded in one call.
    """
    known = {text: cache.get(text) for text in set(texts)} if cache is not None else {}
    missing = [text for text in dict.fromkeys(texts) if known.get(text) is None]
    missing_spans = [sentence_spans(text) for text in missing]
    flat = [text[s:e] for text, spans in zip(missing, missing_spans) for s, e in spans]
    vectors = embedder.encode(flat)
    offset = 0
    for text, spans in zip(missing, missing_spans):
        known[text] = (spans, vectors[offset:offset + len(spans)])
        offset += len(spans)
        if cache is not None:
            cache.put(text, *known[text])
    out = []
    for text, query_vector, words in zip(texts, query_vectors, terms):
        spans, sentence_vectors = known[text]
        mine = sentence_vectors @ np.asarray(query_vector, dtype=np.float32)
        out.append(highlights_for(text, spans, best_sentences([float(x) for x in mine]), words))
    return out
