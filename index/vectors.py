"""Which FAISS structure holds an index's vectors, and how one is turned into another.

Vectors are keyed by passage id whatever the structure: exact search (flat) for small
indexes, HNSW above a size threshold, IVF-PQ when memory matters more than recall. Flat
and HNSW are wrapped in `IndexIDMap2`; IVF keeps ids itself (and must: IDMap's removal
assumes the index beneath renumbers what is left, which IVF does not). Vectors may be stored as float32, float16 or
8-bit scalar-quantized codes.

HNSW cannot delete a vector. Its deletions are tombstones (ids the searcher excludes)
until they pass a share of the index, when the graph is rebuilt from the live vectors;
the rebuild happens inside a writer's new build, so it is as atomic as any other change.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger(__name__)

# IVF-PQ needs this many vectors per list to train; below it the exact index is used.
IVF_POINTS_PER_LIST = 39

_SQ_TYPES = {"float16": faiss.ScalarQuantizer.QT_fp16, "int8": faiss.ScalarQuantizer.QT_8bit}


@dataclass(frozen=True)
class VectorSpec:
    """What the settings ask for; `layout` turns it into a concrete choice for n vectors."""

    kind: str = "auto"
    storage: str = "float32"
    hnsw_threshold: int = 50_000
    hnsw_m: int = 32
    ef_construction: int = 200
    ef_search: int | None = None  # None: auto_ef_search(n)
    max_tombstones: float = 0.1  # HNSW is rebuilt once this share of its vectors are deleted ones
    ivf_lists: int = 0  # 0: about 4 * sqrt(n)
    ivf_probe: int = 16
    pq_bytes: int = 48

    @classmethod
    def from_settings(cls, settings) -> VectorSpec:
        return cls(kind=settings.vector_index, storage=settings.vector_storage,
                   hnsw_threshold=settings.hnsw_threshold, hnsw_m=settings.hnsw_m,
                   ef_construction=settings.hnsw_ef_construction, ef_search=settings.hnsw_ef_search,
                   max_tombstones=settings.hnsw_max_tombstones,
                   ivf_lists=settings.ivf_lists, ivf_probe=settings.ivf_probe, pq_bytes=settings.pq_bytes)


@dataclass(frozen=True)
class Layout:
    """A concrete structure, recorded in the manifest so a reader knows what it opens."""

    kind: str  # flat | hnsw | ivfpq
    storage: str  # float32 | float16 | int8 | pq
    hnsw_m: int | None = None
    ef_construction: int | None = None
    ef_search: int | None = None
    ivf_lists: int | None = None
    ivf_probe: int | None = None
    pq_bytes: int | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, values: dict | None) -> Layout:
        if not values:
            return cls("flat", "float32")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})

    def same_structure(self, other: Layout) -> bool:
        """Equal but for search-time knobs (ef_search, ivf_probe), which need no rebuild."""
        skip = {"ef_search", "ivf_probe"}
        a, b = asdict(self), asdict(other)
        return all(a[k] == b[k] for k in a if k not in skip)


def auto_ef_search(n: int) -> int:
    """HNSW's search beam for n vectors, where the settings leave it open.

    The wider beam starts well before the narrow one's recall@10 against exact search would
    fall below 0.98 (bench/query.py; docs/performance.md, "Figures behind the code").
    """
    return 128 if n < 250_000 else 256


def layout(spec: VectorSpec, n: int, dimension: int) -> Layout:
    """The structure `spec` asks for at n vectors (auto: exact below the HNSW threshold)."""
    kind = spec.kind
    if kind == "auto":
        kind = "hnsw" if n >= spec.hnsw_threshold else "flat"
    if kind == "ivfpq":
        lists = spec.ivf_lists or max(1, int(4 * np.sqrt(max(n, 1))))
        needed = max(lists * IVF_POINTS_PER_LIST, 256)  # and 256 for PQ's 8-bit codebooks
        if n < needed:
            log.warning("ivfpq needs at least %d vectors to train (have %d): using the exact index", needed, n)
            kind = "flat"
        else:
            return Layout("ivfpq", "pq", ivf_lists=lists, ivf_probe=spec.ivf_probe,
                          pq_bytes=_pq_m(spec.pq_bytes, dimension))
    if kind == "hnsw":
        return Layout("hnsw", spec.storage, hnsw_m=spec.hnsw_m, ef_construction=spec.ef_construction,
                      ef_search=spec.ef_search or auto_ef_search(n))
    return Layout("flat", spec.storage)


def _pq_m(pq_bytes: int, dimension: int) -> int:
    """PQ sub-quantizers: the largest divisor of the dimension not above the wanted bytes."""
    return max(m for m in range(1, min(pq_bytes, dimension) + 1) if dimension % m == 0)


def _inner(index: faiss.Index) -> faiss.Index:
    return faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index


def empty_index(dimension: int) -> faiss.Index:
    """Where a build collects vectors before `arrange` gives them their final structure."""
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def describe(index: faiss.Index) -> str:
    """A short name of the structure, for the manifest and `newsdex stats`."""
    inner = _inner(index)
    if isinstance(inner, faiss.IndexHNSW):
        storage = faiss.downcast_index(inner.storage)
        name = f"HNSW{inner.hnsw.nb_neighbors(1)}"  # type: ignore[attr-defined]  # FAISS's stubs lack it
        return f"IDMap2,{name},{_storage_name(storage)}"
    if isinstance(inner, faiss.IndexIVFPQ):
        return f"IVF{inner.nlist},PQ{inner.pq.M}"
    return f"IDMap2,{_storage_name(inner)}"


def _storage_name(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexScalarQuantizer):
        return "SQfp16" if index.sq.qtype == faiss.ScalarQuantizer.QT_fp16 else "SQ8"
    return "Flat"


def _new_structure(target: Layout, dimension: int) -> faiss.Index:
    ip = faiss.METRIC_INNER_PRODUCT
    inner: faiss.Index
    if target.kind == "hnsw":
        # Every HNSW layout names these (layout()), and every IVF-PQ one the three below.
        assert target.hnsw_m is not None and target.ef_construction is not None and target.ef_search is not None
        hnsw: faiss.IndexHNSW
        if target.storage == "float32":
            hnsw = faiss.IndexHNSWFlat(dimension, target.hnsw_m, ip)
        else:
            # FAISS's stubs want a ScalarQuantizer; the constructor takes its QT_* kind.
            hnsw = faiss.IndexHNSWSQ(dimension, _SQ_TYPES[target.storage], target.hnsw_m, ip)  # type: ignore[arg-type]
        hnsw.hnsw.efConstruction = target.ef_construction
        hnsw.hnsw.efSearch = target.ef_search
        inner = hnsw
    elif target.kind == "ivfpq":
        assert target.ivf_lists is not None and target.pq_bytes is not None and target.ivf_probe is not None
        quantizer = faiss.IndexFlatIP(dimension)
        ivf = faiss.IndexIVFPQ(quantizer, dimension, target.ivf_lists, target.pq_bytes, 8, ip)
        ivf.nprobe = target.ivf_probe
        return ivf
    elif target.storage == "float32":
        inner = faiss.IndexFlatIP(dimension)
    else:
        inner = faiss.IndexScalarQuantizer(dimension, _SQ_TYPES[target.storage], ip)
    return faiss.IndexIDMap2(inner)  # the Python wrapper keeps `inner` alive with it


def live_vectors(index: faiss.Index, dead: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of every vector not in `dead`, decoded from whatever storage holds them."""
    inner = _inner(index)
    if index.ntotal == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, index.d), dtype=np.float32)
    if isinstance(inner, faiss.IndexIVF):
        lists = inner.invlists
        assert lists is not None  # FAISS's stubs allow none; every IVF index has its lists
        ids = np.concatenate([faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
                              for i in range(lists.nlist)]).astype(np.int64)
        # IVF reads a vector by id only through a direct map, which in turn forbids the
        # removals incremental updates make; it exists just for this read.
        # FAISS's stubs lack DirectMap (SWIG has it).
        inner.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
        try:
            vectors = inner.reconstruct_batch(ids)
        finally:
            inner.set_direct_map_type(faiss.DirectMap.NoMap)  # type: ignore[attr-defined]
    elif isinstance(index, faiss.IndexIDMap2):
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        vectors = inner.reconstruct_n(0, index.ntotal)
    else:
        raise TypeError(f"no ids to read from a bare {type(index).__name__}: flat and HNSW sit in an IndexIDMap2")
    if dead:
        keep = ~np.isin(ids, np.fromiter(dead, dtype=np.int64))
        ids, vectors = ids[keep], vectors[keep]
    return ids, np.ascontiguousarray(vectors, dtype=np.float32)


