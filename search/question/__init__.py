"""Understanding a question: `read_question` makes the one `Question` value every route reads.

`reading` applies the rules in order; `dates` (date phrases), `speakers` (who is asked
about) and `terms` (the plain words) hold them, each pure.
"""

from newsdex.search.question.reading import Question, read_question

__all__ = ["Question", "read_question"]
