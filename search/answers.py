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
from newsdex.index.stores import Filters
from newsdex.search.question import Question
from newsdex.search.relevance import floor_note, in_words, relevance_of
from newsdex.search.results import Explain, FacetCount, Highlight, Quote, Result, SearchResponse, SpeakerRoute


@dataclass
class Ranked:
    """One passage in its final place in an answer, before it is made a result."""

    row: PassageRow
    score: float  # unrounded: the fused score, or a statement's (search.speaker_route)
    also_in: list[str] = field(default_factory=list)  # other articles carrying the same passage
    explain: Explain | None = None  # how it ranked, when the options ask
    statement: StatementRow | None = None  # set when the passage is shown as a statement (the speaker route)
    # The dense cosine with the question: the passage's own, or for one the dense retriever did
    # not hand over, the last one it did (no higher, so never overstated); None without one.
    cosine: float | None = None

    @property
    def article_id(self) -> str:
        return self.row.article_id


def relevance(ranked: Ranked, question: Question) -> float | None:
    """A result's calibrated relevance (search.relevance). A statement answers a question that
    asks only what its speaker said ("what did Kishida say") by being theirs; asked about a
    topic too, by its score, the statement's cosine with the topic."""
    if ranked.statement is not None and question.speaker is not None:
        return 1.0 if not question.speaker.topic else relevance_of(ranked.score)
    return None if ranked.cosine is None else relevance_of(ranked.cosine)


def result_of(rank: int, ranked: Ranked, highlights: list[Highlight], question: Question) -> Result:
    """The result shown for one ranked passage."""
    row, statement = ranked.row, ranked.statement
    shown = relevance(ranked, question)
    return Result(rank=rank, score=rounded(ranked.score), relevance=shown,
                  match=None if shown is None else in_words(shown), text=row.text, article_id=row.article_id,
                  title=row.title, passage_id=row.id, source=row.source, published=row.published, url=web_url(row.url),
                  highlights=highlights, explain=ranked.explain, also_in=list(ranked.also_in),
                  quote=None if statement is None else quote_of(statement))


def quote_of(statement: StatementRow) -> Quote:
    """A statement as a result shows it: its words' offsets are into the passage that holds it."""
    assert statement.passage_start is not None and statement.passage_end is not None  # the route shows no other
    return Quote(speaker=statement.speaker, text=statement.text, cue=statement.cue, kind=statement.kind,
                 start=statement.passage_start, end=statement.passage_end)


def response_of(question: Question, ranked: Sequence[Ranked], highlights: Sequence[list[Highlight]],
                route: SpeakerRoute | None, *, offset: int = 0, k: int | None = None,
                facets: dict[str, list[tuple[str, int]]] | None = None, has_more: bool = False) -> SearchResponse:
    """The answer to one question: the page of its ranked passages from `offset` (`k` of them;
    `ranked` holds every passage ranked up to the page's end) as results, ranked from offset + 1,
    with what was read from it, the note when even its best result is below the relevance floor,
    whether another page may follow, and the facets counted."""
    k = len(ranked) - offset if k is None else k
    page = ranked[offset:offset + k]
    known = [r for r in (relevance(item, question) for item in ranked) if r is not None]
    return SearchResponse(query=question.text, interpreted=question.interpreted(),
                          results=[result_of(rank, item, marks, question)
                                   for rank, (item, marks) in enumerate(zip(page, highlights, strict=True),
                                                                        start=offset + 1)],
                          speaker=route,
                          note=floor_note(max(known) if known and len(known) == len(ranked) else None,
                                          shown=len(ranked), narrowed=narrowed(question.filters)),
                          offset=offset, has_more=has_more, next_offset=offset + k if has_more else None,
                          facets=None if facets is None else {
                              name: [FacetCount(value=value, count=count) for value, count in pairs]
                              for name, pairs in facets.items()})


def narrowed(filters: Filters) -> str | None:
    """What a search was narrowed to, as the floor's note says it ("between 2024-07-01 and
    2024-07-31 from Kyodo"); None when nothing was."""
    parts = []
    if filters.since and filters.until:
        parts.append(f"on {filters.since}" if filters.since == filters.until
                     else f"between {filters.since} and {filters.until}")
    elif filters.since:
        parts.append(f"since {filters.since}")
    elif filters.until:
        parts.append(f"until {filters.until}")
    if filters.source:
        parts.append(f"from {filters.source}")
    if filters.lang:
        parts.append(f"in language {filters.lang}")
    if filters.article:
        parts.append(f"in article {filters.article}")
    return " ".join(parts) or None


def rounded(value: float) -> float:
    """A score as the answer gives it: six decimals, enough to order by and short to read."""
    return round(float(value), 6)
