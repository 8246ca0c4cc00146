"""Vector structures: flat, HNSW and IVF-PQ, in three storages, kept in step with the articles."""

from __future__ import annotations

import shutil

import faiss
import numpy as np
import pytest
from conftest import DATA, SEED_QUESTIONS, SEEDS

from newsdex.index import vectors as vector_index
from newsdex.index.build import Indexer
from newsdex.index.store import IndexStore
from newsdex.index.vectors import Layout, VectorSpec
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

CORPUS = [SEEDS, DATA / "articles"]


def _open(settings: Settings) -> IndexStore:
    return IndexStore.open(settings.index_dir, mmap=settings.mmap)


def _top_articles(settings: Settings, embedder, mode: str = "dense") -> list[list[str]]:
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        return [[r.article_id for r in searcher.search(q, k=3, mode=mode, highlight=False).results]
                for q, _ in SEED_QUESTIONS]
    finally:
        searcher.close()


@pytest.fixture(scope="module")
def flat_answers(tmp_path_factory, embedder):
    settings = Settings(index_dir=tmp_path_factory.mktemp("flat") / "index")
    Indexer(settings, embedder).build(CORPUS)
    return _top_articles(settings, embedder)


@pytest.mark.parametrize("kind,storage,name", [
    ("flat", "float16", "IDMap2,SQfp16"),
    ("flat", "int8", "IDMap2,SQ8"),
    ("hnsw", "float32", "IDMap2,HNSW32,Flat"),
    ("hnsw", "float16", "IDMap2,HNSW32,SQfp16"),
    ("hnsw", "int8", "IDMap2,HNSW32,SQ8"),
])
def test_every_structure_answers_like_the_exact_index(tmp_path, embedder, flat_answers, kind, storage, name):
    settings = Settings(index_dir=tmp_path / "index", vector_index=kind, vector_storage=storage, mmap=True)
    Indexer(settings, embedder).build(CORPUS)
    store = _open(settings)
    assert store.manifest.faiss_index == name
    assert store.manifest.vectors["kind"] == kind and store.manifest.vectors["storage"] == storage
    if kind == "hnsw":
        assert store.manifest.vectors["hnsw_m"] == 32 and store.manifest.vectors["ef_construction"] == 200
    store.close()
    answers = _top_articles(settings, embedder)
    same_first = sum(a[0] == b[0] for a, b in zip(answers, flat_answers))
    assert same_first >= len(SEED_QUESTIONS) - 1


