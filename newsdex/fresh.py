"""Keeping an index fresh: the loops behind `newsdex index --watch` and `newsdex ingest --every`
(`watch_folders`, `every`), and the interval a user writes (`interval_seconds`: "15m").

Each change is an ordinary incremental build or ingest run through the `Indexer`, so each is
swapped in whole or not at all: stopping the loop (Ctrl-C, SIGTERM, `stop`) loses nothing a
report has acknowledged, and leaves the index as the last finished change made it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from newsdex.errors import NewsdexError

DEBOUNCE_MS = 1600  # changes arriving within this long of each other are applied as one build
CATCH_UP_MS = 500  # how soon after a watch begins its catch-up build runs
WATCH_TIMEOUT_MS = 5000  # without a catch-up, how often the watch wakes to look at `stop` (watchfiles' own)
_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d)?")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def interval_seconds(text: str) -> float:
    """"15m" -> 900.0; "30s", "2h", "1d" and a bare number of seconds; at least one second."""
    match = _INTERVAL.fullmatch(text.strip().lower())
    if match is None or float(match.group(1)) * _UNITS[match.group(2) or "s"] < 1:
        raise NewsdexError(f"--every {text!r} is not an interval of at least 1s: write e.g. 30s, 15m, 2h or 1d")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def watch_folders(paths: Sequence[Path], apply: Callable[[], object], *, stop: threading.Event | None = None,
                  debounce_ms: int = DEBOUNCE_MS, catch_up: bool = False) -> None:
    """Call `apply` (an incremental build of `paths`) after each burst of changes under `paths`, until
    `stop` is set. Changes that arrive while `apply` runs are applied by the next call. With
    `catch_up`, `apply` also runs once as soon as the watch has begun, so a change made while the
    watch was starting (or while nothing watched) is not missed."""
    from watchfiles import watch

    started = not catch_up
    for changes in watch(*paths, debounce=debounce_ms, step=50, stop_event=stop, recursive=True,
                         raise_interrupt=True, yield_on_timeout=catch_up,
                         rust_timeout=CATCH_UP_MS if catch_up else WATCH_TIMEOUT_MS):
        if changes or not started:
            started = True
            apply()


def every(seconds: float, apply: Callable[[], object], *, stop: threading.Event | None = None) -> None:
    """Call `apply` now and then every `seconds` after each call ends, until `stop` is set."""
    stop = stop or threading.Event()
    while not stop.is_set():
        apply()
        stop.wait(seconds)


class FolderKeeper:
    """`newsdex serve --watch DIR`: catch up with the folders once, then build after each burst of
    changes (api.keepers runs it on a thread of the server's, its builds on the writer thread)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self.name = "watch " + ", ".join(map(str, self.paths))

    def run(self, indexer, apply: Callable[[Callable[[], object]], None], stop: threading.Event) -> None:
        def build() -> object:
            return indexer.build(self.paths)

        # The first build, once the watch has begun, catches up with what changed while the server was down.
        watch_folders(self.paths, lambda: apply(build), stop=stop, catch_up=True)


class FeedKeeper:
    """`newsdex serve --feeds FILE --every 15m`: ingest the sources now and then every interval."""

    def __init__(self, sources: Sequence[str], interval: str, policy) -> None:
        self.sources = list(sources)
        self.seconds = interval_seconds(interval)
        self.policy = policy
        self.name = f"feeds {', '.join(self.sources)} every {interval}"

    def run(self, indexer, apply: Callable[[Callable[[], object]], None], stop: threading.Event) -> None:
        from newsdex.index.ingest import ingest

        every(self.seconds, lambda: apply(lambda: ingest(indexer, self.sources, policy=self.policy)), stop=stop)
