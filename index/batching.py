"""Micro-batching: encoding calls from many threads, merged into one model call.

A server answers each request on its own thread. One question is a tiny batch, and the
model's cost per call (tokenizer, graph launch, thread hand-off) dwarfs its cost per
text, so under load most of the CPU would go to overhead. `BatchingEmbedder` lets every
caller's texts wait a few milliseconds for company, encodes them together, and hands each
caller its own rows. Texts asked for twice in one batch (the same passage highlighted for
two questions) are encoded once.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future

import numpy as np

from newsdex.index.embedder import TextEmbedder


class BatchingEmbedder:
    """An Embedder whose `encode` merges concurrent calls; everything else is the wrapped one's."""

    def __init__(self, embedder: TextEmbedder, window_ms: float = 2.0, max_batch: int = 256) -> None:
        self.inner = embedder
        self.window = window_ms / 1000
        self.max_batch = max_batch
        self.batches = 0  # model calls made, and texts sent, for tests and metrics
        self.texts = 0
        self._queue: queue.Queue[tuple[list[str], Future] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="newsdex-batcher", daemon=True)
        self._worker.start()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    # TextEmbedder's attributes, spelled out: a Protocol does not look through __getattr__.
    name = property(lambda self: self.inner.name)
    backend = property(lambda self: self.inner.backend)
    int8_config = property(lambda self: self.inner.int8_config)
    vector_family = property(lambda self: self.inner.vector_family)
    dimension = property(lambda self: self.inner.dimension)
    max_seq_length = property(lambda self: self.inner.max_seq_length)
    tokens_add_up = property(lambda self: self.inner.tokens_add_up)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def truncate(self, text: str, max_tokens: int) -> str:
        return self.inner.truncate(text, max_tokens)

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        # Large jobs (indexing) are batches already; waiting would only delay them.
        if progress or len(texts) >= self.max_batch or not texts:
            return self.inner.encode(texts, progress=progress)
        future: Future = Future()
        self._queue.put((list(texts), future))
        return future.result()

    def close(self) -> None:
        self._queue.put(None)
        self._worker.join(timeout=5)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            size = len(first[0])
            deadline = time.monotonic() + self.window
            while size < self.max_batch:
                remaining = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after answering what is already here
                    break
                batch.append(item)
                size += len(item[0])
            self._encode(batch)

    def _encode(self, batch: list[tuple[list[str], Future]]) -> None:
        unique: dict[str, int] = {}
        for texts, _ in batch:
            for text in texts:
                unique.setdefault(text, len(unique))
        try:
            vectors = self.inner.encode(list(unique))
        except BaseException as exc:  # every waiting caller gets the error, none hangs
            for _, future in batch:
                future.set_exception(exc)
            return
        self.batches += 1
        self.texts += len(unique)
        for texts, future in batch:
            future.set_result(vectors[[unique[t] for t in texts]])
