"""The index a server answers from while that index changes under it.

`LiveIndex` holds the current `Searcher`. When the build on disk changes (a write made
through the API, or `newsdex index` run beside the server) the next request opens a
Searcher on the new build, reusing the loaded model, and swaps it in with one reference
assignment. Requests already running keep the Searcher they started with; a retired
Searcher is closed when its last request lets go of it.

Writes run one at a time on one thread of their own (`WriteQueue`), never on the event loop
or on a thread that serves reads: analysing and embedding an article, however long, leaves
`/health`, `/ready` and searches answering. At most `max_waiting_writes` wait behind the
running one; IndexWriter's file lock orders them with other processes.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from newsdex.errors import IndexBusy, IndexIncompatible, NewsdexError
from newsdex.index.embedder import TextEmbedder
from newsdex.index.stores import live_build_name
from newsdex.search.searcher import Searcher
from newsdex.settings import Settings

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Loaded:
    searcher: Searcher
    build: str  # the build directory's name, as `current` names it
    users: int = 0
    retired: bool = False


class LiveIndex:
    """The Searcher for settings.index_dir as it is now; see the module docstring."""

    def __init__(self, settings: Settings, embedder: TextEmbedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._loaded: _Loaded | None = None
        self._swap = threading.Lock()  # guards _loaded and the use counts; held for microseconds
        self._reload = threading.Lock()  # one thread opens a new build at a time
        self._writes = WriteQueue(settings.max_waiting_writes)
        self._failed: str | None = None  # a build that could not be opened; not retried
        self.swaps = 0

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """The current Searcher, kept open until the block ends even if a newer build is swapped in."""
        loaded = self._acquire()
        try:
            yield loaded.searcher
        finally:
            self._release(loaded)

    async def write(self, change: Callable[[], T], answer: Callable[[T], R]) -> R:
        """Run `change` (which writes a new build) on the writer thread, serve the build it made,
        and return `answer` of its result (also on the writer thread, which may read the new build).

        A write waits at most `write_wait_seconds` to start (and `change`'s own wait for another
        process's build is bounded the same way, by the Indexer), and at most
        `max_waiting_writes` wait at once: past either, IndexBusy (503, Retry-After). Once
        started, a write runs to its end even if its client goes away."""
        wait = self.settings.write_wait_seconds
        future = self._writes.submit(lambda: self._written(change, answer))
        outcome = asyncio.wrap_future(future)
        try:
            return await asyncio.wait_for(asyncio.shield(outcome), wait)
        except TimeoutError:
            if future.cancel():
                raise IndexBusy(f"another write is still running after {wait:g}s: try again when it ends") from None
        return await outcome

    def write_now(self, change: Callable[[], T]) -> T:
        """`write` for a thread that may wait (a keeper, api.keepers): `change` runs on the writer
        thread, in turn with the API's writes, and the build it made is served after."""
        return self._writes.submit(lambda: self._written(change, lambda result: result)).result()

    def _written(self, change: Callable[[], T], answer: Callable[[T], R]) -> R:
        result = change()
        self.reload()
        return answer(result)

    def reload(self) -> None:
        """Open the live build on disk and swap it in (the old Searcher closes once idle)."""
        with self._reload:
            self._open_current()

    def close(self) -> None:
        """Stop taking writes (those still waiting are refused), and close the Searcher once idle."""
        self._writes.close()
        with self._swap:
            loaded, self._loaded = self._loaded, None
            if loaded is not None:
                loaded.retired = True
                if loaded.users == 0:
                    loaded.searcher.close()

    # -- internals -------------------------------------------------------------------------

    def _acquire(self) -> _Loaded:
        self._refresh()
        with self._swap:
            loaded = self._loaded
            if loaded is None:  # only if closed meanwhile; _refresh raised if no index could be opened
                raise RuntimeError("the index was closed")
            loaded.users += 1
            return loaded

    def _release(self, loaded: _Loaded) -> None:
        with self._swap:
            loaded.users -= 1
            idle = loaded.retired and loaded.users == 0
        if idle:
            loaded.searcher.close()

    def _refresh(self) -> None:
        """Swap in the build `current` names if it is not the one loaded: one readlink per request."""
        loaded = self._loaded
        on_disk = live_build_name(self.settings)
        if loaded is not None and on_disk in (loaded.build, self._failed):
            return
        if loaded is None:
            with self._reload:  # nothing to serve meanwhile: wait for the build (or its error)
                if self._loaded is None:
                    self._open_current()
            return
        # Another thread is already opening the new build: keep answering from the old one.
        if not self._reload.acquire(blocking=False):
            return
        try:
            current = self._loaded  # None only if closed meanwhile: then _acquire says so
            if current is not None and live_build_name(self.settings) != current.build:
                self._open_current()
        except NewsdexError as exc:
            # The old build still answers; say why the new one is not served, once per build.
            self._failed = on_disk
            log.warning("still serving build %s: %s", loaded.build, exc)
        finally:
            self._reload.release()

    def _open_current(self) -> None:
        """Caller holds _reload. Raises IndexNotFound/IndexIncompatible when no build can be opened."""
        for attempt in range(3):
            before = live_build_name(self.settings)
            try:
                searcher = Searcher.open(self.settings, embedder=self.embedder)
                break
            except IndexIncompatible:
                # A writer swapped `current` and removed the build we were opening: try the new one.
                if attempt == 2 or live_build_name(self.settings) == before:
                    raise
        fresh = _Loaded(searcher, searcher.build_name)
        with self._swap:
            old, self._loaded = self._loaded, fresh
            self._failed = None
            idle = False
            if old is not None:
                self.swaps += 1
                old.retired = True
                idle = old.users == 0
        if idle and old is not None:
            old.searcher.close()


class WriteQueue:
    """One daemon thread that runs submitted writes in order; at most `waiting` may queue.

    A daemon, so a server told to stop is not held up by a write in progress: that write is
    then never acknowledged, and the build it was making is never swapped in (builds are
    atomic), so nothing acknowledged is lost.
    """

    def __init__(self, waiting: int) -> None:
        self._jobs: queue.Queue[tuple[Future, Callable[[], object]]] = queue.Queue(maxsize=waiting)
        self._waiting = waiting
        self._thread = threading.Thread(target=self._run, name="newsdex-writer", daemon=True)
        self._thread.start()

    def submit(self, change: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        try:
            self._jobs.put_nowait((future, change))
        except queue.Full:
            raise IndexBusy(f"{self._waiting} writes are already waiting: try again shortly") from None
        return future

    def close(self) -> None:
        """Refuse the writes still waiting (IndexBusy: they were not made); the running one goes on."""
        while True:
            try:
                future, _ = self._jobs.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():  # False: its client has given up already
                future.set_exception(IndexBusy("the server is stopping; this write was not made"))

    def _run(self) -> None:
        while True:
            future, change = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(change())
            except BaseException as exc:  # the route that awaits the future raises it
                future.set_exception(exc)