def arrange(index: faiss.Index, current: Layout, spec: VectorSpec, dead: set[int]
            ) -> tuple[faiss.Index, Layout, bool]:
    """The index in the structure `spec` wants for its live vectors: (index, layout, rebuilt).

    Rebuilds only when it must: the wanted structure differs, or HNSW tombstones passed
    their share. Otherwise returns the same index with its search knobs updated.
    """
    live = index.ntotal - len(dead)
    if spec.kind == current.kind == "ivfpq" and not spec.ivf_lists:
        # Lists sized "about 4 sqrt(n)" when it was trained keep serving as n drifts;
        # retraining on every update for a slightly different count would cost more than it gains.
        target = Layout("ivfpq", "pq", ivf_lists=current.ivf_lists, ivf_probe=spec.ivf_probe,
                        pq_bytes=_pq_m(spec.pq_bytes, index.d))
    else:
        target = layout(spec, live, index.d)
    if target.same_structure(current) and len(dead) <= spec.max_tombstones * max(index.ntotal, 1):
        set_search_knobs(index, target.ef_search, target.ivf_probe)
        return index, target, False
    ids, vectors = live_vectors(index, dead)
    rebuilt = _new_structure(target, index.d)
    if not rebuilt.is_trained:
        before = use_threads(os.cpu_count() or 1)
        try:
            rebuilt.train(_training_sample(vectors))
        finally:
            use_threads(before)
    set_search_knobs(rebuilt, target.ef_search, target.ivf_probe)
    before = use_threads(os.cpu_count() or 1)  # building a graph is work worth every core
    try:
        rebuilt.add_with_ids(vectors, ids)
    finally:
        use_threads(before)
    return rebuilt, target, True


