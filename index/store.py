"""The index-files boundary: the only module that reads or writes an index directory
(its BM25 part through index.bm25, which only this module calls).

An index directory holds immutable builds and a `current` symlink naming the live one:

    INDEX_DIR/current -> builds/20261123T101500-3f2a
    INDEX_DIR/builds/<build>/newsdex.db      SQLite: manifest, articles, passages
    INDEX_DIR/builds/<build>/vectors.faiss   FAISS inner-product index keyed by passage id
    INDEX_DIR/builds/<build>/bm25/           tantivy index of the passages, for BM25 (index.bm25)

A writer copies the live build into `builds/<new>.partial`, changes the copy, and swaps
`current` to it with one atomic rename. Readers never see a half-written build, a crash
or Ctrl-C leaves the previous build live, and a reader holding an older build keeps
answering from it until it reopens.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import faiss
import numpy as np

from newsdex.index import vectors as vector_index
from newsdex.index.bm25 import LexicalIndex, LexicalWriter
from newsdex.index.articles import Article
from newsdex.errors import ArticleNotFound, IndexIncompatible, IndexNotFound, NewsdexError
from newsdex.index.embedder import vector_family
from newsdex.index.vectors import Layout, VectorSpec

# 2: BM25 moved from an FTS5 table in newsdex.db to a tantivy index in bm25/.
FORMAT_VERSION = 2
DB_FILE = "newsdex.db"
VECTORS_FILE = "vectors.faiss"
BM25_DIR = "bm25"
CURRENT = "current"
BUILDS = "builds"
PARTIAL = ".partial"
# Filters leaving at most this many passages are searched exactly (see _exact_search).
EXACT_FILTER_LIMIT = 20_000

SCHEMA = """
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    subtitle TEXT, author TEXT, dateline TEXT, source TEXT,
    published TEXT,            -- ISO 8601, sortable as text
    url TEXT,
    origin TEXT,               -- the file it was read from, or "api"
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,        -- the clean article, paragraphs separated by blank lines
    indexed_at TEXT NOT NULL
);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_source ON articles(source);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- also the FAISS id; never reused
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX passages_article ON passages(article_id, position);
"""
# Added after format 1 shipped: created when missing, so older builds stay readable.
DEAD_SCHEMA = "CREATE TABLE IF NOT EXISTS dead_vectors (id INTEGER PRIMARY KEY);  -- HNSW tombstones (index.vectors)"


@dataclass(frozen=True)
class Manifest:
    """What an index was built with; a searcher must embed questions the same way."""

    model: str
    dimension: int
    max_seq_length: int
    passage_tokens: int
    title_tokens: int
    overlap_sentences: int
    normalized: bool = True
    metric: str = "inner_product"
    faiss_index: str = "IDMap2,Flat"
    vectors: dict = field(default_factory=dict)  # index.vectors.Layout: structure and its parameters
    backend: str = "torch"  # the encoder backend that embedded the passages (index.embedder)
    int8_config: str | None = None  # onnx-int8's quantization configuration (index.embedder.INT8_CONFIGS)
    format_version: int = FORMAT_VERSION
    built_at: str = ""
    extra: dict = field(default_factory=dict)

    def to_rows(self) -> list[tuple[str, str]]:
        return [(k, json.dumps(v)) for k, v in self.__dict__.items()]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]]) -> "Manifest":
        values = {k: json.loads(v) for k, v in rows}
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in values.items() if k in known})

    @property
    def vector_family(self) -> str:
        return vector_family(self.backend, self.int8_config)

    @property
    def layout(self) -> Layout:
        return Layout.from_dict(self.vectors)


def incompatibility(index: Manifest, model: str, dimension: int, family: str,
                    passages: Manifest | None = None) -> str | None:
    """Why vectors made by (`model`, `dimension`, `family`) cannot be used with an index built
    as `index` says, or None when they can. The one rule for reading and writing: a searcher
    asks it of its embedder, a writer also passes its own manifest as `passages`, because
    passages cut another way cannot share a build either. The message says what to do."""
    problems = []
    if index.model != model or index.dimension != dimension:
        problems.append(f"model {index.model!r} ({index.dimension} dimensions), not {model!r} ({dimension})")
    if index.vector_family != family:
        problems.append(f"vectors of the {_family_words(index.vector_family)}, not the {_family_words(family)}")
    if passages is not None:
        keys = ("passage_tokens", "title_tokens", "overlap_sentences", "normalized")
        changed = [k for k in keys if getattr(index, k) != getattr(passages, k)]
        if changed:
            problems.append("passages cut with other " + ", ".join(
                f"{k.replace('_', ' ')} ({getattr(index, k)}, not {getattr(passages, k)})" for k in changed))
    if not problems:
        return None
    hint = "run `newsdex index --rebuild`, or set newsdex to match the index"
    if index.int8_config and family.startswith("int8") and index.vector_family != family:
        hint = f"unset NEWSDEX_INT8_CONFIG (or set it to {index.int8_config}), or run `newsdex index --rebuild`"
    return f"the index was built with {'; '.join(problems)}: {hint}"


def _family_words(family: str) -> str:
    if family == "float":
        return "torch/onnx backend"
    return "onnx-int8 backend" + (f" ({family.removeprefix('int8-')})" if family != "int8" else "")


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


@dataclass(frozen=True)
class IndexStats:
    path: str
    build: str
    articles: int
    passages: int
    manifest: Manifest
    size_bytes: int


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def current_build(index_dir: Path) -> Path:
    """The live build's directory, or an error that says what to do."""
    index_dir = Path(index_dir)
    link = index_dir / CURRENT
    if not link.is_symlink():
        if not index_dir.exists() or not any(index_dir.iterdir()):
            raise IndexNotFound(f"no index at {index_dir}: build one with `newsdex index [PATH ...]`")
        raise IndexIncompatible(
            f"{index_dir} is not a newsdex index (no '{CURRENT}' link): "
            "point --index elsewhere, or remove it and run `newsdex index --rebuild`"
        )
    target = link.resolve()
    if not target.is_dir():
        raise IndexIncompatible(f"index at {index_dir} is damaged (its live build is missing): run `newsdex index --rebuild`")
    return target


