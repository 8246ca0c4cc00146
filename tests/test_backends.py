"""Encoder backends: ONNX exports made once, offline, giving the same answers as torch."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from index.build import build_index
from index.embedder import Embedder
from index.errors import IndexIncompatible
from index.settings import Settings
from index.store import IndexStore
from search.cli import app
from search.searcher import Searcher

from conftest import SEED_QUESTIONS, SEEDS

TEXTS = [answer for _, answer in SEED_QUESTIONS] + [question for question, _ in SEED_QUESTIONS]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def torch_embedder() -> Embedder:
    return Embedder(backend="torch")


@pytest.fixture(scope="session")
def onnx_embedder(model_cache) -> Embedder:
    return Embedder(backend="onnx", cache_dir=model_cache)


@pytest.fixture(scope="session")
def int8_embedder(model_cache, onnx_embedder) -> Embedder:
    return Embedder(backend="onnx-int8", cache_dir=model_cache)


def test_onnx_computes_the_same_vectors_as_torch(torch_embedder, onnx_embedder):
    torch_vectors = torch_embedder.encode(TEXTS)
    onnx_vectors = onnx_embedder.encode(TEXTS)
    assert onnx_vectors.shape == torch_vectors.shape
    assert np.min(np.sum(torch_vectors * onnx_vectors, axis=1)) > 0.9999


def test_int8_vectors_stay_close_to_torch(torch_embedder, int8_embedder):
    cosines = np.sum(torch_embedder.encode(TEXTS) * int8_embedder.encode(TEXTS), axis=1)
    assert np.min(cosines) > 0.95
    assert np.allclose(np.linalg.norm(int8_embedder.encode(TEXTS), axis=1), 1.0, atol=1e-4)


def test_int8_vector_of_a_text_does_not_depend_on_its_batch_mates(int8_embedder):
    together = int8_embedder.encode(TEXTS)
    alone = np.vstack([int8_embedder.encode([text]) for text in TEXTS])
    assert np.allclose(together, alone, atol=1e-6)


def test_export_is_cached_and_reused(model_cache, onnx_embedder, int8_embedder):
    exports = [p for p in model_cache.iterdir() if p.is_dir()]
    assert len(exports) == 1 and exports[0].name.startswith("all-MiniLM-L6-v2-")
    files = sorted(p.name for p in (exports[0] / "onnx").iterdir())
    assert "model.onnx" in files and any(name.startswith("model_qint8_") for name in files)
    stamps = {p: p.stat().st_mtime_ns for p in (exports[0] / "onnx").iterdir()}
    began = time.perf_counter()
    again = Embedder(backend="onnx-int8", cache_dir=model_cache)
    assert time.perf_counter() - began < 5  # an export takes longer; a load from the cache does not
    assert {p: p.stat().st_mtime_ns for p in (exports[0] / "onnx").iterdir()} == stamps
    assert np.allclose(again.encode(["Kursk"]), int8_embedder.encode(["Kursk"]))


@pytest.mark.parametrize("backend", ["torch", "onnx", "onnx-int8"])
def test_each_backend_answers_the_seed_questions(tmp_path, backend, torch_embedder, onnx_embedder, int8_embedder):
    chosen = {"torch": torch_embedder, "onnx": onnx_embedder, "onnx-int8": int8_embedder}[backend]
    settings = Settings(index_dir=tmp_path / "index", backend=backend)
    build_index([SEEDS], settings, chosen)
    searcher = Searcher.open(settings, embedder=chosen)
    try:
        assert searcher.store.manifest.backend == backend
        found = sum(any(answer in r.text for r in searcher.search(q, k=3).results) for q, answer in SEED_QUESTIONS)
    finally:
        searcher.close()
    assert found >= len(SEED_QUESTIONS) - 1


def test_torch_and_onnx_share_an_index_but_int8_needs_a_rebuild(tmp_path, torch_embedder, onnx_embedder,
                                                                int8_embedder):
    settings = Settings(index_dir=tmp_path / "index", backend="torch")
    build_index([SEEDS], settings, torch_embedder)
    report = build_index([SEEDS], settings.model_copy(update={"backend": "onnx"}), onnx_embedder)
    assert (report.unchanged, report.passages_embedded) == (2, 0)
    with pytest.raises(IndexIncompatible, match="onnx-int8 backend.*rebuild"):
        build_index([SEEDS], settings.model_copy(update={"backend": "onnx-int8"}), int8_embedder)
    report = build_index([SEEDS], settings.model_copy(update={"backend": "onnx-int8"}), int8_embedder, rebuild=True)
    assert report.added == 2
    store = IndexStore.open(settings.index_dir)
    assert store.manifest.backend == "onnx-int8"
    store.close()


def test_cli_backend_flag_and_stats(tmp_path, model_cache, monkeypatch):
    monkeypatch.setenv("NEWSDEX_MODEL_CACHE", str(model_cache))
    index = str(tmp_path / "index")
    runner = CliRunner()
    result = runner.invoke(app, ["index", str(SEEDS), "--index", index, "--backend", "onnx", "-q"])
    assert result.exit_code == 0, result.output
    stats = json.loads(runner.invoke(app, ["stats", "--index", index, "--json"]).output)
    assert stats["backend"] == "onnx"
    assert stats["vectors"] == {"kind": "flat", "storage": "float32"}
    bad = runner.invoke(app, ["index", str(SEEDS), "--index", index, "--backend", "tensorflow"])
    assert bad.exit_code != 0
    assert "backend" in bad.output and "Traceback" not in bad.output
