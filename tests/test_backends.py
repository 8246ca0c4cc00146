"""Encoder backends: ONNX exports made once, offline, giving the same answers as torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import SEED_QUESTIONS, SEEDS
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsdex.api.app import create_app
from newsdex.cli import app
from newsdex.errors import IndexIncompatible
from newsdex.index.build import Indexer
from newsdex.index.embedder import INT8_CONFIGS, Embedder, cpu_int8_config
from newsdex.index.embedder.direct import _LightOnnx
from newsdex.index.store import IndexStore
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

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
    """Loaded through sentence-transformers, as a first load is, for the tests that compare
    with the library: the record the onnx load wrote would make this load without it."""
    (_export(model_cache) / _LightOnnx.FILE).unlink()
    return Embedder(backend="onnx-int8", cache_dir=model_cache)


def _export(model_cache):
    return next(p for p in model_cache.iterdir() if p.is_dir())


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
    assert "model.onnx" in files and f"model_int8_{int8_embedder.int8_config}.onnx" in files
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
    Indexer(settings, chosen).build([SEEDS])
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
    Indexer(settings, torch_embedder).build([SEEDS])
    report = Indexer(settings.model_copy(update={"backend": "onnx"}), onnx_embedder).build([SEEDS])
    assert (report.unchanged, report.passages_embedded) == (2, 0)
    with pytest.raises(IndexIncompatible, match="onnx-int8 backend.*rebuild"):
        Indexer(settings.model_copy(update={"backend": "onnx-int8"}), int8_embedder).build([SEEDS])
    report = Indexer(settings.model_copy(update={"backend": "onnx-int8"}), int8_embedder).build([SEEDS], rebuild=True)
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


@pytest.mark.parametrize("config", INT8_CONFIGS)
def test_every_int8_configuration_exports_loads_and_runs_on_this_cpu(config, model_cache, torch_embedder):
    """Each CPU family's quantized model is made and run here, whatever this CPU is: ONNX
    Runtime runs them all, so a wrong file name for any family fails on every machine."""
    embedder = Embedder(backend="onnx-int8", cache_dir=model_cache, int8_config=config)
    assert (embedder.int8_config, embedder.vector_family) == (config, f"int8-{config}")
    export = _export(model_cache)
    assert (export / "onnx" / f"model_int8_{config}.onnx").is_file()
    cosines = np.sum(torch_embedder.encode(TEXTS) * embedder.encode(TEXTS), axis=1)
    assert np.min(cosines) > 0.95


def test_int8_config_setting_forces_a_family_and_auto_follows_the_cpu(monkeypatch):
    monkeypatch.setenv("NEWSDEX_INT8_CONFIG", "avx2")
    assert Settings().int8_config == "avx2"
    monkeypatch.setenv("NEWSDEX_INT8_CONFIG", "sse4")
    with pytest.raises(ValueError):
        Settings()
    assert cpu_int8_config() in INT8_CONFIGS


def test_int8_index_records_its_configuration_and_keeps_it(tmp_path, model_cache, monkeypatch):
    """An index quantized for one CPU family is searched and updated with that family, on a
    machine that would choose another, unless a different one is forced (then: one line)."""
    other = "avx2" if cpu_int8_config() != "avx2" else "avx512"
    monkeypatch.setenv("NEWSDEX_MODEL_CACHE", str(model_cache))
    monkeypatch.setenv("NEWSDEX_INT8_CONFIG", other)
    index = str(tmp_path / "index")
    runner = CliRunner()
    result = runner.invoke(app, ["index", str(SEEDS), "--index", index, "--backend", "onnx-int8", "-q"])
    assert result.exit_code == 0, result.output
    stats = json.loads(runner.invoke(app, ["stats", "--index", index, "--json"]).output)
    assert (stats["backend"], stats["int8_config"]) == ("onnx-int8", other)

    monkeypatch.delenv("NEWSDEX_INT8_CONFIG")  # auto: this CPU would choose another family
    settings = Settings(index_dir=tmp_path / "index", backend="onnx-int8")
    searcher = Searcher.open(settings)
    try:
        assert searcher.embedder.int8_config == other
        assert searcher.search("Kursk", k=1).results
        with TestClient(create_app(settings, embedder=searcher.embedder)) as client:
            assert client.get("/ready").json()["int8_config"] == other
    finally:
        searcher.close()
    result = runner.invoke(app, ["ask", "Kursk", "--index", index, "--backend", "onnx-int8", "--json"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["index", str(SEEDS), "--index", index, "--backend", "onnx-int8", "-q"])
    assert result.exit_code == 0 and "2 unchanged" in result.output, result.output

    forced = cpu_int8_config() if cpu_int8_config() != other else "arm64"
    monkeypatch.setenv("NEWSDEX_INT8_CONFIG", forced)
    result = runner.invoke(app, ["ask", "Kursk", "--index", index, "--backend", "onnx-int8"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"onnx-int8 backend ({other})" in result.output and "NEWSDEX_INT8_CONFIG" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_reader_refuses_vectors_of_another_family_like_the_writer(tmp_path, onnx_embedder, int8_embedder):
    """One rule for both: an onnx reader must not search int8 vectors without a word."""
    settings = Settings(index_dir=tmp_path / "index", backend="onnx-int8")
    Indexer(settings, int8_embedder).build([SEEDS])
    with pytest.raises(IndexIncompatible, match="onnx-int8 backend.*not the torch/onnx backend.*rebuild"):
        Searcher.open(settings.model_copy(update={"backend": "onnx"}), embedder=onnx_embedder)
    with pytest.raises(IndexIncompatible, match="onnx-int8 backend.*not the torch/onnx backend.*rebuild"):
        Indexer(settings.model_copy(update={"backend": "onnx"}), onnx_embedder).build([SEEDS])


LONG = " ".join(["The ceasefire talks in Doha resumed on Monday after a week of delays."] * 40)  # > 256 tokens


@pytest.mark.parametrize("name", ["onnx", "onnx-int8"])
def test_direct_onnx_path_gives_the_vectors_sentence_transformers_gives(name, onnx_embedder, int8_embedder):
    embedder = {"onnx": onnx_embedder, "onnx-int8": int8_embedder}[name]
    assert embedder._direct is not None  # the default model's pipeline runs on the direct path
    texts = TEXTS + [LONG, "  white space around  ", "x", "naïve café “quoted” — 2024-11-15"]
    library = embedder._model.encode(texts, batch_size=embedder.batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True)
    direct = embedder.encode(texts)
    assert direct.dtype == np.float32 and direct.shape == library.shape
    assert np.min(np.sum(direct * library, axis=1)) > 0.99999
    one_at_a_time = np.vstack([embedder.encode([t]) for t in texts])
    assert np.min(np.sum(direct * one_at_a_time, axis=1)) > 0.99999


def test_pipelines_other_than_mean_pooling_keep_the_library_encode(onnx_embedder):
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    from newsdex.index.embedder.direct import _DirectOnnx

    transformer = onnx_embedder._model[0]
    assert _DirectOnnx.of([transformer, Pooling(384, pooling_mode="cls")]) is None
    assert _DirectOnnx.of([transformer, Pooling(384), Normalize(), Normalize()]) is None
    assert _DirectOnnx.of([transformer, Pooling(384), Normalize()]) is not None
    assert Embedder(backend="torch")._direct is None


# -- a later start, without sentence-transformers ---------------------------------------------

TITLES = [title for title, _ in SEED_QUESTIONS] + [
    "North Korean-Russian ties pose ‘serious threat’: Japanese, South Korean leaders say U.S. isn't ready",
    "Ça va? Don't go ' there ' … [CLS] 2024-11-15, 東京で会議", "x"]


@pytest.mark.parametrize("name", ["onnx", "onnx-int8"])
def test_a_later_load_of_an_export_skips_sentence_transformers_and_changes_nothing(name, model_cache,
                                                                                   onnx_embedder, int8_embedder):
    first = {"onnx": onnx_embedder, "onnx-int8": int8_embedder}[name]
    assert first._model is not None and (_export(model_cache) / _LightOnnx.FILE).is_file()
    later = Embedder(backend=name, cache_dir=model_cache)
    assert later._model is None and later._direct is not None
    assert (later.dimension, later.max_seq_length, later.tokens_add_up, later.vector_family) == \
        (first.dimension, first.max_seq_length, first.tokens_add_up, first.vector_family)
    texts = TEXTS + [LONG, "  white space around  ", "naïve café “quoted” — 2024-11-15"]
    assert np.array_equal(later.encode(texts), first.encode(texts))
    assert np.array_equal(later.encode(texts, progress=True), first.encode(texts))
    assert [later.count_tokens(t) for t in texts] == [first.count_tokens(t) for t in texts]
    for budget in (1, 5, 12, 32):
        cut = TITLES + texts
        assert [later.truncate(t, budget) for t in cut] == [first.truncate(t, budget) for t in cut]


def test_a_later_process_imports_neither_torch_nor_sentence_transformers(model_cache, onnx_embedder, tmp_path):
    script = ("import sys, numpy; from newsdex.index.embedder import Embedder; "
              f"numpy.save({str(tmp_path / 'v.npy')!r}, Embedder(cache_dir={str(model_cache)!r}).encode(['Kursk'])); "
              "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NEWSDEX_BACKEND": "onnx"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert np.array_equal(np.load(tmp_path / "v.npy"), onnx_embedder.encode(["Kursk"]))


@pytest.mark.parametrize("damage", ["{not json", json.dumps({"format": 99}), json.dumps({"format": 1})])
def test_a_damaged_record_means_the_slow_load_not_an_error(damage, model_cache, onnx_embedder, tmp_path):
    cache = tmp_path / "cache"
    export = cache / _export(model_cache).name
    shutil.copytree(_export(model_cache), export, ignore=shutil.ignore_patterns("model_int8_*"))
    (export / _LightOnnx.FILE).write_text(damage)
    loaded = Embedder(backend="onnx", cache_dir=cache)
    assert loaded._model is not None
    assert np.array_equal(loaded.encode(TEXTS), onnx_embedder.encode(TEXTS))
    assert _LightOnnx.load(export, "onnx/model.onnx") is not None  # the slow load wrote a good record


def test_a_tokenizer_that_tidies_decoded_text_keeps_the_slow_path(onnx_embedder, tmp_path):
    import copy

    tidy = copy.copy(onnx_embedder)
    tidy._tokenizer = copy.deepcopy(onnx_embedder._tokenizer)
    tidy._tokenizer.clean_up_tokenization_spaces = True
    _LightOnnx.record(tmp_path, tidy)
    assert not (tmp_path / _LightOnnx.FILE).exists()
    _LightOnnx.record(tmp_path, onnx_embedder)
    assert (tmp_path / _LightOnnx.FILE).exists()
