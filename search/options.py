"""Search options: everything a search accepts besides the question, declared and checked once.

The Searcher takes a `SearchOptions`; the CLI builds one from its flags, the HTTP API uses
it as its schema, the eval builds one per mode. Each option has one message, naming it,
whichever edge it came through; `describe` turns a ValidationError into one line. A page of
a listing (quotes, speakers, articles) is checked the same way, by `Page`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from newsdex.errors import InvalidQuery
from newsdex.search.question.dates import EARLIEST_AS_OF
from newsdex.settings import Settings

MODES = ("dense", "lexical", "hybrid")
MAX_K = 100
MAX_SOURCE_CHARS = 200
MAX_ARTICLE_ID_CHARS = 1000
MAX_SPEAKER_CHARS = 200
# The same bounds as the Settings these options override per question.
MAX_RRF_K = 10_000
MAX_CANDIDATES = 10_000
MAX_PAGE = 100  # items in one page of a listing
# Items a listing may skip. SQLite's OFFSET takes at most 2**63 - 1 (Python's sqlite3 raises
# OverflowError past it); no index comes near this bound, which CLI, API and Python share.
MAX_OFFSET = 1_000_000_000
# Results a search may skip (its pages): offset + k results are ranked to show the last k.
MAX_SEARCH_OFFSET = 900
FACET_NAMES = ("source", "month", "speaker", "lang")  # index.stores.FACETS
FACETS_PATTERN = rf"^({'|'.join(FACET_NAMES)})(,({'|'.join(FACET_NAMES)}))*$"

Mode = Literal["dense", "lexical", "hybrid"]

# The error type of every message below, so the edges can tell ours from pydantic's own.
OPTION_ERROR = "search_option"

MESSAGES = {
    "k": f"k must be between 1 and {MAX_K} (a whole number), got {{got}}",
    "mode": f"unknown mode {{got}}: choose one of {', '.join(MODES)}",
    "per_article": "per_article must be a whole number of at least 1, got {got}",
    "source": f"source must be text of at most {MAX_SOURCE_CHARS} characters, got {{got}}",
    "since": "since must be a date written YYYY-MM-DD, got {got}",
    "until": "until must be a date written YYYY-MM-DD, got {got}",
    "article": f"article must be an article id of at most {MAX_ARTICLE_ID_CHARS:,} characters, got {{got}}",
    "lang": "lang must be a language code such as en, tr or ja (ISO 639-1, lower case), got {got}",
    "speaker": f"speaker must be a name of at most {MAX_SPEAKER_CHARS} characters, got {{got}}",
    "explain": "explain must be true or false, got {got}",
    "highlight": "highlight must be true or false, got {got}",
    "dense_weight": "dense_weight must be a number of at least 0, got {got}",
    "lexical_weight": "lexical_weight must be a number of at least 0, got {got}",
    "article_weight": "article_weight must be a number of at least 0, got {got}",
    "rrf_k": f"rrf_k must be a whole number between 0 and {MAX_RRF_K:,}, got {{got}}",
    "candidates": f"candidates must be a whole number between 1 and {MAX_CANDIDATES:,}, got {{got}}",
    "as_of": f"as_of must be a date written YYYY-MM-DD, {EARLIEST_AS_OF.isoformat()} or later, got {{got}}",
    "dates": "dates must be true or false, got {got}",
    "offset": f"offset must be a whole number between 0 and {MAX_SEARCH_OFFSET}, got {{got}}",
    "facets": f"facets must be a comma-separated list of {', '.join(FACET_NAMES)}, got {{got}}",
    "recency": "recency must be a half-life such as 30d, 2w, 6m or 1y (at least one day), got {got}",
}
# Where an option's sentence would not say what is wrong, pydantic's error type picks another.
CAUSES = {
    ("speaker", "string_pattern_mismatch"): "speaker must be a name with a letter or digit in it, got {got}",
    ("speaker", "string_too_short"): "speaker must be a name with a letter or digit in it, got {got}",
}
PAGE_MESSAGES = {
    "limit": f"limit must be a whole number between 1 and {MAX_PAGE}, got {{got}}",
    "offset": f"offset must be a whole number between 0 and {MAX_OFFSET:,}, got {{got}}",
}


def _real_date(value: str | None) -> str | None:
    if value is not None:
        date.fromisoformat(value)  # the pattern lets 2024-02-30 through
    return value


# A half-life: a whole number of days, weeks, months (30 days) or years (365 days).
RECENCY_PATTERN = r"^[1-9]\d{0,4}[dwmy]$"
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}

_NUMBER = re.compile(r"-?\d{1,20}(\.\d{1,20})?")


def _reference_date(value: str | None) -> str | None:
    if value is not None and date.fromisoformat(value) < EARLIEST_AS_OF:
        raise ValueError("before the first reference day")  # MESSAGES["as_of"] says which
    return value


IsoDate = Annotated[str | None, AfterValidator(_real_date)]
ReferenceDate = Annotated[str | None, AfterValidator(_real_date), AfterValidator(_reference_date)]
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# as_of's years, 1000 to 9999, as the schema can say them (_reference_date checks EARLIEST_AS_OF).
AS_OF_PATTERN = r"^[1-9]\d{3}-\d{2}-\d{2}$"


class SearchOptions(BaseModel):
    """What a search accepts besides the question. Dates are YYYY-MM-DD, both inclusive, and
    since may not be after until (over HTTP it may: see api.schemas).

    Strict: a number must be a number and a flag true or false (`"5"` and `true` are not a
    k), since a lenient reading hides a caller's mistake. The fusion options left unset
    (None) take the Settings' values (NEWSDEX_RRF_K, ...).
    """

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    k: int = Field(5, ge=1, le=MAX_K, description="How many passages to return.")
    mode: Mode = Field("hybrid", description="dense (meaning), lexical (BM25 words) or hybrid (both, fused).")
    per_article: int | None = Field(None, ge=1, description="At most this many passages of one article.")
    source: str | None = Field(None, max_length=MAX_SOURCE_CHARS, description="Only articles from this source (any "
                                                                              "case).")
    since: IsoDate = Field(None, pattern=DATE_PATTERN, json_schema_extra={"format": "date"},
                           description="Only articles published on or after YYYY-MM-DD.")
    until: IsoDate = Field(None, pattern=DATE_PATTERN, json_schema_extra={"format": "date"},
                           description="Only articles published on or before YYYY-MM-DD.")
    article: str | None = Field(None, max_length=MAX_ARTICLE_ID_CHARS,
                                description="Only passages of the article with this id.")
    lang: str | None = Field(None, pattern=r"^[a-z]{2,3}$",
                             description="Only articles in this language (ISO 639-1: en, tr, ja; `newsdex stats` "
                                         "lists the index's).")
    speaker: str | None = Field(None, min_length=1, max_length=MAX_SPEAKER_CHARS, pattern=r"\w",
                                description="Answer with this person's statements first (any form of the name: "
                                            "'Kishida', 'Fumio Kishida'), best first for the question.")
    explain: bool = Field(False, description="Add each result's dense, lexical and fused rank and score.")
    highlight: bool = Field(True, description="Mark the best-answering sentences and the query terms; false "
                                              "answers several times faster (the model reads no sentences).")
    dense_weight: float | None = Field(None, ge=0, allow_inf_nan=False,
                                       description="Weight of the dense ranking in the fusion (default "
                                                   "NEWSDEX_DENSE_WEIGHT).")
    lexical_weight: float | None = Field(None, ge=0, allow_inf_nan=False,
                                         description="Weight of the BM25 ranking in the fusion (default "
                                                     "NEWSDEX_LEXICAL_WEIGHT).")
    article_weight: float | None = Field(None, ge=0, allow_inf_nan=False,
                                         description="Weight of the whole-article BM25 ranking, fused in when "
                                                     "results are grouped per article (default "
                                                     "NEWSDEX_ARTICLE_WEIGHT; 0: off).")
    rrf_k: int | None = Field(None, ge=0, le=MAX_RRF_K,
                              description="Fusion constant: score = sum weight / (rrf_k + rank) (default "
                                          "NEWSDEX_RRF_K).")
    candidates: int | None = Field(None, ge=1, le=MAX_CANDIDATES,
                                   description="Passages each retriever hands to the fusion (default "
                                               "NEWSDEX_CANDIDATES).")

    as_of: ReferenceDate = Field(None, pattern=AS_OF_PATTERN, json_schema_extra={"format": "date"},
                                 description="Read relative dates in the question (\"last week\") and --recency's "
                                             "ages as of YYYY-MM-DD instead of today; from 1000-01-01 on.")
    dates: bool = Field(True, description="Read a date phrase in the question (\"in July 2024\", \"since "
                                          "October\") as a since/until range; false leaves the words alone.")
    recency: str | None = Field(None, pattern=RECENCY_PATTERN,
                                description="Half-life (30d, 2w, 6m, 1y): each result's score is multiplied by "
                                            "0.5 ** (age / half-life); undated articles by the median factor "
                                            "of the dated candidates. Off by default.")

    offset: int = Field(0, ge=0, le=MAX_SEARCH_OFFSET,
                        description="Results skipped before the k shown: the next page is offset + k. The same "
                                    "question and options page through one ranking.")
    facets: str | None = Field(None, pattern=FACETS_PATTERN,
                               description="Count the candidates' articles by these, comma-separated: source, "
                                           "month, speaker, lang.")

    @field_validator(*MESSAGES, mode="wrap")
    @classmethod
    def _one_message(cls, value, handler, info):
        """Whatever pydantic found wrong (type, range, length, pattern), the option's own sentence."""
        return one_message(value, handler, info)

    @model_validator(mode="after")
    def _dates_in_order(self) -> SearchOptions:
        if self.since and self.until and self.since > self.until:
            raise option_error(f"since ({self.since}) is after until ({self.until})")
        return self

    @property
    def half_life_days(self) -> int | None:
        """`recency` in days, or None when recency is off."""
        if self.recency is None:
            return None
        return int(self.recency[:-1]) * _UNIT_DAYS[self.recency[-1]]

    @property
    def facet_names(self) -> tuple[str, ...]:
        """The facets asked for, each once, in the order asked."""
        return tuple(dict.fromkeys(self.facets.split(","))) if self.facets else ()

    def reference_day(self) -> date:
        """The day relative dates and ages count from: as_of, else today."""
        return date.fromisoformat(self.as_of) if self.as_of else date.today()

    def fusion(self, settings: Settings) -> Fusion:
        """The fusion's values for this search: these options' own where set, else `settings`'."""
        return Fusion(
            dense_weight=settings.dense_weight if self.dense_weight is None else self.dense_weight,
            lexical_weight=settings.lexical_weight if self.lexical_weight is None else self.lexical_weight,
            article_weight=settings.article_weight if self.article_weight is None else self.article_weight,
            rrf_k=settings.rrf_k if self.rrf_k is None else self.rrf_k,
            candidates=settings.candidates if self.candidates is None else self.candidates,
        )


