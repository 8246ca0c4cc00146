"""Reading a build: `MilvusStore`, a Milvus alias as index.stores.Store, and the reads of a
collection the writer shares (`_scan`, a page at a time; `_count`; `_whole_articles`)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from newsdex.errors import ArticleNotFound, IndexIncompatible
from newsdex.index.milvus.client import MilvusSettings, _reason, connect
from newsdex.index.milvus.filters import _in, _literal, expression
from newsdex.index.milvus.live import _live_build
from newsdex.index.milvus.rows import _article_of, _fields, _passage_of, _unpack_sentences
from newsdex.index.milvus.schema import (
    ARTICLE_FIELDS,
    PASSAGE_OUTPUT,
    SEARCH_PARAMS,
    STATEMENT_FIELDS,
    VERSION_PROPERTY,
    _Names,
)
from newsdex.index.milvus.terms import question_codes
from newsdex.index.rows import ArticleRow, ArticleWithPassages, IndexStats, PassageRow, SpeakerRow, StatementRow
from newsdex.index.sentences import SentenceVectors
from newsdex.index.stores import NO_FILTERS, Filters
from newsdex.settings import Settings

READ_BATCH = 1_000  # rows per page when a read walks a collection


def _scan(client, collection: str, expr: str, fields: list[str]) -> Iterator[dict]:
    """Every row matching `expr`, a page at a time (a query alone stops at 16,384 rows)."""
    iterator = client.query_iterator(collection, batch_size=READ_BATCH, filter=expr, output_fields=fields)
    try:
        while True:
            page = iterator.next()
            if not page:
                return
            yield from page
    finally:
        iterator.close()


def _count(client, collection: str, expr: str = "") -> int:
    return int(client.query(collection, filter=expr, output_fields=["count(*)"])[0]["count(*)"])


def _whole_articles(client, collection: str, ids: Sequence[str]) -> list[ArticleRow]:
    """These articles whole (their parts joined), in the order of `ids`; unknown ids left out."""
    parts: dict[str, list[dict]] = {}
    for start in range(0, len(ids), READ_BATCH):
        chunk = ids[start:start + READ_BATCH]
        for row in _scan(client, collection, _in("article_id", chunk), ["article_id", "part", "text", *ARTICLE_FIELDS]):
            parts.setdefault(row["article_id"], []).append(row)
    return [_article_of(parts[i]) for i in ids if i in parts]


class MilvusStore:
    """The live build of a Milvus alias, as the Searcher and the API see a store (index.stores.Store).

    Opened on the build the alias names now and kept on it, as the embedded store keeps its
    build folder, so one search never mixes two builds; a server reopens when
    `live_build_name` changes.
    """

    def __init__(self, settings: Settings) -> None:
        self.config = MilvusSettings.of(settings)
        self.client = connect(self.config)
        self._where = self.config.location
        collection, properties, self.manifest = _live_build(self.config)
        self.names = _Names(collection)
        self.version = properties.get(VERSION_PROPERTY, "0")
        # A build made before whole articles were kept has no such collection (see index.milvus.schema).
        self._has_article_terms = self.client.has_collection(self.names.article_terms)
        try:
            for name in self.names.all():
                if name != self.names.article_terms or self._has_article_terms:
                    self.client.load_collection(name)
            # A build made before index.people keeps no speaker forms (see index.milvus.schema).
            fields = self.client.describe_collection(self.names.statements).get("fields", [])
            self._keeps_forms = any(field.get("name") == "forms" for field in fields)
        except Exception as exc:
            raise IndexIncompatible(f"index at {self._where} is damaged ({_reason(exc)}): run "
                                    "`newsdex index --rebuild --store milvus`") from exc
        index = self.client.describe_index(collection, "vector") or {}
        self.index_type = str(index.get("index_type", "AUTOINDEX"))
        self._search_params = {"metric_type": "IP", "params": SEARCH_PARAMS.get(self.index_type, {})}
        self._count_lock = threading.Lock()
        self._counts: dict[Filters, int] = {}

    @classmethod
    def open(cls, settings: Settings) -> MilvusStore:
        return cls(settings)

    @property
    def location(self) -> str:
        return self._where

    @property
    def build_name(self) -> str:
        return f"{self.names.passages}@{self.version}"

    def close(self) -> None:
        pass  # the client is the process's (connect), shared by every store opened on its URI

    def __enter__(self) -> MilvusStore:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    # -- the two retrievers ---------------------------------------------------------------

    def search_vectors(self, queries: np.ndarray, k: int,
                       filters: Filters = NO_FILTERS) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        k = max(1, min(int(k), 16_384))
        hits = self.client.search(self.names.passages, data=queries.tolist(), anns_field="vector", limit=k,
                                  filter=expression(filters), search_params=self._search_params,
                                  output_fields=["id"])
        width = max((len(row) for row in hits), default=0)
        scores = np.zeros((len(queries), width), dtype=np.float32)
        ids = np.full((len(queries), width), -1, dtype=np.int64)
        for n, row in enumerate(hits):
            for m, hit in enumerate(row):
                scores[n, m], ids[n, m] = hit["distance"], hit["id"]
        return scores, ids

    def lexical_search(self, terms: Sequence[str], k: int,
                       filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        codes = question_codes(terms)
        if not codes or k < 1:
            return []
        hits = self.client.search(self.names.passages, data=[codes], anns_field="sparse", limit=min(int(k), 16_384),
                                  filter=expression(filters), search_params={"metric_type": "BM25"},
                                  output_fields=["id"])
        # BM25 scores are positive; Milvus Lite reports them negated, as distances.
        return [(int(hit["id"]), abs(float(hit["distance"]))) for hit in hits[0]]

    def article_lexical_search(self, terms: Sequence[str], k: int,
                               filters: Filters = NO_FILTERS) -> list[tuple[int, float]]:
        """(lead passage id, BM25 score) of the k articles best matching `terms` as a whole (index.stores.Store)."""
        codes = question_codes(terms)
        if not codes or k < 1 or not self._has_article_terms:
            return []
        # An article cut into several documents may fill more than one place: ask for more.
        hits = self.client.search(self.names.article_terms, data=[codes], anns_field="sparse",
                                  limit=min(2 * int(k), 16_384), filter=expression(filters),
                                  search_params={"metric_type": "BM25"}, output_fields=["lead"])
        best: dict[int, float] = {}
        for hit in hits[0]:
            lead = int(hit["entity"]["lead"] if "entity" in hit else hit["lead"])
            best[lead] = max(best.get(lead, 0.0), abs(float(hit["distance"])))  # negated by Lite, as above
        return sorted(best.items(), key=lambda pair: -pair[1])[:k]

    def passage_count(self, filters: Filters = NO_FILTERS) -> int:
        with self._count_lock:
            if filters not in self._counts:
                self._counts[filters] = _count(self.client, self.names.passages, expression(filters))
            return self._counts[filters]

    # -- rows -----------------------------------------------------------------------------

    def _passage_rows(self, ids: Sequence[int], fields: list[str]) -> list[dict]:
        if not len(ids):
            return []
        return self.client.query(self.names.passages, filter=_in("id", ids), output_fields=fields)

    def passages(self, ids: Sequence[int]) -> dict[int, PassageRow]:
        return {int(row["id"]): _passage_of(row) for row in self._passage_rows(ids, PASSAGE_OUTPUT)}

    def passage_vectors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        return {int(row["id"]): np.asarray(row["vector"], dtype=np.float32)
                for row in self._passage_rows(list(dict.fromkeys(ids)), ["id", "vector"])}

    def places(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        return {int(row["id"]): (row["article_id"], int(row["position"]))
                for row in self._passage_rows(ids, ["id", "article_id", "position"])}

    def sentence_vectors(self, ids: Sequence[int]) -> dict[int, SentenceVectors]:
        rows = self._passage_rows(ids, ["id", "sentences"])
        return {int(row["id"]): _unpack_sentences(row["sentences"], self.manifest.dimension)
                for row in rows if row["sentences"]}

    def article(self, article_id: str) -> ArticleRow:
        rows = self.client.query(self.names.articles, filter=f"article_id == {_literal(article_id)}",
                                 output_fields=["article_id", "part", "text", *ARTICLE_FIELDS])
        if not rows:
            raise ArticleNotFound(f"no article with id {article_id!r}")
        return _article_of(rows)

    def article_passages(self, article_id: str) -> list[PassageRow]:
        rows = _scan(self.client, self.names.passages, f"article_id == {_literal(article_id)}", PASSAGE_OUTPUT)
        return sorted((_passage_of(row) for row in rows), key=lambda p: p.position)

    def article_with_passages(self, article_id: str) -> ArticleWithPassages:
        return ArticleWithPassages(self.article(article_id), self.article_passages(article_id))

    def _articles(self, expr: str) -> list[ArticleRow]:
        """Whole articles matching `expr` (on part 0's fields), by id."""
        ids = sorted(row["article_id"] for row in _scan(self.client, self.names.articles,
                                                       f"part == 0 and ({expr})" if expr else "part == 0",
                                                       ["article_id"]))
        return self._whole(ids)

    def _whole(self, ids: Sequence[str]) -> list[ArticleRow]:
        return _whole_articles(self.client, self.names.articles, ids)

    def articles(self, *, limit: int = 20, offset: int = 0) -> list[ArticleRow]:
        """Newest first; undated articles last, then by id. Milvus has no ORDER BY: the
        (id, date) pairs are read and sorted here, then only the page's articles are read."""
        pairs = [(row["article_id"], row.get("published")) for row in
                 _scan(self.client, self.names.articles, "part == 0", ["article_id", "published"])]
        dated = sorted((p for p in pairs if p[1]), key=lambda p: p[0])
        dated.sort(key=lambda p: p[1] or "", reverse=True)  # stable: ids ascending within one date
        order = [i for i, _ in dated] + sorted(i for i, published in pairs if not published)
        return self._whole(order[offset:offset + limit])

    def articles_from(self, origin: str) -> list[ArticleRow]:
        return self._articles(f"origin == {_literal(origin)}")

    def article_count(self, *, origin: str | None = None) -> int:
        expr = "part == 0" + (f" and origin == {_literal(origin)}" if origin is not None else "")
        return _count(self.client, self.names.articles, expr)

    # -- statements -----------------------------------------------------------------------

    def speakers(self) -> list[SpeakerRow]:
        """Everyone quoted, most statements first (then by name); counted here, as Milvus has no GROUP BY."""
        statements: Counter[str] = Counter()
        articles: dict[str, set[str]] = {}
        forms: dict[str, dict[str, None]] = {}
        fields = ["speaker", "article_id", *(["forms"] if self._keeps_forms else [])]
        for row in _scan(self.client, self.names.statements, "speaker is not null", fields):
            statements[row["speaker"]] += 1
            articles.setdefault(row["speaker"], set()).add(row["article_id"])
            if row.get("forms"):
                forms.setdefault(row["speaker"], {}).update(dict.fromkeys(json.loads(row["forms"])))
        return [SpeakerRow(speaker=name, statements=count, articles=len(articles[name]),
                           forms=tuple(forms.get(name, ())))
                for name, count in sorted(statements.items(), key=lambda p: (-p[1], p[0]))]

    def statements_by(self, speakers: Sequence[str], *, limit: int | None = None, offset: int = 0,
                      filters: Filters = NO_FILTERS) -> list[StatementRow]:
        if not speakers:
            return []
        expr = _in("speaker", list(speakers))
        narrowed = expression(filters)
        if narrowed:
            expr = f"{expr} and {narrowed}"
        rows = list(_scan(self.client, self.names.statements, expr, ["id", "article_id", *STATEMENT_FIELDS]))
        heads = {a.id: a for a in self._article_heads({row["article_id"] for row in rows})}
        dated = sorted((r for r in rows if heads[r["article_id"]].published),
                       key=lambda r: (r["article_id"], r["position"]))
        dated.sort(key=lambda r: heads[r["article_id"]].published or "", reverse=True)
        undated = sorted((r for r in rows if not heads[r["article_id"]].published),
                         key=lambda r: (r["article_id"], r["position"]))
        ordered = dated + undated
        page = ordered[offset:] if limit is None else ordered[offset:offset + limit]
        return [StatementRow(id=int(r["id"]), article_id=r["article_id"],
                             **_fields(r, STATEMENT_FIELDS),
                             title=heads[r["article_id"]].title, source=heads[r["article_id"]].source,
                             published=heads[r["article_id"]].published, url=heads[r["article_id"]].url)
                for r in page]

    def _article_heads(self, ids: Iterable[str]) -> list[ArticleRow]:
        """Articles' fields without their text (part 0's row only)."""
        ids = sorted(ids)
        out = []
        for start in range(0, len(ids), READ_BATCH):
            chunk = ids[start:start + READ_BATCH]
            for row in _scan(self.client, self.names.articles, f"part == 0 and {_in('article_id', chunk)}",
                             ["article_id", "part", *ARTICLE_FIELDS]):
                out.append(ArticleRow(id=row["article_id"], text="", **_fields(row, ARTICLE_FIELDS)))
        return out

    def statement_count(self, speakers: Sequence[str]) -> int:
        if not speakers:
            return 0
        return _count(self.client, self.names.statements, _in("speaker", list(speakers)))

    def facet_counts(self, names: Sequence[str], ids: Sequence[int]) -> dict[str, list[tuple[str, int]]]:
        """Articles per facet value among the passages `ids` (index.stores.FACETS). Milvus has no
        GROUP BY: the candidates' own rows are read (by id, a page at a time), never the collection."""
        ids = [int(i) for i in ids]
        articles: dict[str, dict[str, set[str]]] = {name: {} for name in names}
        passage_facets = [name for name in names if name != "speaker"]
        if passage_facets:
            for start in range(0, len(ids), READ_BATCH):
                for row in self._passage_rows(ids[start:start + READ_BATCH], ["id", "article_id", "source", "day",
                                                                               "lang"]):
                    values = {"source": row.get("source") or "", "month": (row.get("day") or "")[:7],
                              "lang": row.get("lang") or ""}
                    for name in passage_facets:
                        if values[name]:  # "" is none: not counted, as the embedded store counts no NULL
                            articles[name].setdefault(str(values[name]), set()).add(row["article_id"])
        if "speaker" in names:
            for start in range(0, len(ids), READ_BATCH):
                expr = f"{_in('passage_id', ids[start:start + READ_BATCH])} and speaker is not null"
                for row in _scan(self.client, self.names.statements, expr, ["speaker", "article_id"]):
                    articles["speaker"].setdefault(row["speaker"], set()).add(row["article_id"])
        counts = {}
        for name, found in articles.items():
            pairs = [(value, len(held)) for value, held in found.items()]
            counts[name] = sorted(pairs) if name == "month" else sorted(pairs, key=lambda p: (-p[1], p[0]))
        return counts

    def stats(self) -> IndexStats:
        m = self.manifest
        languages = Counter(row.get("lang") or "unknown" for row in
                            _scan(self.client, self.names.articles, "part == 0", ["lang"]))
        ordered = dict(sorted(languages.items(), key=lambda p: (-p[1], p[0])))
        return IndexStats(index=self._where, build=self.build_name, articles=self.article_count(),
                          passages=self.passage_count(), model=m.model, backend=m.backend, int8_config=m.int8_config,
                          dimension=m.dimension, passage_tokens=m.passage_tokens, faiss_index=m.faiss_index,
                          vectors=m.vectors, size_bytes=0, built_at=m.built_at, languages=ordered)
