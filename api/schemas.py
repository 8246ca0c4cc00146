"""Request and response bodies of the HTTP API, with the examples /docs shows.

Search responses are `search.results.SearchResponse`, the same JSON `ask --json` prints.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import JsonDict

from newsdex.index.articles import web_url
from newsdex.search.options import (
    MAX_ARTICLE_ID_CHARS,
    MAX_K,
    MAX_PAGE,
    MAX_SPEAKER_CHARS,
    Page,
    SearchOptions,
    one_message,
)
from newsdex.search.results import SearchResponse

# One POST /search may ask this many questions (embedded in one batch) and this many
# results in all (k x questions): together they bound what one request costs.
MAX_BATCH = 10
# k x questions: bounded by the two limits the schema states (no third rule it could not say).
MAX_BATCH_RESULTS = MAX_BATCH * MAX_K
# What the schema says of a question: at least one printable character (the server drops
# control characters and folds white space), at most the default NEWSDEX_MAX_QUERY_CHARS.
QUESTION_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]"
MAX_QUESTION_CHARS = 1000
# In the schema only: search.query.clean_query enforces it, with its own messages.
QUESTION_SCHEMA: JsonDict = {"minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": QUESTION_PATTERN}
MAX_ID_CHARS = MAX_ARTICLE_ID_CHARS
# What the schema says of an article's url: http(s), a host, then anything without white space.
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=:@-]+([/?#][^\x00-\x20\x7f]*)?$"


class _HttpDates:
    """Over HTTP, since after until is a range that holds no day, and finds nothing: the schema
    cannot say the two are ordered, and a request it allows is not refused (issue 12)."""

    @model_validator(mode="after")
    def _dates_in_order(self):  # the same name replaces SearchOptions' check
        return self


# What a listing or an answer can be exported as (search.export), besides the JSON.
ExportFormat = Literal["json", "csv", "jsonl", "md"]
FORMAT_DESCRIPTION = ("json (the default), or an export ready to cite, one row per item: csv, jsonl or md "
                      "(Accept: text/csv asks for csv too).")


class SearchQuery(_HttpDates, SearchOptions):
    """GET /search: the question and its options as query parameters."""

    # A query string is text: here "5" is a k and "true" a flag, as the schema says; the
    # options' strictness is for JSON and Python, where 5 and true can be told from "5".
    model_config = ConfigDict(strict=False)

    q: str = Field(..., json_schema_extra=QUESTION_SCHEMA,
                   description="The question, in plain words.", examples=["what did Kishida say"])
    format: ExportFormat = Field("json", description=FORMAT_DESCRIPTION)


def _one_of_q_or_queries(schema: dict[str, Any]) -> None:
    """The schema says what the validator below and clean_query enforce: exactly one of `q`
    and `queries`, neither of them null, each question with a printable character."""
    for name in ("q", "queries"):
        prop = schema["properties"][name]
        prop.update(next(option for option in prop.pop("anyOf") if option.get("type") != "null"))
        prop.pop("default", None)
    schema["properties"]["q"].update(QUESTION_SCHEMA)
    schema["properties"]["queries"]["items"].update(QUESTION_SCHEMA)
    schema["oneOf"] = [{"required": ["q"]}, {"required": ["queries"]}]
    schema["examples"] = [
        {"q": "Where were North Korean troops deployed?", "k": 3, "explain": True},
        {"queries": ["what did Kishida say", "Who was invited to the NATO summit?"], "k": 2},
    ]


class SearchBody(_HttpDates, SearchOptions):
    """POST /search: one question (`q`) or a batch (`queries`), with the same options.

    A batch asks at most MAX_BATCH questions and MAX_BATCH_RESULTS results in all (k x questions).
    """

    q: str | None = Field(None, description="One question; the answer is a search response.")
    queries: list[str] | None = Field(
        None, min_length=1, max_length=MAX_BATCH,
        description=f"Up to {MAX_BATCH} questions, embedded in one batch, asking at most {MAX_BATCH_RESULTS:,} "
                    "results in all (k x questions); the answer lists one response each.")

    model_config = ConfigDict(json_schema_extra=_one_of_q_or_queries)

    @field_validator("k", "per_article", "rrf_k", "candidates", mode="before")
    @classmethod
    def _json_integers(cls, value: Any) -> Any:
        """JSON has one number type, and its schema counts 5.0 as an integer: so does this
        body (a Python caller of SearchOptions still gets an error for a float)."""
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    @model_validator(mode="after")
    def _one_form(self) -> SearchBody:
        if (self.q is None) == (self.queries is None):
            raise ValueError("give either 'q' (one question) or 'queries' (a list of questions), not both")
        return self


class BatchSearchResponse(BaseModel):
    responses: list[SearchResponse] = Field(description="One response per question, in the order asked.")


SearchAnswer = SearchResponse | BatchSearchResponse


class ArticleSummary(BaseModel):
    id: str
    title: str
    subtitle: str | None = None
    author: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = Field(None, description="The article on the web; only ever an http(s) address.")
    indexed_at: str

    @field_validator("url")
    @classmethod
    def _web_only(cls, value: str | None) -> str | None:
        """An index built before the loader dropped other schemes may still hold a javascript: url."""
        return web_url(value)


# The listings' pages: search.options.Page's bounds and messages, read from a query string
# (text, so "5" is a limit there).
class QuotesQuery(Page):
    """GET /quotes: one page of a person's statements."""

    model_config = ConfigDict(strict=False)

    speaker: str = Field(..., min_length=1, max_length=MAX_SPEAKER_CHARS, pattern=r"\w",
                         description="The speaker, in any form of the name ('Kishida', 'Fumio Kishida'; any case).",
                         examples=["Kishida"])

    format: ExportFormat = Field("json", description=FORMAT_DESCRIPTION)

    @field_validator("speaker", mode="wrap")
    @classmethod
    def _speaker_message(cls, value, handler, info):
        return one_message(value, handler, info)  # the speaker option's messages


