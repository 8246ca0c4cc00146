"""Understanding a question: `read_question` makes the one `Question` value every route reads.

`reading` applies the rules in order; `dates` (date phrases), `speakers` (who is asked
about) and `terms` (the plain words) hold them, each pure. The two names below load
lazily, as newsdex's own do: `search.options` imports `dates`, and the CLI's help should
not pay for the stores that `reading` imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsdex.search.question.reading import Question, read_question

__all__ = ["Question", "read_question"]


def __getattr__(name: str):
    if name in __all__:
        from newsdex.search.question import reading

        return getattr(reading, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
