"""The build-directory protocol: which build is live, and how a new one replaces it.

An index directory holds immutable builds and a `current` symlink naming the live one:

    INDEX_DIR/current -> builds/20261123T101500-3f2a
    INDEX_DIR/builds/<build>/newsdex.db      SQLite: manifest, articles, passages
    INDEX_DIR/builds/<build>/vectors.faiss   FAISS inner-product index keyed by passage id
    INDEX_DIR/builds/<build>/bm25/           tantivy index of the passages, for BM25 (index.bm25)

A writer (index.writer) takes the lock, makes `builds/<new>.partial`, and when it is
complete and durable renames it and swaps `current` to it with one atomic rename. Readers
(index.store) never see a half-written build, a crash or Ctrl-C leaves the previous build
live, and a reader holding an older build keeps answering from it until it reopens.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from newsdex.errors import IndexBusy, IndexIncompatible, IndexNotFound, IndexUnwritable

CURRENT = "current"
BUILDS = "builds"
PARTIAL = ".partial"
LOCK = ".lock"
DB_FILE = "newsdex.db"
VECTORS_FILE = "vectors.faiss"
BM25_DIR = "bm25"
ARTICLE_BM25_DIR = "bm25_articles"  # whole articles, for fusing by article (search.fusion.with_group_ranking)
# The temporary link a swap renames over `current` (see swap_in); one is left behind only by
# a build killed in the instant between making it and renaming it.
LINK_PREFIX = f".{CURRENT}."
# Milvus Lite's folder when NEWSDEX_MILVUS_URI is unset (Settings.milvus_target): an index
# directory may hold it beside the embedded store's builds.
MILVUS_LITE = "milvus.db"
# What `newsdex ingest` remembers of each address it fetched (index.ingest.memory): beside the builds,
# since it describes the live index and outlives every build.
INGEST_MEMORY = "ingest.db"


def _ours(name: str) -> bool:
    """Whether a name at the top of an index directory is one newsdex makes."""
    return name in (BUILDS, LOCK, MILVUS_LITE, INGEST_MEMORY) or name.startswith(LINK_PREFIX)


def current_build(index_dir: Path) -> Path:
    """The live build's directory, or an error that says what to do."""
    index_dir = Path(index_dir)
    link = index_dir / CURRENT
    if not link.is_symlink():
        if not index_dir.exists() or all(_ours(p.name) for p in index_dir.iterdir()):
            # Empty, or what a first build left when it was killed before its swap.
            raise IndexNotFound(f"no index at {index_dir}: build one with `newsdex index [PATH ...]`")
        raise IndexIncompatible(
            f"{index_dir} is not a newsdex index (no '{CURRENT}' link): "
            "point --index elsewhere, or remove it and run `newsdex index --rebuild`"
        )
    target = link.resolve()
    if not target.is_dir():
        raise IndexIncompatible(f"index at {index_dir} is damaged (its live build is missing): run `newsdex index "
                                "--rebuild`")
    return target


def current_build_name(index_dir: Path) -> str | None:
    """The name of the build `current` links to (None without one), read from the link alone:
    cheap enough to poll, as a server does on every request to notice a new build."""
    try:
        return Path(os.readlink(Path(index_dir) / CURRENT)).name
    except OSError:
        return None


def prepare_index_dir(index_dir: Path) -> None:
    """Make `index_dir` ready for builds, refusing a directory that holds anything but ours."""
    if index_dir.exists() and not (index_dir / CURRENT).is_symlink():
        if not index_dir.is_dir():
            raise IndexIncompatible(f"{index_dir} is a file, not an index directory")
        if not all(_ours(p.name) for p in index_dir.iterdir()):
            raise IndexIncompatible(
                f"{index_dir} holds other files and is not a newsdex index: choose another --index"
            )
    with storage_errors(index_dir):
        (index_dir / BUILDS).mkdir(parents=True, exist_ok=True)