class PersonQuery(Page):
    """GET /people/{name}: one page of a person's statements, or those answering `q`."""

    model_config = ConfigDict(strict=False)

    q: str | None = Field(None, json_schema_extra=QUESTION_SCHEMA,
                          description="Search within their statements: those that best answer this, best first.")
    format: ExportFormat = Field("json", description=FORMAT_DESCRIPTION)


class SpeakersQuery(Page):
    """GET /speakers: one page of the people quoted."""

    model_config = ConfigDict(strict=False)

    limit: int = Field(50, ge=1, le=MAX_PAGE, description="Speakers in the page.")


class ArticlesQuery(Page):
    """GET /articles: one page of the article list."""

    model_config = ConfigDict(strict=False)


class ArticlePage(BaseModel):
    articles: list[ArticleSummary]
    total: int = Field(description="Articles in the index.")
    limit: int
    offset: int
    next_offset: int | None = Field(None, description="Offset of the next page; null on the last page.")


class PassageOut(BaseModel):
    id: int
    position: int
    text: str


class ArticleDetail(ArticleSummary):
    dateline: str | None = None
    origin: str | None = Field(None, description="The file the article was read from, below the server's article "
                                                 "folder (else its name alone), or 'api'.")
    text: str = Field(description="The clean article: paragraphs separated by blank lines.")
    passages: list[PassageOut]


# At least one character that is neither space nor control character (cleaning turns those
# into spaces, and Python strips U+001C-U+001F as space where JSON Schema's \s does not), so
# an id or text the schema accepts is one article_from_record accepts.
READABLE = r"[^\s\u0000-\u001f\u007f-\u009f]"


