"""Writing a build: `MilvusWriter`, changes made with index.writer.IndexWriter's calls, made
live by moving the alias to new collections or by applying them in place at commit.

The alias (settings.milvus_collection) names the live passages collection. `--rebuild` fills
new collections and then moves the alias in one call, so searches never see a half-built
index. An incremental build keeps its changes in memory and applies them in place at
commit: deletes first, then passages, statements and article terms, then the article rows, whose content
hash is what tells the next build an article is done. A commit cut short therefore leaves
articles the next build sees as changed and writes again; passage ids are deterministic
(article id and position), so writing them again is an upsert, never a duplicate.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import Counter
from datetime import UTC, datetime

import numpy as np

from newsdex.errors import ArticleNotFound, IndexIncompatible, NewsdexError, StoreUnavailable
from newsdex.index.analysis import Analysed
from newsdex.index.bm25 import passage_terms
from newsdex.index.builds import WriteLock, storage_errors
from newsdex.index.manifest import Manifest, incompatibility
from newsdex.index.milvus.client import MilvusSettings, _is_lite, _pymilvus, _reason, connect
from newsdex.index.milvus.filters import _literal, _nocase
from newsdex.index.milvus.live import _live_build, _live_collection
from newsdex.index.milvus.rows import (
    _article_rows,
    _article_terms_rows,
    _check_text,
    _day,
    _hash63,
    _pack_sentences,
    passage_id,
)
from newsdex.index.milvus.schema import (
    ARTICLE_TERMS_SUFFIX,
    ARTICLES_SUFFIX,
    FORMS_BYTES,
    MANIFEST_PROPERTY,
    PLACEHOLDER_DIM,
    STATEMENTS_SUFFIX,
    VERSION_PROPERTY,
    _article_terms_schema,
    _create_collection,
    _Names,
    _schemas,
)
from newsdex.index.milvus.store import _scan, _whole_articles
from newsdex.index.milvus.terms import term_codes
from newsdex.settings import Settings

log = logging.getLogger(__name__)

WRITE_BATCH = 512  # rows per upsert call


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _has_field(client, collection: str, name: str) -> bool:
    """Whether a collection has a field: a build made before the field existed has not."""
    return any(field.get("name") == name for field in client.describe_collection(collection).get("fields", []))


def _forms_json(forms: tuple[str, ...]) -> str:
    """A speaker's forms as the statements collection keeps them: as many as fit its field."""
    kept = list(forms)
    while kept and len(json.dumps(kept).encode("utf-8")) > FORMS_BYTES:
        kept.pop()
    return json.dumps(kept)


