"""The result types of a search: a public contract shared by `ask --json` and the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Highlight(BaseModel):
    """A span of the passage text, by character offsets [start, end)."""

    start: int
    end: int
    kind: str = Field("sentence", description="'sentence' (best answering sentence) or 'term' (query term)")


class Explain(BaseModel):
    """How a result got its place: its rank and score in each retriever and after fusion."""

    dense_rank: int | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None
    fused_score: float | None = None
    recency_factor: float | None = Field(None, description="What --recency multiplied the score by (None: off)")


class Result(BaseModel):
    rank: int
    score: float
    text: str
    article_id: str
    title: str
    passage_id: int
    source: str | None = None
    published: str | None = None
    url: str | None = None
    highlights: list[Highlight] = Field(default_factory=list)
    explain: Explain | None = None
    also_in: list[str] = Field(default_factory=list, description="Other articles carrying the same passage")


class Interpreted(BaseModel):
    """What was read from the question: the words the retrievers saw and the dates it named."""

    query: str = Field(description="The question without its date phrase")
    since: str | None = None
    until: str | None = None


class SearchResponse(BaseModel):
    query: str
    interpreted: Interpreted | None = Field(None, description="The date range read from the question; null where "
                                                              "none was read")
    results: list[Result]
