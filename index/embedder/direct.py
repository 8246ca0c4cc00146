"""ONNX Runtime called directly for mean-pooled models (`_DirectOnnx`), and their later loads
without sentence-transformers (`_LightOnnx`, from the `newsdex-direct.json` record beside an
export)."""

from __future__ import annotations

import copy
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

if TYPE_CHECKING:
    from newsdex.index.embedder.model import Embedder

log = logging.getLogger(__name__)


class _DirectOnnx:
    """The model's ONNX Runtime session fed by its Rust tokenizer, with mean pooling in NumPy:
    the same numbers as sentence-transformers' encode for a Transformer -> mean Pooling
    (-> Normalize) pipeline, the default model's, without its per-call Python."""

    def __init__(self, session, tokenizer, max_length: int, pad_id: int) -> None:
        self.session = session
        self.inputs = {i.name for i in session.get_inputs()}
        self.max_length, self.pad_id = max_length, pad_id
        self.tokenizer = tokenizer
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.no_padding()  # each batch is padded to its own longest text by `encode`

    @classmethod
    def of(cls, model) -> _DirectOnnx | None:
        """The direct path for `model`, or None where its pipeline is anything else."""
        try:
            from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
        except ImportError:  # older sentence-transformers kept them here
            from sentence_transformers.models import Normalize, Pooling, Transformer  # type: ignore[no-redef]

        modules = list(model)
        if not modules or type(modules[0]) is not Transformer or len(modules) not in (2, 3):
            return None
        pooling = modules[1]
        if type(pooling) is not Pooling or pooling.get_config_dict().get("pooling_mode") != "mean":
            return None
        if len(modules) == 3 and type(modules[2]) is not Normalize:
            return None
        transformer = modules[0]
        session = getattr(transformer.auto_model, "session", None) or getattr(transformer.auto_model, "model", None)
        rust = getattr(transformer.tokenizer, "backend_tokenizer", None)
        if session is None or rust is None or not hasattr(session, "run") or getattr(transformer, "do_lower_case",
                                                                                        False):
            return None
        if {i.name for i in session.get_inputs()} - {"input_ids", "attention_mask", "token_type_ids"}:
            return None
        pad = transformer.tokenizer.pad_token_id
        return cls(session, copy.deepcopy(rust), int(transformer.max_seq_length), pad if pad is not None else 0)

    def encode(self, texts: list[str], batch_size: int, *, progress: bool = False) -> np.ndarray:
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("texts to encode must be strings")
        stripped = [t.strip() for t in texts]
        # Longest first by characters, then tokenized a slice at a time (a text's encoding is
        # kilobytes) and cut into calls by word pieces within each slice.
        order = sorted(range(len(stripped)), key=lambda i: -len(stripped[i]))
        out: np.ndarray | None = None
        bar = tqdm(total=len(texts), desc="encoding", unit="text", disable=not progress)
        for part in range(0, len(order), _TOKENIZED_AT_ONCE):
            sliced = order[part:part + _TOKENIZED_AT_ONCE]
            encodings = self.tokenizer.encode_batch([stripped[i] for i in sliced])
            lengths = [len(e.ids) for e in encodings]
            for batch in token_batches(lengths, batch_size):
                pooled = self._run([encodings[j] for j in batch], lengths[batch[0]])
                if out is None:
                    out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
                out[[sliced[j] for j in batch]] = pooled
                bar.update(len(batch))
        bar.close()
        assert out is not None
        return out

    def _run(self, encodings: list, width: int) -> np.ndarray:
        """Unit-length mean-pooled vectors of `encodings`, padded to `width` word pieces, in one model call."""
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            size = len(encoding.ids)
            ids[row, :size] = encoding.ids
            mask[row, :size] = encoding.attention_mask
            types[row, :size] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = types
        tokens = self.session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled


