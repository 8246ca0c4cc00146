"""The embedded store as index.registry names it (`faiss`, the default): builds of FAISS +
SQLite + tantivy under index_dir, read by index.store, written by index.writer, swapped by
index.builds. Its settings are the shared ones (index_dir) and FAISS's (index.vectors).
"""

from __future__ import annotations

from newsdex.index.manifest import Manifest, read_manifest
from newsdex.index.stores import Store, Writer
from newsdex.settings import Settings


class EmbeddedKind:
    """index.stores.StoreKind for the embedded store; each import waits for its first use, so
    naming the store loads neither FAISS nor tantivy."""

    def location(self, settings: Settings) -> str:
        return str(settings.index_dir)

    def open_store(self, settings: Settings) -> Store:
        from newsdex.index.store import IndexStore

        return IndexStore.open(settings.index_dir, mmap=settings.mmap, ef_search=settings.hnsw_ef_search,
                               ivf_probe=settings.ivf_probe)

    def open_writer(self, settings: Settings, manifest: Manifest, *, rebuild: bool = False,
                    lock_timeout: float | None = None) -> Writer:
        from newsdex.index.vectors import VectorSpec
        from newsdex.index.writer import IndexWriter

        return IndexWriter(settings.index_dir, manifest, rebuild=rebuild, spec=VectorSpec.from_settings(settings),
                           lock_timeout=lock_timeout)

    def live_build_name(self, settings: Settings) -> str | None:
        from newsdex.index.builds import current_build_name

        return current_build_name(settings.index_dir)

    def live_manifest(self, settings: Settings) -> Manifest:
        return read_manifest(settings.index_dir)
