"""Reading the dates a question names ("in July 2024", "since October", "last week") as a since/until range.

A pure step of question understanding: `read_dates(question, as_of)` returns the question
without its date phrase and the range the phrase means. dateparser reads the date itself
(month names in many languages, "3 days ago"); this module decides what counts as a date
phrase at all. It is strict on purpose: a phrase is read only where a cue word ("in",
"since", "between ... and") or a year makes it plainly a date, since reading "Theresa May
said" or "the 1963 Test Ban Treaty" as a date would filter out every right answer, while
leaving a real date phrase alone only costs a little precision.

A date is a plain day, month or year (dateparser reads it), a phrase relative to the reference
day (read here), or one of the periods of search.question.periods (seasons, "early November",
"Q3 2023", "the week of ...", "1/18/23"; read there, without dateparser). Every cue takes every
kind, and a range's two ends lend each other a year ("between June and August 2023"). The
reading says which words it read (`phrase`) and by which rule (`rule`: the cue and each date's form).

Reading is bounded whatever the question holds: candidate phrases are tried in the order they
stand, a day its month never has ("31 November") is refused before dateparser sees it, each
phrase is parsed once, and at most MAX_PARSES phrases reach dateparser per question. Every
range is cut to the days a date can hold (0001-01-01 to 9999-12-31): "the past 999 years"
from 0500 starts on 0001-01-01, and a phrase that holds no such day ("999 days ago" from
0002-01-01, "before 0001-01-01") is left in the question like one dateparser cannot read.
"""

from __future__ import annotations

import calendar
import functools
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from newsdex.search.question import periods
from newsdex.search.question.periods import (
    DAY,
    FIRST_DAY,
    FORMS,
    LAST_DAY,
    MONTH,
    MONTH_NUMBER,
    SEASONS,
    YEAR,
    OffCalendar,
    days,
    read_period,
)

# One absolute date: a period of search.question.periods ("the spring of 2023", "early November",
# "Q3 2023", "1/18/23"), or "22 November 1963", "November 22, 1963", "noviembre de 2023",
# "July 2024", "July", "1963", "2024-07-05".
_ABSOLUTE = ("(?:" + "|".join(form.pattern for form in FORMS)
             + rf"|\d{{4}}-\d\d-\d\d|\d{{4}}-\d\d|{DAY}\.?\s+(?:de\s+)?{MONTH}(?:,?\s+(?:de\s+)?{YEAR})?"
             rf"|{MONTH}\s+{DAY}(?:,\s*|\s+){YEAR}|{MONTH}(?:\s+(?:(?:of|de|del)\s+)?{YEAR})?|{YEAR})")
_RELATIVE = (r"(?:yesterday|today|this\s+(?:week|month|year)|(?:last|past|previous)\s+(?:week|month|year)"
             r"|(?:the\s+)?(?:last|past)\s+\d{1,3}\s+(?:days?|weeks?|months?|years?)"
             r"|\d{1,3}\s+(?:days?|weeks?|months?|years?)\s+ago)")
# Cue words before a date, English first, then the German, French and Spanish ones.
_IN = r"(?:in|during|on|im|am|en|au|pendant|durant|cours\s+de|durante)"
_SINCE = r"(?:since|from|seit|ab|depuis|desde)"
_AFTER = r"(?:after|nach|après|apres|después\s+de)"
_BEFORE = r"(?:before|vor|avant|antes\s+de)"
_UNTIL = r"(?:until|till|through|up\s+to|bis|jusqu'?à|jusqu'en|hasta)"
_AND = r"(?:and|to|until|through|und|bis|et|à|y|a|hasta|-|–)"
_BETWEEN = r"(?:between|from|zwischen|von|entre|de|du|desde)"

