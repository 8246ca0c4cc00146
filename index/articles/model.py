"""The `Article` type, what every reader makes, and `Skipped`, what it says of what it could not read."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """One clean news article, ready to split into passages.

    `paragraphs` holds the article's own words with page furniture already removed;
    the title is kept apart because it is given to the model with every passage.
    """

    id: str
    title: str
    paragraphs: tuple[str, ...]
    subtitle: str | None = None
    author: str | None = None
    dateline: str | None = None
    source: str | None = None
    published: str | None = None  # ISO 8601 date (YYYY-MM-DD) or datetime
    url: str | None = None
    origin: str | None = None  # the file it came from, or "api"
    lang: str | None = None  # ISO 639-1: given, else detected (index.languages); None when unsure

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def content_hash(self) -> str:
        """Hash of everything that reaches the index, so an unchanged article is not embedded again."""
        payload = json.dumps(
            [self.title, list(self.paragraphs), self.subtitle, self.author, self.dateline,
             self.source, self.published, self.url, self.lang],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file (or one record of a file) that could not be read, and why."""

    path: str
    reason: str
