"""The one analysis step: an `Article` becomes an `Analysed`, everything a store keeps of it.

`Analyser.analyse(articles)` splits each article into passages, embeds them (the title first)
and their sentences, and places the article's statements in its passages, each speaker named
as one person with the forms the article uses (index.people). The model's half (`embed`) and
the rest (`statements`, `assemble`) are separate calls too, so a build (index.build) runs the
model on one chunk while it places statements and writes another. Sentences, which only
choose the sentence a highlight marks, are embedded by `sentence_backend`'s model (the
passages' own by default; the int8 one, one text per call, when asked) and each distinct
sentence once per `_SentenceMemory`.
Writers only store what it made (index.writer, index.milvus), so every store gets the same
analysis by construction; Ray workers (index.engine) run the same `Analyser` and
return its values. The BM25 terms of a store that takes terms already analysed (Milvus) are
read from the same value (`passage_terms`, `article_terms`), computed when first asked for,
since the embedded store's tantivy analyses text itself.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsdex.index.articles import Article, Skipped
from newsdex.index.bm25 import passage_terms
from newsdex.index.embedder import Embedder, TextEmbedder
from newsdex.index.passages import dedupe_passages, split_passages
from newsdex.index.people import attributed
from newsdex.index.sentences import SentenceVectors, embed_sentences
from newsdex.index.statements import Statement, placed_statements
from newsdex.settings import Settings

# Distinct sentences whose vectors an analyser keeps (about 1.5 KB each with MiniLM's 384 floats).
SENTENCE_MEMORY = 16384


@dataclass(frozen=True)
class PlacedStatement:
    """A statement of the article, and where its words lie: the position of the first passage
    that holds them and [start, end) in that passage's text, or Nones when none does; `forms`
    are the ways the article names its speaker (index.people), () when it has none."""

    statement: Statement
    passage: int | None
    start: int | None
    end: int | None
    forms: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Analysed:
    """One article as a store keeps it: its passages, their vectors, their sentences' vectors
    (None when the build keeps none), and its statements placed in the passages."""

    article: Article
    passages: list[str]
    vectors: np.ndarray
    sentences: list[SentenceVectors] | None
    statements: list[PlacedStatement]

    def __post_init__(self) -> None:
        if len(self.passages) != len(self.vectors) or (self.sentences is not None
                                                       and len(self.sentences) != len(self.passages)):
            raise ValueError("one vector (and one set of sentences) per passage")

    @functools.cached_property
    def passage_terms(self) -> list[tuple[str, list[str]]]:
        """Each passage's BM25 field and terms there (title first), as tantivy indexes them."""
        return [passage_terms(self.article.title, text, self.article.lang) for text in self.passages]

    @functools.cached_property
    def article_terms(self) -> tuple[str, list[str]]:
        """The whole article's BM25 field and terms (title and full text)."""
        return passage_terms(self.article.title, self.article.text, self.article.lang)


# What a build reads, in load order: (given directly rather than read from a file?, the
# article or why something was skipped, the article analysed already (a Ray worker) or None).
Loaded = tuple[bool, Article | Skipped, Analysed | None]


def place_statements(article: Article, passages: Sequence[str]) -> list[PlacedStatement]:
    """The article's statements, each placed in the first of `passages` that holds its words
    (a warning naming the article says what the statement budget left unread), each speaker
    named as the person in full, with the forms the article uses for them (index.people)."""
    placed = placed_statements(article.paragraphs, list(enumerate(passages)), article_id=article.id)
    people = attributed(article.paragraphs, [statement for statement, _ in placed])
    return [PlacedStatement(statement, *where, forms=forms)
            for (statement, forms), (_, where) in zip(people, placed, strict=True)]


def passage_budget(max_seq_length: int, passage_tokens: int, title_tokens: int) -> int:
    """Tokens a passage may have so that title + passage fit the model's window untruncated."""
    room = max_seq_length - 2 - title_tokens - 1  # [CLS] [SEP] and the title break
    return max(16, min(passage_tokens, room))


