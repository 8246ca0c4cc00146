"""The store seam: what every store offers the Searcher and the API (`Store`), the filters a
search carries to it (`Filters`), what the Indexer writes with (`Writer`), what a kind of store
offers the registry (`StoreKind`), and `open_store` and its kin, which ask the store the
settings name (index.registry).

A store answers dense and lexical searches, reads passages and articles, and reports its
stats; how it does so (FAISS + SQLite + tantivy in index.store, or a Milvus collection) is
its own. Filters travel as a value, never as a list of matching passage ids, so each store
turns them into its own expression (SQL, a FAISS id selector, a Milvus boolean expression)
and a filter over a hundred million passages costs no more than one over a hundred.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from newsdex.errors import NewsdexError
from newsdex.index.manifest import Manifest
from newsdex.index.rows import ArticleRow, ArticleWithPassages, IndexStats, PassageRow, SpeakerRow, StatementRow
from newsdex.index.sentences import SentenceVectors
from newsdex.settings import Settings

if TYPE_CHECKING:
    from newsdex.index.analysis import Analysed  # analysis imports the text tools; a reader needs none


@dataclass(frozen=True)
class Filters:
    """What narrows a search's candidates before its top k is cut; every field left None is no filter.

    `since` and `until` are ISO dates (YYYY-MM-DD), both inclusive; articles without a
    publication date never pass a date filter. `source` matches case-insensitively.
    `article` keeps one article's passages, `lang` one language's articles. A new filter is
    a new field here, and one clause in each store's translation.
    """

    source: str | None = None
    since: str | None = None
    until: str | None = None
    article: str | None = None
    lang: str | None = None  # ISO 639-1, as index.languages stores it

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


NO_FILTERS = Filters()

# What a search can count its candidates by (GET /search?facets=...): one entry per facet, with
# what its values are. Each store counts them its own way (SQL GROUP BY; Milvus queries over
# the candidates' rows), always as articles: an article with three candidate passages counts once.
FACETS: dict[str, str] = {
    "source": "the article's source, as stored",
    "month": "the month the article was published (YYYY-MM); undated articles are not counted",
    "speaker": "a person quoted in a candidate passage (the stored full name)",
    "lang": "the article's language (ISO 639-1); articles with none detected are not counted",
}


@runtime_checkable
class Store(Protocol):
    """One opened index, read-only, as the Searcher and the API see it."""

    manifest: Manifest

    @property
    def location(self) -> str:
        """Where the index lives, for messages (a folder, or a Milvus URI and collection)."""
        ...

    @property
    def build_name(self) -> str:
        """The build (or collection) answering now: a server reloads when it changes."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, exc_type, exc, tb) -> None: ...

    def search_vectors(self, queries: np.ndarray, k: int,
                       filters: Filters = NO_FILTERS) -> tuple[np.ndarray, np.ndarray]:
        """Scores and passage ids (-1 pads) of the k nearest passages to each query row,
        among those that pass `filters` (applied before the k nearest are cut)."""
        ...

    def lexical_search(self, terms: Sequence[str], k: int,
                       filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the k best passages holding any of `terms` (plain
        words, never query syntax) and passing `filters`, best first."""
        ...

    def article_lexical_search(self, terms: Sequence[str], k: int,
                               filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        """(lead passage id, BM25 score) of the k articles whose whole text (title and every
        paragraph) best matches `terms`, among those passing `filters`, best first; an
        article stands for its lead passage (position 0). [] for a build made before
        articles were indexed whole (the next `newsdex index` adds them)."""
        ...

    def passage_count(self, filters: Filters = NO_FILTERS) -> int:
        """Passages that pass `filters`: how deep a search can go."""
        ...

    def passages(self, ids: Sequence[int]) -> dict[int, PassageRow]: ...

    def passage_vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vectors of these passages, as the dense search compares them (unknown ids
        left out; {} where the vector structure cannot read vectors back, as IVF-PQ cannot): what
        the feedback of a grouped search adds to the question's vector (search.searcher)."""
        ...

    def places(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        """(article id, position) of each of these passages (unknown ids left out), without
        reading their rows: what fusing by article needs of a hundred candidates, and the
        order of tied passages that every store shares (search.fusion.TieKey)."""
        ...

    def sentence_vectors(self, ids: Sequence[int]) -> dict[int, SentenceVectors]:
        """Each passage's sentence spans and vectors as its build made them (index.sentences),
        for highlights; passages kept without them are left out."""
        ...

    def article(self, article_id: str) -> ArticleRow:
        """ArticleNotFound for an unknown id."""
        ...

    def article_passages(self, article_id: str) -> list[PassageRow]: ...

    def article_with_passages(self, article_id: str) -> ArticleWithPassages: ...

    def articles(self, *, limit: int = 20, offset: int = 0) -> list[ArticleRow]:
        """Newest first; undated articles last, then by id for a stable order."""
        ...

    def articles_from(self, origin: str) -> list[ArticleRow]: ...

    def article_count(self, *, origin: str | None = None) -> int: ...

    def speakers(self) -> list[SpeakerRow]:
        """Everyone quoted (index.statements), most statements first, then by name."""
        ...

    def statements_by(self, speakers: Sequence[str], *, limit: int | None = None, offset: int = 0,
                      filters: Filters = NO_FILTERS) -> list[StatementRow]:
        """Statements of these speakers (full names as stored) in articles passing `filters`,
        newest article first (undated last), in article order."""
        ...

    def statement_count(self, speakers: Sequence[str]) -> int: ...

    def facet_counts(self, names: Sequence[str], ids: Sequence[int]) -> dict[str, list[tuple[str, int]]]:
        """For each facet in `names` (FACETS), how many articles among the passages `ids` have each
        value: most first (then by value), except `month`, which is in calendar order."""
        ...

    def stats(self) -> IndexStats: ...


class Writer(Protocol):
    """A change to the index, made live whole by `commit` (index.writer for the embedded store,
    index.milvus for Milvus); leaving its block by an exception leaves the live index as it was."""

    def __enter__(self) -> Writer: ...

    def __exit__(self, exc_type, exc, tb) -> None: ...

    def known_articles(self) -> dict[str, tuple[str, str | None]]:
        """id -> (content hash, origin) of every article the index holds."""
        ...

    def counts(self) -> tuple[int, int]:
        """(articles, passages) as the change stands."""
        ...

    def put_article(self, analysed: Analysed) -> None:
        """Store one article as the analysis made it (index.analysis), replacing one of its id:
        a writer stores the value, it never analyses."""
        ...

    def remove_article(self, article_id: str, *, missing_ok: bool = False) -> None: ...

    def commit(self) -> object: ...

    def abort(self) -> None: ...


@runtime_checkable
class StoreKind(Protocol):
    """A kind of store, as index.registry names it (faiss, milvus, or a dotted path to one's own
    class): where its index is, and how to open, write and watch it. Every method takes the
    whole Settings; a store reads its own group of them (Settings.group) and the index_dir."""

    def location(self, settings: Settings) -> str:
        """The index the settings name, as messages show it (the opened store's `location`)."""
        ...

    def open_store(self, settings: Settings) -> Store:
        """The live index, opened read-only. IndexNotFound when there is none."""
        ...

    def open_writer(self, settings: Settings, manifest: Manifest, *, rebuild: bool = False,
                    lock_timeout: float | None = None) -> Writer:
        """A change to the index from its live build (or from nothing, with `rebuild`), one writer at
        a time (IndexBusy after `lock_timeout` seconds); IndexIncompatible when the live build's
        manifest and `manifest` disagree (index.manifest.incompatibility)."""
        ...

    def live_build_name(self, settings: Settings) -> str | None:
        """The build answering now, None when there is none: a server reopens when it changes."""
        ...

    def live_manifest(self, settings: Settings) -> Manifest:
        """The live build's manifest, read without opening the build. IndexNotFound when there is
        none; IndexIncompatible when foreign."""
        ...


# Each function below asks the store the settings name (index.registry) to do it.


def _kind(settings: Settings) -> StoreKind:
    from newsdex.index.registry import store_kind

    return store_kind(settings.store)


def index_location(settings: Settings) -> str:
    """The index the settings name, as messages show it (a store's `location`)."""
    return _kind(settings).location(settings)


def open_store(settings: Settings) -> Store:
    """The live index of the store the settings select, opened read-only."""
    return _kind(settings).open_store(settings)


def open_writer(settings: Settings, manifest: Manifest, *, rebuild: bool = False,
                lock_timeout: float | None = None) -> Writer:
    """A change to the index of the store the settings select, from its live build (or from
    nothing, with `rebuild`); its passages must be cut and embedded as `manifest` says."""
    return _kind(settings).open_writer(settings, manifest, rebuild=rebuild, lock_timeout=lock_timeout)


def live_build_name(settings: Settings) -> str | None:
    """The name of the build answering now, None when there is none: a server reopens when it changes."""
    return _kind(settings).live_build_name(settings)


def live_manifest(settings: Settings) -> Manifest:
    """The live build's manifest, read without opening the build: cheap enough to check an index
    before a model loads. IndexNotFound when there is none; IndexIncompatible when foreign."""
    return _kind(settings).live_manifest(settings)


def live_int8_config(settings: Settings) -> str | None:
    """The onnx-int8 configuration the live build was made with, if any (None also when there is no build;
    a store the settings misname is an error, not None)."""
    kind = _kind(settings)
    try:
        return kind.live_manifest(settings).int8_config
    except NewsdexError:
        return None
