"""Micro-batching: concurrent encoding calls meet in one model call and get their own rows."""

from __future__ import annotations

import inspect
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import SEED_QUESTIONS
from fastapi.testclient import TestClient

from newsdex.api.app import create_app
from newsdex.index.batching import BatchingEmbedder

QUESTIONS = [q for q, _ in SEED_QUESTIONS]


def test_concurrent_calls_share_batches_and_get_their_own_rows(embedder):
    batcher = BatchingEmbedder(embedder, window_ms=20, max_batch=256)
    try:
        with ThreadPoolExecutor(len(QUESTIONS)) as pool:
            got = list(pool.map(lambda q: batcher.encode([q, "Kursk"]), QUESTIONS))
        expected = embedder.encode(QUESTIONS)
        kursk = embedder.encode(["Kursk"])[0]
        for i, rows in enumerate(got):
            assert rows.shape == (2, embedder.dimension)
            assert np.allclose(rows[0], expected[i], atol=1e-5)
            assert np.allclose(rows[1], kursk, atol=1e-5)
        assert batcher.batches < len(QUESTIONS)  # calls were merged
        # "Kursk" was asked for by every caller but encoded once per batch.
        assert batcher.texts == len(QUESTIONS) + batcher.batches
    finally:
        batcher.close()


def test_an_error_reaches_every_waiting_caller(embedder):
    batcher = BatchingEmbedder(embedder, window_ms=50)
    try:
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(batcher.encode, [None]) for _ in range(4)]  # the tokenizer rejects None
            for future in futures:
                with pytest.raises(Exception):  # noqa: B017 - whatever the tokenizer raises, it must reach the caller
                    future.result(timeout=60)
        assert batcher.encode(["still working"]).shape == (1, embedder.dimension)
    finally:
        batcher.close()


def test_large_jobs_bypass_the_window(embedder):
    batcher = BatchingEmbedder(embedder, window_ms=1000, max_batch=4)
    try:
        batcher.encode(["a", "b", "c", "d", "e"])  # an indexing batch: straight to the model
        assert batcher.batches == 0
    finally:
        batcher.close()


def test_api_searches_arriving_together_are_embedded_together(seed_settings, embedder):
    settings = seed_settings.model_copy(update={"batch_window_ms": 20.0})
    app = create_app(settings, embedder)
    with TestClient(app) as client:
        with ThreadPoolExecutor(16) as pool:
            responses = list(pool.map(lambda q: client.get("/search", params={"q": q, "k": 3}), QUESTIONS))
        assert all(r.status_code == 200 for r in responses)
        for response, (question, _answer) in zip(responses, SEED_QUESTIONS):
            assert response.json()["query"] == question
        metrics = client.get("/metrics").text
        batches = float(next(line.split()[1] for line in metrics.splitlines()
                             if line.startswith("newsdex_embed_batches_total ")))
        # each search embeds its question and its passages' sentences: two calls unbatched
        assert 1 <= batches < 2 * len(QUESTIONS)


def test_routes_that_touch_the_model_never_run_on_the_event_loop(seed_settings, embedder):
    app = create_app(seed_settings, embedder)
    blocking = {"/search", "/articles", "/articles/{article_id}", "/index/rebuild", "/ready", "/metrics"}
    for route in app.routes:
        if getattr(route, "path", None) in blocking:
            assert not inspect.iscoroutinefunction(route.endpoint), route.path
