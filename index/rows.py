"""The rows every store returns (passages, articles, statements, stats): one shape whichever store holds them."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsdex.index.articles import Article


@dataclass(frozen=True)
class PassageRow:
    id: int
    article_id: str
    position: int
    text: str
    title: str
    source: str | None
    published: str | None
    url: str | None


@dataclass(frozen=True)
class ArticleRow:
    id: str
    title: str
    subtitle: str | None
    author: str | None
    dateline: str | None
    source: str | None
    published: str | None
    url: str | None
    origin: str | None
    content_hash: str
    text: str
    indexed_at: str
    lang: str | None = None

    def article(self) -> Article:
        """The article as stored, for a build that writes it again (a rebuild, a store's new index of it)."""
        return Article(id=self.id, title=self.title, paragraphs=tuple(self.text.split("\n\n")),
                       subtitle=self.subtitle, author=self.author, dateline=self.dateline, source=self.source,
                       published=self.published, url=self.url, origin=self.origin, lang=self.lang)


@dataclass(frozen=True)
class StatementRow:
    """One attributed statement (index.statements) with the article it is in."""

    id: int
    article_id: str
    position: int
    speaker: str | None
    cue: str
    kind: str
    text: str
    text_start: int
    text_end: int
    passage_id: int | None
    passage_start: int | None
    passage_end: int | None
    title: str
    source: str | None
    published: str | None
    url: str | None


@dataclass(frozen=True)
class SpeakerRow:
    """Someone quoted: how many statements, in how many articles, and the forms the articles
    use for them (index.people; () for a build made before forms were kept)."""

    speaker: str
    statements: int
    articles: int
    forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleWithPassages:
    """One article and the passages it was split into, in order."""

    article: ArticleRow
    passages: list[PassageRow]


@dataclass(frozen=True)
class IndexStats:
    """What an index holds and how it was built: the one shape `newsdex stats --json`,
    `/ready` and `/metrics` all report, so the three cannot drift apart."""

    index: str
    build: str
    articles: int
    passages: int
    model: str
    backend: str
    int8_config: str | None
    dimension: int
    passage_tokens: int
    faiss_index: str
    vectors: dict
    size_bytes: int
    built_at: str
    languages: dict = field(default_factory=dict)  # articles per language code ("unknown": undetected)

    def as_dict(self) -> dict:
        return dict(self.__dict__)
