"""How the direct ONNX path cuts texts into model calls (index.embedder.direct.token_batches):
longest first, within a word-piece budget, with the vectors of one text at a time."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer

from newsdex.index.embedder import direct as direct_module
from newsdex.index.embedder.direct import TOKENS_PER_BATCH, _DirectOnnx, token_batches


@given(st.lists(st.integers(1, 600), max_size=80), st.integers(1, 64), st.integers(1, 4096))
def test_token_batches_take_every_text_once_longest_first_within_the_budget(lengths, batch_size, budget):
    batches = token_batches(lengths, batch_size, budget)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    order = [lengths[i] for batch in batches for i in batch]
    assert order == sorted(lengths, reverse=True)
    for batch in batches:
        padded = len(batch) * lengths[batch[0]]
        assert 1 <= len(batch) <= batch_size and (padded <= budget or len(batch) == 1)


class _Calls:
    """The real session, noting the shape of every batch it is given."""

    def __init__(self, session) -> None:
        self.session, self.shapes = session, []

    def get_inputs(self):
        return self.session.get_inputs()

    def run(self, names, feeds):
        self.shapes.append(feeds["input_ids"].shape)
        return self.session.run(names, feeds)


def test_long_texts_go_a_few_to_a_call_and_short_ones_fill_a_batch(embedder):
    direct = embedder._direct
    assert direct is not None
    calls = _Calls(direct.session)
    counted = _DirectOnnx(calls, Tokenizer.from_str(direct.tokenizer.to_str()), direct.max_length, direct.pad_id)
    passage = " ".join(["The ceasefire talks in Doha resumed on Monday after a week of delays."] * 20)
    texts = [passage] * 6 + [f"Kishida told Yoon on day {n}." for n in range(40)]
    vectors = counted.encode(texts, 32)
    assert all(rows * width <= TOKENS_PER_BATCH or rows == 1 for rows, width in calls.shapes)
    assert calls.shapes[0][0] < 6 and max(rows for rows, _ in calls.shapes) == 32
    one_at_a_time = np.vstack([counted.encode([text], 32) for text in texts])
    assert np.min(np.sum(vectors * one_at_a_time, axis=1)) > 0.99999
    assert np.allclose(vectors, embedder.encode(texts), atol=1e-5)


def test_a_long_list_is_tokenized_a_slice_at_a_time_with_the_same_vectors(embedder, monkeypatch):
    texts = [" ".join(["Kishida told Yoon about the summit."] * (n % 9 + 1)) + f" Day {n}." for n in range(30)]
    whole = embedder.encode(texts)
    monkeypatch.setattr(direct_module, "_TOKENIZED_AT_ONCE", 7)
    calls = _Calls(embedder._direct.session)
    sliced = _DirectOnnx(calls, Tokenizer.from_str(embedder._direct.tokenizer.to_str()), embedder._direct.max_length,
                         embedder._direct.pad_id)
    vectors = sliced.encode(texts, 32)
    assert len(calls.shapes) >= 5 and max(rows for rows, _ in calls.shapes) <= 7
    assert np.allclose(vectors, whole, atol=1e-5)
