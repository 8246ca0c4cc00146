"""Keeping a served index fresh from inside the server: `newsdex serve --watch DIR` and
`--feeds FILE --every 15m` run their loops here, on threads of their own, and every change
they make goes through the server's one writer thread (api.live), so it is ordered with the
API's own writes and swapped in whole. What each loop has done, and its last error, is what
/ready and /metrics show.

The loops themselves (watching a folder, running every interval) belong to the edge that
starts the server (newsdex.fresh); a `Keeper` is the one method this module asks of them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from newsdex.index.build import Indexer

log = logging.getLogger(__name__)
STOP_SECONDS = 5.0  # how long a stopping server waits for a loop to notice


class Keeper(Protocol):
    """A loop that keeps the index fresh: `name` says what it follows ("watch news/",
    "feeds feeds.txt every 15m"); `run` calls `apply` with each change until `stop` is set."""

    name: str

    def run(self, indexer: Indexer, apply: Callable[[Callable[[], Any]], None], stop: threading.Event) -> None: ...


@dataclass
class KeeperStatus:
    """What one keeper has done so far; read by /ready and /metrics while it runs."""

    name: str
    runs: int = 0
    failures: int = 0
    running: bool = False
    last_finished: float | None = None  # Unix time of the last run that ended, well or not
    last_success: float | None = None
    last_summary: str | None = None
    last_error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"name": self.name, "runs": self.runs, "failures": self.failures, "running": self.running,
                    "last_finished": self.last_finished, "last_success": self.last_success,
                    "last_summary": self.last_summary, "last_error": self.last_error}

    def began(self) -> None:
        with self._lock:
            self.running = True

    def ran(self, summary: str | None, error: str | None) -> None:
        with self._lock:
            self.runs += 1
            self.running = False
            self.last_finished = time.time()
            if error is None:
                self.last_success, self.last_summary, self.last_error = self.last_finished, summary, None
            else:
                self.failures += 1
                self.last_error = error


class Keeping:
    """The keepers of one server: started when it starts, told to stop when it stops."""

    def __init__(self, keepers: Sequence[Keeper]) -> None:
        self.keepers = list(keepers)
        self.statuses = [KeeperStatus(keeper.name) for keeper in self.keepers]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, indexer: Indexer, write: Callable[[Callable[[], Any]], Any]) -> None:
        """Run each keeper on a daemon thread; `write` runs a change on the server's writer thread
        and swaps in the build it made (api.live.LiveIndex.write_now)."""
        for keeper, status in zip(self.keepers, self.statuses, strict=True):
            thread = threading.Thread(target=self._run, args=(keeper, status, indexer, write),
                                      name=f"newsdex-keeper-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(STOP_SECONDS)

    def snapshot(self) -> list[dict[str, Any]]:
        return [status.snapshot() for status in self.statuses]

    def _run(self, keeper: Keeper, status: KeeperStatus, indexer: Indexer,
             write: Callable[[Callable[[], Any]], Any]) -> None:
        def apply(change: Callable[[], Any]) -> None:
            if self._stop.is_set():
                return
            status.began()
            try:
                result = write(change)
            except Exception as exc:  # a loop outlives one failed run: the index busy, a feed down, a full disk
                log.warning("%s: %s", keeper.name, exc)
                status.ran(None, f"{type(exc).__name__}: {exc}".splitlines()[0])
                return
            summary = result.summary() if hasattr(result, "summary") else None
            log.info("%s: %s", keeper.name, summary)
            status.ran(summary, None)

        try:
            keeper.run(indexer, apply, self._stop)
        except Exception as exc:  # the loop itself ended (a watched folder removed): say so, stay up
            log.warning("%s stopped: %s", keeper.name, exc)
            status.ran(None, f"stopped: {type(exc).__name__}: {exc}".splitlines()[0])
