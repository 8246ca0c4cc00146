"""Making a new build: the only code that writes an index's files (BM25 through index.bm25).

A writer copies the live build into a partial build (index.builds), changes the copy, and
swaps it in on `commit`; index.build decides what to change.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from newsdex.errors import ArticleNotFound, IndexIncompatible, NewsdexError
from newsdex.index import builds
from newsdex.index import vectors as vector_index
from newsdex.index.analysis import Analysed
from newsdex.index.bm25 import LexicalWriter
from newsdex.index.builds import ARTICLE_BM25_DIR, BM25_DIR, CURRENT, DB_FILE, VECTORS_FILE
from newsdex.index.manifest import Manifest, incompatibility
from newsdex.index.people import attributed
from newsdex.index.sentences import pack
from newsdex.index.statements import Statement, placed_statements
from newsdex.index.store import IndexStore, dead_ids
from newsdex.index.vectors import Layout, VectorSpec

SCHEMA = """
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    subtitle TEXT, author TEXT, dateline TEXT, source TEXT,
    published TEXT,            -- ISO 8601, sortable as text
    url TEXT,
    lang TEXT,                 -- ISO 639-1, detected (index.languages) or given; NULL when unsure
    origin TEXT,               -- the file it was read from, or "api"
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,        -- the clean article, paragraphs separated by blank lines
    indexed_at TEXT NOT NULL
);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_source ON articles(source);
CREATE INDEX articles_lang ON articles(lang);
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
# Who said what (index.statements), found in each article's clean text at build time. Added
# after format 2 shipped: a build without it gets it, filled from its articles, when next written;
# so does a build whose statements have no `forms` (kept since index.people): they are found again.
STATEMENTS_SCHEMA = """
CREATE TABLE statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,     -- order in the article
    speaker TEXT,                  -- the fullest name the article gives; NULL when no person is named
    cue TEXT NOT NULL,             -- the attributing word: said, told, stressed, according to, ...
    kind TEXT NOT NULL,            -- direct, indirect or mixed
    text TEXT NOT NULL,            -- the words, exactly as in articles.text
    text_start INTEGER NOT NULL,   -- offsets of text in articles.text
    text_end INTEGER NOT NULL,
    passage_id INTEGER,            -- the passage that holds the words (NULL: none does)
    passage_start INTEGER,         -- offsets of the words in that passage's text
    passage_end INTEGER,
    forms TEXT                     -- JSON list: how the article names the speaker (index.people); NULL: no speaker
);
CREATE INDEX statements_speaker ON statements(speaker COLLATE NOCASE);
CREATE INDEX statements_article ON statements(article_id, position);
CREATE INDEX statements_passage ON statements(passage_id);
"""
# Each passage's sentences and their int8 vectors (index.sentences), for highlights. Added
# after format 3 shipped: a build without it gets the table, and its passages keep none
# until rebuilt (search embeds their sentences when it shows them, as before).
SENTENCES_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentence_vectors (
    passage_id INTEGER PRIMARY KEY,  -- passages.id
    spans BLOB NOT NULL,             -- int32 start, end pairs into the passage's text
    vectors BLOB NOT NULL            -- float32 scale per sentence, then int8 codes; empty for one sentence
);
"""


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class IndexWriter:
    """A new build made from the live one (or from nothing), swapped in on `commit`.

    Use as a context manager: leaving the block by an exception (Ctrl-C included)
    removes the partial build and leaves the live index as it was.
    """

    def __init__(self, index_dir: Path, manifest: Manifest, *, rebuild: bool = False,
                 spec: VectorSpec | None = None, lock_timeout: float | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.spec = spec or VectorSpec()
        self.manifest = manifest
        self._lock: builds.WriteLock | None = None
        # build_dir, final_dir, db and bm25 are set by _start; abort() copes with a start that
        # failed half-way, so they are never None once the writer exists.
        self.build_dir: Path
        self.final_dir: Path
        self.db: sqlite3.Connection
        self.bm25: LexicalWriter
        self.article_bm25: LexicalWriter  # whole articles, one document each under its lead passage's id
        self.previous: IndexStore | None = None
        with builds.storage_errors(self.index_dir):
            builds.prepare_index_dir(self.index_dir)
            self._lock = builds.WriteLock(self.index_dir, timeout=lock_timeout)
            try:
                self._start(rebuild)
            except BaseException:
                self.abort()  # a half-made partial build never outlives its writer
                raise

    def _start(self, rebuild: bool) -> None:
        """Under the lock: clear what killed builds left, then begin from the live build."""
        builds.collect_partials(self.index_dir)
        self.build_dir, self.final_dir = builds.new_partial(self.index_dir)
        if not rebuild and (self.index_dir / CURRENT).is_symlink():
            try:
                self.previous = IndexStore.open(self.index_dir)
            except IndexIncompatible:
                self.previous = None  # a damaged live build is replaced, never patched
        manifest = self.manifest
        if self.previous is not None:
            old = self.previous.manifest
            problem = incompatibility(old, manifest.model, manifest.dimension, manifest.vector_family,
                                      passages=manifest)
            if problem:
                self.previous.close()
                raise IndexIncompatible(f"index at {self.index_dir}: {problem}")
            shutil.copyfile(self.previous.build_dir / DB_FILE, self.build_dir / DB_FILE)
            self.db = sqlite3.connect(self.build_dir / DB_FILE)
            self.vectors = self.previous.vectors  # read once, by the store; this build changes it
            self.layout = self.previous.manifest.layout
            self.bm25 = LexicalWriter(self.build_dir / BM25_DIR, previous=self.previous.build_dir / BM25_DIR)
            whole = self.previous.build_dir / ARTICLE_BM25_DIR
            self.article_bm25 = LexicalWriter(self.build_dir / ARTICLE_BM25_DIR,
                                              previous=whole if whole.is_dir() else None)
            self.previous.close()
            if not whole.is_dir():
                self._fill_article_bm25()
        else:
            self.db = sqlite3.connect(self.build_dir / DB_FILE)
            self.db.executescript(SCHEMA)
            self.vectors = vector_index.empty_index(manifest.dimension)
            self.layout = Layout("flat", "float32")
            self.bm25 = LexicalWriter(self.build_dir / BM25_DIR)
            self.article_bm25 = LexicalWriter(self.build_dir / ARTICLE_BM25_DIR)
        self.db.execute(DEAD_SCHEMA)
        self.db.execute(SENTENCES_SCHEMA)
        self.db.execute("PRAGMA foreign_keys = ON")
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(statements)")}
        if "forms" not in columns:  # no statements table, or one from before people (index.people)
            self.db.execute("DROP TABLE IF EXISTS statements")
            self.db.executescript(STATEMENTS_SCHEMA)
            self._fill_statements()

    def _fill_article_bm25(self) -> None:
        """Whole-article BM25 documents for every article of a build made before they were kept,
        from its stored text: nothing is read or embedded again."""
        rows = self.db.execute("""SELECT min(p.id), a.title, a.text, a.lang FROM articles a
                                  JOIN passages p ON p.article_id = a.id GROUP BY a.id""")
        for lead, title, text, lang in rows:
            self.article_bm25.add(lead, title, text, lang)

    def _fill_statements(self) -> None:
        """Statements for every article of a build made before they were kept: found in the
        stored text and passages, so the build's articles need not be read or embedded again."""
        for (article_id,) in self.db.execute("SELECT id FROM articles").fetchall():
            text = self.db.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
            passages = self.db.execute("SELECT id, text FROM passages WHERE article_id = ? ORDER BY position",
                                       (article_id,)).fetchall()
            paragraphs = tuple(text.split("\n\n"))
            placed = placed_statements(paragraphs, passages, article_id=article_id)
            people = attributed(paragraphs, [statement for statement, _ in placed])
            self._insert_statements(article_id, [(statement, forms, where)
                                                 for (statement, forms), (_, where) in zip(people, placed)])

    def _insert_statements(self, article_id: str, placed: Sequence[tuple[Statement, tuple[str, ...],
                                                                         tuple[int | None, int | None, int | None]]]
                           ) -> None:
        """The article's statements, each with its speaker's forms (index.people) and (passage id,
        start, end) of the passage holding its words."""
        rows = [(article_id, position, statement.speaker, statement.cue, statement.kind, statement.text,
                 statement.start, statement.end, *where,
                 json.dumps(list(forms)) if statement.speaker is not None else None)
                for position, (statement, forms, where) in enumerate(placed)]
        self.db.executemany(
            """INSERT INTO statements (article_id, position, speaker, cue, kind, text, text_start, text_end,
                                       passage_id, passage_start, passage_end, forms)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
            reason = builds.refusal(exc)
            if reason and not isinstance(exc, NewsdexError):
                raise builds.unwritable(self.index_dir, reason) from exc

    # -- reads the build needs -------------------------------------------------------------

    def known_articles(self) -> dict[str, tuple[str, str | None]]:
        """id -> (content hash, origin) of every article already in this build."""
        return {row[0]: (row[1], row[2]) for row in self.db.execute("SELECT id, content_hash, origin FROM articles")}

    def counts(self) -> tuple[int, int]:
        """(articles, passages) in this build as it stands."""
        return (self.db.execute("SELECT count(*) FROM articles").fetchone()[0],
                self.db.execute("SELECT count(*) FROM passages").fetchone()[0])

    # -- changes ---------------------------------------------------------------------------

    def put_article(self, analysed: Analysed) -> None:
        """Insert or replace one article as the analysis made it: passages, vectors, sentences, statements."""
        article, passages = analysed.article, analysed.passages
        self.remove_article(article.id, missing_ok=True)
        self.db.execute(
            """INSERT INTO articles (id, title, subtitle, author, dateline, source, published, url, lang,
                                     origin, content_hash, text, indexed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (article.id, article.title, article.subtitle, article.author, article.dateline, article.source,
             article.published, article.url, article.lang, article.origin, article.content_hash, article.text,
             _now()),
        )
        ids = []
        for position, text in enumerate(passages):
            cursor = self.db.execute(
                "INSERT INTO passages (article_id, position, text) VALUES (?, ?, ?)", (article.id, position, text)
            )
            passage_id = cursor.lastrowid
            assert passage_id is not None  # sqlite3 sets it after every INSERT
            ids.append(passage_id)
            self.bm25.add(passage_id, article.title, text, article.lang)
        if ids:  # the article as one document, under its lead passage's id
            self.article_bm25.add(ids[0], article.title, article.text, article.lang)
        if analysed.sentences is not None:
            self.db.executemany("INSERT INTO sentence_vectors (passage_id, spans, vectors) VALUES (?, ?, ?)",
                                [(passage_id, *pack(item)) for passage_id, item in zip(ids, analysed.sentences)])
        self._insert_statements(article.id, [
            (placed.statement, placed.forms,
             (None if placed.passage is None else ids[placed.passage], placed.start, placed.end))
            for placed in analysed.statements])
        if ids:
            self.vectors.add_with_ids(np.ascontiguousarray(analysed.vectors, dtype=np.float32),
                                      np.asarray(ids, dtype=np.int64))

    def remove_article(self, article_id: str, *, missing_ok: bool = False) -> None:
        ids = [row[0] for row in self.db.execute("SELECT id FROM passages WHERE article_id = ?", (article_id,))]
        exists = self.db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
        if not exists:
            if missing_ok:
                return
            raise ArticleNotFound(f"no article with id {article_id!r}")
        if ids:
            if vector_index.supports_remove(self.vectors):
                self.vectors.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]  # SWIG takes an id array too
            else:
                self.db.executemany("INSERT INTO dead_vectors (id) VALUES (?)", [(i,) for i in ids])
            self.bm25.remove(ids)
            self.article_bm25.remove([min(ids)])  # the lead passage (position 0) came first
        self.db.execute("DELETE FROM statements WHERE article_id = ?", (article_id,))
        self.db.executemany("DELETE FROM sentence_vectors WHERE passage_id = ?", [(i,) for i in ids])
        self.db.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
        self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    # -- the swap --------------------------------------------------------------------------

    def commit(self) -> Path:
        """Write everything, make it durable, then point `current` at it in one rename."""
        self.vectors, layout, rebuilt = vector_index.arrange(self.vectors, self.layout, self.spec, dead_ids(self.db))
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
        self.article_bm25.commit()
        bm25, whole = self.build_dir / BM25_DIR, self.build_dir / ARTICLE_BM25_DIR
        for path in [self.build_dir / DB_FILE, self.build_dir / VECTORS_FILE, *bm25.iterdir(), bm25,
                     *whole.iterdir(), whole]:
            builds.fsync(path)
        builds.swap_in(self.index_dir, self.build_dir, self.final_dir)
        builds.collect_old_builds(self.index_dir)
        self._unlock()
        return self.final_dir

    def abort(self) -> None:
        """Drop the partial build and the lock; safe to call at any stage, and again."""
        db: sqlite3.Connection | None = getattr(self, "db", None)
        if db is not None:
            try:
                db.close()
            except sqlite3.Error:
                pass
        for name in ("bm25", "article_bm25"):
            lexical: LexicalWriter | None = getattr(self, name, None)
            if lexical is not None:
                try:
                    lexical.abort()
                except ValueError:  # tantivy's errors, e.g. on a full disk: the folder goes anyway
                    pass
        build_dir: Path | None = getattr(self, "build_dir", None)
        if build_dir is not None:
            shutil.rmtree(build_dir, ignore_errors=True)
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
