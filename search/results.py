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
    article_rank: int | None = Field(None, description="The article's rank in whole-article BM25, fused in when "
                                                       "results are grouped per article (None: not fused, not found)")
    article_score: float | None = None
    fused_score: float | None = None
    recency_factor: float | None = Field(None, description="What --recency multiplied the score by (None: off)")


class Quote(BaseModel):
    """A statement the result's passage attributes to a speaker (index.statements)."""

    speaker: str | None = Field(description="The fullest name the article gives; null when no person is named")
    text: str = Field(description="The statement's words, exactly as in the article")
    cue: str = Field(description="The attributing word: said, told, stressed, according to, ...")
    kind: str = Field(description="direct (quoted words), indirect (reported) or mixed")
    start: int = Field(description="Offset of the words in the result's text")
    end: int


class SpeakerRoute(BaseModel):
    """Why a question was answered with a person's statements (or, asked about one, why not)."""

    asked: str = Field(description="The name as the question (or the speaker option) gave it")
    speakers: list[str] = Field(description="The speakers in the index that name means; empty: none is quoted")
    statements: int = Field(description="Their statements that the search could show")
    topic: str | None = Field(None, description="What the rest of the question asks about; ranks the statements")
    reason: str


class Result(BaseModel):
    rank: int
    score: float = Field(description="The ranking score (fused, or a statement's): orders this question's "
                                     "results, means nothing across questions; see relevance")
    relevance: float | None = Field(None, description="Calibrated relevance, 0-1, comparable across questions "
                                                      "(search.relevance); null in lexical mode, which has no "
                                                      "cosine to read it from")
    match: str | None = Field(None, description="The relevance in words: strong match, good match, match, or "
                                                "weak match (below the floor, 0.5)")
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
    quote: Quote | None = Field(None, description="Set when the result is a statement: who said what, where in text")


class Interpreted(BaseModel):
    """What was read from the question: the words the retrievers saw and the dates it named."""

    query: str = Field(description="The question without its date phrase")
    since: str | None = None
    until: str | None = None
    applied: bool = Field(True, description="False when no article is dated in the range, so all dates were "
                                            "searched with the whole question (a question's words may name a "
                                            "time the archive does not cover: 'in July' of this year)")
    phrase: str | None = Field(None, description="The words read as the date ('between June and August 2023')")
    rule: str | None = Field(None, description="Which rule read them: the cue (since A, between A and B, ...) and "
                                               "the form of each date (month, season, part of a month, ...)")


class FacetCount(BaseModel):
    """One value of a facet and how many of the candidates' articles have it."""

    value: str
    count: int


class SearchResponse(BaseModel):
    query: str
    interpreted: Interpreted | None = Field(None, description="The date range read from the question; null where "
                                                              "none was read")
    results: list[Result]
    speaker: SpeakerRoute | None = Field(None, description="Set when the question asks what someone said")
    note: str | None = Field(None, description="Set when even the best result is below the relevance floor: "
                                               "nothing (in the range or filters searched) answers this well. "
                                               "The results are still all shown")
    offset: int = Field(0, description="Results skipped before these (this page's first rank is offset + 1)")
    has_more: bool = Field(False, description="Whether another page may follow: this one is full and the "
                                              "filters leave more passages (the next may come back short, as "
                                              "copies fold and per_article thins)")
    next_offset: int | None = Field(None, description="The offset of the next page; null on the last")
    facets: dict[str, list[FacetCount]] | None = Field(
        None, description="With facets=...: per facet, how many articles among the search's candidates (each "
                          "retriever's, within the filters) have each value; month in calendar order, the "
                          "others most first")


class QuoteOut(BaseModel):
    """One statement of a speaker, with its article; offsets are into the article's text."""

    speaker: str | None
    text: str
    cue: str
    kind: str
    start: int
    end: int
    article_id: str
    title: str
    source: str | None = None
    published: str | None = None
    url: str | None = None
    passage_id: int | None = None


class QuotePage(BaseModel):
    """A person's statements, newest first, one page at a time."""

    asked: str
    speakers: list[str] = Field(description="The speakers the name means")
    quotes: list[QuoteOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None = None


class PersonMonth(BaseModel):
    """A person's statements of one month (YYYY-MM; "undated" for articles without a date)."""

    month: str
    quotes: list[QuoteOut]


class PersonPage(BaseModel):
    """A person's page: their statements newest first, grouped by month, one page at a time; or,
    asked a question (`q`), those that best answer it, best first (one group, "best first")."""

    asked: str
    name: str | None = Field(description="The name shown: the first stored name the asked one means; null: "
                                         "nobody of that name is quoted")
    speakers: list[str] = Field(description="Every stored name the asked one means")
    forms: list[str] = Field(default_factory=list, description="How the articles name them")
    q: str | None = Field(None, description="The question the statements were searched with")
    statements: int = Field(description="All their statements")
    months: list[PersonMonth]
    limit: int
    offset: int
    next_offset: int | None = None


class SpeakerOut(BaseModel):
    """One person quoted: every stored name of theirs merged (index.people)."""

    speaker: str = Field(description="The name shown: the person's stored name with most statements")
    statements: int
    articles: int
    names: list[str] = Field(default_factory=list, description="Every stored name that means this person")
    forms: list[str] = Field(default_factory=list,
                             description="How the articles name them: 'Mr Blair', 'the prime minister', ...")


class SpeakerPage(BaseModel):
    """The people quoted in the index, most statements first."""

    speakers: list[SpeakerOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None = None