_PATTERNS = [
    ("range", re.compile(rf"\b{_BETWEEN}\s+(?P<a>{_ABSOLUTE})\s+{_AND}\s+(?P<b>{_ABSOLUTE})(?!\w)", re.I)),
    ("since", re.compile(rf"\b{_SINCE}\s+(?P<a>{_ABSOLUTE}|{_RELATIVE})(?!\w)", re.I)),
    ("after", re.compile(rf"\b{_AFTER}\s+(?P<a>{_ABSOLUTE})(?!\w)", re.I)),
    ("before", re.compile(rf"\b{_BEFORE}\s+(?P<a>{_ABSOLUTE})(?!\w)", re.I)),
    ("until", re.compile(rf"\b{_UNTIL}\s+(?P<a>{_ABSOLUTE})(?!\w)", re.I)),
    # "the last week" but not "the last week of February", a week of a month (search.question.periods).
    ("in", re.compile(rf"\b(?:{_IN}\s+)?(?:the\s+)?(?P<a>{_RELATIVE})(?!\w|\s+of\s)", re.I)),
    ("in", re.compile(rf"\b{_IN}\s+(?P<a>{_ABSOLUTE})(?!\w)", re.I)),
    # Without a cue only what is plainly a date: a day or a month with its year, or a period
    # written plainly enough ("summer 2024", "early November", "Q3 2023", "1/18/23").
    ("in", re.compile(r"(?<![\w/.])(?P<a>" + "|".join(form.bare for form in FORMS if form.bare)
                      + rf"|\d{{4}}-\d\d-\d\d|{DAY}\.?\s+(?:de\s+)?{MONTH},?\s+(?:de\s+)?{YEAR}"
                      rf"|{MONTH}\s+{DAY},?\s+{YEAR}|{MONTH}\s+(?:(?:of|de|del)\s+)?{YEAR})(?!\w)", re.I)),
]
# The relative phrases, read here rather than by dateparser.
_RELATIVE_WORDS = re.compile(_RELATIVE)
_SPACE = re.compile(r"\s+")
# A space left before a mark where a phrase was removed ("Kursk , ?"): white space is
# folded first, so this never scans a run (a run of spaces or commas would make it quadratic).
_DANGLING = re.compile(r" ([,.;:?!])")
# The words and numbers of a phrase, for the check of its day against its month.
_TOKEN = re.compile(r"[^\W\d_]+|\d+")

# The most units a relative phrase counts back ("the past 999 years": _RELATIVE's \d{1,3}).
MAX_COUNT = 999
# The first reference day from which no relative phrase reaches before 0001-01-01; search.options
# refuses an earlier as_of, for "yesterday" as of 0001-01-01 names no day at all.
EARLIEST_AS_OF = date(MAX_COUNT + 1, 1, 1)
# Phrases dateparser reads per question (a call that fails is the dearest part of reading):
# a question of a hundred date-like phrases costs no more than one of a few. The first
# readable phrase is nearly always the first tried; the others are left as words.
MAX_PARSES = 4
# How a numeric date is read (the date_order setting): auto is month first with "/" (1/18/23)
# and day first with "." (18.01.2023); month-first and day-first apply to both.
DATE_ORDERS = ("auto", "month-first", "day-first")
# What `rule` says of each cue ("in", or none, says only the form: "month").
_CUES = {"range": "between A and B", "since": "since A", "after": "after A", "before": "before A",
         "until": "until A"}


@dataclass(frozen=True)
class DateReading:
    """A question's date phrase and the inclusive range (YYYY-MM-DD) it means; None where open."""

    query: str  # the question without the phrase: what the retrievers see
    phrase: str  # the words read as the date
    since: str | None
    until: str | None
    rule: str = ""  # which rule read them: the cue, and the form of each date ("since A: month")


@dataclass(frozen=True)
class _Span:
    """The days one date of a phrase covers, the form it is written in, and whether it names its year."""

    first: date
    last: date
    form: str
    has_year: bool


def read_dates(question: str, as_of: date, order: str = "auto") -> DateReading | None:
    """The first date phrase of `question` read against `as_of` (for "last week", "October"), or None.

    `order` is how a numeric date is read (DATE_ORDERS). A phrase dateparser cannot read is left
    in the question. A question that is nothing but its date ("yesterday") keeps its words, for
    the retrievers need some, and the range still applies.
    """
    parse = _Parses(as_of)
    try:
        for _, _, kind, match in _candidates(question):
            if _a_name(question, match):
                continue
            reading = _read(kind, match, as_of, parse, order)
            if reading is not None:
                break
        else:
            return None
    except OffCalendar:
        return None  # a date phrase, but of no day a date can hold: left as words, not read in part
    since, until, rule = reading
    rest = _SPACE.sub(" ", question[:match.start()] + " " + question[match.end():])
    rest = _DANGLING.sub(r"\1", rest).strip(" ,;:")
    if not any(ch.isalnum() for ch in rest):
        rest = question
    return DateReading(query=rest, phrase=match.group().strip(), since=since, until=until, rule=rule)


def _candidates(question: str) -> Iterator[tuple[int, int, str, re.Match]]:
    """Every pattern's matches, in the order they stand (at one place, in _PATTERNS' order):
    the first readable one is the phrase, so reading stops there."""
    return heapq.merge(*([(match.start(), order, kind, match) for match in pattern.finditer(question)]
                         for order, (kind, pattern) in enumerate(_PATTERNS)))


