"""The one analysis step: an `Article` becomes an `Analysed`, everything a store keeps of it.

`Analyser.analyse(articles)` splits each article into passages, embeds them (the title first)
and their sentences in one model call for all, and places the article's statements in its
passages, each speaker named as one person with the forms the article uses (index.people).
Writers only store what it made (index.writer, index.milvus), so every store gets the same
analysis by construction; Ray workers (index.engine) run the same `Analyser` and
return its values. The BM25 terms of a store that takes terms already analysed (Milvus) are
read from the same value (`passage_terms`, `article_terms`), computed when first asked for,
since the embedded store's tantivy analyses text itself.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsdex.index.articles import Article, Skipped
from newsdex.index.bm25 import passage_terms
from newsdex.index.embedder import TextEmbedder
from newsdex.index.passages import dedupe_passages, split_passages
from newsdex.index.people import attributed
from newsdex.index.sentences import SentenceVectors, embed_sentences
from newsdex.index.statements import Statement, placed_statements
from newsdex.settings import Settings


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

    def __init__(self, settings: Settings, embedder: TextEmbedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.passage_budget = passage_budget(embedder.max_seq_length, settings.passage_tokens, settings.title_tokens)

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

    def analyse(self, articles: Sequence[Article], passages: Sequence[list[str]] | None = None) -> list[Analysed]:
        """Each article analysed (its passages split here unless given), in one model call for all."""
        if passages is None:
            passages = [self.passages_for(article) for article in articles]
        inputs = [text for article, texts in zip(articles, passages) for text in self.embedding_inputs(article, texts)]
        vectors = self.embedder.encode(inputs)
        kept = None
        if self.settings.sentence_vectors:
            kept = embed_sentences([text for texts in passages for text in texts], self.embedder.encode)
        out, offset = [], 0
        for article, texts in zip(articles, passages):
            end = offset + len(texts)
            out.append(Analysed(article, list(texts), vectors[offset:end],
                                None if kept is None else kept[offset:end], place_statements(article, texts)))
            offset = end
        return out
