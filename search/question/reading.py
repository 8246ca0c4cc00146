"""Reading a question, once: `read_question` turns the text and the search options into one `Question`.

Every route reads this value and nothing else parses the question: the retrievers take its
`words` and `terms`, the store its `filters` (the date range read from the text among them),
the speaker route its `speaker`, highlights its `terms`, and the answer its `interpreted()`.
The rules themselves are in this package's other modules (dates, speakers, terms); this
module only applies them in order:

1. tidy the text (search.query: control characters out, a length bound);
2. read a date phrase (search.question.dates), unless `dates` is off or since/until is given;
   the range applies only where some passage the other filters allow falls in it, and then
   its words leave what the retrievers see;
3. read whom the rest asks about (search.question.speakers), or take the `speaker` option; a date
   phrase read is left out of it whether or not it applies (it says when, not what about);
4. take the plain words of what is left (search.question.terms).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsdex.index.stores import Filters
from newsdex.search.query import clean_query
from newsdex.search.question.dates import DateReading, read_dates
from newsdex.search.question.speakers import SpeakerAsk, speaker_asked
from newsdex.search.question.terms import query_terms
from newsdex.search.results import Interpreted

if TYPE_CHECKING:  # search.options imports this package (for dates' EARLIEST_AS_OF)
    from newsdex.search.options import SearchOptions


@dataclass(frozen=True)
class Question:
    """One question as newsdex understands it; made by `read_question`, read by every route."""

    text: str  # the question as asked, tidied: what the answer's `query` says
    words: str  # what the retrievers and the model see: `text` less a date phrase that applies
    terms: tuple[str, ...]  # the plain words of `words`: BM25's terms, and the words highlights mark
    filters: Filters  # what the store narrows to: the options' source, article, language, and dates
    dates: DateReading | None  # the date phrase read, whether or not it applies; None: none read
    dates_applied: bool  # whether `filters` holds the range read (False: no passage falls in it)
    speaker: SpeakerAsk | None  # whom the question (or the speaker option) asks about; None: nobody

    @property
    def lang(self) -> str | None:
        """The language the answer keeps to (the `lang` option); None: any."""
        return self.filters.lang

    @property
    def topic(self) -> str:
        """What the question asks about besides whom and when: what a speaker's statements are
        ranked for (the question itself where nothing is left: "what did Kishida say")."""
        return (self.speaker.topic if self.speaker is not None else "") or self.text

    def interpreted(self) -> Interpreted | None:
        """What the answer says was read from the question: the date range; None when none was read."""
        if self.dates is None:
            return None
        return Interpreted(query=self.words, since=self.dates.since, until=self.dates.until,
                           applied=self.dates_applied, phrase=self.dates.phrase, rule=self.dates.rule)


def read_question(text: str, options: SearchOptions, *, max_chars: int,
                  speakers: Callable[[], Iterable[str] | Mapping[str, Sequence[str]]] = tuple,
                  any_passage: Callable[[Filters], bool] = lambda filters: True,
                  date_order: str = "auto") -> Question:
    """The one reading of `text` under `options`; an InvalidQuery when it is no usable question.

    `speakers` gives everyone the index quotes, each with the forms its articles use (asked
    only when the question names someone, or the options do); `any_passage` says whether any
    passage passes some filters, so that a range no article falls in is read but not applied:
    an empty answer would help nobody. `date_order` is how a numeric date ("1/18/23") is read:
    the date_order setting (dates.DATE_ORDERS).
    """
    cleaned = clean_query(text, max_chars)
    reading = _dates_of(cleaned, options, date_order)
    filters = _filters(options, options.since, options.until)
    applied = False
    if reading is not None:
        dated = _filters(options, reading.since, reading.until)
        if any_passage(dated):
            filters, applied = dated, True
    words = reading.query if reading is not None and applied else cleaned
    # Whom it asks about, in the question less its date phrase, applied or not: "since March"
    # is when, never what about ("what has Kishida said since March" asks about nothing more).
    asked = speaker_asked(reading.query if reading is not None else cleaned, options.speaker, speakers)
    return Question(text=cleaned, words=words, terms=tuple(query_terms(words)), filters=filters, dates=reading,
                    dates_applied=applied, speaker=asked)


def _dates_of(question: str, options: SearchOptions, date_order: str) -> DateReading | None:
    """The date range a question names, unless dates are off or a --since/--until flag sets it (flags win)."""
    if not options.dates or options.since is not None or options.until is not None:
        return None
    return read_dates(question, options.reference_day(), date_order)


def _filters(options: SearchOptions, since: str | None, until: str | None) -> Filters:
    """The search's filters with a date range: the flags' own, or one read from a question."""
    return Filters(source=options.source, since=since, until=until, article=options.article, lang=options.lang)