class ArticleIn(BaseModel):
    """One article to add or replace; `text` is cleaned like any scraped page."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS, pattern=READABLE)] | int = Field(
        description=f"Stable id (at most {MAX_ID_CHARS:,} characters); posting the same id again replaces the article.")
    text: str = Field(json_schema_extra={"minLength": 1, "pattern": READABLE},  # article_from_record enforces it
                      description="The article text; paragraphs separated by blank lines.")
    title: str | None = Field(None, description="Without one, the first line is the title.")
    published: str | None = Field(None, description="Publication date, ISO 8601 or a written date.")
    date: str | None = Field(None, description="Same as `published`.")
    source: str | None = None
    url: str | None = Field(None, json_schema_extra={"pattern": URL_PATTERN},  # index.articles.web_url enforces it
                            description="An http or https address; other schemes are refused.")
    author: str | None = None
    subtitle: str | None = None
    lang: str | None = Field(None, description="ISO 639-1 language code (`tr`, `ja`); without one it is detected.")

    @field_validator("url")
    @classmethod
    def _web_only(cls, value: str | None) -> str | None:
        if value is not None and web_url(value) is None:
            raise ValueError("only http and https addresses are accepted")
        return value


class ArticlesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"articles": [{
        "id": "wire-2024-11-20-lima",
        "title": "Leaders agree to form a secretariat in Lima",
        "published": "2024-11-20",
        "source": "Example Wire",
        "text": "Leaders of the three countries agreed on Friday to set up a secretariat.\n\n"
                "The office will coordinate their security cooperation, officials said.",
    }]}]})

    articles: list[ArticleIn] = Field(min_length=1, description="Articles to add or replace, in one new build.")


class WriteReport(BaseModel):
    """What a write changed; `build` names the build now served."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    passages_embedded: int = 0
    seconds: float
    build: str
    articles: int
    passages: int
    skipped: list[str] = Field(default_factory=list, description="Files or records that could not be read, and why.")
    api_articles_kept: int | None = Field(
        None, description="Rebuild only: articles posted over the API (in no file), carried into the new build.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class KeeperOut(BaseModel):
    """One loop keeping the index fresh (`newsdex serve --watch DIR`, `--feeds FILE --every 15m`)."""

    name: str = Field(description="What it follows: 'watch news', 'feeds feeds.txt every 15m'.")
    runs: int = Field(description="Changes applied or tried so far.")
    failures: int = Field(description="Of those, the runs that failed (the index busy, a feed down).")
    running: bool = Field(description="Whether a run is in progress now.")
    last_finished: float | None = Field(None, description="Unix time the last run ended.")
    last_success: float | None = Field(None, description="Unix time the last run that worked ended.")
    last_summary: str | None = Field(None, description="What the last run that worked did.")
    last_error: str | None = Field(None, description="Why the last run failed, when it did; None after a success.")


class Ready(BaseModel):
    """The served index, in the shape `newsdex stats --json` prints (index.store.IndexStats), plus `status`."""

    status: Literal["ready"] = "ready"
    index: str = Field(description="The index directory's name; never a path on the server.")
    build: str
    articles: int
    passages: int
    model: str
    backend: str  # the encoder backend that embedded the passages
    int8_config: str | None = None  # onnx-int8's quantization configuration (avx512_vnni, avx512, avx2, arm64)
    dimension: int
    passage_tokens: int  # the token budget passages were cut to
    faiss_index: str  # the vector structure, e.g. "IDMap2,Flat" or "IDMap2,HNSW32,Flat"
    vectors: dict  # the vector layout: kind, storage and their parameters (index.vectors.Layout)
    size_bytes: int  # newsdex.db and vectors.faiss of the build (not its bm25/ folder)
    keeping: list[KeeperOut] = Field(default_factory=list,
                                     description="The loops keeping the index fresh while serving, if any.")
    built_at: str
    languages: dict[str, int] = Field(default_factory=dict,
                                      description="Articles per language code (\"unknown\": not detected).")


class FieldError(BaseModel):
    """One bad field of a 422: where it is, and what is wrong with it."""

    loc: list[str] = Field(description="Where: query, body or path, then the field's name.")
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """Every error, as RFC 9457 problem details (application/problem+json): `detail` is a sentence
    saying what went wrong and what to do."""

    model_config = ConfigDict(title="Problem")

    type: str = Field("about:blank", description="A URI naming the kind of problem; about:blank: the status "
                                                 "says it.")
    title: str = Field(description="The status's phrase: Not Found, Unprocessable Content, ...",
                       examples=["Not Found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(description="What went wrong and what to do, in one sentence.",
                        examples=["no article with id 'no-such-id'"])
    errors: list[FieldError] | None = Field(None, description="422 only: each bad field.")
