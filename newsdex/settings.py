"""One typed settings object, read once at the edge (CLI, API) and passed inward.

Precedence follows datasette/llm: explicit flags first, then NEWSDEX_* environment
variables, then the defaults below.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, SecretBytes, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# ONNX Runtime computes the same vectors as torch in less time. onnx-int8 is faster still,
# but its vectors are another family (an index must be rebuilt to switch) and it encodes one
# text per model call (see Embedder), so onnx stays the default (docs/performance.md).
Backend = Literal["torch", "onnx", "onnx-int8"]
DEFAULT_BACKEND: Backend = "onnx"

ENV_PREFIX = "NEWSDEX_"

# seeds/ sits beside the packages in a checkout (and in an editable install); a plain
# `seeds` relative to the working directory is the fallback for other layouts.
CHECKOUT = Path(__file__).resolve().parent.parent


def _in_checkout() -> bool:
    return (CHECKOUT / "seeds").is_dir() and (CHECKOUT / "pyproject.toml").is_file()


def _default_seeds() -> Path:
    return CHECKOUT / "seeds" if _in_checkout() else Path("seeds")


def default_index_dir() -> Path:
    """Where the index lives unless --index or NEWSDEX_INDEX_DIR says: never the folder one
    happens to stand in. In a checkout, `.newsdex` beside its seeds/ (so `make ask` and `make
    clean` find it from anywhere); installed, the user's data folder ($XDG_DATA_HOME/newsdex/index,
    by default ~/.local/share/newsdex/index)."""
    if _in_checkout():
        return CHECKOUT / ".newsdex"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "newsdex" / "index"


def _comma_separated(value: Any) -> Any:
    """NEWSDEX_CORS_ORIGINS is written `https://a.example,https://b.example`, not as JSON."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# A store is a name in index.registry's table (faiss, milvus) or a dotted path to a store class of
# one's own (package.module:Class or package.module.Class). Here only the form is checked: which
# names exist, and whether a path imports, the registry says (settings import nothing of ours).
_STORE_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*([.:][A-Za-z_]\w*)(\.[A-Za-z_]\w*)*")