def use_threads(n: int) -> int:
    """Set FAISS's (process-wide) thread count; returns the previous one."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(max(1, n))
    return before


def _training_sample(vectors: np.ndarray, limit: int = 200_000) -> np.ndarray:
    if len(vectors) <= limit:
        return vectors
    rows = np.random.default_rng(0).choice(len(vectors), size=limit, replace=False)
    return vectors[np.sort(rows)]


def set_search_knobs(index: faiss.Index, ef_search: int | None, ivf_probe: int | None) -> None:
    """Search-time parameters, which need no rebuild."""
    inner = _inner(index)
    if isinstance(inner, faiss.IndexHNSW) and ef_search:
        inner.hnsw.efSearch = int(ef_search)
    if isinstance(inner, faiss.IndexIVF) and ivf_probe:
        inner.nprobe = int(ivf_probe)


def search_params(index: faiss.Index, k: int, selector: faiss.IDSelector | None) -> faiss.SearchParameters | None:
    """Per-call parameters: the selector, and an HNSW beam at least as wide as k."""
    inner = _inner(index)
    # FAISS's stubs lack SearchParametersHNSW and the keyword arguments its Python layer adds
    # to every SearchParameters class (which also keep the selector alive with the parameters).
    if isinstance(inner, faiss.IndexHNSW):
        return faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
            sel=selector, efSearch=max(int(inner.hnsw.efSearch), k))
    if isinstance(inner, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=selector, nprobe=int(inner.nprobe))  # type: ignore[call-arg]
    return faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]


def supports_remove(index: faiss.Index) -> bool:
    return not isinstance(_inner(index), faiss.IndexHNSW)


def supports_reconstruct(index: faiss.Index) -> bool:
    """Whether single vectors can be read back by id (IVF cannot, see live_vectors)."""
    return isinstance(index, faiss.IndexIDMap2)


def read(path: Path, *, mmap: bool = False) -> faiss.Index:
    """Load an index file; with `mmap`, flat codes stay in the page cache instead of the heap."""
    flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
    try:
        return faiss.read_index(os.fspath(path), flags)
    except RuntimeError:
        if not mmap:
            raise
        return faiss.read_index(os.fspath(path))  # a structure FAISS cannot map is read into memory