def test_auto_switches_to_hnsw_when_the_index_grows(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index", hnsw_threshold=10)
    Indexer(settings, embedder).build([SEEDS])  # 5 passages: exact
    store = _open(settings)
    assert store.manifest.vectors["kind"] == "flat"
    store.close()
    Indexer(settings, embedder).build(CORPUS)  # more than 10: rebuilt as HNSW in the new build
    store = _open(settings)
    assert store.manifest.vectors["kind"] == "hnsw" and store.passage_count() > 10
    store.close()


def test_hnsw_search_beam_grows_with_the_index_unless_set(tmp_path, embedder):
    assert vector_index.auto_ef_search(100_000) == 128 and vector_index.auto_ef_search(1_000_000) == 256
    settings = Settings(index_dir=tmp_path / "index", vector_index="hnsw")
    Indexer(settings, embedder).build([SEEDS])
    store = _open(settings)
    assert store.manifest.vectors["ef_search"] == 128
    assert faiss.downcast_index(store.vectors.index).hnsw.efSearch == 128
    store.close()
    store = IndexStore.open(settings.index_dir, ef_search=300)
    assert faiss.downcast_index(store.vectors.index).hnsw.efSearch == 300
    store.close()


def test_hnsw_updates_and_deletes_leave_tombstones_then_rebuild(tmp_path, embedder, seed_copy):
    shutil.copytree(DATA / "articles", seed_copy / "more")
    settings = Settings(index_dir=tmp_path / "index", vector_index="hnsw", hnsw_max_tombstones=0.5)
    Indexer(settings, embedder).build([seed_copy])
    store = _open(settings)
    total = store.passage_count()
    kishida = [a.id for a in store.articles(limit=100) if "Kishida" in a.text][0]
    old_ids = {p.id for p in store.article_passages(kishida)}
    store.close()

    # Changing one article: its old vectors become tombstones, the search never returns them.
    path = next(p for p in seed_copy.glob("*") if p.is_file() and "Kishida told Yoon" in p.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8").replace("Kishida told Yoon", "Kishida told President Yoon"),
                    encoding="utf-8")
    report = Indexer(settings, embedder).build([seed_copy])
    assert report.updated == 1
    store = _open(settings)
    assert store.dead == old_ids
    assert store.passage_count() == total
    scores, ids = store.search_vectors(embedder.encode(["what did Kishida say"]), total)
    assert not set(ids[0].tolist()) & old_ids and len(ids[0]) == total
    assert store.manifest.vectors["kind"] == "hnsw"
    store.close()

    # Removing articles until tombstones pass their share: the graph is rebuilt from live vectors.
    for extra in (seed_copy / "more").rglob("*"):
        if extra.is_file():
            extra.unlink()
    Indexer(settings, embedder).build([seed_copy])
    store = _open(settings)
    assert store.dead == set()
    assert store.vectors.ntotal == store.passage_count() == len(store.passages(
        [row[0] for row in store.db.execute("SELECT id FROM passages")]))
    store.close()


def test_filters_on_hnsw_still_return_k(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index", vector_index="hnsw")
    Indexer(settings, embedder).build(CORPUS)
    searcher = Searcher.open(settings, embedder=embedder)
    try:
        article = searcher.search("what did Kishida say", k=1).results[0].article_id
        wanted = len(searcher.store.article_passages(article))
        results = searcher.search("rain and rivers", k=wanted, mode="dense", article=article).results
        assert len(results) == wanted and {r.article_id for r in results} == {article}
    finally:
        searcher.close()


def _noisy_copies(embedder, n: int) -> np.ndarray:
    """Real sentence vectors with small perturbations: enough points to train IVF-PQ."""
    base = embedder.encode([answer for _, answer in SEED_QUESTIONS] + [q for q, _ in SEED_QUESTIONS])
    rng = np.random.default_rng(7)
    rows = base[rng.integers(0, len(base), n)] + rng.normal(0, 0.05, (n, base.shape[1])).astype(np.float32)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_ivfpq_trains_keys_by_id_and_removes(embedder):
    vectors = _noisy_copies(embedder, 3000)
    ids = np.arange(1000, 4000, dtype=np.int64)
    index = vector_index.empty_index(vectors.shape[1])
    index.add_with_ids(vectors, ids)
    spec = VectorSpec(kind="ivfpq", ivf_lists=8, ivf_probe=8, pq_bytes=48)
    arranged, layout, rebuilt = vector_index.arrange(index, Layout("flat", "float32"), spec, set())
    assert rebuilt and layout.kind == "ivfpq" and vector_index.describe(arranged) == "IVF8,PQ48"
    _, found = arranged.search(vectors[:50], 10)
    assert np.mean(found[:, 0] == ids[:50]) > 0.8  # each vector finds itself first, nearly always
    arranged.remove_ids(ids[:10])
    _, found = arranged.search(vectors[:10], 10)
    assert not set(found.ravel().tolist()) & set(ids[:10].tolist())
    # More vectors later: the trained lists keep serving, no retraining on every update.
    arranged.add_with_ids(_noisy_copies(embedder, 100), np.arange(9000, 9100, dtype=np.int64))
    auto = VectorSpec(kind="ivfpq", ivf_lists=0, ivf_probe=8, pq_bytes=48)
    trained = Layout("ivfpq", "pq", ivf_lists=8, ivf_probe=8, pq_bytes=48)
    same, layout_after, rebuilt_again = vector_index.arrange(arranged, trained, auto, set())
    assert same is arranged and not rebuilt_again and layout_after.ivf_lists == 8
    same.remove_ids(np.arange(9000, 9100, dtype=np.int64))
    # Back to exact (the spec changed): every remaining id comes back, with its vector.
    back, layout, rebuilt = vector_index.arrange(arranged, layout, VectorSpec(kind="flat"), set())
    assert rebuilt and layout.kind == "flat" and back.ntotal == 2990
    assert sorted(vector_index.live_vectors(back)[0].tolist()) == ids[10:].tolist()
    # Too few vectors to train: the exact index instead, with a warning, not a crash.
    assert vector_index.layout(spec, 100, vectors.shape[1]).kind == "flat"


def test_hnsw_recall_against_flat(embedder):
    vectors = _noisy_copies(embedder, 5000)
    ids = np.arange(5000, dtype=np.int64)
    flat = vector_index.empty_index(vectors.shape[1])
    flat.add_with_ids(vectors, ids)
    hnsw, _, _ = vector_index.arrange(flat, Layout("flat", "float32"), VectorSpec(kind="hnsw"), set())
    queries = vectors[::50] + 0.01
    _, exact = flat.search(queries, 10)
    _, approx = hnsw.search(queries, 10, params=vector_index.search_params(hnsw, 10, None))
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx)])
    assert recall >= 0.95


def test_mmap_reads_the_same_vectors(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index")
    Indexer(settings, embedder).build([SEEDS])
    plain, mapped = IndexStore.open(settings.index_dir), IndexStore.open(settings.index_dir, mmap=True)
    try:
        query = embedder.encode(["what did Kishida say"])
        assert np.allclose(plain.search_vectors(query, 5)[0], mapped.search_vectors(query, 5)[0])
        assert (plain.search_vectors(query, 5)[1] == mapped.search_vectors(query, 5)[1]).all()
    finally:
        plain.close()
        mapped.close()
