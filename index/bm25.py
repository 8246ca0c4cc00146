"""The BM25 side of a build: a tantivy index of every passage, beside the SQLite file.

Why tantivy and not SQLite FTS5 (which newsdex used first): FTS5 scores every passage
that holds any word of the question, so its cost grows with the corpus, while tantivy's
block-max WAND stops scoring once the k best are settled (the figures: docs/performance.md,
"Figures behind the code").
It keeps postings per segment and marks deletions, so incremental builds change only what
changed, like the rest of a build.

Each passage is one document: its id (the SQLite and FAISS id) and one text field, the
article's title followed by the passage text. One field rather than two because BM25 over
the whole (one length, one IDF) ranks better than a sum of per-field BM25s on SciFact
(docs/performance.md, "Figures behind the code"). k1 = 1.2, b = 0.75;
words are lower-cased, folded to ASCII and Porter-stemmed (Snowball English).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import tantivy

log = logging.getLogger(__name__)

ANALYZER = "newsdex_en"
# Memory of the single indexing thread; tantivy writes a segment each time it fills.
WRITER_HEAP = 64_000_000


def _analyzer() -> tantivy.TextAnalyzer:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_text_field("body", tokenizer_name=ANALYZER, index_option="freq")
    return builder.build()


SCHEMA = _schema()


def _open(path: Path, *, create: bool) -> tantivy.Index:
    if create:
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(SCHEMA, path=str(path))
    else:
        index = tantivy.Index.open(str(path))
    # Analyzers are code, not data: every opening registers ours again.
    index.register_tokenizer(ANALYZER, _analyzer())
    return index


class LexicalIndex:
    """A build's BM25 index, opened read-only (a live build never changes)."""

    def __init__(self, path: Path) -> None:
        self._copy: str | None = None
        try:
            self.index = _open(Path(path), create=False)
        except ValueError as exc:
            # tantivy writes a lock file even to read, which read-only storage refuses: read
            # a private copy instead (the BM25 files are a small part of a build).
            if "read-only file system" not in str(exc).lower():
                raise
            self._copy = tempfile.mkdtemp(prefix="newsdex-bm25-")
            shutil.copytree(path, self._copy, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".tantivy-*.lock"))
            log.warning("%s is on read-only storage: reading a copy of its BM25 index in %s", path, self._copy)
            self.index = _open(Path(self._copy), create=False)
        self.searcher = self.index.searcher()
        self._analyzer = _analyzer()

    def close(self) -> None:
        if self._copy is not None:
            shutil.rmtree(self._copy, ignore_errors=True)
            self._copy = None

    @property
    def count(self) -> int:
        return self.searcher.num_docs

    def search(self, words: Sequence[str], k: int, passage_ids: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, score) of the k best passages holding any of `words`, best first.

        Words go through the same analyzer as the passages and become term queries, never
        parsed query syntax, so nothing a user types is read as an operator.
        """
        tokens = list(dict.fromkeys(token for word in words for token in self._analyzer.analyze(word)))
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(SCHEMA, "body", token, index_option="freq"))
                   for token in tokens]
        if not clauses or k < 1:
            return []
        query = tantivy.Query.boolean_query(clauses)
        if passage_ids is not None:
            if len(passage_ids) == 0:
                return []
            allowed = tantivy.Query.term_set_query(SCHEMA, "id", [int(i) for i in passage_ids])
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query),
                                                 (tantivy.Occur.Must, tantivy.Query.const_score_query(allowed, 0.0))])
        hits = self.searcher.search(query, int(k), count=False).hits
        ids = self.searcher.fast_field_values("id", [address for _, address in hits])
        # tantivy types any fast field's value as int | float | bool | None; "id" is a u64 every passage has.
        return [(int(pid), float(score)) for (score, _), pid in zip(hits, ids)]  # type: ignore[arg-type]


class LexicalWriter:
    """Changes to a new build's BM25 index, made durable by `commit`.

    A build starting from the live one links the live one's files rather than copying
    them: tantivy never rewrites a file (new segments, deletion files and a replaced
    meta.json are new files), so the live build cannot see the new one's changes.
    """

    def __init__(self, path: Path, previous: Path | None = None) -> None:
        self.path = Path(path)
        if previous is not None:
            shutil.copytree(previous, self.path, copy_function=_link_or_copy,
                            ignore=shutil.ignore_patterns(".tantivy-*.lock"))
            self.index = _open(self.path, create=False)
        else:
            self.index = _open(self.path, create=True)
        self._writer: tantivy.IndexWriter | None = None

    @property
    def writer(self) -> tantivy.IndexWriter:
        # Opened on first change: a build that changes nothing writes nothing.
        if self._writer is None:
            self._writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        return self._writer

    def add(self, passage_id: int, title: str, text: str) -> None:
        self.writer.add_document(tantivy.Document(id=int(passage_id), body=f"{title}\n{text}"))

    def remove(self, passage_ids: Sequence[int]) -> None:
        for passage_id in passage_ids:
            self.writer.delete_documents_by_term("id", int(passage_id))

    def commit(self) -> None:
        """Publish the changes, wait for merges and drop files no segment uses (index.writer fsyncs them)."""
        if self._writer is not None:
            self._writer.commit()
            self._writer.garbage_collect_files()
            self._writer.wait_merging_threads()
            self._writer = None

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)