class Analyser:
    """How articles become `Analysed` values under one settings and one model: the same in a
    build, an upsert, and a Ray worker."""

    def __init__(self, settings: Settings, embedder: TextEmbedder, *,
                 sentence_embedder: TextEmbedder | None = None) -> None:
        """`sentence_embedder`: the model for sentences, instead of the one `sentence_backend` names."""
        self.settings = settings
        self.embedder = embedder
        self.passage_budget = passage_budget(embedder.max_seq_length, settings.passage_tokens, settings.title_tokens)
        self._sentence_embedder = sentence_embedder
        self._memory = _SentenceMemory(SENTENCE_MEMORY)
        self._lock = threading.Lock()  # a server's upserts may analyse in several threads

    def passages_for(self, article: Article) -> list[str]:
        """The article's passages as users will read them: its own words, within budget."""
        passages = split_passages(article.paragraphs, self.embedder.count_tokens, self.passage_budget,
                                  self.settings.overlap_sentences, additive=self.embedder.tokens_add_up)
        return dedupe_passages(passages)

    def embedding_inputs(self, article: Article, passages: Sequence[str]) -> list[str]:
        """What the model reads for each passage: the title first, so "he said" knows whose article it is."""
        if self.settings.title_tokens == 0 or not article.title:
            return list(passages)
        title = self.embedder.truncate(article.title, self.settings.title_tokens)
        return [f"{title}\n{passage}" for passage in passages]

    @property
    def sentence_embedder(self) -> TextEmbedder:
        """The model that embeds sentences: the passages' own, or the same model on
        `sentence_backend` (loaded on first use, so a process that never embeds a sentence
        never loads it)."""
        with self._lock:
            if self._sentence_embedder is None:
                backend = self.settings.sentence_backend
                if backend in ("same", self.embedder.backend):
                    self._sentence_embedder = self.embedder
                else:
                    self._sentence_embedder = _sentence_model(self.embedder.name, backend, self.settings.offline,
                                                              self.settings.model_cache)
            return self._sentence_embedder

    def embed(self, articles: Sequence[Article], passages: Sequence[list[str]]
              ) -> tuple[np.ndarray, list[SentenceVectors] | None]:
        """The model's half of the analysis: the passages' vectors (title first), and their
        sentences' (None when the settings keep none)."""
        inputs = [text for article, texts in zip(articles, passages) for text in self.embedding_inputs(article, texts)]
        vectors = self.embedder.encode(inputs)
        if not self.settings.sentence_vectors:
            return vectors, None
        return vectors, embed_sentences([text for texts in passages for text in texts], self._encode_sentences)

    def statements(self, articles: Sequence[Article], passages: Sequence[list[str]]) -> list[list[PlacedStatement]]:
        """Each article's statements placed in its passages: no model, so a build does it while the model runs."""
        return [place_statements(article, texts) for article, texts in zip(articles, passages)]

    def assemble(self, articles: Sequence[Article], passages: Sequence[list[str]], vectors: np.ndarray,
                 kept: list[SentenceVectors] | None, statements: Sequence[list[PlacedStatement]]) -> list[Analysed]:
        """The `Analysed` of each article from what `embed` and `statements` made of them."""
        out, offset = [], 0
        for article, texts, placed in zip(articles, passages, statements, strict=True):
            end = offset + len(texts)
            out.append(Analysed(article, list(texts), vectors[offset:end],
                                None if kept is None else kept[offset:end], placed))
            offset = end
        return out

    def analyse(self, articles: Sequence[Article], passages: Sequence[list[str]] | None = None) -> list[Analysed]:
        """Each article analysed (its passages split here unless given), in one model call for all."""
        if passages is None:
            passages = [self.passages_for(article) for article in articles]
        vectors, kept = self.embed(articles, passages)
        return self.assemble(articles, passages, vectors, kept, self.statements(articles, passages))

    def _encode_sentences(self, texts: list[str]) -> np.ndarray:
        """Vectors of distinct sentences: those seen lately (a build's earlier chunks) from memory."""
        embedder = self.sentence_embedder
        with self._lock:
            known = {text: vector for text in texts if (vector := self._memory.get(text)) is not None}
        missing = [text for text in texts if text not in known]
        found = embedder.encode(missing) if missing else np.zeros((0, embedder.dimension), dtype=np.float32)
        with self._lock:
            for text, vector in zip(missing, found):
                self._memory.put(text, vector)
        fresh = dict(zip(missing, found))
        out = np.empty((len(texts), embedder.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = known[text] if text in known else fresh[text]
        return out


@functools.lru_cache(maxsize=2)
def _sentence_model(name: str, backend: str, offline: bool, cache_dir: Path | None) -> Embedder:
    """The sentence model, loaded once a process: an `Indexer` is made per change (a server's
    upserts, a test's builds), and the model never changes under it. ONNX Runtime sessions
    may be run from several threads at once."""
    return Embedder(name, backend=backend, offline=offline, cache_dir=cache_dir)


class _SentenceMemory:
    """The vectors of the sentences embedded most recently, so a sentence that recurs across
    a build's chunks (a wire's sign-off, a correction notice) is embedded once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, text: str) -> np.ndarray | None:
        vector = self._items.get(text)
        if vector is not None:
            self._items.move_to_end(text)
        return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        self._items[text] = vector
        self._items.move_to_end(text)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
