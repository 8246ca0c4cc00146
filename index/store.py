"""The embedded store: one opened, immutable build, and the only code that reads its files
(FAISS vectors, the SQLite rows, and BM25 through index.bm25). It implements index.stores.Store.

Which build is live and how builds are swapped is index.builds; what a build was made with
is index.manifest; making a new build is index.writer. Filters become SQL over the articles,
then a FAISS id selector and a tantivy term set; HNSW tombstones and FAISS's knobs stay here.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from newsdex.errors import ArticleNotFound, IndexIncompatible
from newsdex.index import vectors as vector_index
from newsdex.index.bm25 import LexicalIndex
from newsdex.index.builds import ARTICLE_BM25_DIR, BM25_DIR, DB_FILE, VECTORS_FILE, current_build
from newsdex.index.manifest import Manifest, check_format
from newsdex.index.rows import ArticleRow, ArticleWithPassages, IndexStats, PassageRow, SpeakerRow, StatementRow
from newsdex.index.sentences import SentenceVectors, unpack
from newsdex.index.stores import NO_FILTERS, Filters

__all__ = ["ArticleRow", "ArticleWithPassages", "IndexStats", "IndexStore", "PassageRow", "SpeakerRow",
           "StatementRow", "dead_ids"]

# Filters leaving at most this many passages are searched exactly (see _exact_search).
EXACT_FILTER_LIMIT = 20_000
# Filters whose passage ids a store keeps: one search asks for the same ids up to three times
# (dense, lexical, count), and a server sees the same few filters again and again.
FILTER_CACHE_SIZE = 32


class IndexStore:
    """One opened, immutable build: vectors in FAISS, everything else in SQLite.

    Open the live build with `with IndexStore.open(index_dir) as store:`; the block's end
    closes it (a Searcher keeps one open for its lifetime instead).
    """

    def __init__(self, build_dir: Path, index_dir: Path | None = None, *, mmap: bool = False,
                 ef_search: int | None = None, ivf_probe: int | None = None) -> None:
        self.build_dir = Path(build_dir)
        self.index_dir = Path(index_dir) if index_dir else self.build_dir.parent.parent
        db_path = self.build_dir / DB_FILE
        vectors_path = self.build_dir / VECTORS_FILE
        if not db_path.is_file() or not vectors_path.is_file():
            raise IndexIncompatible(f"index at {self.index_dir} is damaged (missing {DB_FILE} or {VECTORS_FILE}): run "
                                    "`newsdex index --rebuild`")
        try:
            # Builds never change once live, so readers can skip SQLite's locking.
            self.db = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            # Searches read scattered rows of passages: a larger page cache and
            # memory-mapped reads keep them off the read() syscall path.
            self.db.execute("PRAGMA cache_size = -65536")
            self.db.execute("PRAGMA mmap_size = 1073741824")
            self.manifest = Manifest.from_rows(self.db.execute("SELECT key, value FROM manifest"))
        except (sqlite3.Error, TypeError, ValueError) as exc:
            raise IndexIncompatible(f"index at {self.index_dir} is damaged or foreign ({exc}): run `newsdex index "
                                    "--rebuild`") from exc
        check_format(self.manifest, self.index_dir)
        try:
            self.vectors = vector_index.read(vectors_path, mmap=mmap)
        except RuntimeError as exc:
            raise IndexIncompatible(f"index at {self.index_dir} is damaged (vectors unreadable): run `newsdex index "
                                    "--rebuild`") from exc
        self.dead = dead_ids(self.db)
        self._keeps_sentences = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sentence_vectors'").fetchone() is not None
        # A build from before index.people keeps no forms (its next write adds them).
        self._keeps_forms = any(row[1] == "forms" for row in self.db.execute("PRAGMA table_info(statements)"))
        self._filter_ids = functools.lru_cache(maxsize=FILTER_CACHE_SIZE)(self._passage_ids)
        vector_index.set_search_knobs(self.vectors, ef_search or vector_index.auto_ef_search(self.passage_count()),
                                      ivf_probe)
        # One question is too small to split across cores (FAISS's threads then mostly wait
        # on each other, and on a busy machine far worse); concurrent searches use the rest.
        vector_index.use_threads(1)
        # HNSW tombstones: every unfiltered search excludes them.
        self._not_tombstoned = (faiss.IDSelectorNot(faiss.IDSelectorBatch(np.fromiter(self.dead, dtype=np.int64)))
                                 if self.dead else None)
        passages = self.db.execute("SELECT count(*) FROM passages").fetchone()[0]
        if self.vectors.ntotal != passages + len(self.dead) or self.vectors.d != self.manifest.dimension:
            raise IndexIncompatible(
                f"index at {self.index_dir} is damaged ({self.vectors.ntotal} vectors for {passages} passages): "
                "run `newsdex index --rebuild`"
            )
        try:
            self.bm25 = LexicalIndex(self.build_dir / BM25_DIR)
        except (OSError, ValueError) as exc:
            raise IndexIncompatible(f"index at {self.index_dir} is damaged (BM25 index unreadable: {exc}): "
                                    "run `newsdex index --rebuild`") from exc
        # Measured now: a build never changes, and a writer may delete its folder while this
        # reader still answers from it (its open files live on), so stats must not look again.
        self.size_bytes = sum(p.stat().st_size for p in self.build_dir.iterdir() if p.is_file())
        if self.bm25.count != passages:
            raise IndexIncompatible(
                f"index at {self.index_dir} is damaged ({self.bm25.count} BM25 documents for {passages} passages): "
                "run `newsdex index --rebuild`"
            )
        # Whole articles (one document an article with passages, keyed by its lead passage's
        # id); a build from before they were indexed has none until the next `newsdex index`.
        self.article_bm25: LexicalIndex | None = None
        if (self.build_dir / ARTICLE_BM25_DIR).is_dir():
            try:
                self.article_bm25 = LexicalIndex(self.build_dir / ARTICLE_BM25_DIR)
            except (OSError, ValueError) as exc:
                raise IndexIncompatible(f"index at {self.index_dir} is damaged (article BM25 index unreadable: "
                                        f"{exc}): run `newsdex index --rebuild`") from exc
            led = self.db.execute("SELECT count(DISTINCT article_id) FROM passages").fetchone()[0]
            if self.article_bm25.count != led:
                raise IndexIncompatible(
                    f"index at {self.index_dir} is damaged ({self.article_bm25.count} article BM25 documents for "
                    f"{led} articles): run `newsdex index --rebuild`")

    @classmethod
    def open(cls, index_dir: Path, **options) -> IndexStore:
        """The live build; options (mmap, ef_search, ivf_probe) tune how its vectors are read."""
        return cls(current_build(index_dir), index_dir, **options)

    @property
    def build_name(self) -> str:
        return self.build_dir.name

    def close(self) -> None:
        self.db.close()
        self.bm25.close()
        if self.article_bm25 is not None:
            self.article_bm25.close()

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    # -- vectors ---------------------------------------------------------------------------

    @property
    def location(self) -> str:
        return str(self.index_dir)

    def search_vectors(self, queries: np.ndarray, k: int,
                       filters: Filters = NO_FILTERS) -> tuple[np.ndarray, np.ndarray]:
        """Scores and passage ids of the k nearest passages for each query row (-1 pads).

        With filters, only their passages are candidates: the filter is applied inside the
        search, before the k nearest are cut, not to the k results afterwards.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        passage_ids = self._allowed(filters)
        if passage_ids is None:
            k = max(1, min(k, self.vectors.ntotal - len(self.dead) or 1))
            params = vector_index.search_params(self.vectors, k, self._not_tombstoned)
            return self.vectors.search(queries, k, params=params)
        if len(passage_ids) == 0:
            return (np.zeros((len(queries), 0), dtype=np.float32), np.zeros((len(queries), 0), dtype=np.int64))
        k = max(1, min(k, len(passage_ids)))
        if len(passage_ids) <= EXACT_FILTER_LIMIT and vector_index.supports_reconstruct(self.vectors):
            return self._exact_search(queries, k, passage_ids)
        selector = faiss.IDSelectorBatch(passage_ids)
        return self.vectors.search(queries, k, params=vector_index.search_params(self.vectors, k, selector))

    def _exact_search(self, queries: np.ndarray, k: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact scores over a filter's passages: an ANN graph walk misses most of a small subset."""
        vectors = self.vectors.reconstruct_batch(ids)
        scores = queries @ vectors.T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, order, axis=1).astype(np.float32), ids[order]

    def lexical_search(self, terms: Sequence[str], k: int,
                       filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the k best passages matching any of `terms`, best first.

        Terms are plain words, never query syntax; a passage is its article's title and its
        text. Filters restrict the candidates before the k best are cut.
        """
        passage_ids = self._allowed(filters)
        return self.bm25.search(terms, k, None if passage_ids is None else passage_ids.tolist())

    def article_lexical_search(self, terms: Sequence[str], k: int,
                               filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        """(lead passage id, BM25 score) of the k articles best matching `terms` as a whole (index.stores.Store)."""
        if self.article_bm25 is None:
            return []
        # Filters are on articles, so an article passes exactly when its lead passage does.
        passage_ids = self._allowed(filters)
        return self.article_bm25.search(terms, k, None if passage_ids is None else passage_ids.tolist())

    def passage_count(self, filters: Filters = NO_FILTERS) -> int:
        passage_ids = self._allowed(filters)
        return int(self.vectors.ntotal) - len(self.dead) if passage_ids is None else len(passage_ids)

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        """The ids (sorted, int64) of the passages that pass `filters`; None when nothing is filtered."""
        return self._filter_ids(filters) if filters else None

    def _passage_ids(self, filters: Filters) -> np.ndarray:
        """`filters` as SQL over the articles; the result is read-only, since the cache shares it."""
        clauses, params = _article_clauses(filters)
        rows = self.db.execute(
            f"SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE {' AND '.join(clauses)} ORDER "
            "BY p.id",
            params,
        )
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64)
        ids.setflags(write=False)
        return ids

    # -- rows ------------------------------------------------------------------------------

    def passages(self, ids: Sequence[int]) -> dict[int, PassageRow]:
        if not ids:
            return {}
        marks, params = _id_list(ids)
        rows = self.db.execute(
            f"""SELECT p.id, p.article_id, p.position, p.text, a.title, a.source, a.published, a.url
                FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})""",
            params,
        )
        return {row["id"]: PassageRow(**dict(row)) for row in rows}

    def passage_vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        wanted = [int(i) for i in dict.fromkeys(ids) if int(i) not in self.dead]
        if not wanted or not vector_index.supports_reconstruct(self.vectors):
            return {}
        try:
            found = self.vectors.reconstruct_batch(np.asarray(wanted, dtype=np.int64))
        except RuntimeError:  # an id FAISS does not hold: read them one by one, leaving it out
            found = None
        if found is not None:
            return {i: np.asarray(vector, dtype=np.float32) for i, vector in zip(wanted, found)}
        vectors = {}
        for i in wanted:
            try:
                vectors[i] = np.asarray(self.vectors.reconstruct(i), dtype=np.float32)
            except RuntimeError:
                continue
        return vectors

    def places(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        if not ids:
            return {}
        marks, params = _id_list(ids)
        rows = self.db.execute(f"SELECT id, article_id, position FROM passages WHERE id IN ({marks})", params)
        return {row[0]: (row[1], row[2]) for row in rows}

    def sentence_vectors(self, ids: Sequence[int]) -> dict[int, SentenceVectors]:
        """The sentences of these passages as their build kept them; passages it kept none for are left out."""
        if not ids or not self._keeps_sentences:
            return {}
        marks, params = _id_list(ids)
        rows = self.db.execute(f"SELECT passage_id, spans, vectors FROM sentence_vectors WHERE passage_id IN ({marks})",
                               params)
        return {row[0]: unpack(row[1], row[2], self.manifest.dimension) for row in rows}

    def article(self, article_id: str) -> ArticleRow:
        row = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        return ArticleRow(**dict(row))

    def article_passages(self, article_id: str) -> list[PassageRow]:
        rows = self.db.execute(
            """SELECT p.id, p.article_id, p.position, p.text, a.title, a.source, a.published, a.url
               FROM passages p JOIN articles a ON a.id = p.article_id
               WHERE p.article_id = ? ORDER BY p.position""",
            (article_id,),
        )
        return [PassageRow(**dict(row)) for row in rows]

    def articles(self, *, limit: int = 20, offset: int = 0) -> list[ArticleRow]:
        """Newest first; undated articles last, then by id for a stable order."""
        rows = self.db.execute(
            "SELECT * FROM articles ORDER BY published IS NULL, published DESC, id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [ArticleRow(**dict(row)) for row in rows]

    def articles_from(self, origin: str) -> list[ArticleRow]:
        """Every article read from `origin` ("api": posted over HTTP)."""
        rows = self.db.execute("SELECT * FROM articles WHERE origin = ? ORDER BY id", (origin,))
        return [ArticleRow(**dict(row)) for row in rows]

    def article_count(self, *, origin: str | None = None) -> int:
        """Articles in the build; with `origin`, only those read from there ("api": posted over HTTP)."""
        if origin is None:
            return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])
        return int(self.db.execute("SELECT count(*) FROM articles WHERE origin = ?", (origin,)).fetchone()[0])

    def article_with_passages(self, article_id: str) -> ArticleWithPassages:
        return ArticleWithPassages(self.article(article_id), self.article_passages(article_id))

    # -- statements ------------------------------------------------------------------------

    @property
    def has_statements(self) -> bool:
        """False for a build made before statements were kept (the next write adds them)."""
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'statements'"
                               ).fetchone() is not None

    def speakers(self) -> list[SpeakerRow]:
        """Everyone quoted, most statements first (then by name)."""
        if not self.has_statements:
            return []
        rows = self.db.execute(
            """SELECT speaker, count(*) AS statements, count(DISTINCT article_id) AS articles FROM statements
               WHERE speaker IS NOT NULL GROUP BY speaker ORDER BY statements DESC, speaker""").fetchall()
        forms: dict[str, dict[str, None]] = {}
        if self._keeps_forms:
            for speaker, kept in self.db.execute(
                    "SELECT DISTINCT speaker, forms FROM statements WHERE speaker IS NOT NULL AND forms IS NOT NULL"):
                forms.setdefault(speaker, {}).update(dict.fromkeys(json.loads(kept)))
        return [SpeakerRow(**dict(row), forms=tuple(forms.get(row["speaker"], ()))) for row in rows]

    def statements_by(self, speakers: Sequence[str], *, limit: int | None = None, offset: int = 0,
                      filters: Filters = NO_FILTERS) -> list[StatementRow]:
        """Statements of these speakers (full names as stored) in articles passing `filters`,
        newest article first (undated last), in article order."""
        if not speakers or not self.has_statements:
            return []
        clauses, params = _article_clauses(filters)
        where = " AND ".join([f"s.speaker IN ({','.join('?' * len(speakers))})", *clauses])
        page = " LIMIT ? OFFSET ?" if limit is not None else ""
        rows = self.db.execute(
            f"""SELECT s.id, s.article_id, s.position, s.speaker, s.cue, s.kind, s.text, s.text_start, s.text_end,
                       s.passage_id, s.passage_start, s.passage_end, a.title, a.source, a.published, a.url
                FROM statements s JOIN articles a ON a.id = s.article_id WHERE {where}
                ORDER BY a.published IS NULL, a.published DESC, s.article_id, s.position{page}""",
            [*speakers, *params, *([limit, offset] if limit is not None else [])])
        return [StatementRow(**dict(row)) for row in rows]

    def statement_count(self, speakers: Sequence[str]) -> int:
        if not speakers or not self.has_statements:
            return 0
        marks = ",".join("?" * len(speakers))
        return int(self.db.execute(f"SELECT count(*) FROM statements WHERE speaker IN ({marks})",
                                   list(speakers)).fetchone()[0])

    def facet_counts(self, names: Sequence[str], ids: Sequence[int]) -> dict[str, list[tuple[str, int]]]:
        """Articles per facet value among the passages `ids` (index.stores.FACETS): one GROUP BY each."""
        # The ids travel as one JSON parameter: a candidate list may pass SQLite's bound on parameters.
        chosen = json.dumps([int(i) for i in ids])
        counts: dict[str, list[tuple[str, int]]] = {}
        for name in names:
            if name == "speaker" and not self.has_statements:
                counts[name] = []
                continue
            rows = self.db.execute(_FACET_SQL[name], (chosen,)).fetchall()
            counts[name] = [(str(value), int(count)) for value, count in rows]
        return counts

    def stats(self) -> IndexStats:
        articles = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        passages = self.db.execute("SELECT count(*) FROM passages").fetchone()[0]
        languages = {lang or "unknown": count for lang, count in self.db.execute(
            "SELECT lang, count(*) FROM articles GROUP BY lang ORDER BY count(*) DESC, lang")}
        size = self.size_bytes
        m = self.manifest
        return IndexStats(index=str(self.index_dir), build=self.build_name, articles=articles, passages=passages,
                          model=m.model, backend=m.backend, int8_config=m.int8_config, dimension=m.dimension,
                          passage_tokens=m.passage_tokens, faiss_index=m.faiss_index,
                          vectors=m.vectors or {"kind": "flat", "storage": "float32"},  # builds from before layouts
                          size_bytes=size, built_at=m.built_at, languages=languages)


_CANDIDATES = "p.id IN (SELECT value FROM json_each(?))"
_BY_COUNT = "ORDER BY 2 DESC, 1"
# One query per facet of index.stores.FACETS: (value, articles) pairs.
_FACET_SQL = {
    "source": f"""SELECT a.source, count(DISTINCT a.id) FROM passages p JOIN articles a ON a.id = p.article_id
                  WHERE {_CANDIDATES} AND a.source IS NOT NULL AND a.source <> '' GROUP BY a.source {_BY_COUNT}""",
    "month": f"""SELECT substr(a.published, 1, 7), count(DISTINCT a.id) FROM passages p
                 JOIN articles a ON a.id = p.article_id
                 WHERE {_CANDIDATES} AND a.published IS NOT NULL AND a.published <> '' GROUP BY 1 ORDER BY 1""",
    "lang": f"""SELECT a.lang, count(DISTINCT a.id) FROM passages p JOIN articles a ON a.id = p.article_id
                WHERE {_CANDIDATES} AND a.lang IS NOT NULL AND a.lang <> '' GROUP BY a.lang {_BY_COUNT}""",
    "speaker": """SELECT s.speaker, count(DISTINCT s.article_id) FROM statements s
                  WHERE s.passage_id IN (SELECT value FROM json_each(?)) AND s.speaker IS NOT NULL
                  GROUP BY s.speaker ORDER BY 2 DESC, 1""",
}


def _article_clauses(filters: Filters) -> tuple[list[str], list[str]]:
    """`filters` as SQL conditions on the articles table (aliased `a`), with their parameters."""
    clauses, params = [], []
    if filters.source is not None:
        clauses.append("a.source = ? COLLATE NOCASE")
        params.append(filters.source)
    if filters.since is not None:
        clauses.append("a.published IS NOT NULL AND substr(a.published, 1, 10) >= ?")
        params.append(filters.since)
    if filters.until is not None:
        clauses.append("a.published IS NOT NULL AND substr(a.published, 1, 10) <= ?")
        params.append(filters.until)
    if filters.article is not None:
        clauses.append("a.id = ?")
        params.append(filters.article)
    if filters.lang is not None:
        clauses.append("a.lang = ?")
        params.append(filters.lang)
    return clauses, params


def _id_list(ids: Sequence[int]) -> tuple[str, list[int]]:
    """The placeholders and parameters of `IN (...)` for these passage ids (NumPy ints made plain)."""
    return ",".join("?" * len(ids)), [int(i) for i in ids]


def dead_ids(db: sqlite3.Connection) -> set[int]:
    """Passage ids whose vectors are HNSW tombstones (index.vectors): kept in the graph, never returned."""
    try:
        return {row[0] for row in db.execute("SELECT id FROM dead_vectors")}
    except sqlite3.OperationalError:  # a build from before the table existed
        return set()
