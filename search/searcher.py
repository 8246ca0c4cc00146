"""Answering questions from an index: the one object the CLI and the API both call.

A search reads each question once (search.question), runs up to two retrievers over the
same passages, dense (cosine between the question's vector and each passage's) and lexical
(BM25), both asked of the store (index.stores), fuses their rankings by reciprocal rank
fusion, folds copies of one story together, and keeps at most N passages per article. The
ranking then goes through the speaker route (search.speaker_route) where the question asks
what someone said, has what answers the question marked, and is made the answer
(search.answers). docs/architecture.md, "The life of a question", walks through it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self, overload

import numpy as np

from newsdex.index.embedder import Embedder, TextEmbedder
from newsdex.index.manifest import check_searchable
from newsdex.index.rows import ArticleRow, ArticleWithPassages, IndexStats, PassageRow
from newsdex.index.stores import Filters, Store, open_store
from newsdex.search.answers import Ranked, response_of, rounded
from newsdex.search.fusion import rrf, rrf_by_group, settle_ties, with_group_ranking
from newsdex.search.grouping import Hit, group_hits, passage_grams
from newsdex.search.highlight import SentenceCache, highlight_passages, statement_highlights
from newsdex.search.options import Fusion, SearchOptions, check_page, search_options
from newsdex.search.query import clean_query
from newsdex.search.question import Question, read_question
from newsdex.search.quotes import person_page, quote_out, quote_page, speaker_page
from newsdex.search.recency import decay
from newsdex.search.results import (
    Explain,
    Highlight,
    PersonMonth,
    PersonPage,
    QuotePage,
    SearchResponse,
    SpeakerPage,
    SpeakerRoute,
)
from newsdex.search.speaker_route import STATEMENT_CANDIDATES, VectorCache, statements_first
from newsdex.settings import Settings

# Runs BM25 beside FAISS (see search_many); a server has many requests in flight, so the
# pool is shared and sized for them.
_POOL = ThreadPoolExecutor(max_workers=32, thread_name_prefix="newsdex-bm25")
# Passages whose shingles a searcher keeps (about 10 KB each).
GRAM_CACHE_SIZE = 4096

@dataclass
class _Ranking:
    """One question's candidates: each retriever's (id, score) lists and the fused order."""

    dense: list[tuple[int, float]] = field(default_factory=list)
    lexical: list[tuple[int, float]] = field(default_factory=list)
    articles: list[tuple[int, float]] = field(default_factory=list)  # whole-article BM25, by lead passage
    feedback: list[tuple[int, float]] = field(default_factory=list)  # dense again, the question moved (_feedback)
    fused: list[tuple[int, float]] = field(default_factory=list)
    article_places: dict[str, tuple[int, float]] = field(default_factory=dict)  # article id -> its (rank, score) there
    factors: dict[int, float] | None = None  # recency's, when on


class Searcher:
    """An opened index plus the model that embeds questions the way its passages were embedded."""

    def __init__(self, store: Store, embedder: TextEmbedder, settings: Settings) -> None:
        check_searchable(store.manifest, embedder, store.location)
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.sentences = SentenceCache()
        # A passage's shingles, for copy detection: a server shows the same passages again and again.
        self._grams = functools.lru_cache(maxsize=GRAM_CACHE_SIZE)(passage_grams)
        self.statement_vectors = VectorCache()
        self._speakers: dict[str, tuple[str, ...]] | None = None  # everyone quoted, and their forms, read once
        self._dated: dict[Filters, bool] = {}  # whether any passage passes a date range's filters

    @classmethod
    def open(cls, index: Settings | str | os.PathLike[str], embedder: TextEmbedder | None = None) -> Searcher:
        """The live build of an index: a folder (`Searcher.open("my-index")`, the other settings
        from NEWSDEX_* and their defaults) or Settings. Use it in a `with` block, or close() it."""
        settings = index if isinstance(index, Settings) else Settings(index_dir=Path(index))
        store = open_store(settings)
        try:
            if embedder is None:
                embedder = Embedder.from_settings(settings, store.manifest.int8_config)
            return cls(store, embedder, settings)
        except Exception:
            store.close()
            raise

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- what the index holds ----------------------------------------------------------------

    @property
    def build_name(self) -> str:
        """The build this searcher answers from (index.builds names it)."""
        return self.store.build_name

    def stats(self) -> IndexStats:
        return self.store.stats()

    def articles(self, limit: int = 20, offset: int = 0) -> list[ArticleRow]:
        """Newest first; undated articles last, then by id for a stable order."""
        page = check_page(limit, offset)  # an InvalidQuery naming a bad limit or offset
        return self.store.articles(limit=page.limit, offset=page.offset)

    def article_count(self) -> int:
        return self.store.article_count()

    def article(self, article_id: str) -> ArticleWithPassages:
        """One article and its passages; ArticleNotFound for an unknown id."""
        return self.store.article_with_passages(article_id)

    # -- who said what --------------------------------------------------------------------

    def speaker_names(self) -> dict[str, tuple[str, ...]]:
        """Everyone the build quotes, most statements first, each with the forms its articles
        use for them (index.people: "Mr Blair", "the prime minister")."""
        if self._speakers is None:
            self._speakers = {row.speaker: row.forms for row in self.store.speakers()}
        return self._speakers

    def speakers(self, limit: int = 50, offset: int = 0) -> SpeakerPage:
        """The people quoted, with how many statements (and articles) each, most first."""
        page = check_page(limit, offset)
        return speaker_page(self.store, limit=page.limit, offset=page.offset)

    def quotes(self, speaker: str, limit: int = 20, offset: int = 0) -> QuotePage:
        """A person's statements (any form of the name: "Kishida", "fumio kishida"), newest first."""
        page = check_page(limit, offset)
        return quote_page(self.store, speaker, limit=page.limit, offset=page.offset, known=self.speaker_names())

    def person(self, name: str, q: str | None = None, limit: int = 20, offset: int = 0) -> PersonPage:
        """A person's page (any form of the name): their statements newest first, grouped by
        month; with `q`, those that best answer it first (the newest STATEMENT_CANDIDATES of them,
        by cosine, as the speaker route ranks them)."""
        page = check_page(limit, offset)
        known = self.speaker_names()
        listing = quote_page(self.store, name, limit=page.limit, offset=page.offset, known=known)
        if q is None or not listing.speakers:
            return person_page(listing, known)
        words = clean_query(q, self.settings.max_query_chars)
        rows = self.store.statements_by(listing.speakers, limit=STATEMENT_CANDIDATES)
        scores = (self.statement_vectors.vectors([row.text for row in rows], self.embedder)
                  @ np.asarray(self.embedder.encode([words])[0], dtype=np.float32)) if rows else np.zeros(0)
        order = sorted(range(len(rows)), key=lambda i: -float(scores[i]))  # stable: newest first among ties
        chosen = [quote_out(rows[i]) for i in order[page.offset:page.offset + page.limit]]
        more = page.offset + page.limit < len(rows)
        return PersonPage(asked=name, name=listing.speakers[0], speakers=listing.speakers,
                          forms=person_page(listing, known).forms, q=words, statements=listing.total,
                          months=[PersonMonth(month="best first", quotes=chosen)] if chosen else [],
                          limit=page.limit, offset=page.offset, next_offset=page.offset + page.limit if more else None)

    def search(self, query: str, options: SearchOptions | None = None, **values) -> SearchResponse:
        """The k best passages for one question; see `search_many` for the options."""
        return self.search_many([query], options, **values)[0]

    def search_many(self, queries: Sequence[str], options: SearchOptions | None = None,
                    **values) -> list[SearchResponse]:
        """Answers for several questions; all questions are embedded in one batch.

        `options` is a SearchOptions; options given by name (`k=3, mode="dense"`) build one,
        or override those of `options`. A bad value is an InvalidQuery naming the option.
        Filters (source, since, until, article) narrow the candidates before the top k is
        cut, so a filtered search still returns k results when k exist. A date phrase in a
        question ("in July 2024") is such a filter too, unless `dates` is off or since/until
        is given (search.question.dates); its words leave what the retrievers see.
        """
        options = search_options(options, **values)
        fusion = options.fusion(self.settings)
        if options.article is not None:
            self.store.article(options.article)  # raises ArticleNotFound for an unknown id
        questions = [self.read(q, options) for q in queries]
        if not questions:
            return []
        # A page is the slice [offset, offset + k) of one ranking of offset + k passages, so every
        # page of a question reads the same list (as far as `candidates` reach: docs/guide/newsroom.md).
        deep = options.model_copy(update={"k": options.offset + options.k})
        vectors = (self.embedder.encode([q.words for q in questions])
                   if options.mode != "lexical" or options.highlight else None)
        # Questions with the same filters (the same range read) share one search (one SQLite query, one batch).
        groups: dict[Filters, list[int]] = {}
        for i, question in enumerate(questions):
            groups.setdefault(question.filters, []).append(i)
        ranked: list[list[Ranked]] = [[] for _ in questions]
        candidates: list[list[int]] = [[] for _ in questions]
        for allowed, members in groups.items():
            found, fused = self._search_group([questions[i] for i in members],
                                              None if vectors is None else vectors[members], deep, fusion, allowed)
            for i, items, ids in zip(members, found, fused):
                ranked[i], candidates[i] = items, ids
        # A question asking what someone said: their statements first (search.speaker_route),
        # within the dates the question names too.
        routes: list[SpeakerRoute | None] = [None] * len(questions)
        for i, question in enumerate(questions):
            if question.speaker is not None:
                ranked[i], routes[i] = statements_first(question, ranked[i], self.store, self.embedder,
                                                        self.statement_vectors, k=deep.k,
                                                        per_article=options.per_article,
                                                        article_k=self._article_k(options))
        pages = [items[options.offset:options.offset + options.k] for items in ranked]
        marks = (self._highlight(questions, vectors, pages) if options.highlight and vectors is not None
                 else [[[] for _ in items] for items in pages])
        facets = [self._facets(options.facet_names, ids, items) if options.facet_names else None
                  for ids, items in zip(candidates, ranked)]
        # Another page may follow a full one while the filters leave more passages than it reached
        # (it may come back short: copies fold, per_article thins).
        more = [len(items) >= deep.k and self.store.passage_count(question.filters) > deep.k
                for question, items in zip(questions, ranked)]
        return [response_of(question, items, highlights, route, offset=options.offset, k=options.k, facets=counted,
                            has_more=follows)
                for question, items, highlights, route, counted, follows
                in zip(questions, ranked, marks, routes, facets, more)]

    def _facets(self, names: tuple[str, ...], candidates: list[int],
                ranked: list[Ranked]) -> dict[str, list[tuple[str, int]]]:
        """The facets of one search, counted by the store over its candidates: every passage the
        retrievers handed to the fusion (within the filters), and the statements shown."""
        ids = list(dict.fromkeys([*candidates, *(item.row.id for item in ranked)]))
        return self.store.facet_counts(names, ids)

    def read(self, question: str, options: SearchOptions | None = None, **values) -> Question:
        """The one reading of a question that a search would make (search.question): its words,
        date range, speaker and filters, read against this index."""
        return read_question(question, search_options(options, **values), max_chars=self.settings.max_query_chars,
                             speakers=self.speaker_names, any_passage=self._any_passage,
                             date_order=self.settings.date_order)

    def _any_passage(self, allowed: Filters) -> bool:
        """Whether any passage passes `allowed` (a date range read from a question, with the other filters)."""
        if allowed not in self._dated:
            if len(self._dated) >= 4096:
                self._dated.clear()
            self._dated[allowed] = self.store.passage_count(allowed) > 0
        return self._dated[allowed]

    def _search_group(self, questions: list[Question], vectors: np.ndarray | None, options: SearchOptions,
                      fusion: Fusion, allowed: Filters) -> tuple[list[list[Ranked]], list[list[int]]]:
        """The ranked passages of questions that share one set of filters, and each question's
        candidates (the fused list's passage ids)."""
        mode, k, per_article = options.mode, options.k, options.per_article
        # Grouping by article thins the list, so start deeper rather than search twice.
        depth = max(fusion.candidates, k if per_article is None else 4 * k)
        # BM25 (tantivy) and FAISS each take one core and release the GIL, so they run side
        # by side, after the model: beside the model, which uses both cores, BM25 only slowed
        # it down (docs/performance.md).
        lexical = (_POOL.submit(lambda: [self._lexical(q, depth, allowed) for q in questions])
                   if mode != "dense" else None)
        # Whole articles on a thread of their own: beside passage BM25 rather than after it.
        whole = (_POOL.submit(lambda: [self._article_lexical(q, depth, allowed) for q in questions])
                 if _fuses_articles(options, fusion) else None)
        dense = (self._dense(vectors, depth, allowed) if vectors is not None and mode != "lexical"
                 else [None] * len(questions))
        first = lexical.result() if lexical is not None else [None] * len(questions)
        articles = whole.result() if whole is not None else [None] * len(questions)
        rankings = [self._rank(q, None if vectors is None else vectors[i], options, fusion, allowed, depth, dense[i],
                               first[i], articles[i])
                    for i, q in enumerate(questions)]
        rows = {pid: row for _, _, fetched in rankings for pid, row in fetched.items()}
        return ([self._ranked(mode, ranking, hits, rows, options.explain) for ranking, hits, _ in rankings],
                [[i for i, _ in ranking.fused] for ranking, _, _ in rankings])

    # -- ranking ---------------------------------------------------------------------------

    # Each retriever's list puts passages of equal score (copies of one story) in the order of
    # (article id, position), which every store shares, so that the fusion and the answer do
    # not depend on the ids a store gives passages (search.fusion.settle_ties).

    def _lexical(self, question: Question, depth: int, allowed: Filters) -> list[tuple[int, float]]:
        return settle_ties(self.store.lexical_search(list(question.terms), depth, allowed), self.store.places)

    def _article_lexical(self, question: Question, depth: int, allowed: Filters) -> list[tuple[int, float]]:
        return settle_ties(self.store.article_lexical_search(list(question.terms), depth, allowed),
                           self.store.places)

    def _dense(self, vectors: np.ndarray, depth: int, allowed: Filters) -> list[list[tuple[int, float]]]:
        scores, ids = self.store.search_vectors(vectors, depth, allowed)
        return [settle_ties([(int(i), float(s)) for s, i in zip(row_scores, row_ids) if i >= 0], self.store.places)
                for row_scores, row_ids in zip(scores, ids)]

    def _article_k(self, options: SearchOptions) -> int:
        """The constant of the fusion of articles: the question's own rrf_k, else article_rrf_k."""
        return self.settings.article_rrf_k if options.rrf_k is None else options.rrf_k

    def _feedback(self, vector: np.ndarray, articles: list[tuple[int, float]], depth: int,
                  allowed: Filters) -> list[tuple[int, float]]:
        """The dense search again, with the question's vector moved towards the lead passages of
        the articles whole-article BM25 ranks first (pseudo-relevance feedback, Rocchio's rule):
        q + feedback_weight * mean(leads), normalised. [] when it is off or nothing fed it.

        Why: a news story is told by several articles, and their leads say what the story is
        about in the words of the archive, not of the question; the moved question finds the
        other articles of the story that the question's own vector misses (docs/performance.md,
        "Ranking news articles").
        """
        count, weight = self.settings.feedback_articles, self.settings.feedback_weight
        if not count or not weight or not articles:
            return []
        leads = self.store.passage_vectors([pid for pid, _ in articles[:count]])
        if not leads:
            return []
        moved = np.asarray(vector, dtype=np.float32) + weight * np.mean(list(leads.values()), axis=0)
        moved /= max(float(np.linalg.norm(moved)), 1e-12)
        return self._dense(moved[None, :].astype(np.float32), depth, allowed)[0]

    def _rank(self, question: Question, vector: np.ndarray | None, options: SearchOptions, fusion: Fusion,
              allowed: Filters, depth: int, dense: list[tuple[int, float]] | None,
              lexical: list[tuple[int, float]] | None,
              articles: list[tuple[int, float]] | None) -> tuple[_Ranking, list[Hit], dict]:
        """Fused, grouped hits for one question, deepening the candidate lists until k survive grouping.

        Each retriever hands `candidates` passages to the fusion, but only the head of the
        fused list is read from SQLite and grouped: grouping looks at most 2k passages to
        keep k, and reading a hundred rows to show ten was most of a search's own cost.
        `dense` and `lexical` are the first pass's candidates, found before; a deeper pass
        searches again (`articles`: the whole-article BM25 list, when the fusion takes one);
        `fusion` holds the options' fusion values, none left unset.
        """
        mode, k, per_article = options.mode, options.k, options.per_article
        total = self.store.passage_count(allowed)
        while True:
            ranking = _Ranking()
            if mode in ("dense", "hybrid"):
                if dense is None:
                    assert vector is not None  # every search with a dense side encodes its question
                    dense = self._dense(vector[None, :], depth, allowed)[0]
                ranking.dense = dense
            if mode in ("lexical", "hybrid"):
                ranking.lexical = lexical if lexical is not None else self._lexical(question, depth, allowed)
            if _fuses_articles(options, fusion):
                ranking.articles = articles if articles is not None else self._article_lexical(question, depth, allowed)
            dense = lexical = articles = None
            if mode == "hybrid" and per_article is not None and self.settings.fuse_articles and vector is not None:
                ranking.feedback = self._feedback(vector, ranking.articles, depth, allowed)
            if mode == "hybrid" or ranking.articles:  # lexical mode fuses whole articles in too
                article_k = self._article_k(options)
                ranking.fused = self._fuse(ranking, fusion, per_article, article_k)
            else:
                ranking.fused = ranking.dense if mode == "dense" else ranking.lexical
            half_life = options.half_life_days
            if half_life is not None and ranking.fused:
                ranking.fused, ranking.factors = decay(
                    ranking.fused, _published_days(self.store.passages([i for i, _ in ranking.fused])),
                    options.reference_day(), half_life)
            fused = [i for i, _ in ranking.fused]
            window = min(len(fused), 2 * k + 10 if per_article is None else 8 * k + 10)
            while True:
                texts = self.store.passages(fused[:window])
                hits = group_hits([Hit(i, texts[i].article_id, texts[i].text) for i in fused[:window] if i in texts],
                                  per_article=per_article, limit=k, grams_of=self._grams)
                if len(hits) >= k or window >= len(fused):
                    break
                window = min(len(fused), window * 4)
            used = {"dense": [ranking.dense], "lexical": [ranking.lexical]}.get(mode, [ranking.dense, ranking.lexical])
            exhausted = depth >= total or all(len(found) < depth for found in used)
            if len(hits) >= k or exhausted:
                return ranking, hits, texts
            depth *= 4

    def _fuse(self, ranking: _Ranking, fusion: Fusion, per_article: int | None,
              article_k: int) -> list[tuple[int, float]]:
        """The retrievers' candidates as one ranking (a lexical search's: its passages and whole articles).

        By passage (search.fusion.rrf); or, when results are grouped per article and
        `fuse_articles` is on (the default), by article (rrf_by_group, constant `article_k`):
        each retriever ranks an article once, where its best passage is (dense twice: the
        question's vector and the vector moved by feedback, each at dense_weight), whole-article
        BM25 ranks articles beside them (`article_weight`), and each article shows its best
        passages. Grouped, with `fuse_articles` off, whole-article BM25 is fused into the passage
        ranking instead (with_group_ranking). docs/performance.md, "Ranking news articles", has
        the figures.
        """
        rankings = [[i for i, _ in ranking.dense], [i for i, _ in ranking.lexical]]
        weights = [fusion.dense_weight, fusion.lexical_weight]
        if ranking.feedback:
            rankings.insert(1, [i for i, _ in ranking.feedback])
            weights.insert(1, fusion.dense_weight)
        by_article = per_article is not None and self.settings.fuse_articles
        if not by_article and not ranking.articles:
            return rrf(rankings, k=fusion.rrf_k, weights=weights, tie_key=self.store.places)
        leads = [i for i, _ in ranking.articles]
        places = self.store.places(sorted(set().union(*rankings, leads)))
        owner = {pid: article_id for pid, (article_id, _) in places.items()}
        found = [[i for i in r if i in owner] for r in rankings]
        leads = [i for i in leads if i in owner]
        ranking.article_places = {owner[pid]: (rank, score) for rank, (pid, score) in
                                  enumerate(ranking.articles, start=1) if pid in owner}

        def tie_key(tied):  # the places read above, not read again
            return {i: places[i] for i in tied}

        if by_article:
            whole = [leads] if leads else []
            return rrf_by_group(found, owner, k=article_k, weights=weights, tie_key=tie_key, group_rankings=whole,
                                group_weights=[fusion.article_weight] * len(whole))
        fused = rrf(found, k=fusion.rrf_k, weights=weights, tie_key=tie_key)
        return with_group_ranking(fused, leads, owner, k=fusion.rrf_k, weight=fusion.article_weight)

    def _ranked(self, mode: str, ranking: _Ranking, hits: list[Hit], rows: dict[int, PassageRow],
                explain: bool) -> list[Ranked]:
        """The hits kept, in order, each with its row, fused score and (when asked) how it ranked."""
        fused = dict(ranking.fused)
        dense = {pid: (rank, score) for rank, (pid, score) in enumerate(ranking.dense, start=1)}
        lexical = {pid: (rank, score) for rank, (pid, score) in enumerate(ranking.lexical, start=1)}
        # The cosine of a passage the dense retriever did not hand over is at most its last one's.
        last_cosine = ranking.dense[-1][1] if ranking.dense else None
        ranked = []
        for hit in hits:
            row = rows[hit.passage_id]
            detail = None
            if explain:
                d_rank, d_score = dense.get(hit.passage_id, (None, None))
                l_rank, l_score = lexical.get(hit.passage_id, (None, None))
                a_rank, a_score = ranking.article_places.get(row.article_id, (None, None))
                detail = Explain(dense_rank=d_rank, dense_score=_round(d_score), lexical_rank=l_rank,
                                 lexical_score=_round(l_score), article_rank=a_rank, article_score=_round(a_score),
                                 fused_score=(_round(fused[hit.passage_id])
                                              if mode == "hybrid" or ranking.articles else None),
                                 recency_factor=(None if ranking.factors is None
                                                 else _round(ranking.factors[hit.passage_id])))
            cosine = dense[hit.passage_id][1] if hit.passage_id in dense else last_cosine
            ranked.append(Ranked(row=row, score=fused[hit.passage_id], also_in=list(hit.also_in), explain=detail,
                                 cosine=cosine))
        return ranked

    def _highlight(self, questions: list[Question], vectors: np.ndarray,
                   ranked: list[list[Ranked]]) -> list[list[list[Highlight]]]:
        """The highlights of every ranked passage of every question, in the same shape.

        A passage's best sentences for the question, from the sentence vectors the build kept
        (one encoding call for passages of a build that kept none); a statement's own words.
        """
        marks: list[list[list[Highlight]]] = [[[] for _ in items] for items in ranked]
        plain = [(i, j) for i, items in enumerate(ranked) for j, item in enumerate(items) if item.statement is None]
        if plain:
            rows = [ranked[i][j].row for i, j in plain]
            kept = self.store.sentence_vectors([row.id for row in rows])
            found = highlight_passages(vectors[[i for i, _ in plain]], [row.text for row in rows],
                                       [list(questions[i].terms) for i, _ in plain], self.embedder, self.sentences,
                                       [kept.get(row.id) for row in rows])
            for (i, j), highlights in zip(plain, found):
                marks[i][j] = highlights
        for i, items in enumerate(ranked):
            ask = questions[i].speaker
            for j, item in enumerate(items):
                statement = item.statement
                if statement is not None and ask is not None:
                    assert statement.passage_start is not None and statement.passage_end is not None
                    marks[i][j] = statement_highlights(item.row.text, statement.passage_start, statement.passage_end,
                                                       ask.topic_terms)
        return marks


@overload
def _round(value: float) -> float: ...
@overload
def _round(value: None) -> None: ...
def _round(value: float | None) -> float | None:
    return None if value is None else rounded(value)


def _fuses_articles(options: SearchOptions, fusion: Fusion) -> bool:
    """Whether a search fuses in whole-article BM25: hybrid or lexical results grouped per article, its
    weight not 0."""
    return options.mode != "dense" and options.per_article is not None and fusion.article_weight > 0


def _published_days(rows: dict[int, PassageRow]) -> dict[int, str | None]:
    """Each passage's article's publication day (YYYY-MM-DD, None when undated): what recency weighs."""
    return {i: row.published[:10] if row.published else None for i, row in rows.items()}
