"""The Milvus store: a build as Milvus collections, read through the same Store seam as the
embedded store (index.stores) and written with the same calls as index.writer, so the
Indexer, the Searcher and the API never know which one they have. The only code that talks
to Milvus; the names the rest of newsdex imports from it, and `MilvusKind`, the store's
entry in index.registry. One module per job:

- `client`: `MilvusSettings` (the `milvus_*` settings) and `connect`, one client per process
  and URI; the wait for a Milvus Lite file another process has open;
- `schema`: the four collections of a build, their fields, indexes and index parameters;
- `terms`: BM25 terms as the codes Milvus's BM25 reads, so it ranks as tantivy does;
- `filters`: a `Filters` value as a Milvus expression;
- `rows`: articles and passages as the rows Milvus keeps, and back, with their ids;
- `live`: which build the alias names, and its manifest;
- `store`: `MilvusStore`, reading a build;
- `writer`: `MilvusWriter`, a new build swapped in by the alias, or an update in place.

Nothing here imports pymilvus (or milvus_lite) at import time: `client` imports it when a
client is first made, so naming the store costs nothing until it is opened.
"""

from __future__ import annotations

from newsdex.index.manifest import Manifest
from newsdex.index.milvus.client import LITE_WAIT_SECONDS, MilvusSettings, connect
from newsdex.index.milvus.live import live_build_name, live_manifest
from newsdex.index.milvus.store import MilvusStore
from newsdex.index.milvus.terms import question_codes
from newsdex.index.milvus.writer import MilvusWriter
from newsdex.settings import Settings

__all__ = ["LITE_WAIT_SECONDS", "MilvusKind", "MilvusSettings", "MilvusStore", "MilvusWriter", "connect",
           "live_build_name", "live_manifest", "question_codes"]


# -- the store's entry in index.registry ---------------------------------------------------


class MilvusKind:
    """index.stores.StoreKind for Milvus (`--store milvus`): each call reads the Milvus group
    of the settings (MilvusSettings)."""

    def location(self, settings: Settings) -> str:
        return MilvusSettings.of(settings).location

    def open_store(self, settings: Settings) -> MilvusStore:
        return MilvusStore.open(settings)

    def open_writer(self, settings: Settings, manifest: Manifest, *, rebuild: bool = False,
                    lock_timeout: float | None = None) -> MilvusWriter:
        return MilvusWriter(settings, manifest, rebuild=rebuild, lock_timeout=lock_timeout)

    def live_build_name(self, settings: Settings) -> str | None:
        return live_build_name(settings)

    def live_manifest(self, settings: Settings) -> Manifest:
        return live_manifest(settings)