# Word pieces one model call holds, padding included. The activations of 32 passages of 200-odd
# word pieces (and their attention scores, per head) outgrow a core's caches, so each word piece
# costs more than in a call of a few; short texts (questions, sentences) still go dozens
# to a call, up to `batch_size` (docs/performance.md, "Batches by word pieces").
TOKENS_PER_BATCH = 1024
# Texts tokenized together, so that a long list's encodings never fill memory.
_TOKENIZED_AT_ONCE = 1024


def token_batches(lengths: list[int], batch_size: int, budget: int | None = None) -> list[list[int]]:
    """Positions of the texts of `lengths` (word pieces each) in model calls: longest first, so
    each call pads little, with at most `batch_size` texts and `budget` word pieces, padding
    included (a text longer than the budget alone)."""
    budget = TOKENS_PER_BATCH if budget is None else budget
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches, start = [], 0
    while start < len(order):
        size = max(1, min(batch_size, budget // max(lengths[order[start]], 1)))
        batches.append(order[start:start + size])
        start += size
    return batches


class _LightOnnx:
    """An export run by ONNX Runtime and the Rust tokenizer alone, without importing
    sentence-transformers, and with it transformers and torch: that import is about 8 s of
    every `ask` and `newsdex` process on 2 cores, the rest of a start under 1 s
    (docs/performance.md, "Starting a process").

    The first load of an export goes through sentence-transformers; where `_DirectOnnx` can run
    its pipeline, `record` writes what that load found (the tokenizer as loaded, lengths,
    padding, dimension) beside the export. Later loads read only that record, so nothing of
    sentence-transformers' own file formats, which change between its versions, is parsed
    here. Anything missing or unreadable means the slow path, never an error of its own."""

    FILE = "newsdex-direct.json"
    FORMAT = 1

    def __init__(self, direct: _DirectOnnx, counting, max_seq_length: int, dimension: int) -> None:
        self.direct, self.counting = direct, counting
        self.max_seq_length, self.dimension = max_seq_length, dimension

    @classmethod
    def record(cls, export: Path, embedder: Embedder) -> None:
        direct, tokenizer = embedder._direct, embedder._tokenizer
        # A Python tokenizer that tidies spaces after decoding would truncate titles unlike
        # the Rust one alone: such a model keeps the slow path.
        if direct is None or getattr(tokenizer, "clean_up_tokenization_spaces", False):
            return
        record = {"format": cls.FORMAT, "max_length": direct.max_length, "pad_id": direct.pad_id,
                  "max_seq_length": embedder.max_seq_length, "dimension": embedder.dimension,
                  # Its truncation and padding, set by _DirectOnnx, are set again by each load.
                  "tokenizer": direct.tokenizer.to_str()}
        tmp = export / f".{cls.FILE}.{os.getpid()}.tmp"
        try:
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, export / cls.FILE)
        except OSError as exc:  # a read-only model cache: every start takes the slow path
            log.debug("cannot record %s: %s", export / cls.FILE, exc)
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, export: Path, file_name: str) -> _LightOnnx | None:
        try:
            record = json.loads((export / cls.FILE).read_text(encoding="utf-8"))
            if record.get("format") != cls.FORMAT:
                return None
            import onnxruntime
            from tokenizers import Tokenizer

            session = onnxruntime.InferenceSession(str(export / file_name), sess_options=session_options(),
                                                   providers=["CPUExecutionProvider"])
            if {i.name for i in session.get_inputs()} - {"input_ids", "attention_mask", "token_type_ids"}:
                return None
            counting = Tokenizer.from_str(record["tokenizer"])
            counting.no_truncation()
            counting.no_padding()
            direct = _DirectOnnx(session, Tokenizer.from_str(record["tokenizer"]), int(record["max_length"]),
                                 int(record["pad_id"]))
            return cls(direct, counting, int(record["max_seq_length"]), int(record["dimension"]))
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a damaged record or file: sentence-transformers says what is wrong
            log.debug("cannot load %s directly (%s): loading it through sentence-transformers", export, exc)
            return None


def session_options():
    """ONNX Runtime's worker threads spin between calls by default, which starves the rest of a
    server (HTTP handling, SQLite, FAISS) on a small machine; they sleep instead."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options
