"""Sentence vectors made at build time (index.sentences): kept, packed small, and used for highlights
so that a search marks its results without embedding their sentences."""

from __future__ import annotations

import sqlite3

import numpy as np
from conftest import SEED_QUESTIONS, SEEDS

from newsdex.index.build import Indexer
from newsdex.index.builds import DB_FILE
from newsdex.index.sentences import SentenceVectors, embed_sentences, pack, sentence_spans, unpack
from newsdex.index.store import IndexStore
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings


class Counting:
    """The real embedder, counting the texts it is asked to encode."""

    def __init__(self, embedder) -> None:
        self.inner, self.texts = embedder, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts, **options):
        self.texts.extend(texts)
        return self.inner.encode(texts, **options)


def _all_ids(store: IndexStore) -> list[int]:
    return [row[0] for row in store.db.execute("SELECT id FROM passages")]


def test_packing_keeps_spans_and_vectors_within_int8_rounding(embedder):
    text = "Kishida told Yoon the ties matter. The summit ended on Friday. Both leaders left Lima."
    [item] = embed_sentences([text], embedder.encode)
    assert [text[s:e] for s, e in item.spans] == ["Kishida told Yoon the ties matter.", "The summit ended on Friday.",
                                                  "Both leaders left Lima."]
    spans, vectors = pack(item)
    assert len(vectors) == 3 * (4 + embedder.dimension)  # a float32 scale and 384 int8 codes per sentence
    back = unpack(spans, vectors, embedder.dimension)
    assert back.spans == item.spans
    assert np.min(np.sum(back.vectors * item.vectors, axis=1)) > 0.999
    one = SentenceVectors(((0, 5),), np.zeros((0, embedder.dimension), dtype=np.float32))
    assert unpack(*pack(one), embedder.dimension).spans == ((0, 5),) and pack(one)[1] == b""


def test_each_distinct_sentence_is_embedded_once_and_single_sentences_not_at_all(embedder):
    counting = Counting(embedder)
    shared = "The summit ended on Friday."
    passages = [f"Kishida told Yoon the ties matter. {shared}", f"{shared} Both leaders left Lima.",
                "One sentence only."]
    kept = embed_sentences(passages, counting.encode)
    assert sorted(counting.texts) == sorted(["Kishida told Yoon the ties matter.", shared, "Both leaders left Lima."])
    assert np.allclose(kept[0].vectors[1], kept[1].vectors[0])
    assert not kept[2].needs_vectors and kept[2].vectors.shape == (0, embedder.dimension)


def test_a_build_keeps_the_sentences_of_every_passage(seed_settings):
    with IndexStore.open(seed_settings.index_dir) as store:
        ids = _all_ids(store)
        kept = store.sentence_vectors(ids)
        texts = store.passages(ids)
    assert set(kept) == set(ids)
    for pid in ids:
        assert list(kept[pid].spans) == sentence_spans(texts[pid].text)
        if len(kept[pid].spans) > 1:
            assert np.allclose(np.linalg.norm(kept[pid].vectors, axis=1), 1.0, atol=0.01)


def test_highlights_come_from_the_build_without_embedding_sentences(seed_settings, embedder):
    counting = Counting(embedder)
    searcher = Searcher.open(seed_settings, embedder=counting)
    searcher.sentences.size = 0  # no cache to hide question-time embedding
    try:
        for question, _ in SEED_QUESTIONS:
            searcher.search(question, k=5)  # statements a "what did X say" answer embeds once, on first use
        for question, _ in SEED_QUESTIONS:
            counting.texts.clear()
            response = searcher.search(question, k=5)
            shown = {r.text[h.start:h.end] for r in response.results for h in r.highlights if h.kind == "sentence"}
            assert shown and not shown & set(counting.texts)
            assert len(counting.texts) <= 2  # the question (and, asking what someone said, its topic)
            assert all(any(h.kind == "sentence" for h in r.highlights) for r in response.results)
    finally:
        searcher.close()


def _first_marks(settings: Settings, embedder) -> list[tuple[int, int]]:
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        marks = []
        for question, _ in SEED_QUESTIONS:
            for result in searcher.search(question, k=5, dates=False).results:
                first = next(h for h in result.highlights if h.kind == "sentence")
                marks.append((result.passage_id, first.start))
        return marks
    finally:
        searcher.close()


def test_stored_sentences_mark_what_question_time_embedding_marked(tmp_path, seed_settings, embedder):
    """The int8 vectors a build keeps choose the same sentence as float vectors made at question
    time (the fallback, and how every search worked before) for at least 95% of seed results."""
    plain = Settings(index_dir=tmp_path / "index", sentence_vectors=False)
    Indexer(plain, embedder).build([SEEDS])
    with IndexStore.open(plain.index_dir) as store:
        assert store.sentence_vectors(_all_ids(store)) == {}
    stored, embedded = _first_marks(seed_settings, embedder), _first_marks(plain, embedder)
    assert len(stored) == len(embedded) >= 50
    assert sum(a == b for a, b in zip(stored, embedded)) / len(stored) >= 0.95


def test_updates_keep_sentences_in_step_and_an_older_build_gets_them_for_new_articles(tmp_path, embedder, seed_copy):
    settings = Settings(index_dir=tmp_path / "index")
    indexer = Indexer(settings, embedder)
    indexer.build([seed_copy])
    # A build made before sentence vectors were kept has no table for them.
    with IndexStore.open(settings.index_dir) as store:
        db_path = store.build_dir / DB_FILE
    with sqlite3.connect(db_path) as db:
        db.execute("DROP TABLE sentence_vectors")
    with IndexStore.open(settings.index_dir) as store:
        old_ids = _all_ids(store)
        assert store.sentence_vectors(old_ids) == {}
    searcher = Searcher.open(settings, embedder=embedder)
    try:  # highlights still come, from sentences embedded at question time
        assert searcher.search("what did Kishida say", k=3).results[0].highlights
    finally:
        searcher.close()
    indexer.upsert([{"id": "new-1", "title": "Talks resume", "text": "Negotiators met in Doha on Monday. "
                     "They agreed to meet again next week. A ceasefire is not yet in sight."}])
    indexer.delete(["new-1"])
    indexer.upsert([{"id": "new-2", "title": "Talks resume", "text": "Negotiators met in Doha on Tuesday. "
                     "They agreed to meet again."}])
    with IndexStore.open(settings.index_dir) as store:
        ids = _all_ids(store)
        kept = store.sentence_vectors(ids)
        rows = store.db.execute("SELECT count(*) FROM sentence_vectors").fetchone()[0]
        new_ids = [i for i in ids if store.passages([i])[i].article_id == "new-2"]
    assert rows == len(new_ids) == len(set(kept))  # nothing left of new-1, nothing for the old passages
    assert set(kept) == set(new_ids)
