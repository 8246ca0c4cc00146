"""Answering questions from a newsdex index: `from search import Searcher`.

The import is lazy so that `search.cli` starts without loading FAISS or the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Searcher", "SearchResponse", "Result", "Highlight", "Explain"]

if TYPE_CHECKING:
    from search.results import Explain, Highlight, Result, SearchResponse
    from search.searcher import Searcher


def __getattr__(name: str):
    if name == "Searcher":
        from search.searcher import Searcher

        return Searcher
    if name in ("SearchResponse", "Result", "Highlight", "Explain"):
        from search import results

        return getattr(results, name)
    raise AttributeError(f"module 'search' has no attribute {name!r}")