def _holds_secret(annotation: Any) -> bool:
    """Whether a field's type is a secret, alone or inside a union, list or other generic."""
    if isinstance(annotation, type) and issubclass(annotation, (SecretStr, SecretBytes)):
        return True
    return any(_holds_secret(arg) for arg in get_args(annotation))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    index_dir: Path = Field(
        default_factory=default_index_dir,
        description="Index directory (NEWSDEX_INDEX_DIR); unset: .newsdex in a checkout, else "
                    "~/.local/share/newsdex/index. Only this default is built from the seeds when it holds no index.")
    seeds_dir: Path = Field(default_factory=_default_seeds, description="Articles indexed when none are named.")
    follow_links: bool = Field(
        False, description="Follow symlinks that leave the folder being indexed, or lead to folders "
                           "(NEWSDEX_FOLLOW_LINKS).")
    root: Path | None = Field(
        None, description="Root of article ids: a file under it has the id of its path relative to it (without "
                          "suffix), however it was named; unset: the folder given, and a file already indexed keeps "
                          "its id (NEWSDEX_ROOT).")
    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or path.")
    offline: bool = Field(True, description="Never reach a model hub; load only local weights.")
    device: str = Field("cpu", description="Torch device for the model.")
    backend: Backend = Field(
        DEFAULT_BACKEND, description="Encoder backend: torch, onnx (ONNX Runtime) or onnx-int8 (dynamically "
                                     "quantized).")
    int8_config: Literal["auto", "avx512_vnni", "avx512", "avx2", "arm64"] = Field(
        "auto", description="onnx-int8 quantization: auto (the index's own, else this CPU's) or a CPU family, forced.")
    model_cache: Path | None = Field(
        None, description="Where ONNX exports of the model are kept (default: ~/.cache/newsdex/models).")
    batch_size: int = Field(32, ge=1, le=4096, description="Most texts per encoding call; the onnx backend also "
                                                           "keeps a call within 1,024 word pieces (onnx-int8 "
                                                           "encodes one at a time).")
    passage_tokens: int = Field(200, ge=16, le=8192, description="Token budget of one passage, by the model's "
                                                                 "tokenizer.")
    title_tokens: int = Field(32, ge=0, le=512, description="Tokens of the title given to the model with each passage.")
    overlap_sentences: int = Field(1, ge=0, le=5, description="Sentences shared by neighbouring passages.")
    sentence_vectors: bool = Field(
        True, description="Embed each passage's sentences at build time and keep them (int8) for highlights: a "
        "build takes longer (docs/performance.md, \"Indexing\"), a search marks its results without the model "
        "(NEWSDEX_SENTENCE_VECTORS).")
    sentence_backend: Literal["onnx-int8", "same"] = Field(
        "same", description="The model that embeds sentences for highlights: same (the passages' backend) or "
        "onnx-int8 (the same model quantized, one sentence per call: cheaper, but it marks the same first "
        "sentence as float vectors for 93% of results, under the 98% kept as the bar; bench/highlights.py) "
        "(NEWSDEX_SENTENCE_BACKEND).")
    max_query_chars: int = Field(1000, ge=1, description="Longest question accepted.")
    date_order: Literal["auto", "month-first", "day-first"] = Field(
        "auto", description="How a numeric date in a question is read: auto (month first with '/', 1/18/23; day "
                            "first with '.', 18.01.2023), month-first or day-first for both (NEWSDEX_DATE_ORDER).")
    rrf_k: int = Field(60, ge=0, le=10000, description="Reciprocal rank fusion constant: score = sum w / (rrf_k + "
                                                       "rank).")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in the fusion.")
    article_weight: float = Field(
        1.0, ge=0, description="Weight of whole-article BM25 (one ranking of articles by all their words) fused in "
        "when hybrid results are grouped per article; 0 turns it off (NEWSDEX_ARTICLE_WEIGHT).")
    candidates: int = Field(100, ge=1, le=10000, description="Passages each retriever hands to fusion and grouping.")
    fuse_articles: bool = Field(
        True, description="When results are grouped per article, fuse each retriever's ranking of articles (an "
        "article placed by its best passage, whole-article BM25 beside them, constant article_rrf_k) instead of "
        "passages, so both retrievers' votes for an article count even when they fall on different passages; each "
        "article then shows its best passages. On: with feedback it won on bbc-news dev and SciFact train "
        "(docs/performance.md, 'Ranking news articles') (NEWSDEX_FUSE_ARTICLES).")
    feedback_articles: int = Field(
        3, ge=0, le=100, description="Grouped hybrid searches (fuse_articles) search the vectors a second time, the "
        "question's vector moved towards the lead passages of this many articles whole-article BM25 ranks first, "
        "and fuse that ranking in beside the first; 0 turns it off (NEWSDEX_FEEDBACK_ARTICLES).")
    feedback_weight: float = Field(
        1.0, ge=0, le=100, description="How far feedback moves the question's vector: q + weight * mean of the "
        "leads' vectors, normalised; 0 turns it off (NEWSDEX_FEEDBACK_WEIGHT).")
    article_rrf_k: int = Field(
        10, ge=0, le=10000, description="Reciprocal rank fusion constant of the fusion of articles (fuse_articles); "
        "a search's own rrf_k option, when given, sets it too (NEWSDEX_ARTICLE_RRF_K).")
    # Where the index lives (index.registry): the embedded default, Milvus (index.milvus), or a
    # store of one's own. Each store's own settings are fields named after it (milvus_*), read
    # by that store alone as one group (Settings.group).
    store: str = Field(
        "faiss", description="Which store holds the index: faiss (FAISS + SQLite + tantivy under index_dir), "
                             "milvus (a Milvus collection; needs the scale extra), or a dotted path to a store "
                             "class of your own, package.module:Class (NEWSDEX_STORE).")
    milvus_uri: str | None = Field(
        None, description="Milvus to use: a file path ending in .db for Milvus Lite, or http://host:19530 for a "
                          "server or cluster; unset: index_dir/milvus.db (NEWSDEX_MILVUS_URI).")
    milvus_token: SecretStr | None = Field(None, description="Milvus token, user:password or an API key "
                                                             "(NEWSDEX_MILVUS_TOKEN).")
    milvus_collection: str = Field(
        "newsdex", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,150}$",
        description="Name of the Milvus alias searches read; each build is collections named after it "
                    "(NEWSDEX_MILVUS_COLLECTION).")
    milvus_index: Literal["AUTOINDEX", "FLAT", "HNSW", "HNSW_SQ", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "DISKANN"] = Field(
        "AUTOINDEX", description="Milvus vector index type for new collections (NEWSDEX_MILVUS_INDEX).")
    # How a build runs (index.engine): in this process, or as a Ray Data pipeline.
    engine: Literal["local", "ray"] = Field(
        "local", description="Build engine: local (this process) or ray (a Ray Data pipeline; needs the scale "
                             "extra) (NEWSDEX_ENGINE).")
    ray_address: str | None = Field(
        None, description="Ray cluster to join (auto: the one this machine belongs to); unset: a local Ray "
                          "started for the build (NEWSDEX_RAY_ADDRESS).")
    workers: int | None = Field(
        None, ge=1, le=4096, description="Ray model workers (actors), each loading the model once; unset: one per "
                                         "CPU Ray sees, less a quarter CPU for reading (NEWSDEX_WORKERS).")
    # The vector index (index.vectors).
    vector_index: Literal["auto", "flat", "hnsw", "ivfpq"] = Field(
        "auto", description="FAISS structure: auto (flat below hnsw_threshold passages, HNSW above), flat, hnsw, "
                            "ivfpq.")
    vector_storage: Literal["float32", "float16", "int8"] = Field(
        "float32", description="How flat and HNSW indexes store vectors: float32, float16 or 8-bit scalar-quantized.")
    hnsw_threshold: int = Field(50_000, ge=0, description="Passages from which `auto` switches from flat to HNSW.")
    hnsw_m: int = Field(32, ge=4, le=256, description="HNSW neighbours per node (M).")
    hnsw_ef_construction: int = Field(200, ge=8, le=4096, description="HNSW beam width while building.")
    hnsw_ef_search: int | None = Field(
        None, ge=8, le=4096, description="HNSW beam width while searching; unset: 128 below 250,000 passages, 256 "
                                         "from there.")
    hnsw_max_tombstones: float = Field(
        0.1, ge=0, le=0.9, description="Share of deleted vectors an HNSW graph keeps (skipped in searches) before it "
                                       "is rebuilt.")
    ivf_lists: int = Field(0, ge=0, description="IVF-PQ inverted lists (0: about 4 * sqrt(passages)).")
    ivf_probe: int = Field(16, ge=1, description="IVF-PQ lists visited per search.")
    pq_bytes: int = Field(48, ge=1, le=512, description="IVF-PQ bytes per vector.")
    mmap: bool = Field(False, description="Memory-map the vector file where FAISS can, instead of reading it into "
                                          "memory.")
    # The HTTP API (`newsdex serve`).
    host: str = Field("127.0.0.1", description="Address `newsdex serve` binds to (NEWSDEX_HOST).")
    port: int = Field(8000, ge=1, le=65535, description="Port `newsdex serve` listens on (NEWSDEX_PORT).")
    api_key: SecretStr | None = Field(None, description="Bearer key for the API's writes (NEWSDEX_API_KEY); without "
                                                        "one, writes are refused.")
    read_key: SecretStr | None = Field(None, description="Bearer key for searches and article reads "
                                                         "(NEWSDEX_READ_KEY); without one, reads are open.")
    write_wait_seconds: float = Field(
        10.0, ge=0, le=3600, description="How long an API write waits for another build to finish before a 503 with "
                                         "Retry-After.")
    max_waiting_writes: int = Field(
        4, ge=1, le=64, description="API writes that may wait at once; more get a 503 at once, so waiting writes "
                                    "never take every server thread.")
    max_body_bytes: int = Field(10_000_000, ge=1, description="Largest request body the API accepts, in bytes.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Web origins whose pages may call the API from a browser (CORS), "
        "comma-separated: https://newsroom.example,http://localhost:3000, or * for any; unset: none "
        "(NEWSDEX_CORS_ORIGINS).")
    batch_window_ms: float = Field(
        2.0, ge=0, le=1000, description="The API embeds texts arriving within this window in one batch (0: off).")
    max_batch: int = Field(256, ge=1, le=65536, description="Most texts in one micro-batch.")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        return _comma_separated(value)

    @field_validator("store")
    @classmethod
    def _store_is_a_name_or_a_path(cls, value: str) -> str:
        if _STORE_NAME.fullmatch(value) or _DOTTED_PATH.fullmatch(value):
            return value
        raise ValueError(f"{value!r} is neither a store's name nor a dotted path to a store class "
                         "(package.module:Class)")

    def group(self, name: str) -> dict[str, Any]:
        """One store's settings: the fields named `{name}_*`, without that prefix (milvus_uri is
        group("milvus")["uri"]). A store reads its own group and nothing else of a store's."""
        prefix = f"{name}_"
        return {field[len(prefix):]: getattr(self, field) for field in type(self).model_fields
                if field.startswith(prefix)}

    @classmethod
    def secret_fields(cls) -> list[str]:
        """The credentials: every field typed SecretStr (or SecretBytes), the one mark of a secret.
        Each must accept None, which is how they are left behind (index.engine.worker_settings)."""
        return [name for name, field in cls.model_fields.items() if _holds_secret(field.annotation)]

    @property
    def milvus_target(self) -> str:
        """The Milvus URI in use: the setting, or a Milvus Lite file inside index_dir."""
        return self.milvus_uri or str(self.index_dir / "milvus.db")  # index.builds.MILVUS_LITE


# Read by `newsdex serve` and the API alone: other commands never check them, so a bad
# NEWSDEX_PORT does not stop `ask` (newsdex.flags.make_settings).
SERVER_FIELDS = frozenset({"host", "port", "api_key", "read_key", "write_wait_seconds", "max_waiting_writes",
                           "max_body_bytes", "cors_origins", "batch_window_ms", "max_batch"})


def env_name(field: str) -> str:
    """The environment variable of a setting: index_dir is NEWSDEX_INDEX_DIR."""
    return ENV_PREFIX + field.upper()


def unknown_variables(names: Iterable[str]) -> list[tuple[str, str | None]]:
    """The NEWSDEX_* names among `names` that are no setting, each with the closest setting's
    variable (None when nothing is close): a misspelled variable is otherwise silently ignored."""
    fields = [field.upper() for field in Settings.model_fields]
    found = []
    for name in sorted(names):
        asked = name.upper().removeprefix(ENV_PREFIX)
        if name.upper().startswith(ENV_PREFIX) and asked not in fields:
            close = difflib.get_close_matches(asked, fields, n=1, cutoff=0.6)  # the prefix would match them all
            found.append((name, ENV_PREFIX + close[0] if close else None))
    return found