def _a_name(question: str, match: re.Match) -> bool:
    """Whether a season word is part of a name: "Prague Spring of 1968", "Arab Spring 2011" (a
    capitalised word before a phrase with no cue), "in Spring Valley" (one after it). Only the
    word on either side is looked at, so this costs the same however long the question."""
    words = _TOKEN.findall(match.group().lower())
    if not any(word in SEASONS for word in words):
        return False
    after = question[match.end():match.end() + 2]
    if not words[-1].isdigit() and len(after) == 2 and after[0] == " " and after[1].isupper():
        return True
    before = question[max(0, match.start() - 40):match.start()].split()
    return bool(before) and before[-1][:1].isupper() and words[0] in SEASONS


class _Parses:
    """dateparser for one question: each phrase read once, at most MAX_PARSES phrases in all."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self.read: dict[str, tuple[date, str] | None] = {}

    def __call__(self, words: str) -> tuple[date, str] | None:
        if words not in self.read:
            if len(self.read) >= MAX_PARSES:
                return None
            self.read[words] = _parse(words, self.as_of)
        return self.read[words]


def _read(kind: str, match: re.Match, as_of: date, parse: _Parses,
          order: str) -> tuple[str | None, str | None, str] | None:
    """(since, until, rule) of one candidate phrase; None where it is no readable date."""
    first = _span(match.group("a"), as_of, parse, order)
    if first is None:
        return None
    start, end = first.first, first.last
    rule = _described(first) if kind == "in" else f"{_CUES[kind]}: {_described(first)}"
    if kind == "range":
        second = _span(match.group("b"), as_of, parse, order)
        if second is None:
            return None
        a, b = _described(first), _described(second)
        if second.has_year and not first.has_year:
            # "between June and August 2023": June of August's year (of the year before where it
            # comes later in the year: "between November and February 2024").
            start = _in_year(first.first, second.first.year)
            if start > second.first:
                start = _in_year(first.first, second.first.year - 1)
            a = f"{first.form}, in B's year"
        elif first.has_year and not second.has_year:
            # "from January 2023 to March": March of January's year, or of the next.
            second = _moved(second, first.first.year)
            if second.first < start:
                second = _moved(second, first.first.year + 1)
            b = f"{second.form}, the first after A"
        elif not first.has_year and start > second.first:
            # "between November and February": the first month is the year before.
            start = _in_year(start, start.year - 1)
        if start > second.last:
            return None
        rule = f"{_CUES[kind]}: A {a}; B {b}"
        return start.isoformat(), second.last.isoformat(), rule
    if kind == "since":
        return start.isoformat(), None, rule
    if kind == "after":
        return days(end.toordinal() + 1, LAST_DAY)[0].isoformat(), None, rule
    if kind == "before":
        return None, days(FIRST_DAY, start.toordinal() - 1)[1].isoformat(), rule
    if kind == "until":
        return None, end.isoformat(), rule
    return start.isoformat(), end.isoformat(), rule


def _described(span: _Span) -> str:
    """A span's form for `rule`, with how a date without its year was placed."""
    return span.form + ("" if span.has_year else " (no year: the last one begun by the reference day)")


def _moved(span: _Span, year: int) -> _Span:
    """`span` moved whole to begin in `year`."""
    last = _in_year(span.last, span.last.year + year - span.first.year)
    if span.last.day == calendar.monthrange(span.last.year, span.last.month)[1]:  # February's end stays its end
        last = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return _Span(_in_year(span.first, year), last, span.form, True)


def _span(text: str, as_of: date, parse: _Parses, order: str) -> _Span | None:
    """The first and last day that `text` (one date, absolute or relative) covers, and its form."""
    words = _SPACE.sub(" ", text.lower().strip())
    if _RELATIVE_WORDS.fullmatch(words):
        return _Span(*_relative(words, as_of), "relative to the reference day (as_of)", True)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", words):
        try:
            day = date.fromisoformat(words)
        except ValueError:
            return None
        return _Span(day, day, "day", True)
    if re.fullmatch(YEAR, words):
        return _Span(date(int(words), 1, 1), date(int(words), 12, 31), "year", True)
    period = read_period(_SPACE.sub(" ", text.strip()), as_of, order)
    if period is not None:
        form, covered = period
        if covered is None:
            return None
        name = form.name
        if name == "numeric date":
            name = f"numeric date, {periods.numeric_first(text, order)} first (date_order {order})"
        has_year = bool(re.search(rf"{YEAR}|['’]\d\d", words)) or name.startswith(("numeric", "ISO"))
        return _Span(covered[0], covered[1], name, has_year)
    if _impossible(words):
        return None
    parsed = parse(words)
    if parsed is None:
        return None
    when, period_name = parsed
    has_year = bool(re.search(YEAR, words))
    if period_name == "year":
        return _Span(date(when.year, 1, 1), date(when.year, 12, 31), "year", True)
    if period_name == "month":
        last = when.replace(day=calendar.monthrange(when.year, when.month)[1])
        return _Span(when.replace(day=1), last, "month", has_year)
    return _Span(when, when, "day", has_year)

