"""newsdex: semantic search for news archives.

The Python API, for both halves:

    from newsdex import Indexer, Searcher, Settings

    with Searcher.open("my-index") as searcher:
        print(searcher.search("what did Kishida say", k=3).results)

The names are loaded on first use, so that `newsdex.cli` (and `newsdex.errors` or
`newsdex.settings`, which every layer imports) start without FAISS or the model.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("newsdex")  # one source: pyproject.toml's version, as installed
except PackageNotFoundError:  # a checkout on sys.path without `pip install -e .`
    __version__ = "0+unknown"

# name -> the module that defines it
_EXPORTS = {
    "Settings": "newsdex.settings",
    "NewsdexError": "newsdex.errors",
    "IndexNotFound": "newsdex.errors",
    "IndexIncompatible": "newsdex.errors",
    "BadArticle": "newsdex.errors",
    "ModelUnavailable": "newsdex.errors",
    "InvalidQuery": "newsdex.errors",
    "ArticleNotFound": "newsdex.errors",
    "Embedder": "newsdex.index.embedder",
    "Article": "newsdex.index.articles",
    "Indexer": "newsdex.index.build",
    "BuildReport": "newsdex.index.build",
    "Searcher": "newsdex.search.searcher",
    "SearchOptions": "newsdex.search.options",
    "SearchResponse": "newsdex.search.results",
    "Result": "newsdex.search.results",
    "Highlight": "newsdex.search.results",
    "Explain": "newsdex.search.results",
    "Quote": "newsdex.search.results",
    "SpeakerRoute": "newsdex.search.results",
    "QuotePage": "newsdex.search.results",
    "SpeakerPage": "newsdex.search.results",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from newsdex.errors import (
        ArticleNotFound,
        BadArticle,
        IndexIncompatible,
        IndexNotFound,
        InvalidQuery,
        ModelUnavailable,
        NewsdexError,
    )
    from newsdex.index.articles import Article
    from newsdex.index.build import BuildReport, Indexer
    from newsdex.index.embedder import Embedder
    from newsdex.search.options import SearchOptions
    from newsdex.search.results import (
        Explain,
        Highlight,
        Quote,
        QuotePage,
        Result,
        SearchResponse,
        SpeakerPage,
        SpeakerRoute,
    )
    from newsdex.search.searcher import Searcher
    from newsdex.settings import Settings


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'newsdex' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