def one_message(value, handler, info: ValidationInfo, messages: Mapping[str, str] = MESSAGES):
    """A wrap validator's body: `handler(value)`, or the field's own sentence (MESSAGES,
    CAUSES, PAGE_MESSAGES) for whatever pydantic found wrong (type, range, length, pattern)."""
    try:
        return handler(value)
    except ValidationError as exc:
        # Where everything arrives as text (a query string, see api.schemas), quotes
        # around k=500 would say its type is the problem.
        text_only = (info.config or {}).get("strict") is False
        got = value if text_only and isinstance(value, str) and _NUMBER.fullmatch(value) else _shown(value)
        name = info.field_name or ""
        cause = exc.errors(include_url=False)[0]["type"]
        message = CAUSES.get((name, cause)) or messages.get(name) or MESSAGES.get(name) or PAGE_MESSAGES[name]
        raise option_error(message.format(got=got)) from None


class Page(BaseModel):
    """One page of a listing (`newsdex quotes` and `speakers`, GET /quotes, /speakers and
    /articles, Searcher.quotes ...): checked once, with one message each, like SearchOptions."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    limit: int = Field(20, ge=1, le=MAX_PAGE, description="Items in the page.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items skipped before the page.")

    @field_validator(*PAGE_MESSAGES, mode="wrap")
    @classmethod
    def _one_message(cls, value, handler, info):
        return one_message(value, handler, info, PAGE_MESSAGES)


def check_page(limit: int = 20, offset: int = 0, names: Mapping[str, str] | None = None) -> Page:
    """A checked Page; a bad limit or offset is an InvalidQuery naming it (as `names` say, see describe)."""
    try:
        return Page(limit=limit, offset=offset)
    except ValidationError as exc:
        raise InvalidQuery(describe(exc, names)) from None


@dataclass(frozen=True)
class Fusion:
    """The fusion options of one search, none left unset: what the Searcher ranks with."""

    dense_weight: float
    lexical_weight: float
    article_weight: float
    rrf_k: int
    candidates: int


def search_options(options: SearchOptions | None = None, **values) -> SearchOptions:
    """`options` with `values` laid over it (`k=3, mode="dense"`), checked; a bad one is an InvalidQuery."""
    if options is not None and not isinstance(options, SearchOptions):
        raise TypeError(f"options must be a SearchOptions, not {type(options).__name__}; "
                        "pass single options by name, e.g. search(question, k=3)")
    if not values:
        return options if options is not None else SearchOptions()
    given = options.model_dump(include=set(SearchOptions.model_fields), exclude_unset=True) if options else {}
    try:
        return SearchOptions(**{**given, **values})
    except ValidationError as exc:
        raise InvalidQuery(describe(exc)) from None


def describe(error: ValidationError, names: Mapping[str, str] | None = None) -> str:
    """All of `error`'s problems in one line. `names` maps an option to what the user typed
    (the CLI's `--per-article`), which then leads its message."""
    problems = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"]
        if names and where in names:
            problems.append(f"{names[where]}: {message}")
        elif problem["type"] == OPTION_ERROR or not where:
            problems.append(message)  # our messages name their option
        else:
            problems.append(f"{where}: {message}")
    return "; ".join(problems)


def option_error(message: str) -> PydanticCustomError:
    """A validator's error whose message is shown as is (no "Value error, " in front)."""
    # The message travels in the context: a template would read braces in a user's value.
    return PydanticCustomError(OPTION_ERROR, "{message}", {"message": message})


def _shown(value) -> str:
    """A rejected value as a message quotes it: a megabyte of text is described, not repeated."""
    if isinstance(value, str) and len(value) > 60:
        return f"a text of {len(value):,} characters"
    if value is None or isinstance(value, (str, int, float, bool)):
        return repr(value)
    return f"a {type(value).__name__}"
