"""What ingest remembers of each address between runs (`Memory`): the validators its server gave
(ETag, Last-Modified) for the next conditional request, and the id of the article it became.

A SQLite file beside the index's builds (index.builds.INGEST_MEMORY). An address is remembered
only after the build holding its article is live, so a run killed at any point leaves nothing
remembered that the index lacks: the next run fetches it again (unconditionally) and, finding
its content unchanged, embeds nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from newsdex.index.builds import INGEST_MEMORY
from newsdex.index.ingest.fetch import Validators

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetched (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    article_id TEXT,
    fetched_at TEXT NOT NULL
)
"""


class Memory:
    """The remembered addresses of one index; `remember` commits at once."""

    def __init__(self, index_dir: Path) -> None:
        Path(index_dir).mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(Path(index_dir) / INGEST_MEMORY, timeout=30, check_same_thread=False)
        self.db.execute(_SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def validators(self, url: str) -> Validators | None:
        row = self.db.execute("SELECT etag, last_modified FROM fetched WHERE url = ?", (url,)).fetchone()
        return Validators(row[0], row[1]) if row and (row[0] or row[1]) else None

    def article_id(self, url: str) -> str | None:
        row = self.db.execute("SELECT article_id FROM fetched WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def remember(self, rows: Iterable[tuple[str, Validators, str | None]]) -> None:
        """(address, its validators, the article it became or None for a listing), in one commit."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO fetched (url, etag, last_modified, article_id, fetched_at) VALUES (?,?,?,?,?)",
                [(url, v.etag, v.last_modified, article_id, now) for url, v, article_id in rows])

    def forget(self, urls: Iterable[str]) -> None:
        with self.db:
            self.db.executemany("DELETE FROM fetched WHERE url = ?", [(url,) for url in urls])