class WriteLock:
    """One writer at a time per index; a second one waits rather than racing the swap.

    `timeout` None waits as long as it takes (the CLI); a server gives a bound, so that
    queued writes cannot hold its threads, and says IndexBusy when it passes."""

    POLL_SECONDS = 0.05

    def __init__(self, index_dir: Path, timeout: float | None = None) -> None:
        with storage_errors(index_dir):
            file = open(Path(index_dir) / LOCK, "w")
        self._file: TextIO | None = file
        if timeout is None:
            fcntl.flock(file, fcntl.LOCK_EX)
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    file.close()
                    self._file = None
                    raise IndexBusy(f"index at {index_dir} is being written by another build; "
                                    f"waited {timeout:g}s: try again when it ends") from None
                time.sleep(self.POLL_SECONDS)

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def new_partial(index_dir: Path) -> tuple[Path, Path]:
    """(the partial directory a new build is written in, the name it is renamed to when done)."""
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    partial = index_dir / BUILDS / (name + PARTIAL)
    partial.mkdir(parents=True)
    return partial, index_dir / BUILDS / name


def swap_in(index_dir: Path, partial: Path, final: Path) -> None:
    """Make the finished build at `partial` live as `final`: rename it, then point `current`
    at it by renaming a fresh link over the old one, the only step readers can observe."""
    os.rename(partial, final)
    link_tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
    os.symlink(Path(BUILDS) / final.name, link_tmp)
    os.replace(link_tmp, index_dir / CURRENT)
    fsync(index_dir)


def collect_partials(index_dir: Path) -> None:
    """Remove what killed builds left behind (partial builds, temporary links); call it
    holding the WriteLock, which says none of them is still running."""
    for path in (index_dir / BUILDS).glob("*" + PARTIAL):
        shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(LINK_PREFIX + "*"):
        if path.is_symlink():
            path.unlink(missing_ok=True)


def collect_old_builds(index_dir: Path) -> None:
    """Delete builds that are no longer live. Open readers keep their files until they close."""
    live = (index_dir / CURRENT).resolve()
    for path in (index_dir / BUILDS).iterdir():
        if path.resolve() != live and not path.name.endswith(PARTIAL):
            shutil.rmtree(path, ignore_errors=True)


def fsync(path: Path) -> None:
    """Flush a file or a directory entry to disk, so a crash after the swap finds it whole."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# What the storage says when it refuses a write, and what to tell the user.
_REFUSALS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "a file grew past the file-size limit (ulimit -f) or the file system's",
    errno.EROFS: "it is on read-only storage",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}
_REFUSAL_WORDS = {
    "no space left": errno.ENOSPC, "disk is full": errno.ENOSPC, "disk quota": errno.EDQUOT,
    "file too large": errno.EFBIG, "read-only file system": errno.EROFS, "readonly database": errno.EROFS,
    "permission denied": errno.EACCES,
}


def refusal(exc: BaseException) -> str | None:
    """Why the storage refused a write, if `exc` says it did. SQLite, FAISS and tantivy report
    a full or read-only disk in their own exception types, so their messages are read too."""
    code = getattr(exc, "errno", None)
    if code in _REFUSALS:
        return _REFUSALS[code]
    if isinstance(exc, (OSError, sqlite3.Error, RuntimeError, ValueError)):
        text = str(exc).lower()
        for words, code in _REFUSAL_WORDS.items():
            if words in text:
                return _REFUSALS[code]
    return None


def unwritable(index_dir: Path, reason: str) -> IndexUnwritable:
    return IndexUnwritable(f"cannot write the index at {index_dir}: {reason} (the index is unchanged)")


@contextmanager
def storage_errors(index_dir: Path) -> Iterator[None]:
    """Turn a write the storage refused into IndexUnwritable naming the cause; anything
    else passes through unchanged."""
    try:
        yield
    except (OSError, sqlite3.Error, RuntimeError, ValueError) as exc:
        reason = refusal(exc)
        if reason is None:
            raise
        raise unwritable(index_dir, reason) from exc