def recorded_int8_config(index_dir: Path) -> str | None:
    """The onnx-int8 configuration the live build's vectors were made with, if any, read
    before the model loads so that the model is quantized the same way."""
    try:
        db = sqlite3.connect(f"file:{current_build(index_dir) / DB_FILE}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM manifest WHERE key = 'int8_config'").fetchone()
        finally:
            db.close()
    except (NewsdexError, sqlite3.Error, OSError):
        return None
    return json.loads(row[0]) if row else None


def build_id(index_dir: Path) -> str | None:
    """Name of the live build, cheap enough to poll (a server watches it to reload)."""
    try:
        return os.readlink(Path(index_dir) / CURRENT)
    except OSError:
        return None


class IndexStore:
    """One opened, immutable build: vectors in FAISS, everything else in SQLite."""

    def __init__(self, build_dir: Path, index_dir: Path | None = None, *, mmap: bool = False,
                 ef_search: int | None = None, ivf_probe: int | None = None) -> None:
        self.build_dir = Path(build_dir)
        self.index_dir = Path(index_dir) if index_dir else self.build_dir.parent.parent
        db_path = self.build_dir / DB_FILE
        vectors_path = self.build_dir / VECTORS_FILE
        if not db_path.is_file() or not vectors_path.is_file():
            raise IndexIncompatible(f"index at {self.index_dir} is damaged (missing {DB_FILE} or {VECTORS_FILE}): run `newsdex index --rebuild`")
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
            raise IndexIncompatible(f"index at {self.index_dir} is damaged or foreign ({exc}): run `newsdex index --rebuild`") from exc
        if self.manifest.format_version != FORMAT_VERSION:
            raise IndexIncompatible(
                f"index at {self.index_dir} has format {self.manifest.format_version}, this newsdex reads {FORMAT_VERSION}: "
                "run `newsdex index --rebuild`"
            )
        try:
            self.vectors = vector_index.read(vectors_path, mmap=mmap)
        except RuntimeError as exc:
            raise IndexIncompatible(f"index at {self.index_dir} is damaged (vectors unreadable): run `newsdex index --rebuild`") from exc
        self.dead = _dead_ids(self.db)
        vector_index.set_search_knobs(self.vectors, ef_search or vector_index.auto_ef_search(self.passage_count()),
                                      ivf_probe)
        # One question is too small to split across cores (FAISS's threads then mostly wait
        # on each other, and on a busy machine far worse); concurrent searches use the rest.
        vector_index.use_threads(1)
        # HNSW tombstones: every unfiltered search excludes them.
        self._live = (faiss.IDSelectorNot(faiss.IDSelectorBatch(np.fromiter(self.dead, dtype=np.int64)))
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
        if self.bm25.count != passages:
            raise IndexIncompatible(
                f"index at {self.index_dir} is damaged ({self.bm25.count} BM25 documents for {passages} passages): "
                "run `newsdex index --rebuild`"
            )

    @classmethod
    def open(cls, index_dir: Path, **options) -> "IndexStore":
        """The live build; options (mmap, ef_search, ivf_probe) tune how its vectors are read."""
        return cls(current_build(index_dir), index_dir, **options)

    @property
    def build_name(self) -> str:
        return self.build_dir.name

    def close(self) -> None:
        self.db.close()

    # -- vectors ---------------------------------------------------------------------------

    def search_vectors(self, queries: np.ndarray, k: int,
                       passage_ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and passage ids of the k nearest passages for each query row (-1 pads).

        With `passage_ids`, only those passages are candidates: the filter is applied inside
        the search, before the k nearest are cut, not to the k results afterwards.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if passage_ids is None:
            k = max(1, min(k, self.vectors.ntotal - len(self.dead) or 1))
            return self.vectors.search(queries, k, params=vector_index.search_params(self.vectors, k, self._live))
        if len(passage_ids) == 0:
            return (np.zeros((len(queries), 0), dtype=np.float32), np.zeros((len(queries), 0), dtype=np.int64))
        k = max(1, min(k, len(passage_ids)))
        if len(passage_ids) <= EXACT_FILTER_LIMIT and vector_index.supports_reconstruct(self.vectors):
            return self._exact_search(queries, k, passage_ids)
        selector = faiss.IDSelectorBatch(np.asarray(passage_ids, dtype=np.int64))
        return self.vectors.search(queries, k, params=vector_index.search_params(self.vectors, k, selector))

    def _exact_search(self, queries: np.ndarray, k: int, passage_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Exact scores over a filter's passages: an ANN graph walk misses most of a small subset."""
        ids = np.asarray(passage_ids, dtype=np.int64)
        vectors = self.vectors.reconstruct_batch(ids)
        scores = queries @ vectors.T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, order, axis=1).astype(np.float32), ids[order]

    def lexical_search(self, terms: Sequence[str], k: int,
                       passage_ids: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, BM25 score) of the k best passages matching any of `terms`, best first.

        Terms are plain words, never query syntax; a passage is its article's title and its
        text. `passage_ids` restricts the candidates before the k best are cut.
        """
        return self.bm25.search(terms, k, passage_ids)

    def filtered_passage_ids(self, *, source: str | None = None, since: str | None = None,
                             until: str | None = None, article: str | None = None) -> list[int] | None:
        """Ids of the passages whose article passes every given filter; None when no filter is given.

        `since` and `until` are ISO dates (YYYY-MM-DD), both inclusive; articles without a
        publication date never pass a date filter. `source` matches case-insensitively.
        """
        clauses, params = [], []
        if source is not None:
            clauses.append("a.source = ? COLLATE NOCASE")
            params.append(source)
        if since is not None:
            clauses.append("a.published IS NOT NULL AND substr(a.published, 1, 10) >= ?")
            params.append(since)
        if until is not None:
            clauses.append("a.published IS NOT NULL AND substr(a.published, 1, 10) <= ?")
            params.append(until)
        if article is not None:
            clauses.append("a.id = ?")
            params.append(article)
        if not clauses:
            return None
        rows = self.db.execute(
            f"SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE {' AND '.join(clauses)} ORDER BY p.id",
            params,
        )
        return [row[0] for row in rows]

    def passage_count(self) -> int:
        return int(self.vectors.ntotal) - len(self.dead)

    # -- rows ------------------------------------------------------------------------------

    def passages(self, ids: Sequence[int]) -> dict[int, PassageRow]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"""SELECT p.id, p.article_id, p.position, p.text, a.title, a.source, a.published, a.url
                FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})""",
            [int(i) for i in ids],
        )
        return {row["id"]: PassageRow(**dict(row)) for row in rows}

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

    def stats(self) -> IndexStats:
        articles = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        passages = self.db.execute("SELECT count(*) FROM passages").fetchone()[0]
        size = sum(p.stat().st_size for p in self.build_dir.iterdir() if p.is_file())
        return IndexStats(str(self.index_dir), self.build_name, articles, passages, self.manifest, size)


class IndexWriter:
    """A new build made from the live one (or from nothing), swapped in on `commit`.

    Use as a context manager: leaving the block by an exception (Ctrl-C included)
    removes the partial build and leaves the live index as it was.
    """

    def __init__(self, index_dir: Path, manifest: Manifest, *, rebuild: bool = False,
                 spec: VectorSpec | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.spec = spec or VectorSpec()
        self._lock_file = None
        self._prepare_dir()
        self._lock()
        self._collect_partials()
        name = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.build_dir = self.index_dir / BUILDS / (name + PARTIAL)
        self.build_dir.mkdir(parents=True)
        self.final_dir = self.index_dir / BUILDS / name
        self.previous: IndexStore | None = None
        if not rebuild and (self.index_dir / CURRENT).is_symlink():
            try:
                self.previous = IndexStore.open(self.index_dir)
            except IndexIncompatible:
                self.previous = None  # a damaged live build is replaced, never patched
        if self.previous is not None:
            old = self.previous.manifest
            problem = incompatibility(old, manifest.model, manifest.dimension, manifest.vector_family, passages=manifest)
            if problem:
                self.abort()
                raise IndexIncompatible(f"index at {self.index_dir}: {problem}")
        self.manifest = manifest
        if self.previous is not None:
            shutil.copyfile(self.previous.build_dir / DB_FILE, self.build_dir / DB_FILE)
            self.db = sqlite3.connect(self.build_dir / DB_FILE)
            self.vectors = self.previous.vectors  # read once, by the store; this build changes it
            self.layout = self.previous.manifest.layout
            self.bm25 = LexicalWriter(self.build_dir / BM25_DIR, previous=self.previous.build_dir / BM25_DIR)
            self.previous.close()
        else:
            self.db = sqlite3.connect(self.build_dir / DB_FILE)
            self.db.executescript(SCHEMA)
            self.vectors = vector_index.empty_index(manifest.dimension)
            self.layout = Layout("flat", "float32")
            self.bm25 = LexicalWriter(self.build_dir / BM25_DIR)
        self.db.execute(DEAD_SCHEMA)
        self.db.execute("PRAGMA foreign_keys = ON")

    def __enter__(self) -> "IndexWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    # -- directory housekeeping --------------------------------------------------------------

    def _prepare_dir(self) -> None:
        if self.index_dir.exists() and not (self.index_dir / CURRENT).is_symlink():
            if not self.index_dir.is_dir():
                raise IndexIncompatible(f"{self.index_dir} is a file, not an index directory")
            ours = {BUILDS, ".lock"}
            if any(p.name not in ours for p in self.index_dir.iterdir()):
                raise IndexIncompatible(
                    f"{self.index_dir} holds other files and is not a newsdex index: choose another --index"
                )
        (self.index_dir / BUILDS).mkdir(parents=True, exist_ok=True)

    def _lock(self) -> None:
        """One writer at a time per index; a second one waits rather than racing the swap."""
        self._lock_file = open(self.index_dir / ".lock", "w")
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)

    def _unlock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _collect_partials(self) -> None:
        """Remove what killed builds left behind; the lock says none of them is still running."""
        for path in (self.index_dir / BUILDS).glob("*" + PARTIAL):
            shutil.rmtree(path, ignore_errors=True)

    # -- reads the build needs -------------------------------------------------------------

    def known_articles(self) -> dict[str, tuple[str, str | None]]:
        """id -> (content hash, origin) of every article already in this build."""
        return {row[0]: (row[1], row[2]) for row in self.db.execute("SELECT id, content_hash, origin FROM articles")}

    # -- changes ---------------------------------------------------------------------------

    def put_article(self, article: Article, passages: Sequence[str], vectors: np.ndarray) -> None:
        """Insert or replace one article with its passages and their vectors."""
        if len(passages) != len(vectors):
            raise ValueError("one vector per passage")
        self.remove_article(article.id, missing_ok=True)
        self.db.execute(
            """INSERT INTO articles (id, title, subtitle, author, dateline, source, published, url,
                                     origin, content_hash, text, indexed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (article.id, article.title, article.subtitle, article.author, article.dateline, article.source,
             article.published, article.url, article.origin, article.content_hash, article.text, _now()),
        )
        ids = []
        for position, text in enumerate(passages):
            cursor = self.db.execute(
                "INSERT INTO passages (article_id, position, text) VALUES (?, ?, ?)", (article.id, position, text)
            )
            ids.append(cursor.lastrowid)
            self.bm25.add(cursor.lastrowid, article.title, text)
        if ids:
            self.vectors.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove_article(self, article_id: str, *, missing_ok: bool = False) -> None:
        ids = [row[0] for row in self.db.execute("SELECT id FROM passages WHERE article_id = ?", (article_id,))]
        exists = self.db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
        if not exists:
            if missing_ok:
                return
            raise ArticleNotFound(f"no article with id {article_id!r}")
        if ids:
            if vector_index.supports_remove(self.vectors):
                self.vectors.remove_ids(np.asarray(ids, dtype=np.int64))
            else:
                self.db.executemany("INSERT INTO dead_vectors (id) VALUES (?)", [(i,) for i in ids])
            self.bm25.remove(ids)
        self.db.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
        self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    # -- the swap --------------------------------------------------------------------------

    def commit(self) -> Path:
        """Write everything, make it durable, then point `current` at it in one rename."""
        self.vectors, layout, rebuilt = vector_index.arrange(self.vectors, self.layout, self.spec, _dead_ids(self.db))
        if rebuilt:
            self.db.execute("DELETE FROM dead_vectors")
        manifest = Manifest(**{**self.manifest.__dict__, "built_at": _now(), "vectors": layout.to_dict(),
                               "faiss_index": vector_index.describe(self.vectors)})
        self.db.execute("DELETE FROM manifest")
        self.db.executemany("INSERT INTO manifest (key, value) VALUES (?, ?)", manifest.to_rows())
        self.db.commit()
        self.db.execute("PRAGMA journal_mode = DELETE")
        self.db.close()
        faiss.write_index(self.vectors, str(self.build_dir / VECTORS_FILE))
        self.bm25.commit()
        bm25 = self.build_dir / BM25_DIR
        for path in [self.build_dir / DB_FILE, self.build_dir / VECTORS_FILE, *bm25.iterdir(), bm25]:
            _fsync(path)
        os.rename(self.build_dir, self.final_dir)
        link_tmp = self.index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
        os.symlink(Path(BUILDS) / self.final_dir.name, link_tmp)
        os.replace(link_tmp, self.index_dir / CURRENT)
        _fsync(self.index_dir)
        self._collect_old_builds()
        self._unlock()
        return self.final_dir

    def abort(self) -> None:
        try:
            self.db.close()
        except Exception:
            pass
        if getattr(self, "bm25", None) is not None:
            self.bm25.abort()
        shutil.rmtree(self.build_dir, ignore_errors=True)
        self._unlock()

    def _collect_old_builds(self) -> None:
        """Delete builds that are no longer live. Open readers keep their files until they close."""
        live = (self.index_dir / CURRENT).resolve()
        for path in (self.index_dir / BUILDS).iterdir():
            if path.resolve() != live and not path.name.endswith(PARTIAL):
                shutil.rmtree(path, ignore_errors=True)


def _dead_ids(db: sqlite3.Connection) -> set[int]:
    try:
        return {row[0] for row in db.execute("SELECT id FROM dead_vectors")}
    except sqlite3.OperationalError:  # a build from before the table existed
        return set()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