class MilvusWriter:
    """Changes to a Milvus-held index, made with index.writer.IndexWriter's calls.

    A rebuild (or a first build) writes new collections as it goes, invisible until `commit`
    moves the alias to them; an update keeps its changes until `commit` and then applies
    them in place (see the module docstring). Leaving the block by an exception drops the
    new collections, or the kept changes, and the live index is as it was.
    """

    def __init__(self, settings: Settings, manifest: Manifest, *, rebuild: bool = False,
                 lock_timeout: float | None = None) -> None:
        self.pymilvus = _pymilvus()
        self.config = config = MilvusSettings.of(settings)
        self.manifest = manifest
        self.client = connect(config)
        self._where = config.location
        # One writer at a time on this machine, as for the embedded store (index.builds.WriteLock).
        with storage_errors(config.index_dir):
            config.index_dir.mkdir(parents=True, exist_ok=True)
        self._lock: WriteLock | None = WriteLock(config.index_dir, timeout=lock_timeout)
        self.new = False
        # In place: what commit writes, per article: passage, statement, article-terms and article rows.
        self._put: dict[str, tuple[list[dict], list[dict], list[dict], list[dict]]] = {}
        self._removed: set[str] = set()
        self._waiting = 0  # passages kept in _put
        try:
            live = _live_collection(self.client, config.collection)
            missing = False  # a live build from before its article-terms collection existed
            if live is not None and not rebuild:
                old = _live_build(config)[2]
                problem = incompatibility(old, manifest.model, manifest.dimension, manifest.vector_family,
                                          passages=manifest)
                if problem:
                    raise IndexIncompatible(f"index at {self._where}: {problem}")
                self.names = _Names(live)
                missing = not self.client.has_collection(self.names.article_terms)
                if missing:
                    schema, index = _article_terms_schema(self.pymilvus, self.client)
                    _create_collection(self.client, self.names.article_terms, schema, index)
                for name in self.names.all():
                    self.client.load_collection(name)
            else:
                self.new = True
                build = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(3)
                self.names = _Names(f"{config.collection}_{build}")
                for name, (schema, index) in zip(self.names.all(), _schemas(
                        self.pymilvus, self.client, manifest.dimension, config.index)):
                    _create_collection(self.client, name, schema, index)
            self._keeps_forms = self.new or _has_field(self.client, self.names.statements, "forms")
            self._known = self._read_known()
            self._passages = {} if self.new else self._passage_counts()
            if missing:
                self._fill_article_terms()
        except BaseException as exc:
            self.abort()
            if isinstance(exc, NewsdexError) or not isinstance(exc, Exception):
                raise
            raise StoreUnavailable(f"cannot write the index at {self._where}: {_reason(exc)}") from exc

    def _read_known(self) -> dict[str, tuple[str, str | None]]:
        if self.new:
            return {}
        return {row["article_id"]: (row["content_hash"], row.get("origin")) for row in
                _scan(self.client, self.names.articles, "part == 0", ["article_id", "content_hash", "origin"])}

    def _fill_article_terms(self) -> None:
        """Whole-article BM25 documents for every article of a build made before they were kept,
        from its stored articles: nothing is read or embedded again. Written at once, since
        no search reads a collection the live build never had before this writer made it."""
        rows: list[dict] = []
        for row in _whole_articles(self.client, self.names.articles, sorted(self._known)):
            article = row.article()
            rows += _article_terms_rows(article, self._passages.get(row.id, 0),
                                        passage_terms(article.title, article.text, article.lang))
        self._upsert(self.names.article_terms, rows)

    def _passage_counts(self) -> dict[str, int]:
        return Counter(row["article_id"] for row in _scan(self.client, self.names.passages, "", ["article_id"]))

    def __enter__(self) -> MilvusWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    # -- reads the build needs ------------------------------------------------------------

    def known_articles(self) -> dict[str, tuple[str, str | None]]:
        return dict(self._known)

    def counts(self) -> tuple[int, int]:
        return len(self._known), sum(self._passages.values())

    # -- changes --------------------------------------------------------------------------

    def put_article(self, analysed: Analysed) -> None:
        article, passages = analysed.article, analysed.passages
        _check_text(article, passages)
        self.remove_article(article.id, missing_ok=True)
        ids = [passage_id(article.id, n) for n in range(len(passages))]
        source_key = _nocase(article.source) if article.source else ""
        vectors = np.ascontiguousarray(analysed.vectors, dtype=np.float32)
        sentences = analysed.sentences
        passage_rows = [
            {"id": pid, "vector": vectors[n].tolist(), "article_id": article.id, "position": n, "text": text,
             "terms": term_codes(*analysed.passage_terms[n]), "title": article.title,
             "source": article.source, "source_key": source_key, "published": article.published,
             "day": _day(article.published), "url": article.url, "lang": article.lang or "",
             "sentences": _pack_sentences(sentences[n] if sentences is not None else None)}
            for n, (pid, text) in enumerate(zip(ids, passages))]
        statement_rows = []
        for position, placed in enumerate(analysed.statements):
            statement = placed.statement
            statement_rows.append({
                "id": _hash63("s", article.id, position), "placeholder": [0.0] * PLACEHOLDER_DIM,
                "article_id": article.id, "position": position, "speaker": statement.speaker, "cue": statement.cue,
                "kind": statement.kind, "text": statement.text, "text_start": statement.start,
                "text_end": statement.end, "passage_id": None if placed.passage is None else ids[placed.passage],
                "passage_start": placed.start, "passage_end": placed.end, "source_key": source_key,
                "day": _day(article.published), "lang": article.lang or "",
                **({"forms": _forms_json(placed.forms) if statement.speaker is not None else None}
                   if self._keeps_forms else {})})
        article_rows = _article_rows(article, _now())
        self._put[article.id] = (passage_rows, statement_rows,
                                 _article_terms_rows(article, len(passages), analysed.article_terms), article_rows)
        self._waiting += len(passage_rows)
        if self.new and self._waiting >= WRITE_BATCH:
            self._write_put()  # nothing reads a new build's collections before commit: write as it goes
        self._known[article.id] = (article.content_hash, article.origin)
        self._passages[article.id] = len(passages)

    def remove_article(self, article_id: str, *, missing_ok: bool = False) -> None:
        if article_id not in self._known:
            if missing_ok:
                return
            raise ArticleNotFound(f"no article with id {article_id!r}")
        del self._known[article_id]
        self._passages.pop(article_id, None)
        kept = self._put.pop(article_id, None)
        if kept is not None:
            self._waiting -= len(kept[0])
        if not self.new:
            self._removed.add(article_id)
        else:  # a new build's rows already written for it
            self._delete_article(article_id)

    def _delete_article(self, article_id: str) -> None:
        expr = f"article_id == {_literal(article_id)}"
        for name in self.names.all():
            self.client.delete(name, filter=expr)

    def _write_put(self) -> None:
        """Upsert the kept articles in batches: passages, statements and article terms, then the article rows."""
        for collection, part in ((self.names.passages, 0), (self.names.statements, 1), (self.names.article_terms, 2),
                                 (self.names.articles, 3)):
            self._upsert(collection, [row for rows in self._put.values() for row in rows[part]])
        self._put, self._waiting = {}, 0

    def _upsert(self, collection: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), WRITE_BATCH):
            self.client.upsert(collection, rows[start:start + WRITE_BATCH])

    # -- the swap -------------------------------------------------------------------------

    def commit(self) -> str:
        """Make the changes live: move the alias to a new build, or apply an update in place."""
        try:
            if not self.new:
                # Deletes first, then passages, statements and article terms, then articles: see the module docstring.
                for article_id in sorted(self._removed):
                    self._delete_article(article_id)
            self._write_put()
            manifest = Manifest(**{**self.manifest.__dict__, "built_at": _now(),
                                   "faiss_index": f"milvus {self.config.index}",
                                   "vectors": {"kind": "milvus", "index": self.config.index}})
            for name in self.names.all():
                self.client.flush(name)
            if self.new and _is_lite(self.config.target):
                # Milvus Lite builds an index at flush, in the background, and an index type it
                # cannot build (IVF_PQ, DISKANN in 3.2) only fails the next load: load it again
                # now, so the old build keeps serving and the error is the build's.
                self.client.release_collection(self.names.passages)
                self.client.load_collection(self.names.passages)
            self.client.alter_collection_properties(self.names.passages, properties={
                MANIFEST_PROPERTY: json.dumps(manifest.__dict__), VERSION_PROPERTY: f"{time.time_ns()}"})
            if self.new:
                self._swap_alias()
        except NewsdexError:
            self.abort()
            raise
        except Exception as exc:
            self.abort()
            raise StoreUnavailable(f"cannot write the index at {self._where}: {_reason(exc)}") from exc
        self._unlock()
        return self.names.passages

    def _swap_alias(self) -> None:
        alias = self.config.collection
        old = _live_collection(self.client, alias)
        if old is None:
            self.client.create_alias(self.names.passages, alias)
        else:
            self.client.alter_alias(self.names.passages, alias)
        self.new = False  # live now: an abort from here on must not drop it
        # The build just replaced stays for searches still reading it (as an embedded build's
        # open files do); builds older than that, and any a killed build left, go.
        keep = {self.names.passages, old}
        for name in self.client.list_collections():
            head = name.removesuffix(ARTICLES_SUFFIX).removesuffix(STATEMENTS_SUFFIX).removesuffix(ARTICLE_TERMS_SUFFIX)
            if head.startswith(f"{alias}_") and head[len(alias) + 1:].isalnum() and head not in keep:
                try:
                    self.client.drop_collection(name)
                except Exception as exc:  # a reader may still hold it; the next build tries again
                    log.warning("could not drop old build %s: %s", name, _reason(exc))

    def abort(self) -> None:
        """Drop a new build's collections, or an update's kept changes, and the lock; safe to repeat."""
        if self.new and hasattr(self, "names"):
            for name in self.names.all():
                try:
                    self.client.drop_collection(name)
                except Exception:  # never created, or Milvus gone: nothing is live from it either way
                    pass
            self.new = False
        self._put, self._removed, self._waiting = {}, set(), 0
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
