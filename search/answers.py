"""Building the answer: the one place a `Result` is made, and the `SearchResponse` around them.

Ranking (search.searcher, then the speaker route in search.speaker_route) ends in a list of
`Ranked` passages per question, in their final order, each with what the answer shows of it
besides the passage row: its score, the other articles carrying it, how it ranked (explain),
and the statement it holds when it is one. `result_of` turns one into a `Result`; a new
field of a result is set here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from newsdex.index.articles import web_url
from newsdex.index.rows import PassageRow, StatementRow
from newsdex.search.question import Question
from newsdex.search.results import Explain, Highlight, Quote, Result, SearchResponse, SpeakerRoute


@dataclass
class Ranked:
    """One passage in its final place in an answer, before it is made a result."""

    row: PassageRow
    score: float  # unrounded: the fused score, or a statement's (search.speaker_route)
    also_in: list[str] = field(default_factory=list)  # other articles carrying the same passage
    explain: Explain | None = None  # how it ranked, when the options ask
    statement: StatementRow | None = None  # set when the passage is shown as a statement (the speaker route)

    @property
    def article_id(self) -> str:
        return self.row.article_id


def result_of(rank: int, ranked: Ranked, highlights: list[Highlight]) -> Result:
    """The result shown for one ranked passage."""
    row, statement = ranked.row, ranked.statement
    return Result(rank=rank, score=rounded(ranked.score), text=row.text, article_id=row.article_id, title=row.title,
                  passage_id=row.id, source=row.source, published=row.published, url=web_url(row.url),
                  highlights=highlights, explain=ranked.explain, also_in=list(ranked.also_in),
                  quote=None if statement is None else quote_of(statement))


def quote_of(statement: StatementRow) -> Quote:
    """A statement as a result shows it: its words' offsets are into the passage that holds it."""
    assert statement.passage_start is not None and statement.passage_end is not None  # the route shows no other
    return Quote(speaker=statement.speaker, text=statement.text, cue=statement.cue, kind=statement.kind,
                 start=statement.passage_start, end=statement.passage_end)


def response_of(question: Question, ranked: Sequence[Ranked], highlights: Sequence[list[Highlight]],
                route: SpeakerRoute | None) -> SearchResponse:
    """The answer to one question: its ranked passages as results, ranked from 1, and what was read from it."""
    return SearchResponse(query=question.text, interpreted=question.interpreted(),
                          results=[result_of(rank, item, marks)
                                   for rank, (item, marks) in enumerate(zip(ranked, highlights, strict=True), start=1)],
                          speaker=route)


def rounded(value: float) -> float:
    """A score as the answer gives it: six decimals, enough to order by and short to read."""
    return round(float(value), 6)