def _relative(words: str, as_of: date) -> tuple[date, date]:
    """The days a relative phrase (one _RELATIVE matches) covers, cut to the calendar (see periods.days)."""
    today = as_of.toordinal()
    if words == "yesterday":
        return days(today - 1, today - 1)
    match = re.fullmatch(r"this (week|month|year)", words)
    if match:
        unit = match.group(1)
        if unit == "week":
            return days(today - as_of.weekday(), today)
        return as_of.replace(day=1) if unit == "month" else as_of.replace(month=1, day=1), as_of
    match = re.fullmatch(r"(?:last|past|previous) (week|month|year)", words)
    if match:
        unit = match.group(1)
        if unit == "week":  # the seven days before as_of
            return days(today - 7, today - 1)
        if unit == "month":  # the calendar month before as_of's
            end = as_of.replace(day=1).toordinal() - 1
            last = days(end, end)[1]
            return last.replace(day=1), last
        if as_of.year == date.min.year:
            raise OffCalendar
        return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
    match = re.fullmatch(r"(?:the )?(?:last|past) (\d{1,3}) (day|week|month|year)s?", words)
    if match:
        return days(_back(as_of, int(match.group(1)), match.group(2)), today)
    match = re.fullmatch(r"(\d{1,3}) (day|week|month|year)s? ago", words)
    if match:
        day = _back(as_of, int(match.group(1)), match.group(2))
        return days(day, day)
    return as_of, as_of  # "today", the only form left


def _back(as_of: date, count: int, unit: str) -> int:
    """The ordinal of the day `count` units before as_of: below FIRST_DAY where that day is
    before the calendar (a month or year back keeps the day of the month where it can)."""
    if unit in ("day", "week"):
        return as_of.toordinal() - count * (7 if unit == "week" else 1)
    months = as_of.year * 12 + as_of.month - 1 - (count if unit == "month" else 12 * count)
    year, month = divmod(months, 12)
    if year < 1:
        return FIRST_DAY - 1
    return date(year, month + 1, min(as_of.day, calendar.monthrange(year, month + 1)[1])).toordinal()


def _in_year(day: date, year: int) -> date:
    """`day` moved to `year` (29 February to the 28th where it must); OffCalendar for a year no date holds."""
    if not date.min.year <= year <= date.max.year:
        raise OffCalendar
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _impossible(words: str) -> bool:
    """Whether a phrase names a day its month never has ("31 nov, 2024", "29 february 2023")
    or a month past December ("2024-13"): refused here, as dateparser would refuse it, but
    without the cost of asking it."""
    iso = re.fullmatch(r"\d{4}-(\d\d)", words)
    if iso:
        return not 1 <= int(iso.group(1)) <= 12
    tokens = _TOKEN.findall(words)
    month = next((MONTH_NUMBER[t] for t in tokens if t in MONTH_NUMBER), None)
    day = next((int(t) for t in tokens if t.isdigit() and len(t) <= 2), None)
    if month is None or day is None:
        return False
    year = next((int(t) for t in tokens if t.isdigit() and len(t) == 4), 2000)  # no year: a leap one
    return not 1 <= day <= calendar.monthrange(year, month)[1]


def _parse(words: str, as_of: date) -> tuple[date, str] | None:
    """dateparser's reading of one date phrase: the date and its period (day, month or year)."""
    data = _parser(as_of).get_date_data(words.rstrip("."))
    if data.date_obj is None:
        return None
    return data.date_obj.date(), data.period or "day"


@functools.lru_cache(maxsize=8)
def _parser(as_of: date):
    from dateparser.date import DateDataParser  # imported here: it takes a moment, and not every search reads dates

    base = datetime(as_of.year, as_of.month, as_of.day)
    # A month named without its year ("since October") is the last one before as_of.
    return DateDataParser(languages=["en", "de", "fr", "es"],
                          settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past",
                                    "PREFER_DAY_OF_MONTH": "first", "RETURN_TIME_AS_PERIOD": True})
