"""What a build was made with (its manifest), and the one rule for who may use it.

The manifest is stored in each build's SQLite file (table `manifest`, one JSON value per
key). `incompatibility` is the single compatibility rule: a reader asks it of the model
that will embed questions, a writer also of the passages it will add.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsdex.errors import IndexIncompatible, NewsdexError
from newsdex.index.builds import DB_FILE, current_build
from newsdex.index.embedder import TextEmbedder, vector_family
from newsdex.index.vectors import Layout

# 2: BM25 moved from an FTS5 table in newsdex.db to a tantivy index in bm25/.
# 3: articles carry lang; BM25 has a field per analysis (index.languages).
FORMAT_VERSION = 3


@dataclass(frozen=True)
class Manifest:
    """What an index was built with; a searcher must embed questions the same way."""

    model: str
    dimension: int
    max_seq_length: int
    passage_tokens: int
    title_tokens: int
    overlap_sentences: int
    normalized: bool = True
    metric: str = "inner_product"
    faiss_index: str = "IDMap2,Flat"
    vectors: dict = field(default_factory=dict)  # index.vectors.Layout: structure and its parameters
    backend: str = "torch"  # the encoder backend that embedded the passages (index.embedder)
    int8_config: str | None = None  # onnx-int8's quantization configuration (index.embedder.INT8_CONFIGS)
    format_version: int = FORMAT_VERSION
    built_at: str = ""
    extra: dict = field(default_factory=dict)

    def to_rows(self) -> list[tuple[str, str]]:
        return [(k, json.dumps(v)) for k, v in self.__dict__.items()]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]]) -> Manifest:
        values = {k: json.loads(v) for k, v in rows}
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in values.items() if k in known})

    @property
    def vector_family(self) -> str:
        return vector_family(self.backend, self.int8_config)

    @property
    def layout(self) -> Layout:
        return Layout.from_dict(self.vectors)


def incompatibility(index: Manifest, model: str, dimension: int, family: str,
                    passages: Manifest | None = None) -> str | None:
    """Why vectors made by (`model`, `dimension`, `family`) cannot be used with an index built
    as `index` says, or None when they can. The one rule for reading and writing: a searcher
    asks it of its embedder, a writer also passes its own manifest as `passages`, because
    passages cut another way cannot share a build either. The message says what to do."""
    problems = []
    if index.model != model or index.dimension != dimension:
        problems.append(f"model {index.model!r} ({index.dimension} dimensions), not {model!r} ({dimension})")
    if index.vector_family != family:
        problems.append(f"vectors of the {_family_words(index.vector_family)}, not the {_family_words(family)}")
    if passages is not None:
        keys = ("passage_tokens", "title_tokens", "overlap_sentences", "normalized")
        changed = [k for k in keys if getattr(index, k) != getattr(passages, k)]
        if changed:
            problems.append("passages cut with other " + ", ".join(
                f"{k.replace('_', ' ')} ({getattr(index, k)}, not {getattr(passages, k)})" for k in changed))
    if not problems:
        return None
    hint = "run `newsdex index --rebuild`, or set newsdex to match the index"
    if index.int8_config and family.startswith("int8") and index.vector_family != family:
        hint = f"unset NEWSDEX_INT8_CONFIG (or set it to {index.int8_config}), or run `newsdex index --rebuild`"
    return f"the index was built with {'; '.join(problems)}: {hint}"


def check_searchable(index: Manifest, embedder: TextEmbedder, index_dir: Path | str) -> None:
    """Raise IndexIncompatible when questions embedded by `embedder` cannot be searched in
    the index `index` describes (the reader's side of `incompatibility`)."""
    problem = incompatibility(index, embedder.name, embedder.dimension, embedder.vector_family)
    if problem:
        raise IndexIncompatible(f"index at {index_dir}: {problem}")


def check_format(index: Manifest, index_dir: Path | str) -> None:
    """Raise IndexIncompatible for a build of another format: this newsdex cannot read it."""
    if index.format_version != FORMAT_VERSION:
        raise IndexIncompatible(
            f"index at {index_dir} has format {index.format_version}, this newsdex reads {FORMAT_VERSION}: "
            "run `newsdex index --rebuild`"
        )


def read_manifest(index_dir: Path) -> Manifest:
    """The live build's manifest, read without its vectors: cheap enough to check an index
    before a model loads. Missing, foreign and damaged indexes raise what IndexStore.open would."""
    db_path = current_build(index_dir) / DB_FILE
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            manifest = Manifest.from_rows(db.execute("SELECT key, value FROM manifest").fetchall())
        finally:
            db.close()
    except (sqlite3.Error, TypeError, ValueError) as exc:
        raise IndexIncompatible(f"index at {index_dir} is damaged or foreign ({exc}): run `newsdex index "
                                "--rebuild`") from exc
    check_format(manifest, index_dir)
    return manifest


def recorded_int8_config(index_dir: Path) -> str | None:
    """The onnx-int8 configuration the live build's vectors were made with, if any, read
    before the model loads so that the model is quantized the same way."""
    try:
        db = sqlite3.connect(f"file:{current_build(index_dir) / DB_FILE}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM manifest WHERE key = 'int8_config'").fetchone()
        finally:
            db.close()
    except (NewsdexError, sqlite3.Error, OSError):
        return None
    return json.loads(row[0]) if row else None


def _family_words(family: str) -> str:
    if family == "float":
        return "torch/onnx backend"
    return "onnx-int8 backend" + (f" ({family.removeprefix('int8-')})" if family != "int8" else "")
