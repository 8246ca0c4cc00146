"""A passage's sentences as the index keeps them: their spans and their vectors, made at build time.

Marking the sentence that answers a question needs a vector for every sentence of every
result; embedding them at question time was 25 times the cost of the search itself
(docs/performance.md, "Highlights"). A build embeds them once, beside the passages, and
keeps them as int8 (a quarter of float32; the sentence marked first is the same as with
float vectors for 99.8% of SciFact results, bench/highlights.py), so a search reads ten small rows instead.

Pure functions: the spans of a passage's sentences, and the packing of their vectors
into the bytes index.writer stores and index.store reads back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsdex.index.passages import sentences

# int8 codes span -127..127: a vector's largest component maps to 127.
_LEVELS = 127.0


@dataclass(frozen=True)
class SentenceVectors:
    """The sentences of one passage: spans [start, end) in its text, and one unit vector per
    sentence (none when the passage is one sentence: it is marked without asking)."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray  # float32, (len(spans), dimension), or (0, dimension)

    @property
    def needs_vectors(self) -> bool:
        return len(self.spans) > 1


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


def sentence_texts(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    return [text[start:end] for start, end in spans]


def pack(item: SentenceVectors) -> tuple[bytes, bytes]:
    """(spans, vectors) as bytes: int32 offsets, then per sentence a float32 scale and int8 codes."""
    spans = np.asarray(item.spans, dtype=np.int32).reshape(-1).tobytes()
    if len(item.vectors) == 0:
        return spans, b""
    vectors = np.asarray(item.vectors, dtype=np.float32)
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / _LEVELS
    codes = np.clip(np.rint(vectors / scales[:, None]), -_LEVELS, _LEVELS).astype(np.int8)
    return spans, scales.astype(np.float32).tobytes() + codes.tobytes()


def unpack(spans_blob: bytes, vectors_blob: bytes, dimension: int) -> SentenceVectors:
    """What `pack` wrote, the vectors back as float32 (unit length to within int8 rounding)."""
    flat = np.frombuffer(spans_blob, dtype=np.int32)
    spans = tuple((int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2))
    count = len(vectors_blob) // (4 + dimension)
    if count == 0:
        return SentenceVectors(spans, np.zeros((0, dimension), dtype=np.float32))
    scales = np.frombuffer(vectors_blob, dtype=np.float32, count=count)
    codes = np.frombuffer(vectors_blob, dtype=np.int8, offset=4 * count).reshape(count, dimension)
    return SentenceVectors(spans, codes.astype(np.float32) * scales[:, None])


def embed_sentences(passages: Sequence[str], encode) -> list[SentenceVectors]:
    """Spans and vectors for each passage; every distinct sentence is embedded once, in one
    call to `encode` (neighbouring passages share a sentence, and copies share many)."""
    empty = np.zeros((0, 0), dtype=np.float32)
    split = [SentenceVectors(tuple(sentence_spans(text)), empty) for text in passages]
    wanted = list(dict.fromkeys(sentence for text, item in zip(passages, split) if item.needs_vectors
                                for sentence in sentence_texts(text, item.spans)))
    found = encode(wanted)
    row = {sentence: i for i, sentence in enumerate(wanted)}
    none = np.zeros((0, found.shape[1]), dtype=np.float32)
    return [SentenceVectors(item.spans, found[[row[s] for s in sentence_texts(text, item.spans)]]
                            if item.needs_vectors else none)
            for text, item in zip(passages, split)]
